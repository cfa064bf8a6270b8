# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The bulk path of the import (bulk.py) writes what the ORM writes: the
same rows imported both ways give the same content of every table of the
database, history and search text included."""
import json
import re
from unittest.mock import patch

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, fields
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_counterparty import import_
from trytond.modules.crm_counterparty.importing import bulk
from trytond.modules.crm_counterparty.exceptions import (
    DuplicateTaxIdentifier)
from trytond.modules.crm_counterparty.importing.importer import savepoint
from trytond.modules.crm_counterparty.tests import test_access
from trytond.modules.crm_counterparty.tests.test_import import ROMASHKA_KEYS
from trytond.modules.crm_counterparty.tests.test_import_rules import xlsx
from trytond.modules.crm_counterparty.tests.tools import (
    create_user, run_import)
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction

HEADER = ['Название', 'Кто', 'ИНН', 'КПП', 'ОГРН', 'Телефон',
    'Моб. телефон', 'E-mail', 'Сайт', 'Тип', 'Статус', 'Ответственный',
    'Сфера деятельности', 'Описание', 'Контактное лицо', 'Должность',
    'Телефон контакта', 'Адрес']
ROWS = [
    ['ООО «Ромашка»', '', '7707083893', '773601001', '1027700132195',
        '8 (495) 123-45-67', '+7 916 111-22-33', 'info@romashka.ru',
        'romashka.ru', 'Client', 'Potential', 'Анна Продажина', 'Опт',
        'Давний клиент', 'Иванов Иван', 'Директор', '+7 916 123-45-67', ''],
    # Two contact persons: the search text lists them in the database's
    # order of names
    ['ООО «Ромашка»', '', '7707083893', '773601001', '', '', '', '', '',
        '', '', '', '', '', 'Петрова Анна', 'Бухгалтер', '8 916 765-43-21',
        ''],
    ['ООО «Ромашка»', '', '7707083893', '773601001', '', '', '', '', '',
        '', '', '', '', '', 'Абрамов Пётр', '', '', ''],
    ['ИП Смирнов', 'Человек', '500100732259', '', '', '8 (812) 555-55-55',
        '', 'smirnov@example.com', '', '', '', '', '', '', '', '', '', ''],
    # A foreign phone, written the international way
    ['Berlin GmbH', '', '', '', '', '+49 30 1234567', '', '', '', '', '',
        '', '', '', '', '', '', ''],
    # The ORM's: an address, a phone with an extension, an e-mail Tryton
    # rewrites, a number valid nowhere
    ['ООО «Адрес»', '', '', '', '', '', '', '', '', '', '', '', '', '', '',
        '', '', 'Москва, ул. Ленина, д. 1'],
    ['ООО «Добавочный»', '', '', '', '', '+7 495 123-45-00 доб. 12', '', '',
        '', '', '', '', '', '', '', '', '', ''],
    ['ООО «Почта»', '', '', '', '', '', '', 'Info@POCHTA.RU', '', '', '',
        '', '', '', '', '', '', ''],
    ['ООО «Номер»', '', '', '', '', '+7 000 000-00-00', '', '', '', '', '',
        '', '', '', '', '', '', ''],
    ]
# Not compared: when and in which order rows were made
_TIMES = {'create_date', 'write_date'}
# Random: the name of the batch's file in the file store
_RANDOM = {'file_id'}
# Tables not part of what an import writes
_IGNORED = {'ir_cache', 'ir_session', 'ir_session_wizard', 'ir_queue'}


def _tables():
    cursor = Transaction().connection.cursor()
    if backend.name == 'sqlite':
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%'")
    else:
        cursor.execute("SELECT tablename FROM pg_tables "
            "WHERE schemaname = current_schema()")
    return sorted(r for r, in cursor if r not in _IGNORED)


def _foreign_keys():
    "The table each Many2One column of each table points to"
    pool = Pool()
    result = {}
    for _, Model in pool.iterobject():
        if not issubclass(Model, ModelSQL) or Model._is_table_query():
            continue
        columns = {n: pool.get(f.model_name)._table
            for n, f in Model._fields.items()
            if isinstance(f, fields.Many2One)
            and not isinstance(f, fields.Function)
            and not pool.get(f.model_name)._is_table_query()}
        result.setdefault(Model._table, {}).update(columns)
        if Model._history:
            result.setdefault(Model._table + '__history', {}).update(
                columns, id=Model._table)
    return result


def _dump():
    "Every row of every table"
    cursor = Transaction().connection.cursor()
    result = {}
    for table in _tables():
        cursor.execute('SELECT * FROM "%s"' % table)
        names = [d[0] for d in cursor.description]
        result[table] = [dict(zip(names, r)) for r in cursor]
    return result


def _last_ids(dump):
    return {t: max([r.get('__id', r.get('id')) or 0 for r in rows] + [0])
        for t, rows in dump.items()}


def _canonical(dump, last):
    """The rows of dump comparable between two imports: the new rows (after
    last) without their ids, times and party codes, what points to a new
    party by its name, to another new row by its table"""
    keys = _foreign_keys()
    new = {t: {r.get('id'): r for r in rows
            if (r.get('id') or 0) > last.get(t, 0)}
        for t, rows in dump.items() if t in last}
    parties = new['party_party']
    codes = {p['code']: '<code>' for p in parties.values()}

    def label(table, value):
        if value in new.get(table, {}) and value is not None:
            if table == 'party_party':
                return ('party', parties[value]['name'])
            return ('new', table)
        return value

    result = {}
    for table, rows in dump.items():
        canonical = []
        for row in rows:
            is_new = ((row.get('__id') or row.get('id') or 0)
                > last.get(table, 0))
            values = {}
            for name, value in row.items():
                if name in _TIMES or name in _RANDOM or name == '__id':
                    continue
                if name == 'id' and is_new and '__id' not in row:
                    continue
                if name in keys.get(table, {}):
                    value = label(keys[table][name], value)
                if table.startswith('party_party') and value in codes and (
                        name.startswith('code')):
                    value = '<code>'
                if name == 'code_digit' and is_new:
                    value = '<code>'
                if name == 'search_text' and value:
                    value = ' | '.join(codes.get(p, p) if p.isdigit() else p
                        for p in value.split(' | '))
                if table == 'crm_counterparty_event' and name == 'values':
                    # Each import of the two is a batch of its own (SQLite
                    # gives the column as its JSON text)
                    if isinstance(value, str):
                        value = json.loads(value)
                    value = {k: '<batch>' if k == 'batch' else v
                        for k, v in (value or {}).items()}
                if name == 'changes' and value:
                    changes = json.loads(value)
                    changes['created'] = [label('party_party', i)
                        for i in changes.get('created', [])]
                    changes['stamps'] = sorted(
                        label('party_party', int(i))
                        for i in changes.get('stamps', {}))
                    value = json.dumps(changes, sort_keys=True)
                values[name] = value
            canonical.append(repr(sorted(values.items())))
        result[table] = sorted(canonical)
    return result


class ImportBulkTestCase(_DBTestCase):
    "Test the bulk path of the import against the ORM's"
    module = 'crm_counterparty'

    def setup_user(self, group='group_crm_user'):
        company = create_company()
        with set_company(company):
            employee = create_employee(company, "Анна Продажина")
        return create_user('anna', employee, group=group), employee

    def assertSame(self, orm, bulk_):
        "The canonical dumps are equal, table by table"
        self.assertEqual(sorted(orm), sorted(bulk_))
        for table in orm:
            with self.subTest(table=table):
                self.assertEqual(orm[table], bulk_[table])

    def import_both_ways(self, data, user, **values):
        """Import data by the ORM, then by the bulk path, each from the same
        database; return the two canonical dumps and the bulk path's batch"""
        before = _dump()
        last = _last_ids(before)
        with savepoint(rollback=True):
            with Transaction().set_context(_crm_import_orm=True):
                orm_batch = run_import(data, user, **values)
                orm_lines = [(l.row, l.outcome, l.reason)
                    for l in orm_batch.lines]
            orm = _dump()
        self.assertEqual(_canonical(_dump(), last),
            _canonical(before, last))
        with self.assertLogs(savepoint.__module__,
                'INFO') as logs:
            batch = run_import(data, user, **values)
        bulk_dump = _dump()
        return (_canonical(orm, last), _canonical(bulk_dump, last), batch,
            orm_lines, logs.output)

    @with_transaction()
    def test_same_rows_as_orm(self):
        "Rows imported in bulk are stored exactly as the ORM stores them"
        pool = Pool()
        Party = pool.get('party.party')
        Identifier = pool.get('party.identifier')
        ContactMechanism = pool.get('party.contact_mechanism')
        PartyLang = pool.get('party.party.lang')
        user, employee = self.setup_user()
        orm, bulk_, batch, orm_lines, logs = self.import_both_ways(
            xlsx([HEADER] + ROWS), user)

        self.assertEqual([(l.row, l.outcome, l.reason) for l in batch.lines],
            orm_lines)
        self.assertEqual(
            [l.outcome for l in batch.lines],
            ['created', 'merged', 'merged', 'created', 'created',
                'created', 'created', 'created', 'failed'])
        # The first three cards went the bulk way, the others the ORM's
        self.assertIn('3 in bulk, 4 by the ORM', '\n'.join(logs))
        self.assertSame(orm, bulk_)

        # They pass Tryton's validation of each model
        parties = Party.search([('name', 'in', [r[0] for r in ROWS[:5]])])
        persons = [p for c in parties for p in c.contact_persons]
        self.assertEqual(len(parties + persons), 6)
        Party._validate(parties + persons)
        Identifier._validate(Identifier.search(
                [('party', 'in', [p.id for p in parties])]))
        ContactMechanism._validate(ContactMechanism.search(
                [('party', 'in', [p.id for p in parties + persons])]))
        PartyLang._validate(PartyLang.search(
                [('party', 'in', [p.id for p in parties + persons])]))
        for party in parties + persons:
            self.assertEqual(party.code_alnum, re.sub(r'\W', '', party.code))
            self.assertIn(party.code.lower(), party.search_text)
        romashka, = [p for p in parties if p.name == "ООО «Ромашка»"]
        self.assertEqual(romashka.responsible, employee)
        self.assertEqual(romashka.create_uid, user)
        self.assertEqual(romashka.write_uid, user)

    @with_transaction()
    def test_chunk_of_many(self):
        "A chunk of many cards is written as the ORM writes it"
        user, _ = self.setup_user()
        rows = [['Компания %d' % i, '', '', '', '', '+7 495 100-%02d-%02d'
                % (i // 100, i % 100), '', 'c%d@example.com' % i, '', '', '',
                '', '', '', 'Контакт %d' % i, '', '+7 916 100-00-%02d'
                % (i % 100), ''] for i in range(150)]
        # Two chunks: a full one and the rest
        with patch.object(import_, 'CHUNK', 100):
            orm, bulk_, batch, _, logs = self.import_both_ways(
                xlsx([HEADER] + rows), user)
        self.assertEqual(batch.created, 150)
        self.assertIn('100 in bulk, 0 by the ORM', '\n'.join(logs))
        self.assertIn('50 in bulk, 0 by the ORM', '\n'.join(logs))
        self.assertSame(orm, bulk_)

    @with_transaction()
    def test_no_create_access(self):
        "A user who may not create counterparties gets the ORM's error"
        pool = Pool()
        Party = pool.get('party.party')
        user, _ = self.setup_user(group=None)
        data = xlsx([HEADER] + ROWS[:1])
        orm, bulk_, batch, orm_lines, _ = self.import_both_ways(data, user)
        self.assertEqual(batch.failed, 1)
        self.assertEqual(
            [(l.row, l.outcome, l.reason) for l in batch.lines],
            orm_lines)
        self.assertIn("not allowed", batch.lines[0].reason)
        self.assertSame(orm, bulk_)
        # The bulk path raises what the ORM raises
        writer = bulk.BulkWriter()
        with Transaction().set_user(user.id), \
                Transaction().set_context(_check_access=True):
            with self.assertRaises(AccessError) as orm_error:
                Party.create([{'name': "Б"}])
            with self.assertRaises(AccessError) as bulk_error:
                writer.write(
                    [bulk.Card({'name': "Б", 'kind': 'company'}, [], [], [])])
        self.assertEqual(bulk_error.exception.message,
            orm_error.exception.message)

    @with_transaction()
    def test_refused_rows_reported(self):
        "A row the pure rules refuse is failed with its message"
        user, _ = self.setup_user()
        data = xlsx([['Название', 'ИНН', 'Телефон'],
                ['ООО А', '7707083894', ''],
                ['ООО Б', '', '8 916 123-45-67'],
                ['', '', '8 916 123-45-68'],
                ])
        orm, bulk_, batch, orm_lines, logs = self.import_both_ways(
            data, user)
        self.assertEqual([(l.row, l.outcome) for l in batch.lines],
            [(2, 'failed'), (3, 'created'), (4, 'merged')])
        self.assertEqual(batch.lines[0].reason,
            'The INN "7707083894" is not valid.')
        self.assertEqual(
            [(l.row, l.outcome, l.reason) for l in batch.lines],
            orm_lines)
        self.assertIn('1 in bulk, 0 by the ORM', '\n'.join(logs))
        self.assertSame(orm, bulk_)

    @with_transaction()
    def test_duplicate_inn(self):
        "The INN rule holds for the bulk path as for the ORM"
        pool = Pool()
        Party = pool.get('party.party')
        Identifier = pool.get('party.identifier')
        user, _ = self.setup_user()
        Party.create([{'name': "Сбер", 'inn': '7707083893',
                    'kpp': '773601001'}])
        # A duplicate created anyway: the ORM's, with its INN rule
        data = xlsx([['Название', 'ИНН', 'КПП'],
                ['ООО А', '7707083893', '773601001'],
                ['ООО Б', '500100732259', ''],
                ])
        orm, bulk_, batch, orm_lines, logs = self.import_both_ways(
            data, user, on_duplicate='create')
        self.assertEqual([(l.row, l.outcome) for l in batch.lines],
            [(2, 'failed'), (3, 'created')])
        self.assertIn("already held", batch.lines[0].reason)
        self.assertEqual(
            [(l.row, l.outcome, l.reason) for l in batch.lines],
            orm_lines)
        self.assertIn('1 in bulk, 1 by the ORM', '\n'.join(logs))
        self.assertSame(orm, bulk_)
        # The bulk path raises what the ORM raises for such a card
        writer = bulk.BulkWriter()
        identifiers = [{'type': 'ru_vat', 'code': '7707083893'},
            {'type': 'ru_kpp', 'code': '773601001'}]
        with Transaction().set_user(user.id), \
                Transaction().set_context(_check_access=True):
            with self.assertRaises(DuplicateTaxIdentifier) as orm_error, \
                    savepoint(rollback=True):
                Party.create([{'name': "ООО А",
                            'identifiers': [('create', identifiers)]}])
            with self.assertRaises(DuplicateTaxIdentifier) as bulk_error, \
                    savepoint(rollback=True):
                writer.write([bulk.Card({'name': "ООО А", 'kind': 'company'}, [
                                Identifier.preprocess_values('create', i)
                                for i in identifiers], [], [])])
        self.assertEqual(
            bulk_error.exception.message, orm_error.exception.message)

    @with_transaction()
    def test_create_rule_falls_back(self):
        "A create rule of the user that refuses a card sends it to the ORM"
        pool = Pool()
        RuleGroup = pool.get('ir.rule.group')
        user, _ = self.setup_user()
        RuleGroup.create([{
                    'name': "No Б",
                    'model': 'party.party',
                    'global_p': True,
                    'perm_read': False, 'perm_write': False,
                    'perm_delete': False, 'perm_create': True,
                    'rules': [('create', [{
                                    'domain': json.dumps(
                                        [('name', '!=', "ООО Б")]),
                                    }])],
                    }])
        data = xlsx([['Название'], ['ООО А'], ['ООО Б']])
        orm, bulk_, batch, orm_lines, logs = self.import_both_ways(
            data, user)
        self.assertEqual([(l.row, l.outcome) for l in batch.lines],
            [(2, 'created'), (3, 'failed')])
        self.assertEqual(
            [(l.row, l.outcome, l.reason) for l in batch.lines],
            orm_lines)
        self.assertIn('refused', '\n'.join(logs))
        self.assertSame(orm, bulk_)

    @with_transaction()
    def test_trigger_keeps_orm(self):
        "A trigger on the creation of parties keeps the import on the ORM"
        pool = Pool()
        Trigger = pool.get('ir.trigger')
        Model = pool.get('ir.model')
        self.assertIsNone(bulk.BulkWriter().unavailable)
        # Its action matters not: it is never run here
        trigger = Trigger.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*trigger.insert(
                [trigger.name, trigger.model, trigger.on_create_,
                    trigger.on_time_, trigger.on_write_, trigger.on_delete_,
                    trigger.condition, trigger.limit_number, trigger.action,
                    trigger.active],
                [["On contact", Model.search([
                                ('name', '=', 'party.contact_mechanism'),
                                ])[0].id,
                        True, False, False, False, 'true', 0, 'test',
                        True]]))
        Trigger._get_triggers_cache.clear()
        self.assertEqual(bulk.BulkWriter().unavailable,
            'trigger on create of party.contact_mechanism')

    @with_transaction()
    def test_hidden_holder_leaks_nothing(self):
        """Rows with the phone, e-mail and name of a card the user may not
        see are new cards written in bulk as by the ORM; the bulk path's INN
        rule names no holder he may not see"""
        pool = Pool()
        Party = pool.get('party.party')
        Identifier = pool.get('party.identifier')
        User = pool.get('res.user')
        test_access.CounterpartyAccessTestCase.setup_company(self)
        Party.write([self.romashka], {
                'inn': '7707083893',
                'contact_mechanisms': [('create', [
                            {'type': 'phone', 'value': '+74951234567'},
                            {'type': 'email', 'value': 'info@romashka.ru'},
                            ])],
                })
        boris = self.users['Boris']
        orm, bulk_, batch, orm_lines, logs = self.import_both_ways(
            ROMASHKA_KEYS, boris)
        self.assertEqual(
            [(l.row, l.outcome, l.reason) for l in batch.lines], orm_lines)
        self.assertEqual([l.outcome for l in batch.lines],
            ['failed', 'created', 'created', 'created'])
        self.assertNotIn(self.romashka, [l.party for l in batch.lines])
        self.assertIn('3 in bulk, 0 by the ORM', '\n'.join(logs))
        self.assertSame(orm, bulk_)

        writer = bulk.BulkWriter()
        with Transaction().set_user(boris.id):
            context = User.get_preferences(context_only=True)
        with Transaction().set_user(boris.id), \
                Transaction().set_context(context, _check_access=True), \
                self.assertRaises(DuplicateTaxIdentifier) as error, \
                savepoint(rollback=True):
            writer.write([bulk.Card({'name': "ООО А", 'kind': 'company'}, [
                            Identifier.preprocess_values('create', {
                                    'type': 'ru_vat', 'code': '7707083893'})],
                    [], [])])
        self.assertEqual(error.exception.message, gettext(
                'crm_counterparty.msg_duplicate_tax_identifier_hidden',
                inn='7707083893', kpp='', party="ООО А", responsible="Anna"))
