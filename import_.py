# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Importing counterparties from files: a batch per file, a report line per
input row, run in Tryton's queue a chunk at a time, resumable and undone
(running.py tells a run whose process died from one still running)."""
import io
import json
import logging

from sql import Column

from trytond.config import config
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.report import Report
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import (
    Button, StateAction, StateReport, StateView, Wizard)

from . import running
from .exceptions import ImportFileError, ImportRevertError
from .importing import carddav, reader_process, rules, tabular
from .importing.columns import (
    CONTACT_FIELDS, FIELDS, normalise_header, open_table)
from .importing.importer import (
    Importer, last_revisions, reported_rows, savepoint)
from .party import TO_THE_SECOND

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
COLUMN_FIELDS = [(None, "")] + [(f.name, f.label) for f in FIELDS]


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
        return [saved.get(normalise_header(h))
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
            '%s → %s%s' % (normalise_header(h), f or '-',
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
            ('html', "HTML Table (.html, .xls)"),
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
    create_missing = fields.Boolean(
        "Create Missing Types and Statuses", states=_states,
        help="Add to the lists a type or status of the file that they lack "
        "(if you may edit them); otherwise the rows are imported without it, "
        "with a warning.")
    tags_global = fields.Boolean(
        "New Tags Global", states=_states,
        help="Make the tags of the file that no one has yet seen by "
        "everyone; otherwise they are yours alone.")
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
    rows_total = fields.Integer(
        "Rows", readonly=True,
        help="The rows of the file under its header.")
    header_row = fields.Integer("Header Row", readonly=True)
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
        cls.create_date.format = TO_THE_SECOND
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

    @staticmethod
    def _default_count():
        "A count of rows is 0 before any is done, never empty"
        return 0

    default_created = default_updated = default_merged = _default_count
    default_skipped = default_failed = _default_count

    def get_rec_name(self, name):
        return self.file_name or str(self.id)

    def get_progress(self, name):
        "The share of the rows done, from 0 to 1 as the progress bar shows"
        if self.state in {'done', 'reverted'}:
            return 1
        done = (self.last_row or 0) - (self.header_row or 0)
        if self.rows_total and done > 0:
            return round(min(0.99, done / self.rows_total), 2)
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
        for name in ['lines', 'error', 'last_row']:
            default.setdefault(name, None)
        for name in ['created', 'updated', 'merged', 'skipped', 'failed']:
            default.setdefault(name, 0)
        return super().copy(batches, default=default)

    def imported_into(self):
        """What each column of the file is imported into, as the columns
        say, else as recognised; FileUnusable says why the file cannot be
        read"""
        if self.columns:
            return [(c.field, c.contact or 0) for c in sorted(
                    self.columns, key=lambda c: c.index)]
        return open_table(self.file, self.file_format).mapping

    def read_rows(self, size, after=0, regions=None):
        """The (records, cells by row) of the file after row after, size
        records at a time (rules.read_chunks); a big file is read by
        a process of its own"""
        reading = (self.file, self.file_format, self.imported_into(),
            self.kind, after, size, regions)
        if len(self.file) > config.getint(
                'crm_counterparty', 'import_read_apart', default=READ_APART):
            logger.info('import %s: read by a process of its own', self.id)
            return reader_process.iterate(rules.read_chunks, *reading)
        return rules.read_chunks(*reading)

    @classmethod
    def read_columns(cls, batches, mapping=None, tables=None):
        """Fill the columns of batches from their files' headers, the saved
        mapping's columns first; tables holds the Table of a file opened
        already, by batch id, and gets the columns' mapping.  FileUnusable
        says why a file cannot be read"""
        pool = Pool()
        Column = pool.get('crm.counterparty.import.column')
        Column.delete([c for b in batches for c in b.columns])
        to_save = []
        for batch in batches:
            table = (tables or {}).get(batch.id) or open_table(batch.file)
            header, first = table.header, table.first
            saved = mapping.apply(header) if mapping else [None] * len(header)
            table.mapping = [s or f for s, f in zip(saved, table.mapping)]
            batch.file_format = table.format
            batch.header = json.dumps(header, ensure_ascii=False)
            batch.rows_total = table.rows_total
            batch.header_row = table.header_row
            for index, name in enumerate(header):
                field_, number = table.mapping[index]
                to_save.append(Column(
                        batch=batch, index=index, header=name,
                        field=field_, contact=number,
                        sample=tabular.text(first[index])[:100]
                        if index < len(first) else ''))
        cls.save(batches)
        Column.save(to_save)

    @classmethod
    @ModelView.button
    def preview(cls, batches, size=20, tables=None):
        """Show what importing the first rows would do, by importing them
        and undoing it; tables holds the Table of a file opened already
        (with its columns' mapping), by batch id"""
        pool = Pool()
        Preview = pool.get('crm.counterparty.import.preview')
        Preview.delete([p for b in batches for p in b.preview_lines])
        to_create = []
        for batch in batches:
            try:
                table = (tables or {}).get(batch.id)
                if table is None:
                    table = open_table(batch.file, batch.file_format)
                    if batch.columns:
                        table.mapping = batch.imported_into()
                records, rows_of = next(rules.table_chunks(
                        table, batch.kind, 0, size), ([], {}))
            except tabular.FileUnusable as e:
                raise ImportFileError(e.translated())
            with savepoint(rollback=True), \
                    Transaction().set_context(_check_access=True):
                lines = Importer(batch).import_chunk(
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
                    raise ImportFileError(e.translated())
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
                helper = Importer(self)
                for chunk, rows_of in self.read_rows(CHUNK,
                        self.last_row or 0, helper.bulk.regions):
                    reported = reported_rows(
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
                        'error': e.translated(),
                        })
                yield
                return
        self.__class__.write([self], {'state': 'done'})
        self._raise_done()
        yield

    def _raise_done(self):
        "Tell automation of each counterparty the import created"
        pool = Pool()
        Event = pool.get('crm.counterparty.event')
        Line = pool.get('crm.counterparty.import.line')
        with without_check_access():
            lines = Line.search([
                    ('batch', '=', self.id),
                    ('outcome', '=', 'created'),
                    ('party', '!=', None),
                    ])
            Event.raise_events('import_done',
                sorted({l.party.id for l in lines}), batch=self.id)

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
        current = last_revisions(stamps)
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
            'invisible': ~Eval('field', '').in_(CONTACT_FIELDS),
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
                data = carddav.carddav_vcards(
                    start.carddav_url, start.login, password)
            except carddav.CardDAVError as e:
                raise ImportFileError(e.translated())
            finally:
                del password
            file_name = '%s.vcf' % start.login
        else:
            data, file_name = start.file, start.file_name
        try:
            # An unusable file leaves no batch behind
            table = open_table(data)
        except tabular.FileUnusable as e:
            raise ImportFileError(e.translated())
        batch = Import(file=data, file_name=file_name)
        batch.save()
        # The file read once: its columns, then the preview of its rows
        tables = {batch.id: table}
        Import.read_columns([batch], self.start.mapping, tables)
        Import.preview([batch], tables=tables)
        action['views'].reverse()
        return action, {'res_id': [batch.id]}


# The rows of the example file, by field
TEMPLATE_ROWS = [
    {'name': 'ООО «Ромашка»', 'inn': '7707083893', 'kpp': '773601001',
        'phone': '8 (495) 123-45-67', 'email': 'info@romashka.ru',
        'website': 'romashka.ru', 'address': 'Москва, ул. Ленина, д. 1',
        'contact_name': 'Иванов Иван', 'contact_position': 'Директор',
        'contact_mobile': '8 (916) 123-45-67',
        'contact_email': 'ivanov@romashka.ru'},
    {'name': 'ООО «Ромашка»', 'inn': '7707083893', 'kpp': '773601001',
        'contact_name': 'Петрова Анна', 'contact_position': 'Бухгалтер',
        'contact_mobile': '8 (916) 765-43-21',
        'contact_email': 'petrova@romashka.ru'},
    {'name': 'ИП Смирнов Сергей', 'inn': '500100732259',
        'phone': '+7 812 555-55-55', 'email': 'smirnov@example.com',
        'address': 'Санкт-Петербург'},
    ]


class ImportTemplate(Report):
    "An example file to fill, its headers in the user's language"
    __name__ = 'crm.counterparty.import.template'

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        Column = pool.get('crm.counterparty.import.column')
        labels = dict(Column.fields_get(['field'])['field']['selection'])
        fields_ = [f.name for f in FIELDS if f.template]
        data = io.BytesIO()
        tabular.write_xlsx([labels[f] for f in fields_],
            ([row.get(f, '') for f in fields_] for row in TEMPLATE_ROWS),
            data)
        return ('xlsx', data.getvalue(), False,
            gettext('crm_counterparty.msg_import_template_name'))
