# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Every method exposed over RPC, tried against another user's counterparties.

Under the restrictive policy (see only, edit only what one is involved in,
export for managers only) Anna owns counterparties with everything a card
carries.  Boris (a CRM user not involved in them) and Pavel (no CRM group)
then call every method of ``__rpc__`` of every model of this module and of
the core models it touches, every wizard and every report, with Anna's ids
and with the contexts a client can forge; Olga (Anna's supervisor, who sees
them but may not export) tries the exports.  Nothing of Anna's may be
returned, counted, copied, linked or changed.

The targets are read from the pool, so a model or method added later is
tried without editing this file; what cannot be tried meaningfully is in
``NOT_TRIED`` with the reason, and a method neither tried nor listed fails
the test.  Each probe is first made by Anna or the administrator: a probe
that shows or changes nothing even to them proves nothing, and a method
with no such meaningful probe fails the test too, unless no record of its
model is Anna's or links to hers after the setup (found at run time) or
the method is refused even to them.  A raw error (not a refusal) is a
failure as well.  Every call is undone (a savepoint) before the next one.

A hole known and not yet closed is listed in ``OPEN``: reported, not
failed; a listed pair that no longer leaks fails, so that the list shrinks
as the holes close.

Run on today's code, the test prints the number of pairs tried, the
slowest models and the open holes; with ``ACCESS_RPC_REPORT=1`` in the
environment also what is not tried and why and the probes that proved
nothing."""
import datetime
import io
import json
import os
import time
import zipfile
from collections import defaultdict
from unittest.mock import patch

from sql import Column

import trytond.config as config
from trytond import backend
from trytond.cache import MemoryCache
from trytond.exceptions import TrytonException
from trytond.model import ModelSQL, fields
from trytond.modules.company.tests import set_company
from trytond.modules.crm_counterparty.tests import test_access
from trytond.modules.crm_counterparty.tests.test_report import config_get
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.tools import is_instance_method
from trytond.transaction import Transaction

CANARY = 'Kanareyka7Q'
# What a caller types to look for it: not the whole canary
LOOKUP = CANARY[:-1]
PHONE = '+74957770707'
EMAIL = 'kanareyka7q@example.com'
INN, KPP, OGRN = '7707083893', '773601001', '1027700132195'
PAYER_INN = '500100732259'
# What Anna's records carry and nobody else's: found in a result, it leaked
SECRETS = [CANARY.lower(), PHONE[1:], EMAIL, INN, KPP, OGRN, PAYER_INN]

MODULES = {'crm_counterparty', 'party', 'company', 'party_relationship',
    'project'}
# The core models that carry a counterparty's data or reach it
CORE_MODELS = {'ir.attachment', 'ir.note', 'ir.chat.channel',
    'ir.chat.message', 'ir.chat.follower', 'ir.ui.view_search', 'ir.model',
    'res.user'}

# Methods that take no record and no value naming one: what they return
# is the same for every caller whatever the counterparties
NOT_TRIED_METHODS = {
    'fields_get': "describes the model's fields",
    'fields_view_get': "returns a view definition",
    'view_toolbar_get': "lists the model's actions",
    'default_get': "returns the defaults of a new record (no record given)",
    'get_preferences_fields_view': "describes the preferences form",
    'get_models': "lists the models a resource may be",
    }
# (model, method): why it is not tried
NOT_TRIED = {
    ('ir.model', 'list_models'): "lists model names",
    ('ir.model', 'list_history'): "lists the models keeping a history",
    ('ir.model', 'get_names'): "translates model names",
    ('ir.model', 'get_notification'): "lists the caller's notifications",
    ('res.user', 'get_preferences'): "returns the caller's own preferences "
    "(what set_preferences stored is checked by that probe)",
    ('res.user', 'get_notifications'): "the caller's own notifications",
    ('res.user', 'reset_password'): "sends an e-mail to a user "
    "(administrators only), no counterparty involved",
    ('ir.cron', 'run_once'): "runs a scheduled job (administrators only); "
    "the jobs of this module are tried by their own tests",
    ('ir.chat.channel', 'reset_identifier'): "a button of the channel "
    "records, which the channel of a counterparty does not have",
    ('party.address', 'get_subdivision_types'): "the subdivision types "
    "of a country",
    ('party.address.subdivision_type', 'get_subdivision_types'):
    "the subdivision types of a country",
    ('crm.counterparty.import', 'download_report'): "tried as the report "
    "crm.counterparty.import.report it opens",
    ('wizard', 'party.check_vies'): "asks the VIES service on the "
    "Internet; it writes nothing but the result",
    ('wizard', 'company.company.config'): "the first configuration of a "
    "company, no counterparty involved",
    ('wizard', 'crm.counterparty.import.wizard'): "reads a file or a "
    "CardDAV address, takes no record: its batches are tried as "
    "crm.counterparty.import",
    ('report', 'crm.counterparty.import.template'): "an example file, "
    "takes no record",
    ('ir.chat.channel', 'create'): "a counterparty has one channel, made "
    "by its first post: a second one is refused to everyone (unique)",
    ('ir.chat.channel', 'copy'): "a channel's identifier is unique: a "
    "copy is refused to everyone",
    ('ir.chat.channel', 'delete'): "a channel with messages cannot be "
    "deleted by anyone (its messages refer to it)",
    ('crm.counterparty.import.line', 'create'): "the lines are written "
    "by the import only: no group may create them",
    ('crm.counterparty.import.line', 'copy'): "the lines are written "
    "by the import only: no group may create them",
    ('crm.counterparty.import.line', 'delete'): "the lines go with their "
    "batch: no group may delete one (the batch's delete is tried)",
    ('crm.counterparty.import.line', 'import_data'): "the lines are "
    "written by the import only: no group may create them",
    ('res.user', 'create'): "only administrators create users; a user "
    "taking Anna's employee is tried by set_preferences",
    ('res.user', 'import_data'): "only administrators create users",
    ('project.configuration', 'autocomplete'): "a singleton, no record "
    "to complete",
    ('ir.chat.message', 'create'): "a message is made by post (tried)",
    ('ir.chat.message', 'import_data'): "a message is made by post (tried)",
    }
for _method in ['create', 'write', 'delete', 'copy', 'import_data',
        'export_data', 'export_data_domain']:
    NOT_TRIED[('ir.chat.follower', _method)] = (
        "not meaningful yet: Anna's follower row shows and changes nothing "
        "even to her; following is tried by subscribe/unsubscribe")
del _method
# Models that name a counterparty but of which Anna has no record
NO_ANNAS = {
    'company.company': "its party is the company's own",
    'company.employee': "its party is the employee's own",
    'company.company.tax_identifier': "an identifier of the company's "
    "own party",
    }
# What a new record needs beyond its required fields
CREATE_VALUES = {
    'crm.counterparty.payer': lambda s: {'inn': '7736207543'},
    'party.contact_mechanism': lambda s: {
        'type': 'phone', 'value': '+74951110011'},
    'crm.communication': lambda s: {
        'employees': [('add', [s.employee('Boris')])],
        'organiser': s.employee('Boris')},
    }
# Values of the wizards' forms: what an attacker would submit (the
# group is the caller's own: Anna's when she makes the control call)
WIZARD_FORMS = {
    'crm.counterparty.change_responsible.start': lambda s, u: {
        'responsible': s.employee('Boris')},
    'crm.counterparty.group.assign.start': lambda s, u: {
        'action': 'add', 'group': s.own_group(u)},
    'crm.counterparty.mass_edit.start': lambda s, u: {
        'custom_field': s.custom_field.id, 'custom_value': "Взлом",
        'add_groups': [s.own_group(u)]},
    'crm.communication.complete.start': lambda s, u: {
        'result': "Взлом", 'plan_next': False},
    'crm.counterparty.export.start': lambda s, u: {
        'scope': 'selected', 'format': 'csv', 'encoding': 'utf-8-sig'},
    'party.replace.ask': lambda s, u: {
        'source': s.romashka.id, 'destination': s.vasilek.id},
    'party.erase.ask': lambda s, u: {'party': s.romashka.id},
    }
# The reason of a model of which no record is Anna's or links to hers
NOTHING_OF_ANNAS = "no record of it is Anna's or links to hers after the setup"
ATTACKERS = ['Boris', 'Pavel']
# The holes still open, which no change closes yet, as (model, method): the
# hole it leaks through, reported and not failed; a listed pair that no
# longer leaks fails (remove it from here)
OPEN = {}
# Who sees Anna's cards but may not export them
EXPORTER = 'Olga'
EXPORT_METHODS = {'export_data', 'export_data_domain'}
EXPORT_WIZARDS = {'crm.counterparty.export'}
TEXT_TYPES = {'char', 'text'}
LINK_TYPES = {'many2one', 'many2many', 'one2many', 'reference'}


def target_of(field):
    "The model a relation field points at"
    if field._type == 'many2many':
        return field.get_target().__name__
    return getattr(field, 'model_name', None)


def text_of(value):
    "Everything a result tells, as lower-case text (files opened)"
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        if value[:2] == b'PK':
            try:
                with zipfile.ZipFile(io.BytesIO(value)) as archive:
                    return ' '.join(
                        archive.read(n).decode('utf-8', 'ignore')
                        for n in archive.namelist()).lower()
            except zipfile.BadZipFile:
                pass
        for encoding in ['utf-8', 'cp1251']:
            try:
                return value.decode(encoding).lower()
            except UnicodeDecodeError:
                continue
        return value.decode('latin-1').lower()
    if isinstance(value, dict):
        return ' '.join(
            text_of(k) + ' ' + text_of(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return ' '.join(text_of(v) for v in value)
    return str(value).lower()


def secrets_in(value):
    text = text_of(value)
    flat = ''.join(c for c in text if c not in ' -()')
    return [s for s in SECRETS if s in text or s in flat]


class Probe:
    "One call of a method with its arguments"
    __slots__ = ('model', 'method', 'args', 'type', 'ids', 'count', 'label',
        'context')

    def __init__(self, model, method, args, label='', type='model',
            ids=None, count=False, context=None):
        self.model, self.method, self.args = model, method, args
        self.label, self.type = label, type
        # The ids of Anna's records a result must not contain
        self.ids = ids or set()
        self.count = count
        self.context = context or {}


class RPCAccessTestCase(_DBTestCase):
    "Test every RPC method against another user's counterparties"
    module = 'crm_counterparty'
    extras = ['project']
    # The suite tries at least that many (model, method) pairs
    minimum_pairs = 500
    setup_company = test_access.CounterpartyAccessTestCase.setup_company

    def employee(self, name):
        return self.users[name].employee.id

    def own_group(self, user):
        "The personal group of the caller: Anna's for the controls"
        if user in {self.users['Anna'].id, self.admin.id}:
            return self.a_ids['crm.counterparty.group'][0]
        return self.b_ids['crm.counterparty.group'][0]

    # ---- Anna's counterparties -------------------------------------------
    def setup_records(self):
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_company(
            visibility='involved', editing='involved', export='managers')
        anna, boris = self.users['Anna'], self.users['Boris']
        with set_company(self.company):
            Party.write([self.romashka], {
                    'name': "ООО «Ромашка %s»" % CANARY,
                    'description': "Ключевой %s" % CANARY,
                    'industry': "Цветы %s" % CANARY,
                    'inn': INN, 'kpp': KPP, 'ogrn': OGRN,
                    })
            Party.write([self.ivan], {
                    'name': "Иванов Иван %s" % CANARY,
                    'position': "Директор %s" % CANARY})
            with Transaction().set_user(anna.id), \
                    Transaction().set_context(
                        employee=anna.employee.id, company=self.company.id):
                self.create_annas()
            with Transaction().set_user(boris.id), \
                    Transaction().set_context(
                        employee=boris.employee.id, company=self.company.id):
                self.create_boris()

    def create_annas(self):
        pool = Pool()
        Party = pool.get('party.party')
        get = pool.get
        romashka, ivan = self.romashka, self.ivan
        self.branch, self.trashed = Party.create([{
                    'name': "Филиал %s" % CANARY,
                    'responsible': self.employee('Anna'),
                    }, {
                    'name': "Удалённый %s" % CANARY,
                    'responsible': self.employee('Anna'),
                    }])
        Party.move_to_trash([self.trashed])
        # A change of responsible, journalled
        for employee in ['Olga', 'Anna']:
            Party.write([self.branch], {
                    'responsible': self.employee(employee)})
        get('party.contact_mechanism').create([
                {'party': romashka.id, 'type': 'phone', 'value': PHONE,
                    'comment': CANARY},
                {'party': ivan.id, 'type': 'email', 'value': EMAIL}])
        get('party.address').create([{
                    'party': romashka.id, 'street': "ул. %s, 1" % CANARY,
                    'city': "Москва"}])
        relation_type, = get('party.relation.type').create([{
                    'name': "Филиал"}])
        get('party.relation').create([{
                    'from_': romashka.id, 'to': self.branch.id,
                    'type': relation_type.id}])
        get('crm.counterparty.payer').create([{
                    'party': romashka.id, 'name': "ООО %s" % CANARY,
                    'inn': PAYER_INN, 'bank': CANARY}])
        Tag = get('crm.counterparty.tag')
        local, global_ = Tag.create([
                {'name': "Моя %s" % CANARY, 'user': self.users['Anna'].id},
                {'name': "Важные", 'user': None}])
        Party.write([romashka], {
                'tags': [('add', [local.id, global_.id])]})
        get('crm.counterparty.group').create([{
                    'name': "Мои %s" % CANARY, 'description': CANARY,
                    'user': self.users['Anna'].id,
                    'parties': [('add', [romashka.id, ivan.id])]}])
        get('crm.counterparty.favorite').create([{
                    'party': romashka.id, 'user': self.users['Anna'].id}])
        CustomField = get('crm.counterparty.custom_field')
        with Transaction().set_user(0):
            self.custom_field, = CustomField.create([{
                        'name': "Кличка", 'kind': 'text'}])
        Party.write([romashka], {
                self.custom_field.field_name: "Секрет %s" % CANARY})
        get('crm.communication').create([{
                    'subject': "Встреча %s" % CANARY, 'purpose': CANARY,
                    'company': self.company.id,
                    'start': datetime.datetime(2026, 11, 3, 10),
                    'end': datetime.datetime(2026, 11, 3, 11),
                    'organiser': self.employee('Anna'),
                    'employees': [('add', [self.employee('Anna')])],
                    'parties': [('add', [ivan.id])]}])
        Channel = get('ir.chat.channel')
        Channel.post(romashka, "Скидка 7%% %s" % CANARY)
        Channel.subscribe(romashka, 'anna')
        get('ir.note').write([self.note], {
                'message': "Директор в отпуске %s" % CANARY})
        get('ir.attachment').write([self.attachment], {
                'name': "договор %s.txt" % CANARY,
                'data': ("contract %s" % CANARY).encode()})
        get('project.work').create([{
                    'name': "Отправить договор %s" % CANARY, 'type': 'task',
                    'company': self.company.id, 'party': romashka.id}])
        Import = get('crm.counterparty.import')
        batch, = Import.create([{
                    'file_name': "%s.csv" % CANARY,
                    'file': ("name\n%s\n" % CANARY).encode(),
                    'header': CANARY, 'user': self.users['Anna'].id,
                    'state': 'done',
                    'lines': [('create', [{
                                    'row': 1, 'outcome': 'created',
                                    'party': romashka.id,
                                    'values': CANARY,
                                    'reason': CANARY}])],
                    'columns': [('create', [{
                                    'header': CANARY, 'sample': CANARY}])],
                    }])
        get('crm.counterparty.import.mapping').create([{
                    'name': CANARY, 'columns': '{"%s": "name"}' % CANARY}])
        get('ir.ui.view_search').create([{
                    'name': "Фильтр %s" % CANARY, 'model': 'party.party',
                    'domain': json.dumps(
                        [['name', 'ilike', '%%%s%%' % CANARY]]),
                    'user': self.users['Anna'].id}])

    def create_boris(self):
        "What Boris owns, to link Anna's counterparties to"
        pool = Pool()
        Group = pool.get('crm.counterparty.group')
        Tag = pool.get('crm.counterparty.tag')
        group, = Group.create([{
                    'name': "Мои Бориса", 'user': self.users['Boris'].id}])
        tag, = Tag.create([{
                    'name': "Бориса", 'user': self.users['Boris'].id}])
        self.b_ids = {
            'party.party': [self.vasilek.id],
            'crm.counterparty.group': [group.id],
            'crm.counterparty.tag': [tag.id],
            }

    # ---- The targets, read from the pool --------------------------------
    def targets(self):
        pool = Pool()
        IrModel = pool.get('ir.model')
        modules = {m.name: m.module for m in IrModel.search([])}
        for name, Model in pool.iterobject():
            ours = any(c.__module__.startswith(
                    'trytond.modules.crm_counterparty') for c in Model.__mro__)
            if (ours or modules.get(name) in MODULES
                    or name in CORE_MODELS):
                yield name, Model

    def other_objects(self, type_):
        pool = Pool()
        for name, obj in pool.iterobject(type=type_):
            modules = {c.__module__.split('.')[2] for c in obj.__mro__
                if c.__module__.startswith('trytond.modules.')}
            if modules & MODULES:
                yield name, obj

    @staticmethod
    def stored(Model):
        "The fields of Model that are columns of its table"
        return {n: f for n, f in Model._fields.items()
            if not isinstance(f, fields.Function)
            and f._type not in {'one2many', 'many2many'}}

    @staticmethod
    def is_sql(Model):
        return (issubclass(Model, ModelSQL)
            and not callable(getattr(Model, 'table_query', None)))

    def find_annas(self):
        "The ids of Anna's records of every model, the administrator's view"
        pool = Pool()
        self.parties = [self.romashka.id, self.ivan.id, self.branch.id,
            self.trashed.id]
        a_ids = defaultdict(set)
        a_ids['party.party'].update(self.parties)
        references = {'party.party,%d' % i for i in self.parties}
        with Transaction().set_context(active_test=False):
            # Twice: the records of Anna's records (import lines) too
            for _ in range(2):
                for name, Model in self.targets():
                    if not issubclass(Model, ModelSQL) or name in {
                            'res.user', 'company.employee'}:
                        continue
                    domain = ['OR']
                    for fname, field in self.stored(Model).items():
                        target = target_of(field)
                        if field._type == 'many2one' and a_ids.get(target):
                            domain.append((fname, 'in', list(a_ids[target])))
                        elif field._type == 'reference':
                            domain.append((fname, 'in', list(references)))
                    if len(domain) > 1:
                        a_ids[name].update(r.id for r in Model.search(domain))
            # Those that name no counterparty: Anna's by author
            for name in ['crm.counterparty.import.mapping',
                    'ir.ui.view_search', 'crm.counterparty.tag',
                    'crm.counterparty.group', 'crm.communication']:
                Model = pool.get(name)
                a_ids[name].update(r.id for r in Model.search([
                            ('create_uid', '=', self.users['Anna'].id)]))
        a_ids['crm.counterparty.statistics'].update(
            r.id for r in pool.get('crm.counterparty.statistics').search([
                    ('responsible', '=', self.employee('Anna'))]))
        # The trashed card is tried by restore and with active_test
        a_ids['party.party'].discard(self.trashed.id)
        self.a_ids = {k: sorted(v) for k, v in a_ids.items() if v}
        # Employees are public: only a user taking Anna's is a link
        self.link_ids = dict(self.a_ids)
        self.link_ids['company.employee'] = [self.employee('Anna')]

    # ---- Snapshot of every table ----------------------------------------
    def snapshot(self, names=None):
        "The rows of the models named (all when None)"
        started = time.monotonic()
        cursor = Transaction().connection.cursor()
        tables = {}
        for name, Model in self.snapshot_models:
            if names is not None and name not in names:
                continue
            columns = self.snapshot_columns[name]
            table = Model.__table__()
            cursor.execute(*table.select(
                    *[Column(table, c) for c in columns]))
            tables[name] = {
                row[0]: tuple(bytes(v) if isinstance(v, memoryview) else v
                    for v in row) for row in cursor}
        self.snapshot_time += time.monotonic() - started
        return tables

    def prepare_snapshot(self):
        self.snapshot_models = [(n, M) for n, M in self.targets()
            if self.is_sql(M)]
        self.snapshot_columns = {}
        for name, Model in self.snapshot_models:
            self.snapshot_columns[name] = ['id'] + sorted(
                n for n in self.stored(Model) if n != 'id')
        self.baseline = self.snapshot()

    # ---- The tables a call wrote ----------------------------------------
    def watch_writes(self):
        """Let written() tell the tables written since it was last asked, so
        that a call's changes are looked for only in the tables it wrote:
        SQLite logs each write by a trigger of the connection (undone with
        the call), PostgreSQL counts them (pg_stat_xact_user_tables)"""
        self.models_of = {M._table: n for n, M in self.snapshot_models}
        cursor = Transaction().connection.cursor()
        if backend.name != 'sqlite':
            self.write_counts = self.write_counts_now()
            return
        # Made between transactions (DDL opens none), gone with the connection
        cursor.execute('CREATE TEMP TABLE IF NOT EXISTS crm_written '
            '(name TEXT PRIMARY KEY)')
        for table in self.models_of:
            for event in ['INSERT', 'UPDATE', 'DELETE']:
                cursor.execute('CREATE TEMP TRIGGER IF NOT EXISTS '
                    '"crm_written_%s_%s" AFTER %s ON main."%s" BEGIN '
                    'INSERT OR IGNORE INTO crm_written VALUES (\'%s\'); END'
                    % (table, event, event, table, table))

    def write_counts_now(self):
        cursor = Transaction().connection.cursor()
        cursor.execute('SELECT relname, n_tup_ins + n_tup_upd + n_tup_del '
            'FROM pg_stat_xact_user_tables '
            'WHERE schemaname = current_schema()')
        return dict(cursor)

    def written(self):
        "The models of the tables written since the last time asked"
        cursor = Transaction().connection.cursor()
        if backend.name == 'sqlite':
            cursor.execute('SELECT name FROM crm_written')
            tables = {t for t, in cursor}
        else:
            counts = self.write_counts_now()
            tables = {t for t, c in counts.items()
                if c != self.write_counts.get(t, 0)}
            self.write_counts = counts
        return {self.models_of[t] for t in tables if t in self.models_of}

    def changes(self, callers):
        "What the last call changed of Anna's, copied or linked to them"
        found = []
        self.looked += 1
        now = self.snapshot(self.written())
        pool = Pool()
        for name, rows in now.items():
            before = self.baseline[name]
            if rows == before:
                continue
            columns = self.snapshot_columns[name]
            Model = pool.get(name)
            annas = set(self.a_ids.get(name, []))
            if name == 'party.party':
                annas.add(self.trashed.id)
            for id_ in annas:
                if id_ in before and before[id_] != rows.get(id_):
                    found.append('%s %s of Anna\'s %s' % (
                            'deleted' if id_ not in rows else 'changed',
                            name, id_))
            for id_, row in rows.items():
                if row == before.get(id_) or id_ in annas:
                    continue
                old = before.get(id_)
                if [s for s in secrets_in(row)
                        if not old or s not in secrets_in(old)]:
                    found.append('copied into %s %s: %s' % (
                            name, id_, secrets_in(row)))
                for i, column in enumerate(columns):
                    if old and old[i] == row[i]:
                        continue
                    target = self.link_target(Model, column, row[i], callers)
                    if target:
                        found.append('linked %s %s.%s to Anna\'s %s' % (
                                name, id_, column, target))
        return found

    def link_target(self, Model, column, value, callers):
        field = Model._fields[column]
        if value is None:
            return
        if field._type == 'reference' and isinstance(value, str):
            target, _, id_ = value.partition(',')
            if target == 'party.party' and id_.isdigit():
                value, field_target = int(id_), target
            else:
                return
        elif field._type == 'many2one':
            field_target = field.model_name
        else:
            return
        if field_target == 'company.employee' and Model.__name__ not in {
                'res.user', 'res.user-company.employee'}:
            return
        if (value in self.link_ids.get(field_target, [])
                or (field_target == 'party.party'
                    and value == self.trashed.id)):
            return '%s %s' % (field_target, value)

    # ---- Calls -----------------------------------------------------------
    def rpc_call(self, user, probe, forged):
        "Call as user with the forged context, the dispatcher's way"
        pool = Pool()
        User = pool.get('res.user')
        obj = pool.get(probe.model, type=probe.type)
        rpc = obj.__rpc__[probe.method]
        transaction = Transaction()
        with transaction.set_user(user), transaction.reset_context():
            # What the client sends with every call: his preferences
            if user not in self.preferences:
                self.preferences[user] = User.get_preferences(
                    context_only=True)
            context = dict(self.preferences[user])
            context.update(probe.context)
            context.update(forged)
            c_args, c_kwargs, context, _ = rpc.convert(
                obj, *probe.args, context)
            with transaction.set_context(context):
                meth = rpc.decorate(getattr(obj, probe.method))
                if (rpc.instantiate is None
                        or not is_instance_method(obj, probe.method)):
                    return rpc.result(meth(*c_args, **c_kwargs))
                inst = c_args.pop(0)
                return rpc.result(meth(inst, *c_args, **c_kwargs))

    def undo(self):
        "Roll back the last call"
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        try:
            cursor.execute('ROLLBACK TO SAVEPOINT probe')
        except backend.DatabaseOperationalError:
            # SQLite in memory checks an integrity error in a transaction
            # of the same connection, whose end rolled back to the setup
            cursor.execute('SAVEPOINT probe')
            now = self.snapshot()
            if now != self.baseline:
                self.drifts.append(self.last)
                self.baseline = now
        transaction.cache.clear()
        # The caches the call cleared were filled from what is undone: they
        # start again empty.  Tryton keeps the names of the cleared caches
        # until the transaction ends: kept, they emptied those caches after
        # every later call (a probe in three took most of its time in them)
        dbname = transaction.database.name
        reset = MemoryCache._reset.pop(transaction, ())
        for cache in MemoryCache._instances.values():
            if cache._name in reset:
                cache._transaction_cache.pop(transaction, None)
                cache._database_cache.pop(dbname, None)

    def set_up(self):
        "Anna's records, committed (the database is dropped after the class)"
        pool = Pool()
        User = pool.get('res.user')
        self.setup_records()
        self.find_annas()
        self.admin, = User.search([('login', '=', 'admin')])
        User.write([self.admin], {
                'companies': [('add', [self.company.id])],
                'company': self.company.id})
        self.prepare_snapshot()
        Transaction().commit()
        self.watch_writes()
        Transaction().connection.cursor().execute('SAVEPOINT probe')

    def attempt(self, user, probe, forged, callers, who=''):
        """What the call leaked: a list of findings, empty when nothing;
        None when refused"""
        self.last = (probe.model, probe.method, probe.label, who)
        self.calls += 1
        self.error = None
        readonly = probe.type != 'wizard' and self.rpc(probe).readonly
        try:
            if probe.type == 'wizard':
                result = self.run_wizard(user, probe, forged)
            else:
                result = self.rpc_call(user, probe, forged)
        except Exception as error:
            # A refusal must not name what it refuses
            self.error = error
            message = text_of(error.args)
            secrets = [s for s in SECRETS if s in message
                and not self.typed(probe, s)]
            self.undo()
            found = ['refusal names %s' % secrets] if secrets else []
            if not isinstance(error, TrytonException):
                self.crashes.append((probe.model, probe.method, probe.label,
                        who, repr(error)[:300]))
                if callers != ['control']:
                    # Not a refusal: a raw error or worse
                    found.append('raw error %r' % error)
            return found or None
        found = []
        secrets = [s for s in secrets_in(result) if not self.typed(probe, s)]
        if secrets:
            found.append('returned %s' % secrets)
        ids = self.result_ids(result) & probe.ids
        if ids:
            found.append('returned ids %s' % sorted(ids))
        if probe.count and self.counted(result):
            found.append('counted %s' % (result,))
        if not readonly:
            found.extend(self.changes(callers))
        self.undo()
        return found

    def typed(self, probe, secret):
        "Whether the caller typed the secret himself"
        return secret in text_of(probe.args)

    @staticmethod
    def counted(result):
        if isinstance(result, dict):
            return sum(v for v in result.values() if isinstance(v, int))
        if isinstance(result, (list, tuple)):
            return len(result)
        return result

    def rpc(self, probe):
        return Pool().get(probe.model, type=probe.type).__rpc__[probe.method]

    @staticmethod
    def result_ids(result):
        ids = set()
        if isinstance(result, (list, tuple)):
            for value in result:
                if isinstance(value, int) and not isinstance(value, bool):
                    ids.add(value)
                elif isinstance(value, dict) and isinstance(
                        value.get('id'), int):
                    ids.add(value['id'])
        return ids

    def run_wizard(self, user, probe, forged):
        "Create, fill and run the wizard to its end; everything it gave"
        name = probe.model
        given = []
        create = Probe(name, 'create', [], type='wizard',
            context=probe.context)
        session, state, end = self.rpc_call(user, create, forged)
        data = {}
        for _ in range(5):
            if state == end:
                break
            execute = Probe(name, 'execute', [session, data, state],
                type='wizard', context=probe.context)
            result = self.rpc_call(user, execute, forged)
            given.append(result)
            view = result.get('view')
            if not view:
                break
            values = {k: v for k, v in (view.get('defaults') or {}).items()
                if '.' not in k}
            form = WIZARD_FORMS.get(view['fields_view']['model'])
            if form:
                values.update(form(self, user))
            data = {view['state']: values}
            buttons = [b for b in view['buttons'] if b['state'] != end]
            if not buttons:
                break
            state = buttons[0]['state']
        given.append(self.rpc_call(user, Probe(
                    name, 'delete', [session], type='wizard',
                    context=probe.context), forged))
        return given

    # ---- The probes of each method ---------------------------------------
    def model_facts(self, name, Model):
        "What the probes of Model are made of"
        a = self.a_ids.get(name, [])
        party_fields = [n for n, f in Model._fields.items()
            if (f._type in LINK_TYPES - {'reference'}
                and target_of(f) == 'party.party')
            or f._type == 'reference']
        texts = [n for n, f in Model._fields.items()
            if f._type in TEXT_TYPES and n != 'rec_name']
        read_fields = ['id', 'rec_name'] + texts + [
            '%s.rec_name' % n for n in party_fields
            if Model._fields[n]._type == 'many2one']
        domains = []
        if a:
            trash = [self.trashed.id] if name == 'party.party' else []
            domains.append(('by id', [('id', 'in', a + trash)]))
            rec_name = Model._fields.get(Model._rec_name)
            if rec_name and rec_name._type in TEXT_TYPES:
                domains.append(('by name', [
                            ('rec_name', 'ilike', '%%%s%%' % LOOKUP)]))
        for fname in party_fields if name not in NO_ANNAS else []:
            field = Model._fields[fname]
            if field._type == 'reference':
                value = ['party.party,%d' % i for i in self.parties]
            else:
                value = self.parties
            domains.append(('by %s' % fname, [(fname, 'in', value)]))
        return a, party_fields, texts, read_fields, domains

    def naming_values(self, Model, with_id=True):
        "The values of a form naming Anna's records"
        values = {}
        a = self.a_ids.get(Model.__name__)
        if a and with_id:
            values['id'] = a[0]
        for fname, field in Model._fields.items():
            target = target_of(field)
            if field._type == 'many2one' and self.a_ids.get(target):
                values[fname] = self.a_ids[target][0]
            elif (field._type in {'many2many', 'one2many'}
                    and target == 'party.party'):
                values[fname] = list(self.parties)
            elif field._type == 'reference':
                values[fname] = str(self.romashka)
        return values

    def required_values(self, Model):
        "Values for the required fields of a new record of Boris"
        pool = Pool()
        values = {}
        defaults = {
            'company.company': self.company.id,
            'company.employee': self.employee('Boris'),
            'res.user': self.users['Boris'].id,
            }
        for fname, field in Model._fields.items():
            if (not field.required or isinstance(field, fields.Function)
                    or fname in {'id', 'create_uid', 'write_uid'}):
                continue
            if field._type in TEXT_TYPES:
                values[fname] = "Взлом"
            elif field._type in {'integer', 'float', 'numeric'}:
                values[fname] = 1
            elif field._type == 'selection' and isinstance(
                    field.selection, list) and field.selection:
                values[fname] = field.selection[0][0]
            elif field._type == 'date':
                values[fname] = datetime.date(2026, 11, 4)
            elif field._type == 'datetime':
                values[fname] = datetime.datetime(2026, 11, 4, 10)
            elif field._type == 'many2one':
                if field.model_name in defaults:
                    values[fname] = defaults[field.model_name]
                else:
                    Target = pool.get(field.model_name)
                    with Transaction().set_context(active_test=False):
                        found = Target.search([], limit=1, order=[])
                    if found:
                        values[fname] = found[0].id
        return values

    def linking_values(self, Model):
        "A new record of Boris's pointing at every record of Anna it may"
        values = self.required_values(Model)
        if Model.__name__ in CREATE_VALUES:
            values.update(CREATE_VALUES[Model.__name__](self))
        for fname, value in self.naming_values(
                Model, with_id=False).items():
            field = Model._fields[fname]
            if isinstance(field, fields.Function) and not field.setter:
                continue
            if field._type == 'one2many':
                continue
            if field._type == 'many2many':
                value = [('add', value)]
            values[fname] = value
        return values

    def harmless_value(self, Model, texts):
        for fname in texts:
            field = Model._fields[fname]
            if (not isinstance(field, fields.Function) or field.setter) \
                    and not field.readonly and fname not in {'code', 'value'}:
                return {fname: "Взлом"}
        for fname in texts:
            if not Model._fields[fname].readonly:
                return {fname: "Взлом"}

    def copy_default(self, Model):
        default = {}
        for fname, field in Model._fields.items():
            target = target_of(field)
            if field._type == 'many2one' and target == 'res.user':
                default[fname] = self.users['Boris'].id
            elif field._type == 'many2one' and target == 'company.employee':
                default[fname] = self.employee('Boris')
        return default

    def probes(self, name, Model, method):
        """The probes of the method with their kind ('reveal', 'change' or
        'call'), or the reason it is not tried"""
        if method in NOT_TRIED_METHODS:
            return NOT_TRIED_METHODS[method]
        if not self.is_sql(Model) and method in {
                'create', 'write', 'delete', 'copy', 'import_data'}:
            return "a view computed by a query: nothing to write"

        if (name, method) in NOT_TRIED:
            return NOT_TRIED[(name, method)]
        selections = {getattr(f, 'selection', None)
            for f in Model._fields.values()
            if isinstance(getattr(f, 'selection', None), str)}
        if method in selections:
            return "the options of a selection field"
        a, party_fields, texts, read_fields, domains = self.model_facts(
            name, Model)
        ids = set(a)
        if name == 'party.party':
            ids.add(self.trashed.id)
        handler = getattr(self, 'probe_%s' % method, None)
        specific = getattr(self, 'probe_%s__%s' % (
                name.replace('.', '_').replace('-', '_'), method), None)
        if specific:
            return specific(name, Model)
        if handler:
            return handler(name, Model, a, ids, party_fields, texts,
                read_fields, domains)
        if method.startswith(('on_change', 'autocomplete_')):
            return [('call', Probe(name, method, [self.naming_values(Model)]))]
        if method in getattr(Model, '_buttons', {}):
            return self.probe_button(name, Model, method, a)
        if name not in self.a_ids:
            return NOTHING_OF_ANNAS + " (a method of its own)"
        return None

    def no_annas(self, name, Model):
        if name in NO_ANNAS:
            return "Anna has none: %s" % NO_ANNAS[name]
        return NOTHING_OF_ANNAS

    def probe_read(self, name, Model, a, ids, p, texts, read_fields, d):
        if not a:
            return self.no_annas(name, Model)
        return [('reveal', Probe(name, 'read', [a, read_fields], ids=ids,
                    count=True))]

    def probe_search(self, name, Model, a, ids, p, t, r, domains):
        return [('reveal', Probe(name, 'search', [dom, 0, None, None],
                    label=label, count=True))
            for label, dom in domains] or self.no_annas(name, Model)

    def probe_search_count(self, name, Model, a, ids, p, t, r, domains):
        return [('reveal', Probe(name, 'search_count', [dom], label=label,
                    count=True))
            for label, dom in domains] or self.no_annas(name, Model)

    def probe_search_read(self, name, Model, a, ids, p, t, read_fields,
            domains):
        return [('reveal', Probe(name, 'search_read',
                    [dom, 0, None, None, read_fields], label=label, ids=ids,
                    count=True))
            for label, dom in domains] or self.no_annas(name, Model)

    def export_fields(self, Model, texts):
        return ['rec_name'] + [n for n in texts
            if not isinstance(Model._fields[n], fields.Function)]

    def probe_export_data_domain(self, name, Model, a, ids, p, texts, r,
            domains):
        return [('reveal', Probe(name, 'export_data_domain',
                    [dom, self.export_fields(Model, texts)], label=label,
                    count=True))
            for label, dom in domains] or self.no_annas(name, Model)

    def probe_export_data(self, name, Model, a, ids, p, texts, r, d):
        if not a:
            return self.no_annas(name, Model)
        return [('reveal', Probe(name, 'export_data',
                    [a, self.export_fields(Model, texts)], count=True))]

    def probe_history_revisions(self, name, Model, a, ids, *args):
        if not getattr(Model, '_history', False):
            return "the model keeps no history"
        if not a:
            return self.no_annas(name, Model)
        return [('reveal', Probe(name, 'history_revisions', [a], count=True))]

    def probe_resources(self, name, Model, a, *args):
        pool = Pool()
        carried = [i for i in a if pool.get('ir.attachment').search([
                    ('resource', '=', str(Model(i)))])]
        if not carried:
            return ("Anna's records of the model carry no attachment "
                "nor note" if a else self.no_annas(name, Model))
        return [('reveal', Probe(name, 'resources', [carried[0]],
                    count=True))]

    def probe_autocomplete(self, name, Model, a, ids, *args):
        return [('reveal' if a else 'call', Probe(
                    name, 'autocomplete', [text, [], None, None],
                    label=text, ids=ids))
            for text in [LOOKUP, INN[:6]]]

    def probe_copy(self, name, Model, a, *args):
        if not a:
            return self.no_annas(name, Model)
        return [('change', Probe(name, 'copy', [a, {}], label='plain')),
            ('change', Probe(name, 'copy', [a, self.copy_default(Model)],
                    label='with defaults'))]

    def probe_write(self, name, Model, a, ids, p, texts, r, d):
        probes = []
        value = self.harmless_value(Model, texts)
        if a and value:
            probes.append(('change', Probe(name, 'write', [a, value],
                        label='Anna\'s')))
        own = self.b_ids.get(name)
        links = {k: v for k, v in self.linking_values(Model).items()
            if k in p or k in self.naming_values(Model, with_id=False)}
        if own and links:
            probes.append(('change', Probe(name, 'write', [own, links],
                        label='own linked')))
        if not probes:
            if a:
                return "no field to change harmlessly"
            return self.no_annas(name, Model)
        return probes

    def probe_delete(self, name, Model, a, *args):
        if not a:
            return self.no_annas(name, Model)
        return [('change', Probe(name, 'delete', [a]))]

    def probe_create(self, name, Model, a, ids, p, *args):
        values = self.linking_values(Model)
        if not set(values) & set(self.naming_values(Model, with_id=False)):
            return "it has no field to link to Anna's records"
        return [('change', Probe(name, 'create', [[values]]))]

    def probe_import_data(self, name, Model, a, ids, p, *args):
        pool = Pool()
        values = self.linking_values(Model)
        row, names = [], []
        for fname, value in values.items():
            field = Model._fields[fname]
            if fname not in p and not field.required:
                continue
            if field._type == 'many2one':
                Target = pool.get(field.model_name)
                with Transaction().set_context(active_test=False):
                    value = Target(value).rec_name
            elif field._type in {'many2many', 'one2many', 'reference'}:
                continue
            names.append(fname)
            row.append(str(value))
        linking = set(names) & set(self.naming_values(Model, with_id=False))
        if not linking:
            return "it has no field to link to Anna's records"
        return [('change', Probe(name, 'import_data', [names, [row]]))]

    def probe_on_change(self, name, Model, *args):
        names = [f for f in Model._fields
            if hasattr(Model, 'on_change_%s' % f)]
        if not names:
            return "no field of the model has an on_change"
        return [('call', Probe(name, 'on_change',
                    [self.naming_values(Model), names]))]

    def probe_on_change_with(self, name, Model, *args):
        names = [f for f in Model._fields
            if hasattr(Model, 'on_change_with_%s' % f)]
        if not names:
            return "no field of the model has an on_change_with"
        return [('call', Probe(name, 'on_change_with',
                    [self.naming_values(Model), names]))]

    def probe_on_change_notify(self, name, Model, *args):
        return [('call', Probe(name, 'on_change_notify',
                    [self.naming_values(Model)]))]

    def probe_pre_validate(self, name, Model, *args):
        return [('call', Probe(name, 'pre_validate',
                    [self.naming_values(Model)]))]

    def probe_on_scan_code(self, name, Model, *args):
        return [('call', Probe(name, 'on_scan_code',
                    [self.naming_values(Model), '0000']))]

    def probe_button(self, name, Model, method, a):
        if not a:
            return self.no_annas(name, Model)
        if is_instance_method(Model, method):
            args = [self.naming_values(Model)]
        else:
            args = [a]
        return [('call', Probe(name, method, args))]

    # The methods of their own
    def probe_party_party__restore(self, name, Model):
        return [('change', Probe(name, 'restore', [[self.trashed.id]],
                    context={'active_test': False}))]

    def probe_ir_model__global_search(self, name, Model):
        return [('reveal', Probe(name, 'global_search', [LOOKUP, 10]))]

    def probe_res_user__set_preferences(self, name, Model):
        return [('change', Probe(name, 'set_preferences', [{
                            'employee': self.employee('Anna')}]))]

    def chat(self, method, *args, kind='reveal'):
        return [(kind, Probe(
                    'ir.chat.channel', method, [str(self.romashka), *args]))]

    def probe_ir_chat_channel__get(self, name, Model):
        return self.chat('get')

    def probe_ir_chat_channel__get_followers(self, name, Model):
        return [('reveal', Probe(name, 'get_followers', [str(self.romashka)],
                    count=True))]

    def probe_ir_chat_channel__search_followers(self, name, Model):
        # Any follower found is one of Anna's card
        return [('call', Probe(name, 'search_followers',
                    [str(self.romashka), 'An'], count=True))]

    def probe_ir_chat_channel__post(self, name, Model):
        return self.chat('post', "Привет", kind='change')

    def probe_ir_chat_channel__subscribe(self, name, Model):
        return self.chat('subscribe', kind='change')

    def probe_ir_chat_channel__unsubscribe(self, name, Model):
        return [('change', Probe(name, 'unsubscribe',
                    [str(self.romashka), 'anna']))]

    def probe_ir_chat_channel__subscribe_email(self, name, Model):
        return self.chat('subscribe_email', 'spy@example.com', kind='change')

    def probe_ir_chat_channel__unsubscribe_email(self, name, Model):
        return self.chat('unsubscribe_email', EMAIL, kind='call')

    def probe_ir_ui_view_search__get(self, name, Model):
        return [('reveal', Probe(name, 'get', []))]

    def probe_ir_ui_view_search__set(self, name, Model):
        return [('call', Probe(name, 'set', ["Мой", 'party.party',
                        json.dumps([['id', 'in', self.parties]])]))]

    def probe_ir_ui_view_search__unset(self, name, Model):
        return [('call', Probe(name, 'unset', [self.a_ids[name][0]]))]

    # ---- Wizards and reports ---------------------------------------------
    def wizard_probes(self):
        pool = Pool()
        ActionWizard = pool.get('ir.action.wizard')
        for name, Wizard in self.other_objects('wizard'):
            if ('wizard', name) in NOT_TRIED:
                yield name, NOT_TRIED[('wizard', name)]
                continue
            actions = ActionWizard.search([('wiz_name', '=', name)])
            models = {a.model for a in actions if a.model}
            probes = []
            for model in sorted(models):
                ids = self.a_ids.get(model)
                if not ids:
                    continue
                probes.append(('call', Probe(name, 'run', [], type='wizard',
                            label=model, context={
                                'active_model': model, 'active_id': ids[0],
                                'active_ids': ids[:2],
                                'action_id': actions[0].id})))
            yield name, probes or (
                "it opens on no model Anna has records of")

    def report_probes(self):
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        for name, Report in self.other_objects('report'):
            if ('report', name) in NOT_TRIED:
                yield name, NOT_TRIED[('report', name)]
                continue
            probes = []
            for action in ActionReport.search([('report_name', '=', name)]):
                ids = self.a_ids.get(action.model)
                if not ids:
                    continue
                probes.append(('reveal', Probe(name, 'execute', [ids, {
                                    'model': action.model, 'id': ids[0],
                                    'ids': ids, 'action_id': action.id}],
                            type='report', label=action.model)))
            yield name, probes or "it prints no model Anna has records of"

    # ---- The test --------------------------------------------------------
    def all_pairs(self):
        "(model, method, probes or reason) of every target"
        for name, Model in self.targets():
            for method in sorted(Model.__rpc__):
                yield name, method, self.probes(name, Model, method)
        for name, probes in self.wizard_probes():
            yield 'wizard ' + name, 'create/execute/delete', probes
        for name, probes in self.report_probes():
            yield 'report ' + name, 'execute', probes

    def contexts(self, probe):
        "The contexts a client can forge that may matter to the probe"
        contexts = [
            ('preferences', {}),
            ('company None', {'company': None}),
            ('company -1', {'company': -1}),
            ('employee Anna', {'employee': self.employee('Anna')}),
            ('active_test False', {'active_test': False}),
            ]
        # A past time matters to what is read: for the cards and their
        # parts to every method
        if (probe.model in self.party_family or (
                    probe.type == 'model' and self.rpc(probe).readonly)
                or probe.type == 'report'):
            contexts.append(
                ('_datetime', {'_datetime': datetime.datetime.now()}))
        return contexts

    def callers(self, probe):
        callers = list(ATTACKERS)
        if (probe.method in EXPORT_METHODS or probe.type == 'report'
                or probe.model in EXPORT_WIZARDS):
            callers.append(EXPORTER)
        return callers

    def control(self, probe, kind):
        """Whether Anna or the administrator gets something from the probe;
        the error that refused it to both when it did"""
        for control in [self.users['Anna'], self.admin]:
            shown = self.attempt(
                control.id, probe, {}, ['control'], control.login)
            if shown or (kind == 'call' and shown is not None):
                return True, None
        return False, self.error

    def try_pair(self, model, method, probes, user_ids):
        """The leaks of the probes of one pair, and why none is meaningful
        (None when one is)"""
        meaningful, pointless, leaks = False, [], []
        for kind, probe in probes:
            shown, error = self.control(probe, kind)
            meaningful |= shown
            if not shown:
                pointless.append((model, method, probe.label,
                        'refused: %r' % error if error else 'shows nothing'))
                if error is None and model not in self.a_ids:
                    # What Anna and the administrator see, nobody sees
                    continue
            for caller in self.callers(probe):
                for label, forged in self.contexts(probe):
                    if caller == EXPORTER and label != 'preferences':
                        continue
                    found = self.attempt(
                        user_ids[caller], probe, forged, [caller],
                        '%s %s' % (caller, label)) or []
                    if error is not None and not isinstance(
                            error, TrytonException):
                        # Broken for everyone alike: not a refusal to test
                        found = [f for f in found if f != 'raw error %r' % (
                                self.error,) or type(self.error)
                            is not type(error)]
                    if found:
                        leaks.append((caller, label, probe.label, found))
        why = None
        if not meaningful:
            if model not in self.a_ids and not model.startswith(
                    ('wizard ', 'report ')):
                why = NOTHING_OF_ANNAS
            elif all(p[3].startswith('refused') for p in pointless):
                why = "refused even to Anna and the administrator: %s" % (
                    pointless[0][3])
        return meaningful, why, pointless, leaks

    # The prints stay ODT, whose text the probes read, where LibreOffice is
    # installed (make test installs it) and would give PDF
    @patch.object(config, 'get', config_get(None))
    @with_transaction()
    def test_every_rpc_method(self):
        "No method exposed over RPC reaches a counterparty one may not"
        self.crashes, self.drifts = [], []
        self.calls, self.looked = 0, 0
        self.preferences, self.snapshot_time = {}, 0
        begun = time.monotonic()
        self.set_up()
        self.party_family = {'party.party'} | {
            n for n, M in self.targets()
            if any(f._type == 'many2one' and f.model_name == 'party.party'
                for f in self.stored(M).values())}
        user_ids = {n: u.id for n, u in self.users.items()}
        open_ = dict(OPEN)
        tried, not_tried, unknown, pointless = 0, [], [], []
        known_open, tried_pairs = [], set()
        times = defaultdict(float)
        for model, method, probes in list(self.all_pairs()):
            started = time.monotonic()
            if probes is None:
                unknown.append((model, method))
                continue
            if isinstance(probes, str):
                not_tried.append((model, method, probes))
                continue
            meaningful, why, useless, leaks = self.try_pair(
                model, method, probes, user_ids)
            pointless.extend(useless)
            times[model] += time.monotonic() - started
            tried_pairs.add((model, method))
            if why:
                not_tried.append((model, method, 'no probe shows anything '
                        'even to Anna or the administrator: ' + why))
            else:
                tried += 1
            report = '\n'.join('%s %s %s [%s %s]: %s' % (
                    model, method, probe, caller, label, '; '.join(found))
                for caller, label, probe, found in leaks)
            with self.subTest(model=model, method=method):
                self.assertTrue(meaningful or why,
                    msg="no probe of %s.%s shows anything even to Anna or "
                    "the administrator: make one or list it in NOT_TRIED"
                    % (model, method))
                if (model, method) in open_:
                    self.assertTrue(leaks, msg="%s.%s is listed as open "
                        "(%s) but closed: remove it from OPEN" % (
                            model, method, open_[(model, method)]))
                    known_open.append((model, method, open_[(model, method)],
                            report))
                else:
                    self.assertFalse(leaks, msg=report)
        print('\n(model, method) pairs tried: %d; not tried: %d; '
            'open holes: %d' % (tried, len(not_tried), len(known_open)))
        print('  %d calls, %d of them looked for changes; %.0f s in all, '
            '%.0f s of them taking snapshots' % (self.calls, self.looked,
                time.monotonic() - begun, self.snapshot_time))
        for model, seconds in sorted(times.items(), key=lambda t: -t[1])[:8]:
            print('  %.1f s: %s' % (seconds, model))
        if os.environ.get('ACCESS_RPC_REPORT'):
            for row in not_tried:
                print('  not tried: %s.%s: %s' % row)
            for row in pointless:
                print('  pointless probe: %s.%s %s: %s' % row)
        for row in self.drifts:
            print('  committed its changes: %s.%s %s [%s]' % row)
        for model, method, reason, report in known_open:
            print('  OPEN %s.%s (%s):\n    %s' % (model, method, reason,
                    report.replace('\n', '\n    ')[:600]))
        for row in self.crashes:
            print('  crashed: %s.%s %s [%s]: %s' % row)
        self.assertFalse(unknown,
            msg="methods neither tried nor listed in NOT_TRIED: %s" % unknown)
        stale = set(open_) - {
            (m, n) for m, n, _, _ in known_open} - tried_pairs
        self.assertFalse(stale, msg="listed in OPEN but not tried: %s"
            % sorted(stale))
        self.assertGreaterEqual(tried, self.minimum_pairs)

del _DBTestCase
