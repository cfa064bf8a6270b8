# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Custom fields of the counterparty card that an administrator adds
without code.

A fields.Dict would keep them in one column, but sao shows a Dict as one
list column, and export and sorting do not reach its keys.  So the card
carries a few real, empty fields of each kind (text, number, date, yes/no,
selection, employee), and a definition made by the administrator takes one
of them: it gets the definition's label and options and appears on the card
and as an optional list column; being a real column it is searched,
filtered, sorted, exported and mass edited like any other field.  The
number of fields of each kind is SLOTS."""
from lxml import etree

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import CustomFieldSlotsFull

SLOTS = 5
KINDS = {
    'text': lambda s: fields.Char(s),
    'number': lambda s: fields.Numeric(s, digits=(16, 4)),
    'date': lambda s: fields.Date(s),
    'boolean': lambda s: fields.Boolean(s),
    'selection': None,  # made with its own options method below
    'employee': lambda s: fields.Many2One(
        'company.employee', s, ondelete='SET NULL'),
    }


def field_name(kind, slot):
    "The name of the card's field of the kind in the slot"
    return 'custom_%s_%d' % (kind, slot)


class CustomField(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "A field of the counterparty card added by an administrator"
    __name__ = 'crm.counterparty.custom_field'
    __string__ = "Custom Field"

    name = fields.Char("Label", required=True, translate=True)
    kind = fields.Selection([
            ('text', "Text"),
            ('number', "Number"),
            ('date', "Date"),
            ('boolean', "Yes/No"),
            ('selection', "Selection"),
            ('employee', "Employee"),
            ], "Kind", required=True,
        states={
            'readonly': Eval('id', -1) >= 0,
            })
    selection = fields.Text(
        "Options",
        states={
            'invisible': Eval('kind') != 'selection',
            'required': Eval('kind') == 'selection',
            },
        help="One option a line.")
    slot = fields.Integer("Slot", readonly=True)
    field_name = fields.Function(
        fields.Char("Field Name"), 'on_change_with_field_name')

    _definitions_cache = Cache(
        'crm.counterparty.custom_field.definitions', context=False)

    @classmethod
    def default_kind(cls):
        return 'text'

    @fields.depends('kind', 'slot')
    def on_change_with_field_name(self, name=None):
        if self.kind and self.slot:
            return field_name(self.kind, self.slot)

    @classmethod
    def definitions(cls):
        "The active definitions by the name of the field they take"
        result = cls._definitions_cache.get(None)
        if result is None:
            result = {
                d.field_name: (d.id, d.kind)
                for d in cls.search([])}
            cls._definitions_cache.set(None, result)
        return result

    def options(self):
        return [(o.strip(), o.strip())
            for o in (self.selection or '').splitlines() if o.strip()]

    @classmethod
    def create(cls, vlist):
        vlist = [v.copy() for v in vlist]
        with Transaction().set_context(active_test=False):
            taken = {(d.kind, d.slot) for d in cls.search([])}
        for values in vlist:
            kind = values.get('kind', cls.default_kind())
            free = [s for s in range(1, SLOTS + 1) if (kind, s) not in taken]
            if not free:
                raise CustomFieldSlotsFull(gettext(
                        'crm_counterparty.msg_custom_field_slots_full',
                        field=values.get('name'), slots=SLOTS))
            values['slot'] = free[0]
            taken.add((kind, free[0]))
        return super().create(vlist)

    @classmethod
    def on_modification(cls, mode, definitions, field_names=None):
        pool = Pool()
        Party = pool.get('party.party')
        super().on_modification(mode, definitions, field_names=field_names)
        cls._definitions_cache.clear()
        Party._fields_view_get_cache.clear()

    @classmethod
    def on_delete(cls, definitions):
        pool = Pool()
        Party = pool.get('party.party')
        callbacks = super().on_delete(definitions)
        # A later definition may take the field: it starts empty
        names = [d.field_name for d in definitions]
        callbacks.append(lambda: Party.clear_custom_fields(names))
        return callbacks


def _selection_method(name):
    def options(cls):
        pool = Pool()
        CustomField = pool.get('crm.counterparty.custom_field')
        definition = CustomField.definitions().get(name)
        selection = [(None, '')]
        if definition:
            selection += CustomField(definition[0]).options()
        return selection
    return classmethod(options)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def fields_get(cls, fields_names=None, level=0):
        pool = Pool()
        CustomField = pool.get('crm.counterparty.custom_field')
        result = super().fields_get(fields_names=fields_names, level=level)
        for name, (id_, kind) in CustomField.definitions().items():
            if name in result:
                definition = CustomField(id_)
                result[name]['string'] = definition.name
                if kind == 'selection':
                    # The options at once rather than a call of the client
                    result[name]['selection'] = getattr(
                        cls, result[name]['selection'])()
        return result

    @classmethod
    def fields_view_get(cls, view_id=None, view_type='form', level=None):
        pool = Pool()
        CustomField = pool.get('crm.counterparty.custom_field')
        ModelData = pool.get('ir.model.data')
        result = super().fields_view_get(
            view_id=view_id, view_type=view_type, level=level)
        card_views = {
            ModelData.get_id('party', 'party_view_tree'),
            ModelData.get_id('party', 'party_view_form'),
            }
        names = list(CustomField.definitions())
        if result.get('view_id') not in card_views or not names:
            return result
        # The cached result is shared and frozen: change a copy
        result = dict(result)
        result['fields'] = dict(result['fields'])
        arch = etree.fromstring(result['arch'])
        if view_type == 'tree':
            parent = arch
        else:
            notebook = arch.find('notebook')
            if notebook is None:
                notebook = etree.SubElement(arch, 'notebook')
            parent = etree.SubElement(notebook, 'page', {
                    'id': 'custom_fields',
                    'string': gettext('crm_counterparty.msg_custom_fields'),
                    'col': '4',
                    })
        for name in names:
            if view_type == 'tree':
                etree.SubElement(parent, 'field', {
                        'name': name, 'optional': '0'})
            else:
                etree.SubElement(parent, 'label', {'name': name})
                etree.SubElement(parent, 'field', {'name': name})
        result['arch'] = etree.tostring(arch, encoding='unicode')
        result['fields'].update(cls.fields_get(names, level=level or 0))
        return result

    @classmethod
    def clear_custom_fields(cls, names):
        "Empty the fields of the card named names"
        for name in names:
            parties = cls.search([(name, '!=', None)])
            if parties:
                cls.write(parties, {name: None})


for _kind, _make in KINDS.items():
    for _slot in range(1, SLOTS + 1):
        _name = field_name(_kind, _slot)
        _string = "Custom %s %d" % (_kind.title(), _slot)
        if _make is None:
            _method = '_options_%s' % _name
            setattr(Party, _method, _selection_method(_name))
            _field = fields.Selection(_method, _string, sort=False)
        else:
            _field = _make(_string)
        # Mostly empty: not read with every record of a counterparty
        _field.loading = 'lazy'
        setattr(Party, _name, _field)
