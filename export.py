# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Exporting counterparties with their contact persons to .xlsx and .csv, in
the layout the import reads back: a row per contact person."""
import io

from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .importing import tabular
from .importing.columns import FIELDS
from .name_parts import PART_FIELDS
from .access import check_export

# The columns, named as the import's "Imported Into" so that the file goes
# back in as it came out
COLUMNS = [f.name for f in FIELDS]


def _mechanisms(party, type_):
    return ', '.join(m.value for m in party.contact_mechanisms
        if m.type == type_ and m.active)


def _cells(party, contact=False):
    """The cells of the catalogue's fields of the party's own (the contact
    person's, with contact) that are contact mechanisms or party fields"""
    cells = {}
    for field_ in FIELDS:
        if field_.contact != contact:
            continue
        type_ = field_.name.removeprefix('contact_')
        if field_.mechanism:
            cells[field_.name] = _mechanisms(party, type_)
        elif field_.party or contact:
            value = getattr(party, field_.party or field_.attribute)
            cells[field_.name] = (value.rec_name if field_.lookup and value
                else value or '')
    return cells


def header():
    Column = Pool().get('crm.counterparty.import.column')
    labels = dict(Column.fields_get(['field'])['field']['selection'])
    return [labels[c] for c in COLUMNS]


def rows(parties):
    """Yield the rows of parties: a company's first row holds its first
    contact person, the next rows the others; the contact persons of an
    exported company have no row of their own"""
    pool = Pool()
    Party = pool.get('party.party')
    kinds = dict(Party.fields_get(['kind'])['kind']['selection'])
    ids = [p.id for p in parties]
    exported = set(ids)
    for sub_ids in grouped_slice(ids, 500):
        for party in Party.browse(sub_ids):
            if party.employer and party.employer.id in exported:
                continue
            address = next(
                (a.full_address.replace('\n', ', ') for a in party.addresses
                    if a.full_address.strip()), '')
            values = {
                'kind': kinds.get(party.kind, ''),
                'inn': party.inn or '',
                'kpp': party.kpp or '',
                'ogrn': party.ogrn or '',
                'address': address,
                'tags': party.tag_names or '',
                }
            values.update(_cells(party))
            if party.kind == 'person':
                # A person's own parts, in the columns the import reads
                # them from in a list of people
                values.update(('contact_' + f, getattr(party, f) or '')
                    for f in PART_FIELDS.values())
            contacts = [c for c in party.contact_persons if c.active]
            for index, contact in enumerate(contacts or [None]):
                row = dict(values) if index == 0 else {
                    'name': party.name, 'inn': values['inn'],
                    'kpp': values['kpp']}
                if contact:
                    row.update(_cells(contact, contact=True))
                yield [row.get(c, '') for c in COLUMNS]


def export(parties, format_, encoding='utf-8-sig'):
    "The file of parties in format_ (xlsx or csv) as bytes"
    data = io.BytesIO()
    if format_ == 'xlsx':
        tabular.write_xlsx(header(), rows(parties), data)
    else:
        tabular.write_csv(header(), rows(parties), data, encoding)
    return data.getvalue()


FORMATS = [
    ('xlsx', "Excel (.xlsx)"),
    ('csv', "CSV"),
    ]
ENCODINGS = [
    ('utf-8-sig', "UTF-8"),
    ('cp1251', "Windows-1251 (old Excel)"),
    ]


class ExportStart(ModelView):
    __name__ = 'crm.counterparty.export.start'
    __string__ = "Export Counterparties"

    # The client gives the wizard the selected rows or, launched as "the
    # list as filtered", the listed ones (the action's records): of the two,
    # the form offers the one it was given, beside all
    scope = fields.Selection([
            ('selected', "Selected Counterparties"),
            ('listed', "The List as Filtered Now"),
            ('all', "All Counterparties I See"),
            ], "Counterparties", required=True,
        domain=[('scope', 'in', [Eval('given', 'selected'), 'all'])])
    given = fields.Selection([
            ('selected', "Selected"),
            ('listed', "Listed"),
            ], "Given", readonly=True)
    selected = fields.Integer("Given Counterparties", readonly=True)
    format = fields.Selection(FORMATS, "Format", required=True)
    encoding = fields.Selection(
        ENCODINGS, "Encoding",
        states={
            'invisible': Eval('format') != 'csv',
            'required': Eval('format') == 'csv',
            })

    @classmethod
    def default_format(cls):
        return 'xlsx'

    @classmethod
    def default_encoding(cls):
        return 'utf-8-sig'


class ExportResult(ModelView):
    __name__ = 'crm.counterparty.export.result'
    __string__ = "Export Counterparties"

    file = fields.Binary("File", filename='file_name', readonly=True)
    file_name = fields.Char("File Name", readonly=True)


class Export(Wizard):
    "Export counterparties with their contact persons to a spreadsheet"
    __name__ = 'crm.counterparty.export'
    __string__ = "Export Counterparties"

    start = StateView(
        'crm.counterparty.export.start',
        'crm_counterparty.export_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Export", 'export', 'tryton-ok', default=True),
            ])
    export = StateTransition()
    result = StateView(
        'crm.counterparty.export.result',
        'crm_counterparty.export_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        # Refused before the form is filled in, and again on export below
        # as a client may go to that state directly
        check_export()
        given = 'listed' if self._launched_for_list() else 'selected'
        return {
            'selected': len(self.records),
            'given': given,
            'scope': (given if given == 'listed' or len(self.records) > 1
                else 'all'),
            }

    @staticmethod
    def _launched_for_list():
        "Whether the client launched the action that gives the listed rows"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Action = pool.get('ir.action')
        listed = Action.get_action_id(
            ModelData.get_id('crm_counterparty', 'wizard_export_listed'))
        return Transaction().context.get('action_id') == listed

    def transition_export(self):
        pool = Pool()
        Party = pool.get('party.party')
        check_export()
        if self.start.scope != 'all':
            parties = list(self.records)
        else:
            # The access rules give what the user may see
            with Transaction().set_context(_check_access=True):
                parties = Party.search([], order=[('name', 'ASC')])
        self.result.file = export(
            parties, self.start.format, self.start.encoding or 'utf-8-sig')
        self.result.file_name = 'counterparties.%s' % self.start.format
        return 'result'

    def default_result(self, fields):
        return {
            'file': self.result.file,
            'file_name': self.result.file_name,
            }
