# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Every view of the module draws in the web client: each field's widget is
one that sao 8.0 knows for its kind of view.

sao builds a list's column or a form's widget from a table of widgets
(`Sao.View.TreeXMLViewParser.WIDGETS`, `Sao.View.FormXMLViewParser.WIDGETS`
in tryton-sao's dist file) and stops drawing with "ColumnFactory is not a
constructor" on any other, a date and time among them in a list: Tryton's own
lists show one as two columns, `widget="date"` and `widget="time"`."""
import unittest

from lxml import etree

from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

SAO_WIDGETS = {
    'tree': {
        'binary', 'boolean', 'callto', 'char', 'date', 'dict', 'email',
        'float', 'image', 'integer', 'many2many', 'many2one', 'numeric',
        'one2many', 'one2one', 'progressbar', 'reference', 'selection',
        'multiselection', 'sip', 'text', 'time', 'timedelta', 'url'},
    'form': {
        'binary', 'boolean', 'callto', 'char', 'color', 'date', 'datetime',
        'dict', 'document', 'email', 'float', 'html', 'image', 'integer',
        'many2many', 'many2one', 'multiselection', 'numeric', 'one2many',
        'one2one', 'password', 'progressbar', 'pyson', 'reference',
        'richtext', 'selection', 'sip', 'text', 'time', 'timedelta',
        'timestamp', 'url'},
    }


def unknown_widgets(view):
    """The fields of view (as fields_view_get gives it) whose widget sao
    does not know for the view's type, as 'field: widget'"""
    known = SAO_WIDGETS.get(view['type'])
    if known is None:
        return []
    arch = etree.fromstring(view['arch'])
    unknown = []
    for element in arch.iter('field'):
        name = element.get('name')
        widget = element.get('widget') or view['fields'][name]['type']
        if widget not in known:
            unknown.append('%s: %s' % (name, widget))
    return unknown


class ViewsTestCase(unittest.TestCase):
    "Test that sao can draw every view of the module"

    @classmethod
    def setUpClass(cls):
        activate_module('crm_counterparty')

    @with_transaction()
    def test_sao_knows_every_widget(self):
        "Each list and form of the module, with what it inherits, draws"
        pool = Pool()
        View = pool.get('ir.ui.view')
        views = View.search([
                ('module', '=', 'crm_counterparty'),
                ('model', '!=', None),
                ])
        unknown = {}
        for view in views:
            Model = pool.get(view.model)
            # An inheriting view is drawn merged into the one it extends
            shown = view.inherit or view
            found = unknown_widgets(Model.fields_view_get(shown.id))
            if found:
                unknown['%s (%s)' % (view.name or shown.name, view.model)] = (
                    found)
        self.assertEqual(unknown, {})
        # The check itself: a date and time in a list is refused
        self.assertEqual(unknown_widgets({
                    'type': 'tree', 'arch': '<tree><field name="d"/></tree>',
                    'fields': {'d': {'type': 'timestamp'}}}),
            ['d: timestamp'])
