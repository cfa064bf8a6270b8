# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The client list on a database: tags, groups, filters, the search box,
custom fields and mass editing, with the rules checked as other users."""
import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_counterparty.tests.test_access import call
from trytond.modules.crm_counterparty.tests.test_journal import journal
from trytond.modules.crm_counterparty.tests.tools import (
    create_user, web_client_search)
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder, PYSONEncoder
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction


def run_queue():
    "Run the tasks the transaction queued, as the worker would after it"
    Queue = Pool().get('ir.queue')
    transaction = Transaction()
    while transaction.tasks:
        Queue(transaction.tasks.pop(0)).run()


@contextmanager
def as_user(user):
    "Act as user with access checked, as the RPC layer does"
    transaction = Transaction()
    with transaction.set_user(user.id), \
            transaction.set_context(_check_access=True):
        yield


class ClientListTestCase(_DBTestCase):
    "Test the client list"
    module = 'crm_counterparty'

    def create_party(self, name, **values):
        Party = Pool().get('party.party')
        party, = Party.create([dict(name=name, **values)])
        return party

    @staticmethod
    def box(text):
        "The counterparties the search box finds for text, by name"
        Party = Pool().get('party.party')
        return Party.search(
            [('rec_name', 'ilike', '%' + text + '%')],
            order=[('name', 'ASC')])

    @with_transaction()
    def test_local_tag_hidden_from_others(self):
        "Another user's search by a local tag reveals nothing"
        pool = Pool()
        Party = pool.get('party.party')
        Tag = pool.get('crm.counterparty.tag')
        # The users work in a company: the policy is the company's
        create_company()
        anna = create_user('anna')
        boris = create_user('boris')
        party = self.create_party("ООО «Ромашка»")

        with as_user(anna):
            secret, = Tag.create([{'name': "Тайный клиент"}])
            common, = Tag.create([{'name': "VIP", 'shared': True}])
            Party.write([Party(party.id)], {
                    'tags': [('add', [secret.id, common.id])]})
            self.assertFalse(secret.shared)
            self.assertEqual(secret.user, anna)
            self.assertEqual(
                Party(party.id).tag_names, "VIP, Тайный клиент")
            self.assertEqual(
                Party.search([('tags.name', '=', "Тайный клиент")]),
                [party])

        with as_user(boris):
            self.assertEqual(Tag.search([]), [common])
            # What the relation's filter hides, seen without the rules
            with Transaction().set_context(_check_access=False):
                self.assertEqual(
                    Tag.search([('visible', '=', False)]), [secret])
                self.assertEqual(
                    Tag.search([('visible', '=', True)]), [common])
            for domain in [
                    [('tags.name', '=', "Тайный клиент")],
                    [('tags', '=', secret.id)],
                    [('tags', 'in', [secret.id])],
                    [('tag_names', 'ilike', '%Тайный%')],
                    [('tags', 'where', [('name', 'ilike', '%Тайный%')])],
                    ]:
                with self.subTest(domain=domain):
                    self.assertEqual(Party.search(domain), [])
            self.assertEqual(
                Party.search([('tags.name', '=', "VIP")]), [party])
            party_b = Party(party.id)
            self.assertEqual([t.name for t in party_b.tags], ["VIP"])
            self.assertEqual(party_b.tag_names, "VIP")
            with self.assertRaises(AccessError):
                Tag.read([secret.id], ['name'])
            with self.assertRaises(AccessError):
                Tag.write([Tag(common.id)], {'name': "VIP!"})

    @with_transaction()
    def test_tag_owner_only_self(self):
        "A user keeps or shares a tag but cannot give it to another user"
        pool = Pool()
        Tag = pool.get('crm.counterparty.tag')
        anna = create_user('anna')
        boris = create_user('boris')
        with as_user(anna):
            tag, = Tag.create([{'name': "Холодный"}])
            with self.assertRaises(AccessError):
                Tag.write([tag], {'user': boris.id})
            tag.shared = True
            tag.save()
            self.assertIsNone(tag.user)
            tag.shared = False
            tag.save()
            self.assertEqual(tag.user, anna)

    def run_wizard(self, name, parties, values, transition):
        """Run the wizard name on parties: fill its form with values and
        go through transition, as the list's action does"""
        Wizard = Pool().get(name, type='wizard')
        with Transaction().set_context(
                active_model='party.party',
                active_ids=[p.id for p in parties],
                active_id=parties[0].id):
            session_id, _, _ = Wizard.create()
            wizard = Wizard(session_id)
            self.assertEqual(
                wizard.default_start(None)['count'], len(parties))
            for field, value in values.items():
                setattr(wizard.start, field, value)
            state = getattr(wizard, 'transition_' + transition)()
            run_queue()
        return wizard, state

    def run_group_action(self, parties, **values):
        values.setdefault('action', 'add')
        for name in ['group', 'new_group', 'shared']:
            values.setdefault(name, None)
        self.run_wizard(
            'crm.counterparty.group.assign', parties, values, 'apply')

    @with_transaction()
    def test_group_action(self):
        "Selected counterparties go into a group made on the spot and out"
        pool = Pool()
        Party = pool.get('party.party')
        Group = pool.get('crm.counterparty.group')
        # The users work in a company: the policy is the company's
        create_company()
        anna = create_user('anna')
        boris = create_user('boris')
        horns = self.create_party("Рога и копыта")
        wind = self.create_party("Северный ветер")
        oak = self.create_party("Дубрава")

        with as_user(anna):
            self.run_group_action([horns, wind], new_group="Выставка 2026")
            self.run_group_action([oak], new_group="Общая", shared=True)
            exhibition, = Group.search([('name', '=', "Выставка 2026")])
            self.assertEqual(exhibition.user, anna)
            self.assertEqual(
                set(exhibition.parties), {horns, wind})
            self.assertEqual(
                Party(horns.id).group_names, "Выставка 2026")
            # Adding again changes nothing; a counterparty is in many
            self.run_group_action([horns, oak], group=exhibition)
            self.assertEqual(len(Group(exhibition.id).parties), 3)
            self.assertEqual(
                Party.search([('counterparty_groups', '=', exhibition.id)],
                    order=[('name', 'ASC')]),
                [oak, horns, wind])
            self.run_group_action(
                [horns], action='remove', group=exhibition)
            self.assertEqual(
                set(Group(exhibition.id).parties), {oak, wind})

        with as_user(boris):
            shared, = Group.search([])
            self.assertEqual(shared.name, "Общая")
            self.assertEqual(Party(oak.id).group_names, "Общая")
            for domain in [
                    [('counterparty_groups', '=', exhibition.id)],
                    [('counterparty_groups.name', '=', "Выставка 2026")],
                    [('group_names', 'ilike', '%Выставка%')],
                    ]:
                with self.subTest(domain=domain):
                    self.assertEqual(Party.search(domain), [])
            # A shared group takes members from everyone who sees it
            self.run_group_action([horns], group=shared)
            self.assertEqual(set(Group(shared.id).parties), {oak, horns})
            with self.assertRaises(AccessError):
                Group.write([shared], {'name': "Моя"})

    @with_transaction()
    def test_group_action_without_group(self):
        "The group action asks for a group when none is given"
        pool = Pool()
        Group = pool.get('crm.counterparty.group')
        party = self.create_party("Рога и копыта")
        with self.assertRaises(UserError) as cm:
            self.run_group_action([party])
        self.assertIn("group", cm.exception.message)
        self.assertEqual(Group.search([]), [])

    @with_transaction()
    def test_filters(self):
        "System tabs stay, predefined ones go; formulas run when searched"
        pool = Pool()
        Party = pool.get('party.party')
        Domain = pool.get('ir.action.act_window.domain')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        with set_company(company):
            anna_employee = create_employee(company, "Анна")
            anna = create_user('anna')
            anna.employees = [anna_employee]
            anna.employee = anna_employee
            anna.company = company
            anna.companies = [company]
            anna.save()
            mine = self.create_party("Моя", responsible=anna_employee.id)
            other = self.create_party("Чужая", responsible=None)

        def tab(name):
            return Domain(ModelData.get_id('crm_counterparty', name))

        with as_user(anna):
            self.assertEqual(
                Party.search([('my_client', '=', True)]), [mine])
            self.assertIn(other, Party.search([('my_client', '=', False)]))
            self.assertNotIn(
                mine, Party.search([('my_client', '=', False)]))
            self.assertEqual(
                [r['my_client'] for r in Party.read(
                        [mine.id, other.id], ['my_client'])],
                [True, False])

        # "My clients" is a system filter, "Clients" a predefined one
        with self.assertRaises(AccessError):
            Domain.delete([tab('act_counterparty_domain_my_clients')])
        clients = tab('act_counterparty_domain_clients')
        clients.name = "Наши клиенты"
        clients.save()
        Domain.delete([clients])

        # A saved filter keeps the formula, which each search evaluates
        ViewSearch = pool.get('ir.ui.view_search')
        last_week, = ViewSearch.search([
                ('name', '=', "Created within the last 7 days")])
        self.assertTrue(last_week.shared)
        self.assertIn('today - 7d', last_week.domain)
        domain = PYSONDecoder().decode(last_week.domain)
        table = Party.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.create_date],
                [dt.datetime.now() - dt.timedelta(days=8)],
                where=table.id == other.id))
        both = ('id', 'in', [mine.id, other.id])
        self.assertEqual(Party.search([domain, both]), [mine])
        self.assertEqual(
            Party.search([('created_since', 'ilike', '%today-10d%'), both],
                order=[('name', 'ASC')]),
            [mine, other])
        self.assertEqual(
            Party.search([('created_since', '<', 'today - 7d'), both]),
            [other])
        self.assertEqual(
            Party.search([('created_since', '=', 'today + 1d'), both]), [])
        with self.assertRaises(UserError) as cm:
            Party.search([('created_since', '=', 'yesterday')])
        self.assertIn('yesterday', cm.exception.message)
        self.assertIn("Created Since", cm.exception.message)

    @with_transaction()
    def test_shared_filter(self):
        "A CRM user shares a saved search and takes it back in one action"
        pool = Pool()
        ViewSearch = pool.get('ir.ui.view_search')
        anna = create_user('anna')
        boris = create_user('boris')
        with as_user(anna):
            # What the star of the search box does
            search_id = ViewSearch.set(
                "Москва", 'party.party', '[["rec_name", "ilike", "%Москва%"]]')
            search = ViewSearch(search_id)
            self.assertEqual(search.user, anna)
            self.assertFalse(search.shared)
        with as_user(boris):
            self.assertNotIn(search, ViewSearch.search([]))
            self.assertNotIn(search_id, [
                    s[0] for s in ViewSearch.get().get('party.party', [])])
            with self.assertRaises(AccessError):
                ViewSearch.read([search_id], ['name'])
        with as_user(anna):
            ViewSearch.write([search], {'shared': True})
            self.assertIsNone(ViewSearch(search_id).user)
        with as_user(boris):
            self.assertIn(search_id, [
                    s[0] for s in ViewSearch.get()['party.party']])
            # Boris uses it but may not rename, delete or take it
            for values in [{'name': "Мои"}, {'shared': False}]:
                with self.assertRaises(AccessError):
                    ViewSearch.write([ViewSearch(search_id)], values)
            with self.assertRaises(AccessError):
                ViewSearch.delete([ViewSearch(search_id)])
            own, = ViewSearch.create([{
                        'name': "Мой", 'model': 'party.party',
                        'domain': '[]'}])
            # Nor give his own to someone else
            with self.assertRaises(AccessError):
                ViewSearch.write([own], {'user': anna.id})
        with as_user(anna):
            ViewSearch.write([ViewSearch(search_id)], {'shared': False})
            self.assertEqual(ViewSearch(search_id).user, anna)
            ViewSearch.write([ViewSearch(search_id)], {'name': "Москва!"})

    @with_transaction()
    def test_shared_filter_names_sharer(self):
        "A shared filter names who shared it, to the others, in the search "
        "box's menu and in the list; taken back, it names nobody"
        pool = Pool()
        ViewSearch = pool.get('ir.ui.view_search')
        anna = create_user('anna')
        boris = create_user('boris')

        def menu_name():
            return {s[0]: s[1] for s in ViewSearch.get()['party.party']}[
                search_id]
        with as_user(anna):
            search_id = ViewSearch.set("Москва", 'party.party', '[]')
            ViewSearch.write([ViewSearch(search_id)], {'shared': True})
            self.assertEqual(ViewSearch(search_id).shared_by, anna)
            # Her own needs no name
            self.assertEqual(menu_name(), "Москва")
        with as_user(boris):
            self.assertEqual(menu_name(), "Москва (shared by Anna)")
            self.assertEqual(
                ViewSearch.read([search_id], ['shared_by.rec_name'])[0][
                    'shared_by.']['rec_name'], "Anna")
        with as_user(anna):
            # Nobody names another as its sharer
            ViewSearch.write([ViewSearch(search_id)], {'shared_by': boris.id})
            self.assertEqual(ViewSearch(search_id).shared_by, anna)
            ViewSearch.write([ViewSearch(search_id)], {'shared': False})
            self.assertIsNone(ViewSearch(search_id).shared_by)
            # Shared by giving it no owner, it names her as well
            ViewSearch.write([ViewSearch(search_id)], {'user': None})
            self.assertEqual(ViewSearch(search_id).shared_by, anna)

    @with_transaction()
    def test_date_formula_out_of_range(self):
        "A formula past the years 1 and 9999 is refused with the reason "
        "when a filter is saved and when it runs, never with a Python error"
        anna = create_user('anna')
        for formula in ['today - 99999999d', '31.12.9999 + 1d',
                'today + 99999999m', 'today + 100000y']:
            message = ('"%s" in "Created Since" gives a date outside the '
                'years 1 to 9999; write a nearer date.' % formula)
            for domain in [[('created_since', '=', formula)],
                    ['OR', [('created_since', 'ilike', '%' + formula + '%')],
                        ('name', '=', "Ромашка")]]:
                encoded = PYSONEncoder().encode(domain)
                for name, method, args in [
                        ('party.party', 'search', [domain]),
                        ('ir.ui.view_search', 'set',
                            ["Давние", 'party.party', encoded]),
                        ('ir.ui.view_search', 'create', [[{
                                        'name': "Давние",
                                        'model': 'party.party',
                                        'domain': encoded}]]),
                        ]:
                    with self.subTest(domain=domain, method=method):
                        with self.assertRaises(UserError) as cm:
                            call(anna, name, method, *args)
                        self.assertEqual(cm.exception.message, message)
        with self.assertRaises(UserError) as cm:
            call(anna, 'party.party', 'search', [('created_since', '=', 7)])
        self.assertIn('is not a date formula', cm.exception.message)

    @with_transaction()
    def test_search_box(self):
        "One search box finds by name, phone, e-mail, INN, person and tag"
        pool = Pool()
        Party = pool.get('party.party')
        Tag = pool.get('crm.counterparty.tag')
        ContactMechanism = pool.get('party.contact_mechanism')
        # The users work in a company: the policy is the company's
        create_company()
        anna = create_user('anna')
        boris = create_user('boris')
        wind = self.create_party(
            "ООО «Северный ветер»", inn='7707083893',
            contact_mechanisms=[('create', [
                        {'type': 'phone', 'value': '8 (916) 123-45-67'},
                        {'type': 'email', 'value': 'info@severny-veter.ru'},
                        ])])
        director = self.create_party(
            "Иванов Иван Иванович", kind='person', employer=wind.id)
        oak = self.create_party(
            "Дубрава", contact_mechanisms=[('create', [
                        {'type': 'mobile', 'value': '+7 495 765-43-21'},
                        ])])

        for typed, found in [
                ("северный", [wind]),
                ("ВЕТЕР", [wind]),
                ("8 916 123-45-67", [wind]),
                ("+7(916)1234567", [wind]),
                ("1234567", [wind]),
                ("916", [wind]),
                ("severny-veter", [wind]),
                ("7707083893", [wind]),
                ("Иванов", [director, wind]),
                ("8 495 765", [oak]),
                ("нет такого", []),
                ]:
            with self.subTest(typed=typed):
                self.assertEqual(self.box(typed), found)

        # The text follows the card
        phone = wind.contact_mechanisms[0]
        ContactMechanism.write([phone], {'value': '+7 916 000-00-01'})
        self.assertEqual(self.box("1234567"), [])
        self.assertEqual(self.box("9160000001"), [wind])
        ContactMechanism.delete([phone])
        self.assertEqual(self.box("9160000001"), [])
        Party.write([director], {'employer': oak.id})
        self.assertEqual(self.box("Иванов"), [oak, director])
        Party.write([director], {'name': "Петров Пётр"})
        self.assertEqual(self.box("Петров"), [oak, director])
        Party.delete([director])
        self.assertEqual(self.box("Петров"), [])

        # By tag, only the tags the user sees
        with as_user(anna):
            secret, = Tag.create([{'name': "Тайная метка"}])
            Party.write([Party(oak.id)], {'tags': [('add', [secret.id])]})
            self.assertEqual(self.box("Тайная"), [oak])
        with as_user(boris):
            self.assertEqual(self.box("Тайная"), [])
            self.assertEqual(self.box("Дубрава"), [oak])

    @with_transaction()
    def test_search_box_phone_any_format(self):
        "Every way a Russian phone is written finds it in the web client"
        Party = Pool().get('party.party')
        wind = self.create_party(
            "ООО «Северный ветер»", contact_mechanisms=[('create', [
                        {'type': 'phone', 'value': '8 (916) 123-45-67'},
                        {'type': 'phone',
                            'value': '8 (495) 765-43-21 доб. 12'},
                        ])])
        self.create_party(
            "Дубрава", contact_mechanisms=[('create', [
                        {'type': 'phone', 'value': '+7 916 765-43-21'},
                        {'type': 'phone', 'value': '8 (495) 123-45-67'},
                        ])])
        for typed in [
                '+7 (916) 123-45-67', '+7(916)1234567', '+7 916 123 45 67',
                '8 916 123-45-67', '+79161234567', '7 916 123 45 67',
                '8(916)123-45-67', '916 123-45-67', '(916) 1234567',
                '8.916.123.45.67', '+7-916-123-45-67', '7 (916) 123-4567',
                '+7 495 765-43-21 доб. 12', '8 (495) 765-43-21 доб.12',
                '+7 495 765 43 21 ext. 12', '84957654321 ext 12',
                '+7 (495) 765-43-21 x12', '495 765-43-21 #12',
                ]:
            with self.subTest(typed=typed):
                self.assertEqual(
                    Party.search(web_client_search(typed)), [wind])
                # Typed whole, as a script or the desktop client may send
                self.assertEqual(Party.search(
                        [('rec_name', 'ilike', '%' + typed + '%')]), [wind])
        # The extension tells the phones of one line apart
        self.assertEqual(
            Party.search(web_client_search('+7 495 765-43-21 доб. 13')), [])

    @with_transaction()
    def test_search_box_cards_made_in_one_call(self):
        "Cards created together with their parts are found by each part"
        pool = Pool()
        Party = pool.get('party.party')
        # As an import makes them: several companies in one call, each
        # with its identifiers, contacts and contact persons
        wind, oak = Party.create([{
                    'name': "ООО «Северный ветер»",
                    'identifiers': [('create', [
                                {'type': 'ru_vat', 'code': '7707083893'}])],
                    'contact_mechanisms': [('create', [
                                {'type': 'phone',
                                    'value': '8 (916) 123-45-67'}])],
                    'contact_persons': [('create', [{
                                    'name': "Иванов Иван", 'kind': 'person',
                                    'contact_mechanisms': [('create', [{
                                                'type': 'mobile',
                                                'value': '+7 926 555-44-33',
                                                }])],
                                    }])],
                    }, {
                    'name': "Дубрава",
                    'contact_mechanisms': [('create', [
                                {'type': 'email', 'value': 'oak@dubrava.ru'}])],
                    }])
        director, = wind.contact_persons

        for typed, found in [
                ("северный", [wind]),
                ("7707083893", [wind]),
                ("9161234567", [wind]),
                ("Иванов", [director, wind]),
                ("9265554433", [director]),
                ("oak@dubrava", [oak]),
                ]:
            with self.subTest(typed=typed):
                self.assertEqual(self.box(typed), found)

    @with_transaction()
    def test_custom_fields(self):
        "An administrator adds fields that the card and the list show"
        pool = Pool()
        Party = pool.get('party.party')
        CustomField = pool.get('crm.counterparty.custom_field')
        company = create_company()
        with set_company(company):
            manager = create_employee(company, "Анна")
        source, contract, since, vip, region, curator = CustomField.create([
                {'name': "Источник", 'kind': 'text'},
                {'name': "Сумма договора", 'kind': 'number'},
                {'name': "Клиент с", 'kind': 'date'},
                {'name': "VIP", 'kind': 'boolean'},
                {'name': "Регион", 'kind': 'selection',
                    'selection': "Москва\nСибирь\n"},
                {'name': "Куратор", 'kind': 'employee'},
                ])
        self.assertEqual(source.field_name, 'custom_text_1')
        self.assertEqual(region.field_name, 'custom_selection_1')

        tree = Party.fields_view_get(view_type='tree')
        form = Party.fields_view_get(view_type='form')
        for definition in [source, contract, since, vip, region, curator]:
            with self.subTest(field=definition.name):
                name = definition.field_name
                self.assertIn('name="%s"' % name, tree['arch'])
                self.assertIn('name="%s"' % name, form['arch'])
                self.assertEqual(
                    tree['fields'][name]['string'], definition.name)
        self.assertEqual(
            tree['fields']['custom_selection_1']['selection'],
            [(None, ''), ('Москва', 'Москва'), ('Сибирь', 'Сибирь')])
        self.assertEqual(
            tree['fields']['custom_employee_1']['relation'],
            'company.employee')

        horns, hoofs = Party.create([{
                    'name': "Рога",
                    'custom_text_1': "Выставка",
                    'custom_number_1': Decimal('150000'),
                    'custom_date_1': dt.date(2024, 3, 1),
                    'custom_boolean_1': True,
                    'custom_selection_1': "Москва",
                    'custom_employee_1': manager.id,
                    }, {
                    'name': "Копыта",
                    'custom_text_1': "Сайт",
                    'custom_number_1': Decimal('9000'),
                    'custom_selection_1': "Сибирь",
                    }])
        both = ('id', 'in', [horns.id, hoofs.id])
        self.assertEqual(
            Party.search([('custom_text_1', 'ilike', '%Выстав%'), both]),
            [horns])
        self.assertEqual(
            Party.search([('custom_number_1', '>', 10000), both]), [horns])
        self.assertEqual(
            Party.search([('custom_selection_1', '=', "Сибирь"), both]),
            [hoofs])
        self.assertEqual(
            Party.search([('custom_employee_1.rec_name', 'ilike', '%Анна%'),
                    both]), [horns])
        self.assertEqual(
            Party.search([both], order=[('custom_number_1', 'ASC')]),
            [hoofs, horns])
        self.assertEqual(
            Party.export_data([horns], ['name', 'custom_text_1',
                    'custom_number_1', 'custom_boolean_1',
                    'custom_employee_1']),
            [["Рога", "Выставка", Decimal('150000'), True, "Анна"]])

        # A removed definition empties its field for the next one
        CustomField.delete([source])
        self.assertNotIn(
            'custom_text_1', Party.fields_view_get(view_type='tree')['arch'])
        self.assertIsNone(Party(horns.id).custom_text_1)
        channel, = CustomField.create([{'name': "Канал", 'kind': 'text'}])
        self.assertEqual(channel.field_name, 'custom_text_1')

    @with_transaction()
    def test_custom_fields_full(self):
        "A sixth field of a kind is refused naming it"
        pool = Pool()
        CustomField = pool.get('crm.counterparty.custom_field')
        CustomField.create([{'name': "Поле %d" % i, 'kind': 'date'}
                for i in range(5)])
        with self.assertRaises(ValidationError) as cm:
            CustomField.create([{'name': "Шестое", 'kind': 'date'}])
        self.assertIn("Шестое", cm.exception.message)
        self.assertEqual(CustomField.search([], count=True), 5)

    def run_mass_edit(self, parties, **values):
        for name in ['counterparty_type', 'counterparty_status',
                'responsible', 'custom_field', 'custom_value']:
            values.setdefault(name, None)
        for name in ['add_tags', 'remove_tags', 'add_groups',
                'remove_groups']:
            values.setdefault(name, [])
        wizard, state = self.run_wizard(
            'crm.counterparty.mass_edit', parties, values, 'change')
        self.assertEqual(state, 'done')
        return wizard.default_done(None)['summary']

    @with_transaction()
    def test_mass_edit(self):
        "Many counterparties changed at once, with a summary and a journal"
        pool = Pool()
        Party = pool.get('party.party')
        Type = pool.get('crm.counterparty.type')
        Tag = pool.get('crm.counterparty.tag')
        Group = pool.get('crm.counterparty.group')
        CustomField = pool.get('crm.counterparty.custom_field')
        company = create_company()
        with set_company(company):
            oleg = create_employee(company, "Олег")
        partner, = Type.search([('name', '=', "Partner")])
        # Global ones, which everyone sees
        vip, old = Tag.create([
                {'name': "VIP", 'shared': True},
                {'name': "Старое", 'shared': True}])
        fair, = Group.create([{'name': "Выставка", 'shared': True}])
        region, = CustomField.create([{
                    'name': "Регион", 'kind': 'selection',
                    'selection': "Москва\nСибирь"}])
        horns = self.create_party("Рога", tags=[('add', [old.id])])
        hoofs = self.create_party("Копыта", counterparty_type=partner.id)

        summary = self.run_mass_edit(
            [horns, hoofs], counterparty_type=partner, responsible=oleg,
            add_tags=[vip], remove_tags=[old], add_groups=[fair],
            custom_field=region, custom_value="Сибирь")
        self.assertEqual(summary.splitlines(), [
                "Type: Partner — 1 changed",
                "Responsible: Олег — 2 changed",
                "Регион: Сибирь — 2 changed",
                "Tag added: VIP — 2 changed",
                "Tag removed: Старое — 1 changed",
                "Added to group: Выставка — 2 changed",
                ])
        for party in [horns, hoofs]:
            party = Party(party.id)
            self.assertEqual(party.counterparty_type, partner)
            self.assertEqual(party.responsible, oleg)
            self.assertEqual(party.tags, (vip,))
            self.assertEqual(party.counterparty_groups, (fair,))
            self.assertEqual(party.custom_selection_1, "Сибирь")
        texts = journal(horns)
        for expected in [
                "Type: Client → Partner", "Responsible: — → Олег",
                "Регион: — → Сибирь", "Tags added: VIP",
                "Tags removed: Старое", "Groups added: Выставка"]:
            self.assertEqual(
                [line for t in texts for line in t.splitlines()].count(
                    expected), 1, (expected, texts))
        self.assertNotIn("Type: Client → Partner", journal(hoofs))

        # Again: nothing changes, nothing is journaled
        summary = self.run_mass_edit(
            [horns, hoofs], counterparty_type=partner, add_tags=[vip])
        self.assertEqual(summary.splitlines(), [
                "Type: Partner — 0 changed", "Tag added: VIP — 0 changed"])
        self.assertEqual(journal(horns), texts)

    @with_transaction()
    def test_mass_edit_local_tag_not_journaled(self):
        "A local tag or personal group never shows in the card's journal"
        pool = Pool()
        Party = pool.get('party.party')
        Type = pool.get('crm.counterparty.type')
        Tag = pool.get('crm.counterparty.tag')
        Group = pool.get('crm.counterparty.group')
        MassEdit = pool.get('crm.counterparty.mass_edit', type='wizard')
        create_company()
        anna = create_user('anna', group='group_crm_manager')
        partner, = Type.search([('name', '=', "Partner")])
        horns = self.create_party("Рога")
        with as_user(anna):
            secret, = Tag.create([{'name': "Тайная метка"}])
            mine, = Group.create([{'name': "Мои звонки"}])
        self.assertEqual((secret.user, mine.user), (anna, anna))
        with as_user(anna):
            self.run_mass_edit([horns], counterparty_type=partner.id,
                add_tags=[secret.id], add_groups=[mine.id])
        run_queue()
        horns = Party(horns.id)
        self.assertEqual(horns.counterparty_type, partner)
        texts = '\n'.join(journal(horns))
        self.assertIn("Type: Client → Partner", texts)
        self.assertNotIn("Тайная метка", texts)
        self.assertNotIn("Мои звонки", texts)
        # Its owner reads it in the journal
        with as_user(anna):
            self.assertIn("Tags added: Тайная метка", journal(horns))
        # Once done, the list is reloaded with what was written
        session_id, _, _ = MassEdit.create()
        self.assertEqual(MassEdit.delete(session_id), 'reload')

    @with_transaction()
    def test_mass_edit_invalid_value(self):
        "A value the custom field cannot take is refused naming it"
        pool = Pool()
        Party = pool.get('party.party')
        CustomField = pool.get('crm.counterparty.custom_field')
        amount, since = CustomField.create([
                {'name': "Сумма", 'kind': 'number'},
                {'name': "Клиент с", 'kind': 'date'},
                ])
        party = self.create_party("Рога")
        for field, value in [(amount, "много"), (since, "вчера")]:
            with self.subTest(value=value):
                with self.assertRaises(UserError) as cm:
                    self.run_mass_edit(
                        [party], custom_field=field, custom_value=value)
                self.assertIn(value, cm.exception.message)
                self.assertIn(field.name, cm.exception.message)
        self.run_mass_edit(
            [party], custom_field=amount, custom_value="1 500,50")
        self.run_mass_edit([party], custom_field=since, custom_value="month")
        party = Party(party.id)
        self.assertEqual(party.custom_number_1, Decimal('1500.50'))
        self.assertEqual(party.custom_date_1.day, 1)

    @with_transaction()
    def test_list_selection_names(self):
        "The list names the values of selections, custom ones too"
        pool = Pool()
        Party = pool.get('party.party')
        CustomField = pool.get('crm.counterparty.custom_field')
        field, = CustomField.create([{
                    'name': "Source", 'kind': 'selection',
                    'selection': "Exhibition\nWebsite"}])
        slot = field.field_name
        firm = self.create_party("Ромашка", kind='company')
        person = self.create_party("Иванов", kind='person',
            **{slot: 'Website'})
        rows = Party.read(
            [firm.id, person.id], ['kind', 'kind:string', slot + ':string'])
        self.assertEqual(
            [(r['kind'], r['kind:string'], r[slot + ':string'])
                for r in rows],
            [('company', "Company", ''), ('person', "Person", "Website")])
        # Only what was asked is returned
        self.assertEqual(
            Party.read([firm.id], ['kind:string']),
            [{'id': firm.id, 'kind:string': "Company"}])

    @with_transaction()
    def test_list_columns(self):
        """The list reads phones, e-mails and languages as Tryton does: the
        first active one in the card's order"""
        pool = Pool()
        Party = pool.get('party.party')
        Lang = pool.get('ir.lang')
        english, = Lang.search([('code', '=', 'en')])
        wind = self.create_party("Ветер", lang=english.id, contact_mechanisms=[
                ('create', [
                        {'type': 'email', 'value': 'b@veter.ru',
                            'sequence': 2},
                        {'type': 'email', 'value': 'a@veter.ru',
                            'sequence': 1},
                        {'type': 'phone', 'value': '+7 916 123-45-67'},
                        ])])
        calm = self.create_party("Штиль", contact_mechanisms=[
                ('create', [
                        {'type': 'email', 'value': 'old@shtil.ru',
                            'sequence': 1, 'active': False},
                        ])])
        names = ['phone', 'mobile', 'email', 'website', 'lang']
        self.assertEqual(
            Party.read([wind.id, calm.id], names),
            [{'id': wind.id, 'phone': '8 (916) 123-45-67', 'mobile': '',
                    'email': 'a@veter.ru', 'website': '',
                    'lang': english.id},
                {'id': calm.id, 'phone': '', 'mobile': '', 'email': '',
                    'website': '', 'lang': Party.default_lang()}])
