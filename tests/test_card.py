# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The card of a Russian company: its address as Russians write it, and
what Tryton's card offers that such a company has no use for (the card's
language, the EU's VAT check, Tryton's own Parties menu) shown only where
it is of use."""
import unittest

from lxml import etree

from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_counterparty import postal_address
from trytond.modules.crm_counterparty.address import HIDDEN_IN_RUSSIA
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder, PYSONEncoder
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction

MODULE = 'crm_counterparty'


def invisible(Model, name, values):
    "Whether the field name of Model is hidden on a record of values"
    states = Model._fields[name].states
    expression = PYSONEncoder().encode(states.get('invisible', False))
    return bool(PYSONDecoder(values).decode(expression))


def arch_names(view):
    "The names of the fields of the view's arch, in their order"
    return [e.get('name') for e in etree.fromstring(view['arch']).iter('field')]


class PostalAddressTestCase(unittest.TestCase):
    "The rules of writing a part of an address once"

    def test_has_own_word(self):
        for number, own in [
                ('кв. 12', True),
                ('пом. 4Н', True),
                ('офис 5', True),
                ('стр.2', True),
                ('а/я 17', True),
                ('5', False),
                ('12А', False),
                ('12/3', False),
                ('I', False),
                ('', False),
                (None, False),
                ]:
            with self.subTest(number=number):
                self.assertEqual(postal_address.has_own_word(number), own)

    def test_region(self):
        for subdivision, city, region in [
                ("Московская область", "Химки", "Московская область"),
                ("Москва", "Москва", ""),
                ("Москва", "г. Москва", ""),
                ("Санкт-Петербург", "санкт-петербург", ""),
                ("", "Казань", ""),
                ("Татарстан", "", "Татарстан"),
                ]:
            with self.subTest(subdivision=subdivision, city=city):
                self.assertEqual(
                    postal_address.region(subdivision, city), region)


class CardTestCase(_DBTestCase):
    "Test the card of a Russian company"
    module = MODULE
    language = 'ru'

    def russian_address(self, **values):
        pool = Pool()
        Country = pool.get('country.country')
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        russia, = Country.search([('code', '=', 'RU')]) or Country.create(
            [{'name': "Россия", 'code': 'RU'}])
        party, = Party.create([{'name': "ООО «Ромашка»"}])
        address, = Address.create([{
                    'party': party.id, 'country': russia.id, **values}])
        return address

    @with_transaction(context={'language': 'ru'})
    def test_russian_address_format(self):
        "A Russian address reads «индекс, регион, город, улица, дом, офис»"
        address = self.russian_address(
            postal_code="123456", city="Москва", street_name="ул. Тверская",
            building_number="1", unit_number="5")
        self.assertEqual(
            address.full_address,
            "123456, Москва, ул. Тверская, д. 1, офис 5")

    @with_transaction(context={'language': 'ru'})
    def test_russian_address_region(self):
        "The region comes before the city, once"
        pool = Pool()
        Subdivision = pool.get('country.subdivision')
        address = self.russian_address(
            postal_code="141400", city="Химки", street_name="ул. Ленина",
            building_number="3, корп. 2", unit_number="кв. 12")
        address.subdivision, = Subdivision.create([{
                    'name': "Московская область", 'code': 'RU-MOS',
                    'type': 'oblast', 'country': address.country.id}])
        address.save()
        self.assertEqual(
            address.full_address,
            "141400, Московская область, Химки, ул. Ленина, д. 3, корп. 2, "
            "кв. 12")

        moscow, = Subdivision.create([{
                    'name': "Москва", 'code': 'RU-MOW',
                    'type': 'autonomous city', 'country': address.country.id}])
        address.subdivision = moscow
        address.city = "Москва"
        address.postal_code = "101000"
        address.save()
        self.assertEqual(
            address.full_address,
            "101000, Москва, ул. Ленина, д. 3, корп. 2, кв. 12")

    @with_transaction(context={'language': 'ru'})
    def test_russian_address_typed_in_one_line(self):
        "A street typed in one line reads the same way"
        address = self.russian_address(
            postal_code="620014", city="Екатеринбург",
            street="ул. Малышева, д. 51, офис 1204")
        self.assertEqual(
            address.full_address,
            "620014, Екатеринбург, ул. Малышева, д. 51, офис 1204")

    @with_transaction(context={'language': 'en'})
    def test_russian_address_in_english(self):
        "A reader in English keeps Tryton's format of Russia"
        address = self.russian_address(
            postal_code="123456", city="Moscow", street_name="Tverskaya ul.",
            building_number="1")
        self.assertEqual(
            address.full_address.splitlines(),
            ["Tverskaya ul., d. 1", "Moscow", "РОССИЯ", "123456"])

    @with_transaction()
    def test_hidden_in_russia(self):
        "Post boxes and building names are hidden on an empty Russian address"
        Address = Pool().get('party.address')
        russian = {'country_code': 'RU'}
        for name in HIDDEN_IN_RUSSIA:
            with self.subTest(name=name):
                self.assertTrue(invisible(Address, name, russian))
                # A filled one stays in sight, to be seen and emptied
                self.assertFalse(invisible(
                        Address, name, {**russian, name: "7"}))
                self.assertFalse(
                    invisible(Address, name, {'country_code': 'FR'}))
        for name in ['street_name', 'building_number', 'unit_number']:
            with self.subTest(name=name):
                self.assertFalse(invisible(Address, name, russian))

    @with_transaction()
    def test_country_code_follows_country(self):
        "The form knows the country's code as the country is chosen"
        pool = Pool()
        Address = pool.get('party.address')
        Country = pool.get('country.country')
        russia, = Country.create([{'name': "Россия", 'code': 'RU'}])
        address = Address(country=russia)
        self.assertEqual(address.on_change_with_country_code(), 'RU')
        self.assertIsNone(Address().on_change_with_country_code())

    @with_transaction()
    def test_new_address_in_company_country(self):
        "A new address is in the country of the user's company"
        pool = Pool()
        Address = pool.get('party.address')
        Country = pool.get('country.country')
        Party = pool.get('party.party')
        self.assertIsNone(Address.default_country())
        russia, = Country.create([{'name': "Россия", 'code': 'RU'}])
        company = create_company()
        Address.write(list(company.party.addresses), {'country': russia.id})
        with set_company(company):
            self.assertEqual(Address.default_country(), russia.id)
            self.assertEqual(Address.default_country_code(), 'RU')
            party, = Party.create([{
                        'name': "ООО «Ромашка»",
                        'addresses': [('create', [{'city': "Тверь"}])],
                        }])
            address, = party.addresses
            self.assertEqual(address.country, russia)

    @with_transaction(context={'language': 'ru'})
    def test_address_form_russian_order(self):
        "The address form asks for the parts in the Russian order"
        pool = Pool()
        Address = pool.get('party.address')
        ModelData = pool.get('ir.model.data')
        for xml_id in ['address_view_form', 'address_view_form_simple']:
            with self.subTest(view=xml_id):
                view = Address.fields_view_get(
                    ModelData.get_id('party', xml_id))
                names = arch_names(view)
                order = [names.index(n) for n in [
                        'country', 'postal_code', 'subdivision', 'city',
                        'street', 'street_name', 'building_number',
                        'unit_number']]
                self.assertEqual(order, sorted(order))
                for name in ['postal_code', 'city', 'country']:
                    self.assertEqual(names.count(name), 1)
        labels = Address.fields_get(
            ['postal_code', 'subdivision', 'street_name', 'building_number',
                'unit_number'])
        self.assertEqual(
            [labels[n]['string'] for n in [
                    'postal_code', 'subdivision', 'street_name',
                    'building_number', 'unit_number']],
            ["Индекс", "Регион", "Улица", "Дом", "Офис"])

    @with_transaction(context={'language': 'ru'})
    def test_language_hidden_with_one_language(self):
        "The card's language is shown only when there is a choice"
        pool = Pool()
        Party = pool.get('party.party')
        Lang = pool.get('ir.lang')
        english, russian = Lang.search(
            [('code', 'in', ['en', 'ru'])], order=[('code', 'ASC')])
        Lang.write([english, russian], {'translatable': True})
        party, = Party.create([{'name': "ООО «Ромашка»"}])
        self.assertTrue(party.several_languages)
        self.assertTrue(Party.default_several_languages())
        self.assertFalse(
            invisible(Party, 'lang', {'several_languages': True}))

        Lang.write([english], {'active': False})
        party = Party(party.id)
        self.assertFalse(party.several_languages)
        self.assertFalse(Party.default_several_languages())
        self.assertTrue(
            invisible(Party, 'lang', {'several_languages': False}))

    @with_transaction()
    def test_vies_only_with_eu_vat(self):
        "Check VIES is offered once a card holds an EU VAT number"
        pool = Pool()
        Party = pool.get('party.party')

        def actions():
            return [a.get('wiz_name') for a in
                Party.view_toolbar_get()['action']]
        party, = Party.create([{
                    'name': "ООО «Ромашка»",
                    'identifiers': [('create', [{
                                    'type': 'ru_vat', 'code': '7707083893'}])],
                    }])
        self.assertNotIn('party.check_vies', actions())
        Party.write([party], {'identifiers': [('create', [{
                            'type': 'eu_vat', 'code': 'BE0897290877'}])]})
        self.assertIn('party.check_vies', actions())

    @with_transaction()
    def test_parties_menu_for_party_administrators(self):
        "A CRM user has one Counterparties menu: Clients' own"
        pool = Pool()
        Menu = pool.get('ir.ui.menu')
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        crm_user, = User.create([{
                    'name': "Олег", 'login': 'oleg',
                    'groups': [('add', [ModelData.get_id(
                                    MODULE, 'group_crm_user')])],
                    }])
        parties = ModelData.get_id('party', 'menu_party')
        clients = ModelData.get_id(MODULE, 'menu_clients')
        company = create_company()
        User.write([crm_user], {
                'companies': [('add', [company.id])], 'company': company.id})
        with set_company(company), Transaction().set_user(crm_user.id), \
                Transaction().set_context(_check_access=True):
            roots = [m.id for m in Menu.search([('parent', '=', None)])]
        self.assertIn(clients, roots)
        self.assertNotIn(parties, roots)
        # The administrator keeps Tryton's
        self.assertIn(parties, [m.id for m in Menu.search([
                        ('parent', '=', None)])])

    @with_transaction(context={'language': 'ru'})
    def test_card_lists_name_their_columns(self):
        "No list of the card has a column «Представление записи»"
        pool = Pool()
        Category = pool.get('party.category')
        self.assertEqual(
            Category.fields_get(['rec_name'])['rec_name']['string'],
            "Наименование")

    @with_transaction(context={'language': 'ru'})
    def test_additional_information_labelled(self):
        "The About text of the card has its label"
        pool = Pool()
        Party = pool.get('party.party')
        ModelData = pool.get('ir.model.data')
        view = Party.fields_view_get(
            ModelData.get_id('party', 'party_view_form'))
        arch = etree.fromstring(view['arch'])
        page, = arch.xpath('//page[@id="additional"]')
        self.assertEqual(page.get('string'), "Дополнительная информация")
        self.assertEqual(
            [e.get('name') for e in page.iter('label')], ['description'])
