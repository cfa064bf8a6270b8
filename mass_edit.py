# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Mass editing of the selected counterparties: type, status, responsible,
tags, groups or a custom field at once, with a summary of what changed;
each card's journal (journal.py) shows the changes from its history."""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from trytond.i18n import gettext
from trytond.model import Model, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import relative_date
from .access import editing
from .exceptions import InvalidMassEditValue
from .sharing import check_chosen

_YES = {'1', 'y', 'yes', 'true', 'да', 'д'}
_NO = {'0', 'n', 'no', 'false', 'нет', 'н'}


@dataclass
class Change:
    "One change asked for: what the summary says of it"
    label: str
    shown: str
    parties: list
    values: dict


class MassEditStart(ModelView):
    __name__ = 'crm.counterparty.mass_edit.start'
    __string__ = "Mass Editing"

    count = fields.Integer("Counterparties", readonly=True)
    counterparty_type = fields.Many2One(
        'crm.counterparty.type', "Type",
        help="Leave empty to keep each one's.")
    counterparty_status = fields.Many2One(
        'crm.counterparty.status', "Status",
        help="Leave empty to keep each one's.")
    responsible = fields.Many2One(
        'company.employee', "Responsible",
        help="Leave empty to keep each one's.")
    add_tags = fields.Many2Many(
        'crm.counterparty.tag', None, None, "Add Tags",
        domain=[('visible', '=', True)])
    remove_tags = fields.Many2Many(
        'crm.counterparty.tag', None, None, "Remove Tags",
        domain=[('visible', '=', True)])
    add_groups = fields.Many2Many(
        'crm.counterparty.group', None, None, "Add to Groups",
        domain=[('visible', '=', True)])
    remove_groups = fields.Many2Many(
        'crm.counterparty.group', None, None, "Remove from Groups",
        domain=[('visible', '=', True)])
    custom_field = fields.Many2One(
        'crm.counterparty.custom_field', "Custom Field")
    custom_value = fields.Char(
        "Value",
        states={
            'invisible': ~Eval('custom_field'),
            },
        help="Empty clears the field; a date may be a formula "
        "such as \"today\"; yes/no as \"yes\" or \"no\".")


class MassEditDone(ModelView):
    __name__ = 'crm.counterparty.mass_edit.done'
    __string__ = "Mass Editing Done"

    summary = fields.Text("What Changed", readonly=True)


class MassEdit(Wizard):
    "Change many counterparties at once"
    __name__ = 'crm.counterparty.mass_edit'
    __string__ = "Mass Editing"

    start = StateView(
        'crm.counterparty.mass_edit.start',
        'crm_counterparty.mass_edit_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Change", 'change', 'tryton-ok', default=True),
            ])
    change = StateTransition()
    done = StateView(
        'crm.counterparty.mass_edit.done',
        'crm_counterparty.mass_edit_done_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        return {
            'count': len(self.records),
            }

    def transition_change(self):
        pool = Pool()
        Party = pool.get('party.party')
        changes = self._changes()
        changed = {p for c in changes for p in c.parties}
        with editing([p for p in self.records if p in changed]):
            for change in changes:
                if change.parties:
                    Party.write(change.parties, change.values)
        summary = []
        for change in changes:
            summary.append(gettext(
                    'crm_counterparty.msg_mass_edit_summary_line',
                    field=change.label, value=change.shown,
                    count=len(change.parties)))
        self.done.summary = '\n'.join(summary) or gettext(
            'crm_counterparty.msg_mass_edit_nothing')
        return 'done'

    def _changes(self):
        "The changes asked for, refusing tags and groups kept by others"
        pool = Pool()
        Party = pool.get('party.party')
        start = self.start
        check_chosen([*start.add_tags, *start.remove_tags])
        check_chosen([*start.add_groups, *start.remove_groups])
        changes = []

        def set_field(name, value, shown, label=None):
            to_change = [p for p in self.records
                if getattr(p, name) != value]
            label = label or Party.fields_get([name])[name]['string']
            if isinstance(value, Model):
                value = value.id
            changes.append(Change(label, shown, to_change, {name: value}))

        for name in ['counterparty_type', 'counterparty_status',
                'responsible']:
            value = getattr(start, name)
            if value:
                set_field(name, value, value.rec_name)
        if start.custom_field:
            value = self._custom_value()
            set_field(
                start.custom_field.field_name, value,
                start.custom_value or '—', label=start.custom_field.name)
        for field, adds, removes, add_label, remove_label in [
                ('tags', start.add_tags, start.remove_tags,
                    'crm_counterparty.msg_mass_edit_tags_added',
                    'crm_counterparty.msg_mass_edit_tags_removed'),
                ('counterparty_groups', start.add_groups,
                    start.remove_groups,
                    'crm_counterparty.msg_mass_edit_groups_added',
                    'crm_counterparty.msg_mass_edit_groups_removed'),
                ]:
            for records, action, label in [
                    (adds, 'add', add_label),
                    (removes, 'remove', remove_label),
                    ]:
                for record in records:
                    present = [p for p in self.records
                        if record in getattr(p, field)]
                    to_change = (
                        [p for p in self.records if p not in present]
                        if action == 'add' else present)
                    changes.append(Change(
                            gettext(label), record.name, to_change,
                            {field: [(action, [record.id])]}))
        return changes

    def end(self):
        # The list shows the values just written, as after Tryton's own
        # wizards that change what it shows
        return 'reload'

    def default_done(self, fields):
        return {
            'summary': self.done.summary,
            }

    def _custom_value(self):
        "The value typed for the custom field, as its kind stores it"
        pool = Pool()
        Date = pool.get('ir.date')
        Employee = pool.get('company.employee')
        definition = self.start.custom_field
        text = (self.start.custom_value or '').strip()
        if not text:
            return None
        try:
            if definition.kind == 'text':
                return text
            elif definition.kind == 'number':
                return Decimal(text.replace(' ', '').replace(',', '.'))
            elif definition.kind == 'date':
                return relative_date.evaluate(text, Date.today())
            elif definition.kind == 'boolean':
                if text.lower() in _YES | _NO:
                    return text.lower() in _YES
            elif definition.kind == 'selection':
                if text in dict(definition.options()):
                    return text
            elif definition.kind == 'employee':
                employees = Employee.search([('rec_name', 'ilike', text)])
                if len(employees) == 1:
                    return employees[0]
        except (InvalidOperation, relative_date.FormulaError):
            pass
        raise InvalidMassEditValue(gettext(
                'crm_counterparty.msg_mass_edit_invalid_value',
                field=definition.name, value=text))
