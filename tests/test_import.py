# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Importing counterparties into the database: the batch, its report, its
duplicates, its resumption and its undoing."""
import io
import json
from contextlib import ExitStack, closing
from unittest.mock import patch

import openpyxl

from trytond.i18n import gettext
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_counterparty import import_
from trytond.modules.crm_counterparty.importing import (
    columns, importer, rules, tabular)
from trytond.model.modelview import AccessButtonError
from trytond.modules.crm_counterparty.exceptions import (
    ImportFileError, ImportRevertError)
from trytond.modules.crm_counterparty.tests import test_access
from trytond.modules.crm_counterparty.tests.test_access import call
from trytond.modules.crm_counterparty.tests.test_import_rules import (
    HEADER, ROWS, csv_bytes, xlsx)
from trytond.modules.crm_counterparty.tests.tools import (
    create_user, run_import)
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction


def _unusable(*args):
    "A reading that finds the file unusable past its header"
    raise tabular.FileUnusable('msg_import_file_no_rows')
    yield


class ImportTestCase(_DBTestCase):
    "Test importing counterparties"
    module = 'crm_counterparty'

    def setup_user(self, group='group_crm_user'):
        "A sales manager with an employee, as who imports"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        with set_company(company):
            employee = create_employee(company, "Анна Продажина")
        user, = User.create([{
                    'name': "Анна", 'login': 'anna',
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'employees': [('add', [employee.id])],
                    'employee': employee.id,
                    'groups': [('add', [ModelData.get_id(
                                    'crm_counterparty', group)]
                            if group else [])],
                    }])
        return user, employee

    def run_import(self, data, user, **values):
        return run_import(data, user, **values)

    def outcomes(self, batch):
        return [(l.row, l.outcome) for l in batch.lines]

    @with_transaction()
    def test_import_as_by_hand(self):
        "Counterparties imported are made as by hand: rules, history, owner"
        pool = Pool()
        Party = pool.get('party.party')
        user, employee = self.setup_user()
        batch = self.run_import(xlsx([HEADER] + ROWS), user)

        self.assertEqual(batch.state, 'done')
        self.assertEqual(self.outcomes(batch),
            [(2, 'created'), (3, 'merged'), (4, 'created')])
        self.assertEqual(
            (batch.created, batch.merged, batch.failed, batch.skipped),
            (2, 1, 0, 0))
        romashka, smirnov = Party.search(
            [('kind', '=', 'company')], order=[('id', 'ASC')])[-2:]
        self.assertEqual(romashka.name, "ООО «Ромашка»")
        self.assertEqual((romashka.inn, romashka.kpp),
            ('7707083893', '773601001'))
        self.assertEqual(romashka.phone, '8 (495) 123-45-67')
        self.assertEqual(romashka.email, 'info@romashka.ru')
        self.assertEqual(romashka.responsible, employee)
        self.assertEqual(romashka.create_uid, user)
        self.assertEqual(
            [(c.name, c.position, c.mobile) for c in romashka.contact_persons],
            [("Иванов Иван", "Директор", '8 (916) 123-45-67'),
                ("Петрова Анна", "Бухгалтер", '8 (916) 765-43-21')])
        self.assertEqual(romashka.counterparty_type.name, "Client")
        self.assertEqual(romashka.counterparty_status.name, "Potential")
        self.assertEqual(smirnov.inn, '500100732259')
        # The history of the card holds its first revision
        party_history = Party.__table_history__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*party_history.select(
                party_history.name, where=party_history.id == romashka.id))
        self.assertIn(("ООО «Ромашка»",), cursor.fetchall())
        # Each row is reported once, with its values
        self.assertEqual(json.loads(batch.lines[1].values)[5], "Петрова Анна")

    @with_transaction()
    def test_default_status_configured(self):
        "An imported card takes the configured status, not the first listed"
        pool = Pool()
        Party = pool.get('party.party')
        Status = pool.get('crm.counterparty.status')
        user, _ = self.setup_user()
        Status.create([{'name': "Новый", 'sequence': 0}])
        batch = self.run_import(xlsx([HEADER] + ROWS), user)
        self.assertEqual(batch.state, 'done')
        self.assertEqual({p.counterparty_status.name for p in Party.search(
                        [('create_uid', '=', user.id)])}, {"Potential"})

    @with_transaction()
    def test_report_counters(self):
        """The counters count the data rows alone, show 0 rather than
        nothing, and a row of a contact person says to whom it is added"""
        user, _ = self.setup_user()
        data = csv_bytes([
                ['Выгрузка контрагентов на 01.12.2026'],
                ['Название', 'ИНН', 'Контактное лицо', 'Телефон'],
                ['ООО Ромашка', '7707083893', 'Иванов Иван', ''],
                ['', '', 'Петрова Анна', ''],
                ['ИП Смирнов', '500100732259', '', '8 (812) 555-55-55'],
                ['ООО Лютик', '', '', '8 (495) 111-22-33'],
                ['ООО Лютик', '', 'Сидоров Пётр', ''],
                ['ООО Василёк', '123', '', ''],
                ])
        batch = self.run_import(data, user, file_name='clients.csv')

        self.assertEqual(batch.rows_total, 6)
        self.assertEqual(batch.header_row, 2)
        self.assertEqual(
            (batch.created, batch.updated, batch.merged, batch.skipped,
                batch.failed), (3, 0, 2, 0, 1))
        self.assertEqual(self.outcomes(batch), [(3, 'created'),
                (4, 'merged'), (5, 'created'), (6, 'created'),
                (7, 'merged'), (8, 'failed')])
        self.assertEqual(batch.lines[1].reason, gettext(
                'crm_counterparty.msg_import_contact_added',
                contact="Петрова Анна", party="ООО Ромашка"))
        self.assertEqual(batch.lines[1].party, batch.lines[0].party)
        self.assertEqual(batch.lines[4].reason, gettext(
                'crm_counterparty.msg_import_contact_added',
                contact="Сидоров Пётр", party="ООО Лютик"))
        # A batch not run yet counts 0 as well
        Import = Pool().get('crm.counterparty.import')
        with Transaction().set_user(user.id):
            draft, = Import.create([{'file': data, 'file_name': 'a.csv'}])
        self.assertEqual(
            (draft.created, draft.updated, draft.merged, draft.skipped,
                draft.failed), (0, 0, 0, 0, 0))

    @with_transaction()
    def test_contact_added_only_when_new(self):
        """A row of a contact person the card already has is merged into it
        without saying the person was added"""
        pool = Pool()
        Party = pool.get('party.party')
        user, _ = self.setup_user()
        romashka, = Party.create([{'name': "ООО Ромашка",
                    'inn': '7707083893',
                    'contact_persons': [('create', [{
                                    'name': "Петрова Анна",
                                    'kind': 'person'}])]}])
        data = csv_bytes([
                ['Название', 'ИНН', 'Контактное лицо'],
                ['ООО Ромашка', '7707083893', 'Иванов Иван'],
                ['', '', 'Петрова Анна'],
                ['', '', 'Сидоров Пётр'],
                ])
        batch = self.run_import(data, user, on_duplicate='update')

        self.assertEqual(self.outcomes(batch),
            [(2, 'updated'), (3, 'merged'), (4, 'merged')])
        self.assertEqual([l.reason for l in batch.lines[1:]], [
                gettext('crm_counterparty.msg_import_merged_with_file',
                    row=2),
                gettext('crm_counterparty.msg_import_contact_added',
                    contact="Сидоров Пётр", party="ООО Ромашка")])
        self.assertEqual(sorted(c.name for c in romashka.contact_persons),
            ["Иванов Иван", "Петрова Анна", "Сидоров Пётр"])

    @with_transaction()
    def test_list_time_to_the_second(self):
        "The list of imports shows when to the second, not microseconds"
        Import = Pool().get('crm.counterparty.import')
        format_ = Import.fields_get(['create_date'])['create_date']['format']
        self.assertIn('%S', format_)
        self.assertNotIn('%f', format_)

    @with_transaction()
    def test_megaplan_kind_and_unknown_names(self):
        """Megaplan's «Тип» is the kind; an unknown status or responsible is
        a warning, the default kept; a new tag is made the user's own"""
        pool = Pool()
        Party = pool.get('party.party')
        Status = pool.get('crm.counterparty.status')
        user, employee = self.setup_user()
        data = csv_bytes([
                ['Название', 'Тип', 'Статус', 'Ответственный', 'Теги'],
                ['ООО Ромашка', 'Компания', 'Спящий', 'Некто Никто',
                    'VIP, Опт'],
                ['Сидоров Иван', 'Человек', '', '', 'VIP'],
                ['ИП Кузнецов', 'ИП', '', '', ''],
                ['Петров Пётр', 'Физ. лицо', '', '', ''],
                ])
        batch = self.run_import(data, user, file_name='megaplan.csv')

        self.assertEqual((batch.created, batch.failed), (4, 0),
            [l.reason for l in batch.lines])
        parties = [l.party for l in batch.lines]
        self.assertEqual([p.kind for p in parties],
            ['company', 'person', 'company', 'person'])
        romashka = parties[0]
        self.assertEqual(romashka.counterparty_status,
            Status.search([], limit=1)[0])
        self.assertEqual(romashka.responsible, employee)
        self.assertEqual(batch.lines[0].reason, ' '.join([
                    gettext('crm_counterparty.msg_import_unknown_status',
                        value='Спящий'),
                    gettext('crm_counterparty.msg_import_unknown_responsible',
                        value='Некто Никто')]))
        with Transaction().set_user(user.id):
            romashka, sidorov = Party.browse(parties[:2])
            self.assertEqual(
                sorted((t.name, t.user) for t in romashka.tags),
                [('VIP', user), ('Опт', user)])
            self.assertEqual(sidorov.tag_names, 'VIP')
        self.assertFalse(Status.search([('name', '=', 'Спящий')]))

        # Asked to by one who may edit the lists, the import adds the
        # status and makes new tags global
        pool.get('res.user').write([user], {'groups': [('add', [
                            pool.get('ir.model.data').get_id(
                                'party', 'group_party_admin')])]})
        data = csv_bytes([
                ['Название', 'Статус', 'Теги'],
                ['ООО Лютик', 'Спящий', 'Партнёр'],
                ])
        batch = self.run_import(data, user, file_name='megaplan.csv',
            create_missing=True, tags_global=True)
        lyutik, = [l.party for l in batch.lines]
        self.assertEqual((batch.created, batch.lines[0].reason), (1, ''))
        self.assertEqual(lyutik.counterparty_status.name, 'Спящий')
        with Transaction().set_user(user.id):
            self.assertEqual(
                [(t.name, t.user) for t in Party.browse([lyutik])[0].tags],
                [('Партнёр', None)])
        self.assertEqual(Party.search_count([('name', '=', 'ООО Лютик')]), 1)

    @with_transaction()
    def test_access_rules_hold(self):
        "A user who may not create counterparties imports none"
        pool = Pool()
        Party = pool.get('party.party')
        # Outside the CRM groups one only reads counterparties
        user, _ = self.setup_user(group=None)
        before = Party.search_count([])
        batch = self.run_import(xlsx([HEADER] + ROWS), user)
        self.assertEqual(batch.failed, 3)
        self.assertEqual(Party.search_count([]), before)
        self.assertIn("not allowed", batch.lines[0].reason)

    @with_transaction()
    def test_unknown_names_keep_existing_card(self):
        """An unknown type or status does not overwrite the card's own, and
        the update of a card makes no tag it does not add"""
        pool = Pool()
        Party = pool.get('party.party')
        Type = pool.get('crm.counterparty.type')
        Status = pool.get('crm.counterparty.status')
        Tag = pool.get('crm.counterparty.tag')
        user, _ = self.setup_user()
        partner, = Type.create([{'name': "Партнёр"}])
        former, = Status.create([{'name': "Бывший"}])
        romashka, = Party.create([{'name': "ООО «Ромашка»",
                    'inn': '7707083893', 'kpp': '773601001',
                    'counterparty_type': partner.id,
                    'counterparty_status': former.id}])
        tags = Tag.search_count([])
        data = csv_bytes([['Название', 'ИНН', 'КПП', 'Тип', 'Статус', 'Теги'],
                ['ООО «Ромашка»', '7707083893', '773601001', 'Марсианин',
                    'Спящий', 'Новая']])
        batch = self.run_import(
            data, user, file_name='clients.csv', on_duplicate='overwrite')
        self.assertEqual(self.outcomes(batch), [(2, 'skipped')],
            [l.reason for l in batch.lines])
        romashka = Party(romashka.id)
        self.assertEqual(
            (romashka.counterparty_type, romashka.counterparty_status),
            (partner, former))
        self.assertEqual(Tag.search_count([]), tags)

    @with_transaction()
    def test_bad_rows_reported_others_imported(self):
        "A refused row is failed with its reason; the others are imported"
        pool = Pool()
        Party = pool.get('party.party')
        user, _ = self.setup_user()
        sber, = Party.create([{'name': "ПАО Сбербанк", 'inn': '7707083893',
                    'kpp': '773601001'}])
        data = xlsx([['Название', 'ИНН', 'КПП', 'Телефон', 'Тип'],
                ['ООО А', '7707083894', '', '', ''],
                ['ООО Б', '', '', '8 916 123-45-67', 'Client'],
                ['Сбер дубль', '7707083893', '773601001', '', ''],
                ['ООО В', '', '', '', 'Марсианин'],
                ])
        batch = self.run_import(data, user, on_duplicate='create')
        # An unknown type is a warning: the row is imported
        self.assertEqual(self.outcomes(batch), [
                (2, 'failed'), (3, 'created'), (4, 'failed'),
                (5, 'created')],
            [l.reason for l in batch.lines])
        lines = batch.lines
        self.assertEqual(lines[0].reason, 'The INN "7707083894" is not valid.')
        self.assertIn("already held", lines[2].reason)
        self.assertEqual(lines[3].reason,
            'The type "Марсианин" is not one of the counterparty types: '
            'the default is kept.')
        b, = Party.search([('name', '=', "ООО Б")])
        self.assertEqual(b.counterparty_type.name, "Client")
        self.assertEqual(Party.search_count([('inn', '=', '7707083893')]), 1)

    @with_transaction()
    def test_duplicates(self):
        "Skip, fill empty fields or overwrite an existing counterparty"
        pool = Pool()
        Party = pool.get('party.party')
        user, _ = self.setup_user()
        data = xlsx([['Название', 'ИНН', 'Телефон', 'Сфера деятельности'],
                ['Ромашка', '7707083893', '8 916 123-45-67', 'Опт']])
        for mode, outcome, name, industry, phones in [
                ('skip', 'skipped', "ООО «Ромашка»", None, 1),
                ('update', 'updated', "ООО «Ромашка»", 'Опт', 2),
                ('overwrite', 'updated', "Ромашка", 'Опт', 2),
                ]:
            with self.subTest(mode=mode):
                party, = Party.create([{'name': "ООО «Ромашка»",
                            'inn': '7707083893',
                            'contact_mechanisms': [('create', [{
                                            'type': 'phone',
                                            'value': '+74951234567'}])]}])
                batch = self.run_import(data, user, on_duplicate=mode)
                line, = batch.lines
                self.assertEqual(line.outcome, outcome)
                self.assertEqual(line.party, party)
                party = Party(party.id)
                self.assertEqual(party.name, name)
                self.assertEqual(party.industry, industry)
                self.assertEqual(len(party.contact_mechanisms), phones)
                Party.write([party], {'active': False})
        self.assertIn('has the same INN: 7707083893', line.reason)

    @with_transaction()
    def test_match_by_email_phone_name(self):
        pool = Pool()
        Party = pool.get('party.party')
        user, _ = self.setup_user()
        by_email, by_phone, by_name = Party.create([
                {'name': "Лютик", 'contact_mechanisms': [('create', [{
                                'type': 'email',
                                'value': 'Info@Lyutik.ru'}])]},
                {'name': "Василёк", 'contact_mechanisms': [('create', [
                                {'type': 'phone', 'value': '+79161234567'}])]},
                {'name': "ЗАО «Одуванчик»"},
                ])
        batch = self.run_import(xlsx([['Название', 'E-mail', 'Телефон'],
                    ['Лютик 2', 'info@lyutik.ru', ''],
                    ['Василек', '', '8 (916) 123-45-67'],
                    ['Одуванчик ЗАО', '', ''],
                    ['Незабудка', '', '']]), user)
        self.assertEqual(
            [(l.outcome, l.party) for l in batch.lines][:3],
            [('skipped', by_email), ('skipped', by_phone),
                ('skipped', by_name)])
        self.assertEqual(batch.lines[3].outcome, 'created')

    @with_transaction()
    def test_duplicates_in_file_merged(self):
        "Rows of one counterparty far apart in the file are merged"
        pool = Pool()
        Party = pool.get('party.party')
        user, _ = self.setup_user()
        data = xlsx([['Название', 'ИНН', 'Телефон', 'Контактное лицо'],
                ['ООО «Ромашка»', '7707083893', '', 'Иванов'],
                ['ИП Смирнов', '500100732259', '', ''],
                ['Ромашка', '7707083893', '8 916 123-45-67', 'Петрова'],
                ['ИП Смирнов', '500100732259', '', ''],
                ])
        with patch.object(import_, 'CHUNK', 2):
            batch = self.run_import(data, user)
        self.assertEqual(self.outcomes(batch), [
                (2, 'created'), (3, 'created'), (4, 'merged'),
                (5, 'merged')])
        romashka, = Party.search([('inn', '=', '7707083893')])
        self.assertEqual(romashka.phone, '8 (916) 123-45-67')
        self.assertEqual(
            [c.name for c in romashka.contact_persons], ["Иванов", "Петрова"])
        self.assertEqual(batch.lines[2].reason,
            'The same counterparty as row 2 of the file: merged with it.')
        # Within one chunk as well
        Party.write([romashka] + Party.search(
                [('inn', '=', '500100732259')]), {'active': False})
        batch = self.run_import(data, user)
        self.assertEqual(self.outcomes(batch), [
                (2, 'created'), (3, 'created'), (4, 'merged'),
                (5, 'merged')])

    @with_transaction()
    def test_repeated_failing_row_reported(self):
        """A row repeating a failing row of the same file gets a failed
        line of its own: an INN held by another card, refused only as the
        card is made anyway, and an invalid INN found on reading"""
        pool = Pool()
        Party = pool.get('party.party')
        user, _ = self.setup_user()
        # Its INN, held by a card made with a KPP, refuses a copy made
        # anyway only as the card is created
        sber, = Party.create([{'name': "ПАО Сбербанк", 'inn': '7707083893',
                    'kpp': '773601001'}])
        for rows, reason in [
                ([['Сбер дубль', '7707083893', '773601001'],
                        ['ИП Смирнов', '500100732259', ''],
                        ['Сбер дубль', '7707083893', '773601001']],
                    'The INN 7707083893 / 773601001 of "Сбер дубль" is '
                    'already held by the counterparty "ПАО Сбербанк" '
                    '(code %s).' % sber.code),
                ([['ООО «Лютик»', '7707083894', ''],
                        ['ИП Смирнов', '500100732259', ''],
                        ['ООО «Лютик»', '7707083894', '']],
                    'The INN "7707083894" is not valid.'),
                ]:
            with self.subTest(reason=reason), \
                    importer.savepoint(rollback=True):
                batch = self.run_import(csv_bytes(
                        [['Название', 'ИНН', 'КПП']] + rows), user,
                    on_duplicate='create')
                self.assertEqual(self.outcomes(batch),
                    [(2, 'failed'), (3, 'created'), (4, 'failed')])
                self.assertEqual(
                    [l.reason for l in batch.lines if l.outcome == 'failed'],
                    [reason, reason])
                self.assertEqual(
                    (batch.created, batch.failed), (1, 2))
                self.assertEqual(
                    Party.search([('name', '=', rows[0][0])]), [])

    @with_transaction()
    def test_interrupted_and_resumed_over_rpc(self):
        """An import whose process stopped shows interrupted, not running;
        Resume, refused while it runs, then finishes it, each row once"""
        pool = Pool()
        Party = pool.get('party.party')
        Import = pool.get('crm.counterparty.import')
        Queue = pool.get('ir.queue')
        user, _ = self.setup_user()
        rows = [['Название', 'Телефон']] + [
            ['Компания %s' % i, '+7 916 000-00-%02d' % i] for i in range(10)]

        def status():
            batch_, = call(user, 'crm.counterparty.import', 'read',
                [batch.id], ['state', 'status'])
            return batch_['state'], batch_['status']

        def with_status(value):
            return call(user, 'crm.counterparty.import', 'search',
                [('status', '=', value)])

        with patch.object(import_, 'CHUNK', 3), ExitStack() as stack:
            with Transaction().set_user(user.id):
                batch, = Import.create([{'file': xlsx(rows)}])
                Import.read_columns([batch])
                Import.write([batch], {'state': 'waiting'})
            process = stack.enter_context(
                closing(Import(batch.id).process()))
            next(process)
            self.assertEqual(status(), ('running', 'running'))
            self.assertEqual(with_status('running'), [batch.id])
            with self.assertRaises(AccessButtonError):
                call(user, 'crm.counterparty.import', 'resume', [batch.id])
            # The process dies: its lock goes with it
            process.close()
            self.assertEqual(status(), ('running', 'interrupted'))
            self.assertEqual(with_status('interrupted'), [batch.id])
            self.assertEqual(with_status('running'), [])

            call(user, 'crm.counterparty.import', 'resume', [batch.id])
            task, = Queue.search([])
            self.assertEqual(
                (task.data['method'], list(task.data['instances'])),
                ('run', [batch.id]))
            # What the task runs, without the commit of each chunk
            for _ in Import(batch.id).process():
                pass
        batch = Import(batch.id)
        self.assertEqual(status(), ('done', 'done'))
        self.assertEqual([l.row for l in batch.lines], list(range(2, 12)))
        self.assertEqual(batch.created, 10)
        self.assertEqual(
            Party.search_count([('name', 'like', 'Компания %')]), 10)

    @with_transaction()
    def test_resume(self):
        "An import stopped part-way runs again without a single duplicate"
        pool = Pool()
        Party = pool.get('party.party')
        Import = pool.get('crm.counterparty.import')
        user, _ = self.setup_user()
        rows = [['Название', 'Телефон']] + [
            ['Компания %s' % i, '+7 916 000-00-%02d' % i] for i in range(10)]
        with Transaction().set_user(user.id), \
                patch.object(import_, 'CHUNK', 3):
            batch, = Import.create([{'file': xlsx(rows)}])
            Import.read_columns([batch])
            Import.write([batch], {'state': 'waiting'})
            process = batch.process()
            next(process)
            next(process)
            # The server is killed: the rest of the run never happens
            process.close()
            batch = Import(batch.id)
            self.assertEqual(batch.state, 'running')
            self.assertEqual(batch.last_row, 7)
            # 6 of the 10 rows under the header
            self.assertEqual(batch.progress, 0.6)
            # The queue runs the task again from the start
            for _ in Import(batch.id).process():
                pass
            for _ in Import(batch.id).process():
                pass
        batch = Import(batch.id)
        self.assertEqual(batch.state, 'done')
        self.assertEqual([l.row for l in batch.lines], list(range(2, 12)))
        # Each line keeps its row's cells, the first of a chunk as well
        self.assertEqual(
            [json.loads(l.values) for l in batch.lines], rows[1:])
        self.assertEqual(batch.created, 10)
        self.assertEqual(
            Party.search_count([('name', 'like', 'Компания %')]), 10)

    @with_transaction()
    def test_read_apart(self):
        "A big file is read and checked by a process of its own"
        pool = Pool()
        Party = pool.get('party.party')
        user, _ = self.setup_user()
        rows = [['Название', 'Телефон', 'E-mail', 'ИНН']] + [
            ['Компания %s' % i, '8 916 000-00-%02d' % i,
                'info%s@example.com' % i, ''] for i in range(7)]
        rows[3][3] = '7707083894'
        with patch.object(import_, 'CHUNK', 3), \
                patch.object(import_, 'READ_APART', 0), \
                self.assertLogs(importer.__name__,
                    'INFO') as logs:
            batch = self.run_import(xlsx(rows), user)
        self.assertEqual(self.outcomes(batch),
            [(2, 'created'), (3, 'created'), (4, 'failed')]
            + [(n, 'created') for n in range(5, 9)])
        self.assertEqual(batch.lines[2].reason,
            'The INN "7707083894" is not valid.')
        self.assertEqual(
            [json.loads(l.values) for l in batch.lines],
            [[c for c in r if c] for r in rows[1:]])
        # The phones as the reading process read them for the bulk path
        self.assertIn('3 in bulk, 0 by the ORM', '\n'.join(logs.output))
        party, = Party.search([('name', '=', 'Компания 6')])
        self.assertEqual(party.phone, '8 (916) 000-00-06')
        self.assertEqual(party.email, 'info6@example.com')

    @with_transaction()
    def test_read_apart_unusable(self):
        "A file the reading process cannot read fails the import, told why"
        user, _ = self.setup_user()
        data = xlsx([['Название'], ['ООО Ромашка']])
        with Transaction().set_user(user.id), \
                patch.object(import_, 'READ_APART', 0), \
                patch.object(rules, 'read_chunks', _unusable):
            batch = self.run_import(data, user)
        self.assertEqual(batch.state, 'failed')
        self.assertEqual(batch.error, 'The file has no rows.')

    def import_for_revert(self):
        "A new company, and a row filling an existing one"
        Party = Pool().get('party.party')
        user, _ = self.setup_user()
        existing, = Party.create([{'name': "ООО «Лютик»",
                    'inn': '500100732259'}])
        data = xlsx([['Название', 'ИНН', 'Телефон', 'Сфера деятельности',
                    'Контактное лицо'],
                ['ООО «Ромашка»', '7707083893', '', 'Опт', 'Иванов'],
                ['Лютик', '500100732259', '8 916 123-45-67', 'Розница',
                    'Петров']])
        before = Party.search_count([])
        batch = self.run_import(data, user, on_duplicate='update')
        self.assertEqual(
            self.outcomes(batch), [(2, 'created'), (3, 'updated')])
        self.assertEqual(Party(existing.id).industry, 'Розница')
        self.assertEqual(Party.search_count([]), before + 3)
        return user, existing, data, batch, before

    @with_transaction()
    def test_revert(self):
        "Revert removes what was created and gives back what was changed"
        pool = Pool()
        Party = pool.get('party.party')
        Import = pool.get('crm.counterparty.import')
        user, existing, _, batch, before = self.import_for_revert()
        with Transaction().set_user(user.id):
            Import.revert([batch])
        self.assertEqual(Party.search_count([]), before)
        lyutik = Party(existing.id)
        self.assertEqual(
            (lyutik.industry, lyutik.contact_mechanisms,
                lyutik.contact_persons), (None, (), ()))
        self.assertEqual(Import(batch.id).state, 'reverted')

    @with_transaction()
    def test_revert_refused_when_edited(self):
        "Revert refuses, naming them, when imported cards were edited since"
        pool = Pool()
        Party = pool.get('party.party')
        Import = pool.get('crm.counterparty.import')
        user, existing, data, batch, before = self.import_for_revert()
        romashka, = Party.search([('inn', '=', '7707083893')])
        with Transaction().set_user(user.id):
            Party.write([romashka], {'description': "Звонили"})
            with self.assertRaises(ImportRevertError) as cm:
                Import.revert([batch])
        self.assertIn("ООО «Ромашка»", cm.exception.message)
        self.assertEqual(Party.search_count([]), before + 3)

        # An overwrite is given back to what it overwrote
        batch = self.run_import(data, user, on_duplicate='overwrite')
        self.assertEqual(Party(existing.id).name, 'Лютик')
        with Transaction().set_user(user.id):
            Import.revert([batch])
        lyutik = Party(existing.id)
        self.assertEqual(lyutik.name, "ООО «Лютик»")
        self.assertEqual(lyutik.industry, 'Розница')

    @with_transaction()
    def test_unusable_file(self):
        "A file that cannot be read fails the import and writes nothing"
        pool = Pool()
        Party = pool.get('party.party')
        Import = pool.get('crm.counterparty.import')
        user, _ = self.setup_user()
        before = Party.search_count([])
        with Transaction().set_user(user.id):
            batch, = Import.create([{'file': b'PK\x03\x04broken'}])
            with self.assertRaises(ImportFileError) as cm:
                Import.start([batch])
        self.assertEqual(cm.exception.message,
            "The file is damaged or is not the spreadsheet its name says: "
            "it cannot be read.")
        self.assertEqual(Party.search_count([]), before)

    @with_transaction()
    def test_report_xlsx(self):
        "The report has the file's columns, the result and the error"
        user, _ = self.setup_user()
        pool = Pool()
        Report = pool.get('crm.counterparty.import.report', type='report')
        data = csv_bytes([['Название', 'ИНН', 'Цвет'],
                ['ООО А', '7707083894', 'синий'],
                ['ООО Б', '', 'красный']])
        batch = self.run_import(data, user)
        with Transaction().set_user(user.id):
            ext, content, _, name = Report.execute([batch.id], {})
        self.assertEqual(ext, 'xlsx')
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        self.assertEqual([list(r) for r in sheet.iter_rows(values_only=True)],
            [['Название', 'ИНН', 'Цвет', 'Result', 'Error'],
                ['ООО А', '7707083894', 'синий', 'Failed',
                    'The INN "7707083894" is not valid.'],
                ['ООО Б', None, 'красный', 'Created', None]])

    @with_transaction()
    def test_saved_mapping(self):
        "A mapping saved by name gives the columns of the next file"
        pool = Pool()
        Mapping = pool.get('crm.counterparty.import.mapping')
        Import = pool.get('crm.counterparty.import')
        mapping, = Mapping.create([{'name': "Выгрузка 1С",
                    'columns': Mapping.dump([
                            ('Контрагент', 'name', 0),
                            ('Цвет', 'description', 0),
                            ('Телефон', None, 0)])}])
        batch, = Import.create([{'file': csv_bytes([
                            ['Контрагент', 'Цвет', 'Телефон', 'ИНН'],
                            ['ООО А', 'синий', '8 916 123-45-67', '']])}])
        Import.read_columns([batch], mapping)
        self.assertEqual(
            [(c.header, c.field, c.sample) for c in batch.columns], [
                ('Контрагент', 'name', 'ООО А'),
                ('Цвет', 'description', 'синий'),
                ('Телефон', None, '8 916 123-45-67'),
                ('ИНН', 'inn', '')])

    @with_transaction()
    def test_wizard_columns_preview_and_queue(self):
        "Upload, correct a column, preview, import through the queue"
        pool = Pool()
        Party = pool.get('party.party')
        Import = pool.get('crm.counterparty.import')
        Queue = pool.get('ir.queue')
        ImportWizard = pool.get(
            'crm.counterparty.import.wizard', type='wizard')
        user, _ = self.setup_user()
        Party.create([{'name': "ИП Смирнов", 'inn': '500100732259'}])
        before = Party.search_count([])
        data = xlsx([HEADER + ['Цвет']] + [r + ['синий'] for r in ROWS])
        with Transaction().set_user(user.id), \
                Transaction().set_context(_check_access=True):
            session_id, _, _ = ImportWizard.create()
            ImportWizard.execute(session_id, {
                    'start': {'file': data, 'file_name': 'clients.xlsx'},
                    }, 'start')
            result = ImportWizard.execute(session_id, {
                    'start': {'file': data, 'file_name': 'clients.xlsx'},
                    }, 'open_')
            ImportWizard.delete(session_id)
            (action,) = result['actions']
            batch, = Import.browse(action[1]['res_id'])
            self.assertEqual(batch.state, 'draft')
            self.assertEqual(batch.file_format, 'xlsx')
            self.assertEqual(batch.rows_total, 3)
            self.assertEqual(
                [(c.header, c.field, c.sample) for c in batch.columns][-2:],
                [('Моб. телефон контакта', 'contact_mobile',
                        '+7 916 123-45-67'),
                    ('Цвет', None, 'синий')])
            # The preview says what will happen and writes nothing
            self.assertEqual(
                [(p.row, p.outcome, p.party_name)
                    for p in batch.preview_lines],
                [(2, 'created', "ООО «Ромашка»"),
                    (3, 'merged', "ООО «Ромашка»"),
                    (4, 'skipped', "ИП Смирнов")])
            self.assertEqual(Party.search_count([]), before)

            # The user says the colour is what the company does
            column = batch.columns[-1]
            column.field = 'industry'
            column.save()
            Import.write([batch], {'mapping_name': "Моя выгрузка"})
            Import.save_mapping([batch])
            Import.start([batch])
        task, = Queue.search([])
        self.assertEqual(Import(batch.id).state, 'waiting')
        task.run()
        batch = Import(batch.id)
        self.assertEqual(
            (batch.state, batch.created, batch.merged, batch.skipped),
            ('done', 1, 1, 1))
        romashka, = Party.search([('inn', '=', '7707083893')])
        self.assertEqual(romashka.industry, 'синий')
        self.assertEqual(Party.search_count([]), before + 3)

    @with_transaction()
    def test_wizard_bad_file(self):
        "A file that cannot be read stops at the upload, with its reason"
        pool = Pool()
        ImportWizard = pool.get(
            'crm.counterparty.import.wizard', type='wizard')
        Import = pool.get('crm.counterparty.import')
        session_id, _, _ = ImportWizard.create()
        with self.assertRaises(ImportFileError) as cm:
            ImportWizard.execute(session_id, {
                    'start': {'file': csv_bytes([HEADER])},
                    }, 'open_')
        self.assertEqual(cm.exception.message,
            "The file has a header but no rows of data under it.")
        self.assertEqual(Import.search([]), [])

    @with_transaction()
    def test_wizard_refuses_what_ties_up_the_server(self):
        "A file of 16,385 columns, a cell of 10 MB or NUL characters is "
        "refused over RPC at once, saying what is wrong, and leaves nothing"
        pool = Pool()
        Import = pool.get('crm.counterparty.import')
        user = create_user('vera')
        before = Import.search([])
        name = 'crm.counterparty.import.wizard'
        wide = ['Название'] + ['Столбец %s' % i for i in range(1, 16385)]
        for data, message in [
                (csv_bytes([wide, ['ООО А'] * 16385]),
                    "Row 1 of the file has 16385 columns; the import reads "
                    "at most 1000: delete the columns that are not needed "
                    "and save the file again."),
                (csv_bytes([HEADER, ['ООО А', 'x' * 10 * 1024 ** 2]]),
                    "The cell in row 2, column 2 is longer than 131072 "
                    "characters, the most a cell may hold: shorten it, or "
                    "check that the file's quotation marks are paired."),
                (csv_bytes([HEADER] + ROWS).replace(b'\n', b'\n\0', 2),
                    "The file contains NUL characters (the first in line 2), "
                    "which a CSV file may not have: save it again as CSV "
                    "UTF-8 (a text saved as UTF-16, \"Unicode text\", has "
                    "one after each letter)."),
                ]:
            with self.subTest(message=message[:30]):
                session_id, _, _ = call(user, name, 'create', type='wizard')
                with self.assertRaises(ImportFileError) as cm:
                    call(user, name, 'execute', session_id, {'start': {
                                'source': 'file', 'file': data,
                                'file_name': 'clients.csv'}}, 'open_',
                        type='wizard')
                self.assertEqual(cm.exception.message, message)
        self.assertEqual(Import.search([]), before)

    @with_transaction()
    def test_template(self):
        "The example file, in Russian, imports as it is"
        pool = Pool()
        Template = pool.get(
            'crm.counterparty.import.template', type='report')
        Party = pool.get('party.party')
        user, _ = self.setup_user()
        for language in ['en', 'ru']:
            with Transaction().set_context(language=language):
                ext, content, _, name = Template.execute([], {})
            self.assertEqual(ext, 'xlsx')
            header = next(tabular.rows(content))[1]
            mapping = columns.recognise(header)
            self.assertNotIn(None, [f for f, _ in mapping], header)
        batch = self.run_import(content, user)
        # Petrova's row adds a contact person to the company above it
        self.assertEqual((batch.created, batch.merged, batch.failed),
            (2, 1, 0),
            [l.reason for l in batch.lines])
        romashka, = Party.search([('inn', '=', '7707083893')])
        self.assertEqual(len(romashka.contact_persons), 2)


# Rows carrying what Anna's "Romashka" holds: its INN, phone, e-mail, name
ROMASHKA_KEYS = xlsx([['Название', 'ИНН', 'Телефон', 'E-mail',
            'Сфера деятельности'],
        ['ООО «Лютик»', '7707083893', '', '', 'Опт'],
        ['ООО «Фиалка»', '', '8 (495) 123-45-67', '', 'Опт'],
        ['ООО «Пион»', '', '', 'info@romashka.ru', 'Опт'],
        ['Ромашка', '', '', '', 'Опт'],
        ])


class ImportAccessTestCase(_DBTestCase):
    """The import matches, names and changes only the counterparties its
    user may see and edit, as the queue runs it and over RPC"""
    module = 'crm_counterparty'
    setup_company = test_access.CounterpartyAccessTestCase.setup_company

    def setup_romashka(self, **policy):
        "The company of test_access, Anna's Romashka with its keys"
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_company(**policy)
        Party.write([self.romashka], {
                'inn': '7707083893',
                'contact_mechanisms': [('create', [
                            {'type': 'phone', 'value': '+74951234567'},
                            {'type': 'email', 'value': 'info@romashka.ru'},
                            ])],
                })
        return self.state(self.romashka)

    @staticmethod
    def state(party):
        "What an import could change of party"
        party = Pool().get('party.party')(party.id)
        return (party.name, party.industry, party.write_date,
            sorted((m.type, m.value) for m in party.contact_mechanisms),
            sorted((i.type, i.code) for i in party.identifiers),
            len(party.contact_persons))

    def texts(self, user, batch_id):
        """The report lines and preview of the batch as user reads them over
        RPC, and the batch's own texts"""
        lines = call(user, 'crm.counterparty.import.line', 'search_read',
            [('batch', '=', batch_id)], 0, None, None,
            ['row', 'outcome', 'party', 'party.rec_name', 'reason'])
        previews = call(user, 'crm.counterparty.import.preview',
            'search_read', [('batch', '=', batch_id)], 0, None, None,
            ['row', 'outcome', 'party_name', 'reason'])
        batch, = call(user, 'crm.counterparty.import', 'read', [batch_id],
            ['error', 'rec_name'])
        return lines, previews, batch

    def assertHidden(self, lines, previews, batch):
        "Nothing of Romashka in what the user reads of his import"
        romashka = self.romashka
        for record in lines + previews + [batch]:
            with self.subTest(record=record):
                self.assertNotEqual(record.get('party'), romashka.id)
                text = json.dumps(record, ensure_ascii=False)
                self.assertNotIn("«Ромашка»", text)
                # As the refusal naming a holder gives its code
                self.assertNotIn('(code %s)' % romashka.code, text)

    def import_and_preview(self, user, on_duplicate):
        """Preview, then import ROMASHKA_KEYS as user: the texts he reads
        of it over RPC"""
        batch_id, = call(user, 'crm.counterparty.import', 'create', [{
                    'file': ROMASHKA_KEYS, 'file_name': 'clients.xlsx',
                    'on_duplicate': on_duplicate}])
        call(user, 'crm.counterparty.import', 'preview', [batch_id])
        Import = Pool().get('crm.counterparty.import')
        batch = Import(batch_id)
        Import.read_columns([batch])
        Import.write([batch], {'state': 'waiting'})
        for _ in batch.process():
            pass
        return self.texts(user, batch_id)

    @with_transaction()
    def test_hidden_card_neither_named_nor_changed(self):
        """Boris, who may not see Anna's Romashka, imports rows with its
        INN, phone, e-mail and name: each mode fails the INN's row saying
        whom to ask, makes new cards of the others, and neither names nor
        changes Romashka"""
        before = self.setup_romashka()
        boris = self.users['Boris']
        hidden = gettext(
            'crm_counterparty.msg_duplicate_tax_identifier_hidden',
            inn='7707083893', kpp='', party="ООО «Лютик»", responsible="Anna")
        for mode in ['skip', 'update', 'overwrite', 'create']:
            with self.subTest(mode=mode), importer.savepoint(rollback=True):
                lines, previews, batch = self.import_and_preview(boris, mode)
                self.assertHidden(lines, previews, batch)
                for rows in [lines, previews]:
                    self.assertEqual(
                        [(r['row'], r['outcome']) for r in rows],
                        [(2, 'failed'), (3, 'created'), (4, 'created'),
                            (5, 'created')])
                    self.assertEqual(rows[0]['reason'], hidden)
                self.assertIsNone(lines[0]['party'])
                self.assertEqual(self.state(self.romashka), before)

    @with_transaction()
    def test_visible_card_still_matched(self):
        "Anna importing the same rows matches and updates her Romashka"
        self.setup_romashka()
        anna = self.users['Anna']
        romashka = self.romashka
        for mode, outcomes, name, industry in [
                ('skip', ['skipped'] * 4, "ООО «Ромашка»", None),
                ('update', ['updated'] + ['skipped'] * 3, "ООО «Ромашка»",
                    'Опт'),
                # Each row gives it its name
                ('overwrite', ['updated'] * 4, "Ромашка", 'Опт'),
                ]:
            with self.subTest(mode=mode), importer.savepoint(rollback=True):
                lines, previews, _ = self.import_and_preview(anna, mode)
                for rows in [lines, previews]:
                    self.assertEqual([r['outcome'] for r in rows], outcomes)
                self.assertEqual({r['party'] for r in lines}, {romashka.id})
                self.assertEqual(
                    {p['party_name'] for p in previews}, {name})
                self.assertIn('has the same INN: 7707083893',
                    lines[0]['reason'])
                self.assertEqual(
                    self.state(romashka)[:2], (name, industry))
        with importer.savepoint(rollback=True):
            lines, _, _ = self.import_and_preview(anna, 'create')
            self.assertEqual([r['outcome'] for r in lines],
                ['failed', 'created', 'created', 'created'])
            self.assertIn('"ООО «Ромашка»"', lines[0]['reason'])

    @with_transaction()
    def test_visible_card_not_editable_skipped(self):
        """Boris, who sees Romashka but may not edit it, has its rows
        skipped with the reason, whatever he asks on a duplicate"""
        before = self.setup_romashka(visibility='all', editing='involved')
        boris = self.users['Boris']
        for mode in ['update', 'overwrite']:
            with self.subTest(mode=mode), importer.savepoint(rollback=True):
                lines, previews, _ = self.import_and_preview(boris, mode)
                for rows in [lines, previews]:
                    self.assertEqual(
                        [r['outcome'] for r in rows], ['skipped'] * 4)
                    for row in rows:
                        self.assertTrue(row['reason'].endswith(gettext(
                                    'crm_counterparty.'
                                    'msg_import_not_editable')))
                self.assertEqual(
                    {r['party'] for r in lines}, {self.romashka.id})
                self.assertEqual(self.state(self.romashka), before)
