# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A person's name in parts on a database: its composition in the user's
order, the search by a part, the import and export of the parts, and the
split of the names of existing persons."""
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_counterparty import export
from trytond.modules.crm_counterparty.tests.test_access import (
    call, run_wizard)
from trytond.modules.crm_counterparty.tests.test_import_rules import (
    csv_bytes)
from trytond.modules.crm_counterparty.tests.tools import (
    create_user, run_import, web_client_search)
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction

IVANOV = {
    'last_name': "Иванов", 'first_name': "Иван", 'middle_name': "Иванович"}


def parts(party):
    return (party.last_name, party.first_name, party.middle_name)


class PersonNameTestCase(_DBTestCase):
    "Test a person's name in parts"
    module = 'crm_counterparty'

    def create_person(self, **values):
        Party = Pool().get('party.party')
        party, = Party.create([dict(kind='person', **values)])
        return party

    @with_transaction()
    def test_composed_in_the_user_order(self):
        "The parts given without a name compose it in the user's order"
        pool = Pool()
        User = pool.get('res.user')
        person = self.create_person(**IVANOV)
        self.assertEqual(person.name, "Иванов Иван Иванович")

        user = create_user('anna')
        self.assertEqual(user.person_name_order, 'last_first_middle')
        User.write([user], {'person_name_order': 'first_middle_last'})
        with Transaction().set_user(user.id):
            person = self.create_person(**IVANOV)
        self.assertEqual(person.name, "Иван Иванович Иванов")
        User.write([user], {'person_name_order': 'first_last'})
        with Transaction().set_user(user.id):
            person = self.create_person(**IVANOV)
        self.assertEqual(person.name, "Иван Иванов")

    @with_transaction()
    def test_order_is_a_preference(self):
        "A user sets his order among his preferences"
        pool = Pool()
        User = pool.get('res.user')
        user = create_user('anna')
        call(user, 'res.user', 'set_preferences',
            {'person_name_order': 'first_middle_last'})
        self.assertEqual(User(user.id).person_name_order, 'first_middle_last')
        self.assertIn('person_name_order', call(
                user, 'res.user', 'get_preferences', False))

    @with_transaction()
    def test_name_given_is_kept(self):
        "A person typed with only a name, or a name of her own, keeps it"
        pool = Pool()
        Party = pool.get('party.party')
        alone = self.create_person(name="Ваня")
        self.assertEqual((alone.name, parts(alone)), ("Ваня", (None,) * 3))
        own = self.create_person(name="Ваня из Твери", **IVANOV)
        self.assertEqual(own.name, "Ваня из Твери")
        # Parts added later leave her name as it was
        Party.write([alone], {'last_name': "Петров"})
        self.assertEqual(alone.name, "Ваня")

    @with_transaction()
    def test_name_follows_parts_it_was_made_of(self):
        "A name that was its parts' composition follows them, in any order"
        pool = Pool()
        Party = pool.get('party.party')
        person = self.create_person(**IVANOV)
        Party.write([person], {'middle_name': "Петрович"})
        self.assertEqual(person.name, "Иванов Иван Петрович")
        # Written by a user of another order: his
        user = create_user('anna')
        user.person_name_order = 'first_last'
        user.save()
        with Transaction().set_user(user.id):
            Party.write([Party(person.id)], {'first_name': "Пётр"})
        self.assertEqual(Party(person.id).name, "Пётр Иванов")
        # The name written with the parts wins
        Party.write([person], {'first_name': "Иван", 'name': "Ваня"})
        self.assertEqual(person.name, "Ваня")

    @with_transaction()
    def test_company_has_no_parts(self):
        "A company keeps no parts, nor does a person made a company"
        pool = Pool()
        Party = pool.get('party.party')
        company, = Party.create([dict(
                    name="ООО «Ромашка»", kind='company', **IVANOV)])
        self.assertEqual(parts(company), (None,) * 3)
        person = self.create_person(**IVANOV)
        Party.write([person], {'kind': 'company'})
        self.assertEqual(
            (person.name, parts(person)),
            ("Иванов Иван Иванович", (None,) * 3))

    @with_transaction()
    def test_on_change(self):
        "The card composes the name as the parts are typed"
        pool = Pool()
        Party = pool.get('party.party')
        party = Party(kind='person', name="Петров Иван", last_name="Иванов")
        party.on_change_last_name()
        self.assertEqual(party.name, "Иванов")
        party.first_name = "Иван"
        party.on_change_first_name()
        party.middle_name = "Иванович"
        party.on_change_middle_name()
        self.assertEqual(party.name, "Иванов Иван Иванович")
        party.kind = 'company'
        party.on_change_kind()
        self.assertEqual(parts(party), (None,) * 3)
        self.assertEqual(party.name, "Иванов Иван Иванович")

    @with_transaction()
    def test_search_by_each_part(self):
        "The search box and the fields find a person by each part"
        pool = Pool()
        Party = pool.get('party.party')
        user = create_user('anna')
        user.person_name_order = 'first_last'
        user.save()
        with Transaction().set_user(user.id):
            person = self.create_person(**IVANOV)
        # The name leaves the middle name out, the search text has it
        self.assertEqual(person.name, "Иван Иванов")
        company, = Party.create([{'name': "ООО «Ромашка»"}])
        for typed in ["Иванович", "иванов", "Иван", "Иванов Иванович"]:
            with self.subTest(typed=typed):
                self.assertEqual(
                    Party.search(web_client_search(typed)), [person])
        self.assertEqual(
            Party.search([('middle_name', '=', 'Иванович')]), [person])
        self.assertEqual(Party.search([('rec_name', 'ilike', '%ович%')]),
            [person])
        # A part changed changes what finds her
        Party.write([person], {'middle_name': "Петрович"})
        self.assertEqual(
            Party.search(web_client_search("Иванович")), [])
        self.assertEqual(
            Party.search(web_client_search("Петрович")), [person])

    @with_transaction()
    def test_import_three_columns_and_fio(self):
        "Фамилия, Имя, Отчество fill the parts; ФИО fills the name and the "
        "parts where they are clear"
        pool = Pool()
        Party = pool.get('party.party')
        user = create_user('anna', group='group_crm_manager')
        data = csv_bytes([['Фамилия', 'Имя', 'Отчество', 'Телефон'],
                ['Сидоров', 'Пётр', 'Петрович', '+7 916 111-22-33'],
                ['Кузнецова', 'Ольга', '', '+7 916 111-22-34']])
        batch = run_import(data, user, kind='person', file_name='people.csv')
        self.assertEqual((batch.created, batch.failed), (2, 0))
        sidorov, = Party.search([('last_name', '=', "Сидоров")])
        self.assertEqual(
            (sidorov.kind, sidorov.name, parts(sidorov)),
            ('person', "Сидоров Пётр Петрович",
                ("Сидоров", "Пётр", "Петрович")))
        olga, = Party.search([('first_name', '=', "Ольга")])
        self.assertEqual((olga.name, olga.middle_name),
            ("Кузнецова Ольга", None))

        # In one column: split where clear, in the importer's order
        user.person_name_order = 'first_middle_last'
        user.save()
        data = csv_bytes([['ФИО', 'Телефон'],
                ['Морозов Алексей Викторович', '+7 916 111-22-35'],
                ['Алексей Морозов', '+7 916 111-22-36']])
        batch = run_import(data, user, kind='person', file_name='fio.csv')
        self.assertEqual((batch.created, batch.failed), (2, 0))
        clear, = Party.search([('last_name', '=', "Морозов")])
        unclear, = Party.search([('name', '=', "Алексей Морозов")])
        self.assertEqual((clear.name, parts(clear)),
            ("Алексей Викторович Морозов",
                ("Морозов", "Алексей", "Викторович")))
        self.assertEqual((unclear.name, parts(unclear)),
            ("Алексей Морозов", (None,) * 3))

    @with_transaction()
    def test_import_update_fills_parts(self):
        "A row of an existing person fills her parts and keeps her name"
        pool = Pool()
        Party = pool.get('party.party')
        user = create_user('anna', group='group_crm_manager')
        vanya = self.create_person(name="Ваня", contact_mechanisms=[
                ('create', [{'type': 'phone', 'value': '+7 916 111-22-37'}])])
        data = csv_bytes([['Фамилия', 'Имя', 'Отчество', 'Телефон'],
                ['Сидоров', 'Иван', 'Петрович', '+7 916 111-22-37']])
        batch = run_import(data, user, kind='person', file_name='people.csv',
            on_duplicate='update')
        self.assertEqual((batch.created, batch.updated), (0, 1))
        vanya = Party(vanya.id)
        self.assertEqual((vanya.name, parts(vanya)),
            ("Ваня", ("Сидоров", "Иван", "Петрович")))

    @with_transaction()
    def test_import_contact_persons_in_parts(self):
        "A company's contact person is named by the parts of her columns"
        pool = Pool()
        Party = pool.get('party.party')
        user = create_user('anna', group='group_crm_manager')
        data = csv_bytes([['Название', 'Фамилия', 'Имя', 'Отчество'],
                ['ООО «Ромашка»', 'Петрова', 'Анна', 'Сергеевна']])
        batch = run_import(data, user, file_name='companies.csv')
        self.assertEqual((batch.created, batch.failed), (1, 0))
        company, = Party.search([('name', '=', "ООО «Ромашка»")])
        self.assertEqual(parts(company), (None,) * 3)
        anna, = company.contact_persons
        self.assertEqual((anna.name, parts(anna)),
            ("Петрова Анна Сергеевна", ("Петрова", "Анна", "Сергеевна")))

    @with_transaction()
    def test_vcard_n(self):
        "A vCard's N gives the parts, its FN the name in the user's order"
        pool = Pool()
        Party = pool.get('party.party')
        user = create_user('anna', group='group_crm_manager')
        data = ('BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Анна Петрова\r\n'
            'N:Петрова;Анна;Сергеевна;;\r\nTEL;TYPE=CELL:+7 916 765-43-21\r\n'
            'END:VCARD\r\n'
            'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Сергей\r\n'
            'N:Смирнов;Сергей;;;\r\nTEL;TYPE=CELL:+7 916 765-43-22\r\n'
            'END:VCARD\r\n').encode('utf-8')
        batch = run_import(data, user, file_name='contacts.vcf')
        self.assertEqual((batch.created, batch.failed), (2, 0))
        anna, = Party.search([('first_name', '=', "Анна")])
        self.assertEqual((anna.kind, anna.name, parts(anna)),
            ('person', "Петрова Анна Сергеевна",
                ("Петрова", "Анна", "Сергеевна")))
        # A name of its own stays
        sergey, = Party.search([('first_name', '=', "Сергей")])
        self.assertEqual((sergey.name, sergey.last_name),
            ("Сергей", "Смирнов"))

    @with_transaction()
    def test_export_and_back(self):
        "The export writes the parts beside the name; the import reads them"
        pool = Pool()
        Party = pool.get('party.party')
        company, = Party.create([{'name': "ООО «Ромашка»"}])
        anna = self.create_person(employer=company.id, last_name="Петрова",
            first_name="Анна", middle_name="Сергеевна")
        ivan = self.create_person(name="Ваня Иванов", **IVANOV)
        header = export.header()
        rows = [dict(zip(export.COLUMNS, r))
            for r in export.rows([company, ivan])]
        self.assertEqual(
            [header[export.COLUMNS.index(c)] for c in [
                    'contact_last_name', 'contact_first_name',
                    'contact_middle_name']],
            ["Last Name", "First Name", "Middle Name"])
        by_name = {r['name']: r for r in rows}
        self.assertEqual(
            [by_name["ООО «Ромашка»"][c] for c in [
                    'contact_name', 'contact_last_name',
                    'contact_first_name', 'contact_middle_name']],
            [anna.name, "Петрова", "Анна", "Сергеевна"])
        self.assertEqual(
            [by_name["Ваня Иванов"][c] for c in [
                    'kind', 'contact_last_name', 'contact_first_name',
                    'contact_middle_name']],
            ["Person", "Иванов", "Иван", "Иванович"])

        # Imported back as a new card, the person keeps her parts
        data = export.export([ivan], 'csv')
        Party.write([ivan], {'name': "Прежний", 'last_name': None,
                'first_name': None, 'middle_name': None})
        user = create_user('anna', group='group_crm_manager')
        batch = run_import(data, user, file_name='export.csv')
        self.assertEqual((batch.created, batch.failed), (1, 0))
        again, = Party.search([('name', '=', "Ваня Иванов")])
        self.assertEqual(
            (again.kind, parts(again)), ('person', tuple(IVANOV.values())))

    @with_transaction()
    def test_split_wizard(self):
        "The wizard fills the clear parts of the cards one may edit only"
        pool = Pool()
        Party = pool.get('party.party')
        Configuration = pool.get('party.configuration')
        company = create_company()
        with set_company(company):
            # Boris sees Anna's cards, only she edits them
            configuration = Configuration(1)
            configuration.counterparty_visibility = 'all'
            configuration.counterparty_editing = 'involved'
            configuration.save()
            anna_employee = create_employee(company, "Anna")
            boris_employee = create_employee(company, "Boris")
            anna = create_user('anna', anna_employee)
            boris = create_user('boris', boris_employee)
            clear, unclear, done = Party.create([{
                        'name': "Иванов Иван Иванович", 'kind': 'person',
                        'responsible': anna_employee.id,
                        }, {
                        'name': "Иван Петров", 'kind': 'person',
                        'responsible': anna_employee.id,
                        }, {
                        'name': "Ваня", 'kind': 'person',
                        'responsible': anna_employee.id,
                        'last_name': "Сидоров",
                        }])
            persons = [clear, unclear, done]
            with self.assertRaises(AccessError):
                run_wizard(boris, 'crm.counterparty.split_names', persons,
                    ('start', {}), ('split', {'start': {}}))
            self.assertEqual(parts(Party(clear.id)), (None,) * 3)

            result = run_wizard(anna, 'crm.counterparty.split_names',
                persons, ('start', {}))
            defaults = result['view']['defaults']
            self.assertEqual((defaults['count'], defaults['left']),
                (1, "Иван Петров"))
            run_wizard(anna, 'crm.counterparty.split_names', persons,
                ('start', {}), ('split', {'start': {}}))
        clear, unclear, done = Party.browse(persons)
        self.assertEqual((clear.name, parts(clear)),
            ("Иванов Иван Иванович", ("Иванов", "Иван", "Иванович")))
        self.assertEqual((unclear.name, parts(unclear)),
            ("Иван Петров", (None,) * 3))
        self.assertEqual((done.name, parts(done)),
            ("Ваня", ("Сидоров", None, None)))
