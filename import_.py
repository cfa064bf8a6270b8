# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Importing counterparties from files: a batch per file, a report line per
input row, run in Tryton's queue a chunk at a time, resumable and undone
(running.py tells a run whose process died from one still running)."""
import dataclasses
import io
import json
import logging
from collections import defaultdict

from sql import Column, Literal
from sql.aggregate import Max
from sql.functions import Lower

from trytond import backend
from trytond.config import config
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.exceptions import UserError as TrytonUserError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.report import Report
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import (
    Button, StateAction, StateReport, StateView, Wizard)

from . import child_process, import_rules, mail_contacts, running, tabular
from .access import allowed_ids
from .bulk import BulkRefused, BulkWriter
from .exceptions import ImportFileError, ImportRevertError
from .party import REQUISITE_TYPES

logger = logging.getLogger(__name__)

CHUNK = 500
# A file bigger than this (in bytes; [crm_counterparty] import_read_apart
# of the configuration) is read and checked by a process of its own
READ_APART = 256 * 1024
ON_DUPLICATE = [
    ('skip', "Skip"),
    ('update', "Fill Empty Fields"),
    ('overwrite', "Overwrite"),
    ('create', "Create Anyway"),
    ]
STATES = [
    ('draft', "Draft"),
    ('waiting', "Waiting"),
    ('running', "Running"),
    ('done', "Done"),
    ('failed', "Failed"),
    ('reverted', "Reverted"),
    ]
KINDS = [
    ('company', "Company"),
    ('person', "Person"),
    ]
OUTCOMES = [
    ('created', "Created"),
    ('updated', "Updated"),
    ('merged', "Merged"),
    ('skipped', "Skipped"),
    ('failed', "Failed"),
    ]
# What a column may be imported into, as the user picks it
COLUMN_FIELDS = [
    (None, ""),
    ('name', "Name"),
    ('kind', "Kind"),
    ('inn', "INN"),
    ('kpp', "KPP"),
    ('ogrn', "OGRN"),
    ('phone', "Phone"),
    ('mobile', "Mobile Phone"),
    ('email', "E-Mail"),
    ('website', "Website"),
    ('address', "Address"),
    ('type', "Type"),
    ('status', "Status"),
    ('responsible', "Responsible"),
    ('tags', "Tags"),
    ('industry', "Line of Business"),
    ('description', "About"),
    ('contact_name', "Contact Person"),
    ('contact_position', "Position of Contact"),
    ('contact_phone', "Phone of Contact"),
    ('contact_mobile', "Mobile Phone of Contact"),
    ('contact_email', "E-Mail of Contact"),
    ]


def _message(problem):
    _, message, values = problem
    return gettext('crm_counterparty.' + message, **values)


class ImportMapping(ModelSQL, ModelView):
    "The columns of a kind of file, saved by name to be used again"
    __name__ = 'crm.counterparty.import.mapping'
    __string__ = "Import Column Mapping"

    name = fields.Char("Name", required=True)
    columns = fields.Text(
        "Columns", readonly=True,
        help="Each header of the file and what it is imported into.")

    def apply(self, header):
        "The mapping of header by the saved columns, None for the others"
        saved = {h: tuple(t) for h, t in self.load().items()}
        return [saved.get(import_rules.normalise_header(h))
            for h in header]

    def load(self):
        result = {}
        for line in (self.columns or '').splitlines():
            header, _, target = line.rpartition(' → ')
            field_, _, number = target.partition(' #')
            result[header] = (
                field_ if field_ != '-' else None, int(number or 0))
        return result

    @staticmethod
    def dump(columns):
        "The text of columns (header, field, number)"
        return '\n'.join(
            '%s → %s%s' % (import_rules.normalise_header(h), f or '-',
                ' #%s' % n if n else '')
            for h, f, n in columns if h)


class Import(Workflow, ModelSQL, ModelView):
    "A file of counterparties imported at once"
    __name__ = 'crm.counterparty.import'
    __string__ = "Counterparty Import"

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    file_name = fields.Char("File Name", states=_states)
    file = fields.Binary(
        "File", filename='file_name', file_id='file_id', required=True,
        states=_states)
    file_id = fields.Char("File ID", readonly=True)
    file_format = fields.Selection([
            (None, ""),
            ('xlsx', "Excel (.xlsx)"),
            ('xls', "Excel 97–2003 (.xls)"),
            ('ods', "OpenDocument (.ods)"),
            ('csv', "CSV"),
            ('vcf', "vCard (.vcf)"),
            ], "Format", readonly=True)
    columns = fields.One2Many(
        'crm.counterparty.import.column', 'batch', "Columns",
        states=_states)
    kind = fields.Selection(
        KINDS, "Who", required=True, states=_states,
        help="What a row is when the file does not say.")
    counterparty_type = fields.Many2One(
        'crm.counterparty.type', "Type", states=_states,
        help="The type of the counterparties the file does not give one.")
    type_for_all = fields.Boolean(
        "Apply Type to All", states=_states,
        help="Give the type to every row, whatever the file says.")
    on_duplicate = fields.Selection(
        ON_DUPLICATE, "On Duplicate", required=True, states=_states,
        help="What to do with a row whose INN, e-mail, phone or name is "
        "already a counterparty's.")
    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)
    status = fields.Function(fields.Selection(
            STATES[:3] + [('interrupted', "Interrupted")] + STATES[3:],
            "Status", sort=False,
            help="The state; an import whose process stopped before the "
            "end is interrupted."),
        'get_status', searcher='search_status')
    error = fields.Text(
        "Error", readonly=True,
        states={'invisible': ~Eval('error')})
    rows_total = fields.Integer("Rows", readonly=True)
    last_row = fields.Integer(
        "Last Row Done", readonly=True,
        help="The rows up to it are imported and reported.")
    progress = fields.Function(
        fields.Float("Progress", digits=(1, 2)), 'get_progress')
    created = fields.Integer("Created", readonly=True)
    updated = fields.Integer("Updated", readonly=True)
    merged = fields.Integer("Merged", readonly=True)
    skipped = fields.Integer("Skipped", readonly=True)
    failed = fields.Integer("Failed", readonly=True)
    lines = fields.One2Many(
        'crm.counterparty.import.line', 'batch', "Report", readonly=True)
    header = fields.Text("Header", readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True)
    preview_lines = fields.One2Many(
        'crm.counterparty.import.preview', 'batch', "Preview",
        readonly=True,
        help="What will happen to the first rows of the file.")
    mapping_name = fields.Char(
        "Save Columns As", states=_states,
        help="A name to use these columns again for the next file.")

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('create_date', 'DESC'))
        cls._order.insert(1, ('id', 'DESC'))
        cls._transitions |= {
            ('draft', 'waiting'),
            ('waiting', 'running'),
            ('running', 'done'),
            ('waiting', 'failed'),
            ('running', 'failed'),
            ('done', 'reverted'),
            ('failed', 'reverted'),
            }
        cls._buttons.update({
                'start': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'revert': {
                    'invisible': ~Eval('state').in_(['done', 'failed']),
                    'depends': ['state'],
                    },
                'download_report': {
                    'invisible': Eval('state') == 'draft',
                    'depends': ['state'],
                    },
                'resume': {
                    'invisible': ~Eval('status').in_(
                        ['waiting', 'interrupted']),
                    'depends': ['status'],
                    },
                'preview': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'save_mapping': {
                    'invisible': Eval('state') != 'draft',
                    'readonly': ~Eval('mapping_name'),
                    'depends': ['state', 'mapping_name'],
                    },
                })

    @staticmethod
    def default_state():
        return 'draft'

    @staticmethod
    def default_kind():
        return 'company'

    @staticmethod
    def default_on_duplicate():
        return 'skip'

    @staticmethod
    def default_user():
        return Transaction().user

    @classmethod
    def default_counterparty_type(cls):
        return Pool().get('party.party').default_counterparty_type()

    def get_rec_name(self, name):
        return self.file_name or str(self.id)

    def get_progress(self, name):
        "The share of the rows done, from 0 to 1 as the progress bar shows"
        if self.state in {'done', 'reverted'}:
            return 1
        if self.rows_total and self.last_row:
            return round(min(0.99, self.last_row / self.rows_total), 2)
        return 0

    @classmethod
    def get_status(cls, batches, name):
        alive = running.held([b.id for b in batches if b.state == 'running'])
        return {b.id: 'interrupted'
            if b.state == 'running' and b.id not in alive else b.state
            for b in batches}

    @classmethod
    def search_status(cls, name, clause):
        _, operator, value = clause[:3]
        values = set(value) if operator.endswith('in') else {value}
        if operator in {'!=', 'not in'}:
            values = {s for s, _ in cls.status.selection} - values
        ids = {b.id for b in cls.search([('state', '=', 'running')])}
        alive = running.held(ids)
        found = ((alive if 'running' in values else set())
            | (ids - alive if 'interrupted' in values else set()))
        return ['OR',
            ('state', 'in', list(values - {'running', 'interrupted'})),
            ('id', 'in', list(found)),
            ]

    @classmethod
    def copy(cls, batches, default=None):
        default = default.copy() if default is not None else {}
        for name in ['lines', 'error', 'last_row', 'created', 'updated',
                'merged', 'skipped', 'failed']:
            default.setdefault(name, None)
        return super().copy(batches, default=default)

    def table(self):
        """The header and mapping of the file, as the columns say;
        FileUnusable says why the file cannot be read"""
        header, mapping, _ = import_rules.open_table(
            self.file, self.file_format)
        if self.columns:
            mapping = [(c.field, c.contact or 0) for c in sorted(
                    self.columns, key=lambda c: c.index)]
            mapping += [(None, 0)] * (len(header) - len(mapping))
        return header, mapping

    def read_rows(self, header, mapping, size, after=0, regions=None):
        """The (records, cells by row) of the file after row after, size
        records at a time (import_rules.read_chunks); a big file is read by
        a process of its own"""
        reading = (self.file, self.file_format, mapping, header, self.kind,
            after, size, regions)
        if len(self.file) > config.getint(
                'crm_counterparty', 'import_read_apart', default=READ_APART):
            logger.info('import %s: read by a process of its own', self.id)
            return child_process.iterate(import_rules.read_chunks, *reading)
        return import_rules.read_chunks(*reading)

    @classmethod
    def read_columns(cls, batches, mapping=None):
        """Fill the columns of batches from their files' headers; FileUnusable
        says why a file cannot be read"""
        pool = Pool()
        Column = pool.get('crm.counterparty.import.column')
        Column.delete([c for b in batches for c in b.columns])
        to_save = []
        for batch in batches:
            batch.file_format = tabular.sniff(batch.file)
            header, found, rows = import_rules.open_table(
                batch.file, batch.file_format)
            first = next(rows)[1]
            saved = mapping.apply(header) if mapping else [None] * len(header)
            batch.header = json.dumps(header, ensure_ascii=False)
            batch.rows_total = tabular.count_rows(
                batch.file, batch.file_format)
            for index, name in enumerate(header):
                field_, number = saved[index] or found[index]
                to_save.append(Column(
                        batch=batch, index=index, header=name,
                        field=field_, contact=number,
                        sample=tabular.text(first[index])[:100]
                        if index < len(first) else ''))
        cls.save(batches)
        Column.save(to_save)

    @classmethod
    @ModelView.button
    def preview(cls, batches, size=20):
        """Show what importing the first rows would do, by importing them
        and undoing it"""
        pool = Pool()
        Preview = pool.get('crm.counterparty.import.preview')
        Preview.delete([p for b in batches for p in b.preview_lines])
        to_create = []
        for batch in batches:
            try:
                header, mapping = batch.table()
                records, rows_of = next(
                    import_rules.read_chunks(batch.file, batch.file_format,
                        mapping, header, batch.kind, 0, size), ([], {}))
            except tabular.FileUnusable as e:
                raise ImportFileError(gettext(
                        'crm_counterparty.' + e.message, **e.values))
            with _savepoint(rollback=True), \
                    Transaction().set_context(_check_access=True):
                lines = _Importer(batch, header).import_chunk(
                    records, rows_of)
                names = {p.id: p.rec_name for p in pool.get(
                        'party.party').browse(
                        {l['party'] for l in lines if l['party']})}
            to_create.extend({
                    'batch': batch.id,
                    'row': l['row'],
                    'outcome': l['outcome'],
                    'party_name': names.get(l['party']),
                    'reason': l['reason'],
                    'values': '; '.join(v for v in json.loads(l['values'])
                        if v)[:500],
                    } for l in lines)
        Preview.create(to_create)

    @classmethod
    @ModelView.button
    def save_mapping(cls, batches):
        pool = Pool()
        Mapping = pool.get('crm.counterparty.import.mapping')
        for batch in batches:
            columns = Mapping.dump(
                [(c.header, c.field, c.contact) for c in batch.columns])
            # A colleague's mapping of the same name (which a CRM
            # administrator sees) stays his: the user saves his own
            mappings = Mapping.search([
                    ('name', '=', batch.mapping_name),
                    ('create_uid', '=', Transaction().user),
                    ])
            if mappings:
                Mapping.write(mappings, {'columns': columns})
            else:
                Mapping.create([{
                            'name': batch.mapping_name,
                            'columns': columns,
                            }])

    @classmethod
    @ModelView.button
    @Workflow.transition('waiting')
    def start(cls, batches):
        for batch in batches:
            if not batch.columns:
                try:
                    cls.read_columns([batch])
                except tabular.FileUnusable as e:
                    raise ImportFileError(gettext(
                            'crm_counterparty.' + e.message, **e.values))
        cls.__queue__.run(batches)

    @classmethod
    @ModelView.button
    def resume(cls, batches):
        """Run again an import whose process stopped (killed, its server
        stopped): it goes on from its last chunk done; the button's states
        refuse it over RPC while its process runs"""
        cls.__queue__.run(batches)

    @classmethod
    def run(cls, batches):
        "Import the batches a chunk at a time, each chunk committed"
        transaction = Transaction()
        for batch in batches:
            for _ in batch.process():
                transaction.commit()

    def process(self):
        """Import the rows after the last one done, yielding after each chunk
        (what the caller commits); the rows already reported are passed over,
        so an interrupted import runs again without a duplicate.  The run
        holds the batch's lock: another run of it (resumed while this one
        still runs) does nothing"""
        with running.hold(self.id) as held:
            batch = self.__class__(self.id)
            if held and batch.state in {'waiting', 'running'}:
                yield from batch._process()

    def _process(self):
        if self.state == 'waiting':
            self.__class__.write([self], {'state': 'running'})
        user = self.user.id if self.user else Transaction().user
        with Transaction().set_user(user), \
                Transaction().set_context(
                    self._user_context(user), _check_access=True):
            try:
                header, mapping = self.table()
                helper = _Importer(self, header)
                for chunk, rows_of in self.read_rows(header, mapping, CHUNK,
                        self.last_row or 0, helper.bulk.regions):
                    reported = _reported(
                        self, [n for r in chunk for n in r.rows])
                    chunk = [r for r in chunk if not reported & set(r.rows)]
                    if chunk:
                        helper.import_chunk(chunk, rows_of)
                    yield
            except tabular.FileUnusable as e:
                # Found at the start, or further on (the rows before stay
                # imported, and can be reverted)
                self.__class__.write([self], {
                        'state': 'failed',
                        'error': gettext(
                            'crm_counterparty.' + e.message, **e.values),
                        })
                yield
                return
        self.__class__.write([self], {'state': 'done'})
        yield

    @staticmethod
    def _user_context(user):
        User = Pool().get('res.user')
        with Transaction().set_user(user):
            return User.get_preferences(context_only=True)

    @classmethod
    @ModelView.button
    @Workflow.transition('reverted')
    def revert(cls, batches):
        for batch in batches:
            batch._revert()

    def _revert(self):
        """Remove the counterparties the import created and give back the
        fields it changed, unless someone edited them since"""
        pool = Pool()
        Party = pool.get('party.party')
        Line = pool.get('crm.counterparty.import.line')
        ContactMechanism = pool.get('party.contact_mechanism')
        Identifier = pool.get('party.identifier')
        lines = Line.search([
                ('batch', '=', self.id),
                ('changes', '!=', None),
                ], order=[('row', 'DESC')])
        stamps = {}
        for line in lines:
            changes = json.loads(line.changes)
            for party_id, stamp in changes.get('stamps', {}).items():
                stamps[int(party_id)] = stamp
        current = _stamps(stamps)
        edited = [p for p, s in stamps.items() if current.get(p) != s
            and p in current]
        if edited:
            names = ', '.join(p.rec_name for p in Party.browse(edited[:20]))
            raise ImportRevertError(gettext(
                    'crm_counterparty.msg_import_revert_edited',
                    count=len(edited), parties=names))
        to_delete, mechanisms, identifiers = [], [], []
        to_write = []
        for line in lines:
            changes = json.loads(line.changes)
            to_delete.extend(changes.get('created', []))
            mechanisms.extend(changes.get('mechanisms', []))
            identifiers.extend(changes.get('identifiers', []))
            if changes.get('previous'):
                to_write.extend([
                        [Party(line.party.id)], changes['previous']])
        ContactMechanism.delete(ContactMechanism.browse(
                ContactMechanism.search([('id', 'in', mechanisms)])))
        Identifier.delete(Identifier.browse(
                Identifier.search([('id', 'in', identifiers)])))
        if to_write:
            Party.write(*to_write)
        existing = Party.search([
                ('id', 'in', to_delete),
                ('active', 'in', [True, False]),
                ])
        # Contact persons first: they point to their company
        Party.delete(sorted(existing, key=lambda p: p.kind != 'person'))

    @classmethod
    @ModelView.button_action(
        'crm_counterparty.report_counterparty_import')
    def download_report(cls, batches):
        pass

    def report_lines(self, *names):
        """The columns names of the import's report lines, in the file's
        order, read as rows: browsing a hundred thousand records costs
        Tryton time in the square of their number (the caller has checked
        that the user may read the import, and so its lines)"""
        Line = Pool().get('crm.counterparty.import.line')
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*line.select(*[Column(line, n) for n in names],
                where=line.batch == self.id, order_by=line.row.asc))
        yield from cursor

    def report_xlsx(self):
        "The report as .xlsx: the file's columns, the result and the error"
        pool = Pool()
        Line = pool.get('crm.counterparty.import.line')
        header = json.loads(self.header or '[]')
        outcomes = dict(Line.fields_get(['outcome'])['outcome']['selection'])

        def lines():
            for values, outcome, reason in self.report_lines(
                    'values', 'outcome', 'reason'):
                values = json.loads(values or '[]')
                values += [''] * (len(header) - len(values))
                yield values + [outcomes.get(outcome, ''), reason or '']
        data = io.BytesIO()
        tabular.write_xlsx(header + [
                gettext('crm_counterparty.msg_import_report_result'),
                gettext('crm_counterparty.msg_import_report_error')],
            lines(), data)
        return data.getvalue()


def _reported(batch, rows):
    "The rows among rows that batch has reported, as committed"
    pool = Pool()
    Line = pool.get('crm.counterparty.import.line')
    line = Line.__table__()
    cursor = Transaction().connection.cursor()
    # Mostly none: the last row reported, one step down the index, says so
    # (the rows of a batch grow faster than the statistics of the table)
    cursor.execute(*line.select(Max(line.row),
            where=line.batch == batch.id))
    last, = cursor.fetchone()
    if last is None or last < min(rows):
        return set()
    cursor.execute(*line.select(line.row,
            where=(line.batch == batch.id) & line.row.in_(rows)))
    return {r for r, in cursor}


def _stamps(party_ids):
    """The last revision of each party in its history: it changes on any
    write, even within one transaction, where the write date does not"""
    pool = Pool()
    Party = pool.get('party.party')
    history = Party.__table_history__()
    cursor = Transaction().connection.cursor()
    result = {}
    for sub_ids in grouped_slice(list(party_ids), backend.MAX_QUERY_PARAMS):
        cursor.execute(*history.select(
                history.id, Max(Column(history, '__id')),
                where=history.id.in_(list(sub_ids)),
                group_by=[history.id]))
        result.update(cursor)
    return result


class _Importer:
    "Imports the chunks of one batch"

    def __init__(self, batch, header):
        pool = Pool()
        self.batch = batch
        self.header = header
        self.Party = pool.get('party.party')
        self.Line = pool.get('crm.counterparty.import.line')
        self.lookups = {
            'type': self._names('crm.counterparty.type'),
            'status': self._names('crm.counterparty.status'),
            'responsible': self._names('company.employee'),
            'tags': self._names('party.category'),
            }
        Status = pool.get('crm.counterparty.status')
        statuses = Status.search([], limit=1)
        self.default_status = statuses[0].id if statuses else None
        self.default_type = (
            batch.counterparty_type.id if batch.counterparty_type else None)
        self.names = None
        # Of the chunk's holders: those this batch made, by row, and those
        # the user may see (see existing)
        self.ours, self.readable = {}, set()
        self.bulk = BulkWriter()
        if Transaction().context.get('_crm_import_orm'):
            # Only the ORM path: the tests compare the two
            self.bulk.unavailable = 'asked'

    @staticmethod
    def _names(model):
        "The ids of model by their names in Russian and English, lower-case"
        Model = Pool().get(model)
        names = {}
        for language in ['en', 'ru']:
            with Transaction().set_context(language=language):
                for record in Model.search([]):
                    names.setdefault(record.rec_name.lower(), record.id)
        return names

    def _lookup(self, record, name):
        "The id of the type, status or responsible the record names"
        value = getattr(record, name)
        if not value:
            return None
        found = self.lookups[name].get(value.lower())
        if found is None:
            record.problems.append((
                    record.rows[0], 'msg_import_unknown_' + name,
                    {'value': value}))
        return found

    def _scalar_values(self, record):
        "The values of the party of record itself, its lookups checked"
        values = {
            'name': record.name,
            'kind': record.kind,
            }
        type_ = self.default_type
        if record.type and not self.batch.type_for_all:
            type_ = self._lookup(record, 'type')
        values['counterparty_type'] = type_
        values['counterparty_status'] = (
            self._lookup(record, 'status') if record.status
            else self.default_status)
        if record.responsible:
            values['responsible'] = self._lookup(record, 'responsible')
        for name in ['industry', 'description']:
            if getattr(record, name):
                values[name] = getattr(record, name)
        return values

    def values(self, record):
        "The values to create the counterparty of record"
        values = self._scalar_values(record)
        identifiers = [
            {'type': type_, 'code': getattr(record, name)}
            for name, type_ in REQUISITE_TYPES.items()
            if getattr(record, name)
            and (name != 'kpp' or record.kind == 'company')]
        if identifiers:
            values['identifiers'] = [('create', identifiers)]
        mechanisms = self._mechanisms(record)
        if mechanisms:
            values['contact_mechanisms'] = [('create', mechanisms)]
        if record.address:
            values['addresses'] = [('create', [{
                            'street_unstructured': record.address}])]
        tags = self._tags(record)
        if tags:
            values['categories'] = [('add', tags)]
        contacts = [self._contact_values(c) for c in record.contacts]
        if contacts and record.kind == 'company':
            values['contact_persons'] = [('create', contacts)]
        return values

    def _tags(self, record):
        pool = Pool()
        Category = pool.get('party.category')
        ids = []
        for tag in record.tags:
            if tag.lower() not in self.lookups['tags']:
                # A new tag becomes a category, if the user may make one
                try:
                    with _savepoint():
                        category, = Category.create([{'name': tag}])
                except AccessError:
                    record.problems.append((
                            record.rows[0], 'msg_import_unknown_tag',
                            {'value': tag}))
                    continue
                self.lookups['tags'][tag.lower()] = category.id
            ids.append(self.lookups['tags'][tag.lower()])
        return ids

    @staticmethod
    def _mechanisms(holder, known=()):
        ContactMechanism = Pool().get('party.contact_mechanism')
        known = set(known)
        mechanisms = []
        for type_, attribute in import_rules.MECHANISM_LISTS.items():
            for value in getattr(holder, attribute, []):
                key = import_rules.mechanism_key(type_, value)
                if key not in known:
                    known.add(key)
                    # Given as Tryton formats them, so that it finds nothing
                    # to rewrite after the creation (a second write of each
                    # record with its validation and history); it still
                    # checks them as for any card
                    mechanism = ContactMechanism(type=type_, value=value)
                    mechanisms.append({
                            'type': type_,
                            'value': mechanism.format_value(
                                value=value, type_=type_),
                            'value_compact': mechanism.format_value_compact(
                                value=value, type_=type_),
                            })
        return mechanisms

    def _contact_values(self, contact, mechanisms=True):
        values = {
            # A contact known only by an e-mail or a phone is named by it
            'name': contact.name or (
                contact.emails + contact.phones + contact.mobiles)[0],
            'kind': 'person',
            'counterparty_type': self.default_type,
            'counterparty_status': self.default_status,
            }
        if contact.position:
            values['position'] = contact.position
        if mechanisms:
            mechanisms = self._mechanisms(contact)
            if mechanisms:
                values['contact_mechanisms'] = [('create', mechanisms)]
        return values

    def existing(self, records):
        """A KeyIndex of the counterparties holding the keys of records: one
        query per kind of key for the whole chunk, and one for which of them
        the user may see.  The others never match by their e-mail, phone or
        name: nothing ties such a card to the row for the user (a card made
        by hand with them is not refused either), and a match would tell
        him it exists; they still hold their INNs, unique across all
        (_duplicate).  Sets self.ours and self.readable."""
        pool = Pool()
        Identifier = pool.get('party.identifier')
        found = self._holding(records)
        holders = {p for _, _, p in found}
        self.ours = self._created_by_batch(holders)
        # What this batch made came from the user's own file, whoever is
        # responsible for it now
        self.readable = allowed_ids(
            self.Party, holders - self.ours.keys()) | self.ours.keys()
        index = import_rules.KeyIndex()
        # The holders the user sees first (the branch taken for an INN
        # without KPP), each kind in the order of the ids
        for kind, key, party_id in sorted(
                found, key=lambda f: f[2] not in self.readable):
            if kind == 'inn' or party_id in self.readable:
                index.add(kind, key, party_id)
        # The INN and KPP of the holders tell namesakes and branches apart
        identifier = Identifier.__table__()
        cursor = Transaction().connection.cursor()
        for sub in grouped_slice(sorted(index.holders()),
                backend.MAX_QUERY_PARAMS):
            cursor.execute(*identifier.select(
                    identifier.party, identifier.type, identifier.code_compact,
                    where=identifier.type.in_(['ru_vat', 'ru_kpp'])
                    & identifier.party.in_(list(sub))))
            for party_id, type_, code in cursor:
                if type_ == 'ru_vat':
                    index.inns.setdefault(party_id, code)
                else:
                    index.add_kpp(party_id, code)
        return index

    def _holding(self, records):
        """The (kind, key, party id) of the active counterparties holding
        the keys of records, whoever may see them"""
        pool = Pool()
        Identifier = pool.get('party.identifier')
        ContactMechanism = pool.get('party.contact_mechanism')
        party = self.Party.__table__()
        identifier = Identifier.__table__()
        mechanism = ContactMechanism.__table__()
        cursor = Transaction().connection.cursor()
        found = []
        wanted = defaultdict(set)
        for record in records:
            for kind, key in import_rules.keys(record):
                wanted[kind].add(key)
        active = party.active == Literal(True)
        for sub in grouped_slice(sorted(wanted['inn']),
                backend.MAX_QUERY_PARAMS):
            cursor.execute(*identifier.join(
                    party, condition=identifier.party == party.id
                    ).select(identifier.code_compact, party.id,
                    where=(identifier.type == 'ru_vat')
                    & identifier.code_compact.in_(list(sub)) & active,
                    order_by=party.id))
            found.extend(('inn', code, p) for code, p in cursor)
        for kind, where in [
                ('email', lambda s: (mechanism.type == 'email')
                    & Lower(mechanism.value_compact).in_(s)),
                # Lower, as for the e-mails, so that one index serves both
                ('phone', lambda s: mechanism.type.in_(
                        ['phone', 'mobile', 'whatsapp'])
                    & Lower(mechanism.value_compact).in_(s)),
                ]:
            for sub in grouped_slice(sorted(wanted[kind]),
                    backend.MAX_QUERY_PARAMS):
                cursor.execute(*mechanism.join(
                        party, condition=mechanism.party == party.id
                        ).select(Lower(mechanism.value_compact), party.id,
                        where=where(list(sub)) & active
                        & (mechanism.active == Literal(True)),
                        order_by=party.id))
                found.extend((kind, key, p) for key, p in cursor)
        if wanted['name']:
            found.extend(self._named(wanted['name']))
        return found

    def _named(self, names):
        """The ('name', name, party id) of the counterparties named as names
        (normalised): the names of all are read once per import, as
        normalising them takes Python"""
        if self.names is None:
            party = self.Party.__table__()
            cursor = Transaction().connection.cursor()
            self.names = {}
            cursor.execute(*party.select(
                    party.id, party.name,
                    where=party.active == Literal(True),
                    order_by=party.id))
            for party_id, name in cursor:
                self._add_name(name, party_id)
        for name in names:
            holders = self.names.get(name, ())
            for party_id in ([holders] if isinstance(holders, int)
                    else holders):
                yield 'name', name, party_id

    def _add_name(self, name, party_id):
        """Add to the names the counterparty party_id: the id alone, or a
        list of the ids of namesakes (each may be hidden from the user)"""
        name = import_rules.normalise_name(name)
        held = self.names.get(name)
        if held is None:
            # Most names have one holder: no list for them
            self.names[name] = party_id
        elif isinstance(held, int):
            self.names[name] = [held, party_id]
        else:
            held.append(party_id)

    def import_chunk(self, records, rows_of):
        batch = self.batch
        existing = self.existing([r for r in records if not r.failed])
        ours = self.ours
        matches = import_rules.match_chunk(records, existing)
        results = {}  # index of record: (outcome, party id, reason, changes)
        to_create = []  # (index, values)
        merged_into = defaultdict(list)
        for index, (record, match) in enumerate(zip(records, matches)):
            if record.failed:
                continue
            if match[0] == 'same':
                # Rows of the file that are one counterparty are merged
                merged_into[match[1]].append(index)
                records[match[1]].absorb(_without_rows(record))
                continue
            if match[0] == 'existing' and (
                    batch.on_duplicate != 'create' or match[1] in ours):
                continue
            # A duplicate created anyway is for the ORM and its INN rule
            values = (self._card(record) if match[0] != 'existing'
                else None)
            if values is None and not record.failed:
                values = self.values(record)
            if not record.failed:
                to_create.append((index, values))
        self._create(records, to_create, results)
        writable = allowed_ids(self.Party, {
                m[1] for m in matches if m[0] == 'existing'
                and m[1] in self.readable
                and (m[1] in ours
                    or batch.on_duplicate in {'update', 'overwrite'})},
            'write')
        for index, (record, match) in enumerate(zip(records, matches)):
            if (index in results or record.failed
                    or match[0] != 'existing'):
                continue
            results[index] = self._duplicate(record, match, writable)
        for target, indexes in merged_into.items():
            outcome, party_id, _, _ = results.get(
                target, ('failed', None, None, None))
            for index in indexes:
                if outcome == 'failed':
                    results[index] = results[target][:1] + (
                        None, results[target][2], None)
                else:
                    results[index] = ('merged', party_id, gettext(
                            'crm_counterparty.msg_import_merged_with_file',
                            row=records[target].rows[0]), None)
        self._stamp(results)
        return self._report(records, results, rows_of)

    def _duplicate(self, record, match, writable):
        """What becomes of record, the existing counterparty of match: one
        the user may not see holds its INN (the only key such a card keeps);
        one he may not edit is left as it is"""
        _, holder, kind, key = match
        if holder not in self.readable:
            return ('failed', None,
                self.Party.duplicate_tax_identifier_message(
                    record.name, record.kind, record.inn, record.kpp,
                    self.Party(holder), False), None)
        if holder in self.ours:
            mode, outcome = 'update', 'merged'
            reason = gettext('crm_counterparty.msg_import_merged_with_file',
                row=self.ours[holder])
        else:
            mode, outcome = self.batch.on_duplicate, 'updated'
            reason = gettext('crm_counterparty.msg_import_duplicate',
                party=self.Party(holder).rec_name, key=key,
                by=gettext('crm_counterparty.msg_import_key_' + kind))
        if mode == 'skip':
            return ('skipped', holder, reason, None)
        if holder not in writable:
            return ('skipped', holder, reason + ' ' + gettext(
                    'crm_counterparty.msg_import_not_editable'), None)
        return self._update(record, holder, mode, outcome, reason)

    def _created_by_batch(self, holders):
        "The parties among the holders that this batch created, by row"
        if not holders:
            return {}
        lines = self.Line.search([
                ('batch', '=', self.batch.id),
                ('party', 'in', list(holders)),
                ('outcome', '=', 'created'),
                ], order=[('row', 'ASC')])
        ours = {}
        for line in lines:
            ours.setdefault(line.party.id, line.row)
        return ours

    def _card(self, record):
        """What the bulk path writes for record (see bulk.py), or None when
        the ORM must create it"""
        if self.bulk.unavailable:
            return None
        values = self._scalar_values(record)
        vouched = self.bulk.vouch(record)
        if record.failed or vouched is None:
            return None
        identifiers, (mechanisms, *contacts) = vouched
        return (values, identifiers, mechanisms, [
                (self._contact_values(c, mechanisms=False), m)
                for c, m in zip(record.contacts, contacts)])

    def _create(self, records, to_create, results):
        """Create the counterparties: the cards the pure rules vouch for in
        set-based SQL, the others (or all, when that is refused) through the
        ORM"""
        bulk = [(i, v) for i, v in to_create if isinstance(v, tuple)]
        to_create = [(i, v) for i, v in to_create if isinstance(v, dict)]
        logger.info('import %s: %d in bulk, %d by the ORM%s',
            self.batch.id, len(bulk), len(to_create),
            ' (%s)' % self.bulk.unavailable if self.bulk.unavailable else '')
        if bulk:
            try:
                with _savepoint():
                    created = self.bulk.write([v for _, v in bulk])
            except (BulkRefused, TrytonUserError, AccessError) as e:
                logger.info('import %s: bulk refused, by the ORM: %s',
                    self.batch.id, e)
                # Undone: their ids may be given again
                self.bulk.stamps.clear()
                to_create = sorted(to_create + [
                        (i, self.values(records[i])) for i, _ in bulk],
                    key=lambda t: t[0])
            else:
                for (index, card), (party_id, person_ids) in zip(
                        bulk, created):
                    self._created_ids(
                        index, party_id, card[0]['name'], person_ids,
                        results)
        self._create_orm(to_create, results)

    def _create_orm(self, to_create, results):
        """Create the counterparties in one call; when one of them is refused
        the others are created one by one to find which"""
        Party = self.Party
        if not to_create:
            return
        try:
            with _savepoint():
                parties = Party.create([v for _, v in to_create])
        except (TrytonUserError, AccessError):
            parties = []
            for index, values in to_create:
                try:
                    with _savepoint():
                        party, = Party.create([values])
                except (TrytonUserError, AccessError) as e:
                    results[index] = ('failed', None, e.message, None)
                else:
                    parties.append(party)
                    self._created(index, party, results)
            return
        for (index, _), party in zip(to_create, parties):
            self._created(index, party, results)

    def _created(self, index, party, results):
        # In the order of the file, as the bulk path gives them
        self._created_ids(index, party.id, party.name,
            sorted(c.id for c in party.contact_persons), results)

    def _created_ids(self, index, party_id, name, person_ids, results):
        if self.names is not None:
            self._add_name(name, party_id)
        results[index] = (
            'created', party_id, '', {'created': [party_id] + person_ids})

    def _update(self, record, holder, mode, outcome, reason):
        """Give the existing counterparty holder what record says: only its
        empty fields (update) or every field the file fills (overwrite),
        adding the contact data and persons it lacks"""
        pool = Pool()
        Party = self.Party
        ContactMechanism = pool.get('party.contact_mechanism')
        Identifier = pool.get('party.identifier')
        party = Party(holder)
        values = self.values(record)
        if record.failed:
            return ('failed', None, '; '.join(
                    _message(p) for p in record.problems), None)
        changes = {'created': [], 'mechanisms': [], 'identifiers': [],
            'previous': {}}
        try:
            with _savepoint():
                new = {}
                given = {n: values[n] for n in [
                        'name', 'responsible', 'industry', 'description']
                    if values.get(n)}
                if record.status:
                    given['counterparty_status'] = values[
                        'counterparty_status']
                if record.type or self.batch.type_for_all:
                    given['counterparty_type'] = values['counterparty_type']
                for name, value in given.items():
                    old = getattr(party, name)
                    old = old.id if hasattr(old, 'id') else old
                    if old != value and (mode == 'overwrite' or not old or (
                                name == 'counterparty_type'
                                and self.batch.type_for_all)):
                        new[name] = value
                        changes['previous'][name] = old
                if new:
                    Party.write([party], new)
                held = {i.type: i for i in party.identifiers}
                identifiers = []
                for name, type_ in REQUISITE_TYPES.items():
                    code = getattr(record, name)
                    if not code or (name == 'kpp' and party.kind != 'company'):
                        continue
                    if type_ not in held:
                        identifiers.append(Identifier(
                                party=party, type=type_, code=code))
                if identifiers:
                    Identifier.save(identifiers)
                    changes['identifiers'] = [i.id for i in identifiers]
                known = {import_rules.mechanism_key(m.type, m.value)
                    for m in party.contact_mechanisms}
                mechanisms = [ContactMechanism(party=party, **m)
                    for m in self._mechanisms(record, known)]
                if mechanisms:
                    ContactMechanism.save(mechanisms)
                    changes['mechanisms'] = [m.id for m in mechanisms]
                names = {import_rules.normalise_name(c.name)
                    for c in party.contact_persons}
                contacts = [self._contact_values(c) for c in record.contacts
                    if import_rules.normalise_name(c.name) not in names]
                if contacts and party.kind == 'company':
                    for contact in contacts:
                        contact['employer'] = party.id
                    changes['created'] = [
                        p.id for p in Party.create(contacts)]
        except (TrytonUserError, AccessError) as e:
            return ('failed', holder, e.message, None)
        if not (new or changes['identifiers'] or changes['mechanisms']
                or changes['created']):
            # A row repeating one of the file is merged all the same
            return (outcome if outcome == 'merged' else 'skipped', holder,
                reason + ' ' + gettext(
                    'crm_counterparty.msg_import_nothing_new'), None)
        return (outcome, holder, reason, changes)

    def _stamp(self, results):
        "Note when each party was last written, to tell later edits"
        touched = set()
        for outcome, party_id, _, changes in results.values():
            if changes:
                touched.update(changes['created'])
                if party_id:
                    touched.add(party_id)
        # Those the bulk path wrote it knows; the others are read
        stamps = {i: self.bulk.stamps[i] for i in touched
            if i in self.bulk.stamps}
        stamps.update(_stamps(touched - stamps.keys()))
        self.bulk.stamps.clear()
        for outcome, party_id, _, changes in results.values():
            if changes:
                ids = set(changes['created'])
                if party_id:
                    ids.add(party_id)
                changes['stamps'] = {i: stamps[i] for i in ids if i in stamps}

    def _report(self, records, results, rows_of):
        "A line per input row of records, and the counts of the batch"
        Line = self.Line
        lines = []
        counts = defaultdict(int)
        for index, record in enumerate(records):
            if index in results:
                outcome, party_id, reason, changes = results[index]
            else:
                outcome, party_id, changes = 'failed', None, None
                reason = '; '.join(_message(p) for p in record.problems)
            for number in record.rows:
                first = number == record.rows[0]
                counts[outcome] += 1
                lines.append({
                        'batch': self.batch.id,
                        'row': number,
                        'outcome': outcome,
                        'party': party_id,
                        'reason': reason,
                        'values': json.dumps(
                            rows_of.get(number, []), ensure_ascii=False),
                        'changes': json.dumps(changes)
                        if changes and first else None,
                        })
        # The report is written with the root's rights: the user may not
        # edit the batch's lines by hand
        with Transaction().set_context(_check_access=False):
            self.bulk.create_lines(Line, lines)
            # The counts as committed, never as an instance cached them
            Import = self.batch.__class__
            table = Import.__table__()
            names = ['last_row'] + [o for o, _ in OUTCOMES]
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(
                    *[Column(table, n) for n in names],
                    where=table.id == self.batch.id))
            current = dict(zip(names, cursor.fetchone()))
            values = {'last_row': max(
                    [current['last_row'] or 0] + [l['row'] for l in lines])}
            for outcome, count in counts.items():
                values[outcome] = (current[outcome] or 0) + count
            Import.write([self.batch], values)
            self.batch = Import(self.batch.id)
        return lines


def _without_rows(record):
    "A copy of record to absorb into another; its rows are reported apart"
    return dataclasses.replace(record, rows=[], problems=[])


class _savepoint:
    """Undo what the block wrote when it raises, and only that: a refused
    row leaves the rest of its chunk in place; with rollback, undo it
    always (a preview)"""
    _count = 0

    def __init__(self, rollback=False):
        self.rollback = rollback

    def __enter__(self):
        _savepoint._count += 1
        self.name = 'crm_import_%s' % _savepoint._count
        connection = Transaction().connection
        self.cursor = connection.cursor()
        if getattr(connection, 'in_transaction', True) is False:
            # SQLite would make the savepoint a transaction of its own,
            # committed on release apart from the rest of the chunk
            self.cursor.execute('BEGIN IMMEDIATE')
        self.cursor.execute('SAVEPOINT %s' % self.name)
        return self

    def __exit__(self, type_, value, traceback):
        if type_ is None and not self.rollback:
            self.cursor.execute('RELEASE SAVEPOINT %s' % self.name)
        else:
            self.cursor.execute('ROLLBACK TO SAVEPOINT %s' % self.name)
            self.cursor.execute('RELEASE SAVEPOINT %s' % self.name)
            # What the cache holds of the undone writes is no more true
            Transaction().cache.clear()
        return False


class _OfImport:
    "A record of one import, reached through it, in the file's order"
    __slots__ = ()
    _file_order = 'row'

    batch = fields.Many2One(
        'crm.counterparty.import', "Import", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('batch')
        cls._order.insert(0, (cls._file_order, 'ASC'))


class ImportColumn(_OfImport, ModelSQL, ModelView):
    "A column of an imported file and what it is imported into"
    __name__ = 'crm.counterparty.import.column'
    __string__ = "Import Column"
    _file_order = 'index'

    index = fields.Integer("Column", readonly=True)
    header = fields.Char("Header", readonly=True)
    field = fields.Selection(COLUMN_FIELDS, "Imported Into")
    contact = fields.Integer(
        "Contact Number",
        states={
            'invisible': ~Eval('field', '').in_([
                    'contact_name', 'contact_position', 'contact_phone',
                    'contact_mobile', 'contact_email']),
            },
        help="Which contact person of the row: 1 for \"Контакт 1\"; "
        "0 for the only one.")
    sample = fields.Char("First Value", readonly=True)


class ImportLine(_OfImport, ModelSQL, ModelView):
    "What became of one row of an imported file"
    __name__ = 'crm.counterparty.import.line'
    __string__ = "Import Report Line"

    row = fields.Integer("Row", readonly=True)
    outcome = fields.Selection(OUTCOMES, "Result", readonly=True)
    party = fields.Many2One(
        'party.party', "Counterparty", readonly=True, ondelete='SET NULL')
    reason = fields.Text("Reason", readonly=True)
    values = fields.Text("Row Values", readonly=True)
    # What the row did, to revert it: created ids, previous values, stamps
    changes = fields.Text("Changes", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.batch, Index.Range()), (t.row, Index.Range())))


class ImportReport(Report):
    "The report of an import as .xlsx, to fix the failed rows and re-import"
    __name__ = 'crm.counterparty.import.report'

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        Import = pool.get('crm.counterparty.import')
        action_report, = ActionReport.search([
                ('report_name', '=', cls.__name__),
                ])
        ids = list(map(int, ids))[:1]
        cls.check_access(action_report, Import.__name__, ids)
        batch, = Import.browse(ids)
        name = (batch.file_name or 'import').rsplit('.', 1)[0]
        return ('xlsx', batch.report_xlsx(), False,
            '%s-%s' % (action_report.name, name))


class ImportPreview(_OfImport, ModelSQL, ModelView):
    "What importing a row of the file would do"
    __name__ = 'crm.counterparty.import.preview'
    __string__ = "Import Preview Line"

    row = fields.Integer("Row", readonly=True)
    outcome = fields.Selection(OUTCOMES, "Will Be", readonly=True)
    party_name = fields.Char("Counterparty", readonly=True)
    reason = fields.Text("Problems and Reasons", readonly=True)
    values = fields.Char("Row Values", readonly=True)


class ImportStart(ModelView):
    __name__ = 'crm.counterparty.import.wizard.start'
    __string__ = "Import Counterparties"

    source = fields.Selection([
            ('file', "File"),
            ('carddav', "Address Book (CardDAV)"),
            ], "From", required=True,
        help="A file, or the address book of a mail service such as "
        "Yandex, Mail.ru or iCloud.")
    carddav_url = fields.Char(
        "Address Book URL",
        states={
            'invisible': Eval('source') != 'carddav',
            'required': Eval('source') == 'carddav',
            },
        help="Yandex: https://carddav.yandex.ru/, "
        "iCloud: https://contacts.icloud.com/.")
    login = fields.Char(
        "Login",
        states={
            'invisible': Eval('source') != 'carddav',
            'required': Eval('source') == 'carddav',
            })
    password = fields.Char(
        "Password", strip=False,
        states={
            'invisible': Eval('source') != 'carddav',
            'required': Eval('source') == 'carddav',
            },
        help="Used once to read the address book, never stored; with "
        "two-factor sign-in, an application password of the service.")
    file = fields.Binary("File", filename='file_name',
        states={
            'invisible': Eval('source') != 'file',
            'required': Eval('source') == 'file',
            },
        help="Excel (.xlsx, .xls), OpenDocument (.ods), CSV or vCard (.vcf): "
        "a row per counterparty, the column names in the first row.")
    file_name = fields.Char("File Name")
    mapping = fields.Many2One(
        'crm.counterparty.import.mapping', "Saved Columns",
        states={
            'invisible': Eval('source') != 'file',
            },
        help="The columns saved from an earlier import of such a file.")

    @classmethod
    def default_source(cls):
        return 'file'


class ImportWizard(Wizard):
    "Upload a file of counterparties and open it as an import to check"
    __name__ = 'crm.counterparty.import.wizard'
    __string__ = "Import Counterparties"

    start = StateView(
        'crm.counterparty.import.wizard.start',
        'crm_counterparty.import_wizard_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Example", 'template', 'tryton-print'),
            Button("Next", 'open_', 'tryton-forward', default=True),
            ])
    template = StateReport('crm.counterparty.import.template')
    open_ = StateAction('crm_counterparty.act_import')

    def do_open_(self, action):
        pool = Pool()
        Import = pool.get('crm.counterparty.import')
        start = self.start
        if start.source == 'carddav':
            password, start.password = start.password, None
            try:
                data = mail_contacts.carddav_vcards(
                    start.carddav_url, start.login, password)
            except mail_contacts.CardDAVError as e:
                raise ImportFileError(gettext(
                        'crm_counterparty.' + e.message, **e.values))
            finally:
                del password
            file_name = '%s.vcf' % start.login
        else:
            data, file_name = start.file, start.file_name
        try:
            # An unusable file leaves no batch behind
            import_rules.open_table(data)
            batch = Import(file=data, file_name=file_name)
            batch.save()
            Import.read_columns([batch], self.start.mapping)
        except tabular.FileUnusable as e:
            raise ImportFileError(gettext(
                    'crm_counterparty.' + e.message, **e.values))
        Import.preview([batch])
        action['views'].reverse()
        return action, {'res_id': [batch.id]}


class ImportTemplate(Report):
    "An example file to fill, its headers in the user's language"
    __name__ = 'crm.counterparty.import.template'

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        Column = pool.get('crm.counterparty.import.column')
        labels = dict(Column.fields_get(['field'])['field']['selection'])
        fields_ = ['name', 'inn', 'kpp', 'phone', 'email', 'website',
            'address', 'type', 'tags', 'contact_name', 'contact_position',
            'contact_mobile', 'contact_email']
        rows = [
            ['ООО «Ромашка»', '7707083893', '773601001',
                '8 (495) 123-45-67', 'info@romashka.ru', 'romashka.ru',
                'Москва, ул. Ленина, д. 1', '', '', 'Иванов Иван',
                'Директор', '8 (916) 123-45-67', 'ivanov@romashka.ru'],
            ['ООО «Ромашка»', '7707083893', '773601001', '', '', '', '',
                '', '', 'Петрова Анна', 'Бухгалтер', '8 (916) 765-43-21',
                'petrova@romashka.ru'],
            ['ИП Смирнов Сергей', '500100732259', '', '+7 812 555-55-55',
                'smirnov@example.com', '', 'Санкт-Петербург', '', '', '',
                '', '', ''],
            ]
        data = io.BytesIO()
        tabular.write_xlsx([labels[f] for f in fields_], rows, data)
        return ('xlsx', data.getvalue(), False,
            gettext('crm_counterparty.msg_import_template_name'))
