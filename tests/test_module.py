# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserWarning
from trytond.model.exceptions import ValidationError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, create_employee, set_company)
from trytond.modules.party.tests import (
    PartyCheckEraseMixin, PartyCheckReplaceMixin)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from trytond.modules.crm_counterparty.tests.test_journal import journal
from trytond.modules.crm_counterparty.tests.test_rules import (
    with_control_key)


class CrmCounterpartyTestCase(
        PartyCheckEraseMixin, PartyCheckReplaceMixin, CompanyTestMixin,
        ModuleTestCase):
    "Test the crm_counterparty module"
    module = 'crm_counterparty'

    def create_party(self, **values):
        Party = Pool().get('party.party')
        values.setdefault('name', "ООО «Ромашка»")
        party, = Party.create([values])
        return party

    @with_transaction()
    def test_default_type_and_status(self):
        "A new counterparty is a potential client company"
        party = self.create_party()
        self.assertEqual(party.kind, 'company')
        self.assertEqual(party.counterparty_type.name, "Client")
        self.assertEqual(party.counterparty_status.name, "Potential")

    @with_transaction()
    def test_default_type_and_status_configured(self):
        "The default type and status are settings, not the first in the list"
        pool = Pool()
        Type = pool.get('crm.counterparty.type')
        Status = pool.get('crm.counterparty.status')
        Configuration = pool.get('party.configuration')
        Import = pool.get('crm.counterparty.import')
        # Added at the head of the lists
        new_type, = Type.create([{'name': "Конкурент", 'sequence': 0}])
        new_status, = Status.create([{'name': "Новый", 'sequence': 0}])
        self.assertEqual(Status.search([], limit=1), [new_status])
        party = self.create_party()
        self.assertEqual(party.counterparty_type.name, "Client")
        self.assertEqual(party.counterparty_status.name, "Potential")

        configuration = Configuration(1)
        configuration.default_counterparty_type = new_type
        configuration.default_counterparty_status = new_status
        configuration.save()
        party = self.create_party(name="ООО «Лютик»")
        self.assertEqual(
            (party.counterparty_type, party.counterparty_status),
            (new_type, new_status))
        # The import's default is the same setting
        self.assertEqual(Import.default_counterparty_type(), new_type.id)
        # None set, none given
        configuration.default_counterparty_status = None
        configuration.save()
        self.assertIsNone(self.create_party(
                name="ООО «Василёк»").counterparty_status)

    @with_transaction()
    def test_national_phone_in_one_call(self):
        "A party, its address and a national phone are created at once"
        pool = Pool()
        Country = pool.get('country.country')
        russia, = Country.create([{'name': "Russia", 'code': 'RU'}])
        party = self.create_party(
            addresses=[('create', [{'country': russia.id}])],
            contact_mechanisms=[('create', [
                        {'type': 'phone', 'value': '8 (916) 123-45-67'},
                        {'type': 'mobile', 'value': '84951234567 доб 12'},
                        ])])
        phone, mobile = party.contact_mechanisms
        self.assertEqual(phone.value, '8 (916) 123-45-67')
        self.assertEqual(phone.value_compact, '+79161234567')
        self.assertEqual(mobile.value, '8 (495) 123-45-67 доб. 12')
        self.assertEqual(mobile.value_compact, '+74951234567')

    @with_transaction()
    def test_foreign_phone_international(self):
        "A foreign counterparty's number keeps its country code"
        pool = Pool()
        Country = pool.get('country.country')
        spain, = Country.create([{'name': "Spain", 'code': 'ES'}])
        party = self.create_party(
            name="Pam", addresses=[('create', [{'country': spain.id}])],
            contact_mechanisms=[('create', [
                        {'type': 'phone', 'value': '666666666'},
                        {'type': 'mobile', 'value': '+7 916 123 45 67'},
                        ])])
        spanish, russian = party.contact_mechanisms
        self.assertEqual(spanish.value, '+34 666 66 66 66')
        # Ours, dialled from here the national way
        self.assertEqual(russian.value, '8 (916) 123-45-67')

    @with_transaction()
    def test_phone_of_new_person_in_pop_up(self):
        "A phone typed for a new contact person whose address has no fields"
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        ContactMechanism = pool.get('party.contact_mechanism')
        # What the web client sends from the pop-up of a new person: her
        # default address, with none of the fields the pop-up does not show
        person = Party(kind='person', addresses=[Address()])
        mechanism = ContactMechanism(
            party=person, type='phone', value='+7 916 123 45 67')
        mechanism.on_change_value()
        self.assertEqual(mechanism.value, '8 (916) 123-45-67')
        self.assertEqual(mechanism.on_change_notify(), [])

    @with_transaction()
    def test_empty_phone_column_with_contact_mechanisms(self):
        "A card is created with its phones and the list's empty columns"
        # What the web client sends when a card is made from the list
        party = self.create_party(
            phone='', email='',
            contact_mechanisms=[('create', [
                        {'type': 'phone', 'value': '8 916 555 12 34'},
                        ])])
        self.assertEqual(party.phone, '8 (916) 555-12-34')

    @with_transaction()
    def test_national_phone_without_address(self):
        "Without any country a national number is read as Russian"
        party = self.create_party(phone='+7(916)1234567')
        self.assertEqual(party.phone, '8 (916) 123-45-67')

    @with_transaction()
    def test_invalid_phone_and_email(self):
        "An invalid phone or e-mail is refused naming the value"
        for type_, value in [('phone', '12'), ('email', 'ivan@')]:
            with self.subTest(type=type_):
                with self.assertRaises(ValidationError) as cm:
                    self.create_party(contact_mechanisms=[('create', [
                                    {'type': type_, 'value': value}])])
                self.assertIn(value, cm.exception.message)

    @with_transaction()
    def test_invalid_email_reason(self):
        "An invalid e-mail is refused saying how to mend it"
        with self.assertRaises(ValidationError) as cm:
            self.create_party(contact_mechanisms=[('create', [
                            {'type': 'email', 'value': 'ivanov@mail'}])])
        self.assertEqual(
            cm.exception.description,
            "The domain after the @ sign has no dot: it reads like mail.ru.")

    @with_transaction()
    def test_messengers(self):
        "Telegram and WhatsApp are contact mechanisms with links"
        party = self.create_party(contact_mechanisms=[('create', [
                        {'type': 'telegram', 'value': '@Romashka_Sales'},
                        {'type': 'whatsapp', 'value': '8 916 123-45-67'},
                        ])])
        telegram, whatsapp = party.contact_mechanisms
        self.assertEqual(telegram.url, 'https://t.me/romashka_sales')
        self.assertEqual(whatsapp.value_compact, '+79161234567')
        self.assertEqual(whatsapp.url, 'https://wa.me/79161234567')
        self.assertEqual(party.telegram, '@Romashka_Sales')

    @with_transaction()
    def test_requisites(self):
        "INN, KPP and OGRN are stored as identifiers and searchable"
        Party = Pool().get('party.party')
        party = self.create_party(
            inn='7707083893', kpp='7736 01 001', ogrn='1027700132195')
        self.assertEqual(party.inn, '7707083893')
        self.assertEqual(party.kpp, '773601001')
        self.assertEqual(party.ogrn, '1027700132195')
        self.assertEqual(party.tax_identifier.code, '7707083893')
        self.assertEqual(
            {i.type for i in party.identifiers},
            {'ru_vat', 'ru_kpp', 'ru_ogrn'})
        self.assertEqual(Party.search([('inn', '=', '7707083893')]), [party])
        self.assertEqual(Party.search([('kpp', 'like', '7736%')]), [party])

        Party.write([party], {'kpp': None})
        self.assertIsNone(party.kpp)
        self.assertEqual(len(party.identifiers), 2)

    @with_transaction()
    def test_invalid_requisites(self):
        "An invalid INN, KPP or OGRN is refused naming the value"
        for field, value in [
                ('inn', '7707083894'),
                ('kpp', '77360100'),
                ('ogrn', '1027700132196'),
                ]:
            with self.subTest(field=field):
                with self.assertRaises(ValidationError) as cm:
                    self.create_party(name="Bad", **{field: value})
                self.assertIn(value, cm.exception.message)

    @with_transaction()
    def test_duplicate_inn_refused(self):
        "A second active counterparty with the same INN is refused"
        head = self.create_party(
            name="ПАО Сбербанк", inn='7707083893', kpp='773601001')
        with self.assertRaises(ValidationError) as cm:
            self.create_party(
                name="Сбербанк дубль", inn='7707 083 893', kpp='773601001')
        self.assertIn(head.rec_name, cm.exception.message)
        self.assertIn(head.code, cm.exception.message)

    @with_transaction()
    def test_duplicate_inn_refused_created_together(self):
        "The INN rule holds for counterparties created in one call"
        Party = Pool().get('party.party')
        self.create_party(name="ПАО Сбербанк", inn='7707083893')
        # Twice in one call (the refused call is not undone here)
        with self.assertRaises(ValidationError):
            Party.create([
                    {'name': "Первый", 'inn': '500100732259',
                        'kind': 'person'},
                    {'name': "Второй", 'inn': '500100732259',
                        'kind': 'person'},
                    ])
        # One of several against an existing counterparty, by name
        with self.assertRaises(ValidationError) as cm:
            Party.create([
                    {'name': "Новый"},
                    {'name': "Сбер дубль", 'inn': '7707083893'},
                    ])
        self.assertIn("Сбер дубль", cm.exception.message)
        self.assertIn("ПАО Сбербанк", cm.exception.message)
        # By identifiers created with the cards, as an import gives them
        with self.assertRaises(ValidationError):
            Party.create([{'name': "Сбер по идентификатору",
                        'identifiers': [('create', [{
                                        'type': 'ru_vat',
                                        'code': '7707083893'}])],
                        }])
        # Branches with their own KPP go together
        parties = Party.create([
                {'name': "Филиал 1", 'inn': '7736207543',
                    'kpp': '165543001'},
                {'name': "Филиал 2", 'inn': '7736207543',
                    'kpp': '165643001'},
                ])
        self.assertEqual([p.kpp for p in parties], ['165543001', '165643001'])

    @with_transaction()
    def test_branch_shares_inn(self):
        "A branch shares the head office's INN with its own KPP"
        self.create_party(
            name="ПАО Сбербанк", inn='7707083893', kpp='773601001')
        branch = self.create_party(
            name="Сбербанк, Казанский филиал",
            inn='7707083893', kpp='165543001')
        self.assertEqual(branch.inn, '7707083893')

    @with_transaction()
    def test_duplicate_inn_empty_kpp_refused(self):
        "An empty KPP against a holder's KPP is the same company"
        Party = Pool().get('party.party')
        head = self.create_party(
            name="ПАО Сбербанк", inn='7707083893', kpp='773601001')
        with self.assertRaises(ValidationError) as cm:
            self.create_party(name="Сбербанк без КПП", inn='7707083893')
        self.assertIn(head.rec_name, cm.exception.message)
        # The user says it is a branch by its own KPP
        self.assertIn("KPP", cm.exception.description)
        # And the other way round: a KPP given where the holder has none
        self.create_party(name="Яндекс", inn='7736207543')
        with self.assertRaises(ValidationError):
            self.create_party(
                name="Яндекс с КПП", inn='7736207543', kpp='770401001')
        # Created together, one of them without KPP
        with self.assertRaises(ValidationError):
            Party.create([
                    {'name': "ВТБ", 'inn': '7702070139',
                        'kpp': '770201001'},
                    {'name': "ВТБ без КПП", 'inn': '7702070139'},
                    ])

    @with_transaction()
    def test_person_inn_unique(self):
        "Two persons cannot share an INN whatever else they hold"
        self.create_party(
            name="ИП Петров", kind='person', inn='500100732259')
        with self.assertRaises(ValidationError):
            self.create_party(
                name="Петров П.", kind='person', inn='500100732259')

    @with_transaction()
    def test_inactive_holder_does_not_count(self):
        "The INN of a deactivated counterparty can be taken again"
        Party = Pool().get('party.party')
        old = self.create_party(name="Old", inn='7707083893')
        Party.write([old], {'active': False})
        new = self.create_party(name="New", inn='7707083893')
        # Coming back to the active ones checks again
        with self.assertRaises(ValidationError):
            Party.write([old], {'active': True})
        self.assertTrue(new.active)

    @with_transaction()
    def test_duplicate_inn_warning(self):
        "An administrator may choose a warning instead of a refusal"
        pool = Pool()
        Configuration = pool.get('party.configuration')
        Warning = pool.get('res.user.warning')
        Configuration.write([Configuration(1)], {
                'duplicate_tax_identifier': 'warning'})
        first = self.create_party(name="First", inn='7707083893')
        # The user accepted the warning the client showed on the first try
        Warning.create([{
                    'user': Transaction().user,
                    'name': Warning.format(
                        'duplicate_tax_identifier_7707083893_', [first]),
                    }])
        second = self.create_party(name="Second", inn='7707083893')
        self.assertEqual(second.inn, first.inn)
        # An acceptance is good for one save only
        with self.assertRaises(UserWarning) as cm:
            self.create_party(name="Third", inn='7707083893')
        self.assertRegex(cm.exception.message, '"(First|Second)"')

    @with_transaction()
    def test_attach_other_company_person_asks(self):
        "Attaching another company's contact person asks, naming it"
        pool = Pool()
        Party = pool.get('party.party')
        Warning = pool.get('res.user.warning')
        first = self.create_party(name="ООО «Ромашка»")
        second = self.create_party(name="ООО «Лютик»")
        person = self.create_party(
            name="Иванова Анна", kind='person', employer=first.id)
        with self.assertRaises(UserWarning) as cm:
            Party.write([second], {'contact_persons': [('add', [person.id])]})
        self.assertIn("ООО «Ромашка»", cm.exception.message)
        self.assertIn("ООО «Лютик»", cm.exception.message)
        self.assertEqual(person.employer, first)
        # Accepted, she moves
        Warning.create([{
                    'user': Transaction().user,
                    'name': cm.exception.name,
                    }])
        Party.write([second], {'contact_persons': [('add', [person.id])]})
        self.assertEqual(person.employer, second)
        # On her own card the company she leaves is in sight
        Party.write([person], {'employer': first.id})
        self.assertEqual(person.employer, first)
        # A person of no company is attached without a question
        free = self.create_party(name="Петров Пётр", kind='person')
        Party.write([second], {'contact_persons': [('add', [free.id])]})
        self.assertEqual(free.employer, second)

    @with_transaction()
    def test_contact_persons(self):
        "A company lists the persons attached to it"
        Party = Pool().get('party.party')
        company = self.create_party(name="ООО «Ромашка»")
        with Transaction().set_context(counterparty_kind='person'):
            Party.write([company], {
                    'contact_persons': [('create', [{
                                    'name': "Иванов Иван Иванович",
                                    'position': "Директор",
                                    }])]})
        person, = company.contact_persons
        self.assertEqual(person.kind, 'person')
        self.assertEqual(person.employer, company)
        # An existing person is attached later
        other = self.create_party(name="Сидорова Анна", kind='person')
        Party.write([other], {'employer': company.id})
        self.assertEqual(len(company.contact_persons), 2)

    @with_transaction()
    def test_responsible_change_recorded(self):
        "A change of responsible is in the card's history and journal"
        pool = Pool()
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            anna = create_employee(company, "Anna")
            boris = create_employee(company, "Boris")
            with Transaction().set_context(employee=anna.id):
                party = self.create_party()
            self.assertEqual(party.responsible, anna)
            Party.write([party], {'responsible': boris.id})
            # Writing the same responsible again is no change
            Party.write([party], {'responsible': boris.id})
        self.assertEqual(
            [t for t in journal(party) if 'Responsible' in t],
            ["Responsible: Anna → Boris"])

    @with_transaction()
    def test_change_responsible_wizard(self):
        "Change Responsible works on many counterparties at once"
        pool = Pool()
        ChangeResponsible = pool.get(
            'crm.counterparty.change_responsible', type='wizard')
        company = create_company()
        with set_company(company):
            boris = create_employee(company, "Boris")
            parties = [self.create_party(name=str(i)) for i in range(3)]
            session_id, _, _ = ChangeResponsible.create()
            wizard = ChangeResponsible(session_id)
            with Transaction().set_context(
                    active_model='party.party',
                    active_ids=[p.id for p in parties]):
                wizard._execute('start')
                wizard.start.responsible = boris
                wizard._execute('change')
        self.assertEqual({p.responsible for p in parties}, {boris})
        self.assertEqual(
            [[t for t in journal(p) if 'Responsible' in t] for p in parties],
            [["Responsible: — → Boris"]] * 3)

    @with_transaction()
    def test_favorite_per_user(self):
        "A star is personal: another user does not see it"
        pool = Pool()
        Party = pool.get('party.party')
        User = pool.get('res.user')
        party = self.create_party()
        other = self.create_party(name="Other")
        Party.write([party], {'favorite': True})
        self.assertTrue(Party(party.id).favorite)
        self.assertEqual(Party.search([('favorite', '=', True)]), [party])
        self.assertIn(other, Party.search([('favorite', '=', False)]))
        colleague, = User.create([{'name': "Colleague", 'login': 'coll'}])
        with Transaction().set_user(colleague.id):
            self.assertFalse(Party(party.id).favorite)
            self.assertEqual(Party.search([('favorite', '=', True)]), [])
        Party.write([party], {'favorite': False})
        self.assertEqual(Party.search([('favorite', '=', True)]), [])

    @with_transaction()
    def test_star_button_toggles(self):
        "The list's star marks the unstarred and unmarks the starred"
        Party = Pool().get('party.party')
        starred = self.create_party()
        plain = self.create_party(name="Other")
        Party.write([starred], {'favorite': True})
        Party.toggle_favorite([starred, plain])
        self.assertEqual(Party.search([('favorite', '=', True)]), [plain])
        Party.toggle_favorite([plain])
        self.assertEqual(Party.search([('favorite', '=', True)]), [])

    @with_transaction()
    def test_payer_requisites(self):
        "Payer requisites are validated, bank accounts against the BIK"
        Payer = Pool().get('crm.counterparty.payer')
        party = self.create_party()
        account = with_control_key('40702810000000012345', '044525225')
        values = {
            'party': party.id,
            'name': "ПАО Сбербанк",
            'inn': '7707083893',
            'kpp': '773601001',
            'ogrn': '1027700132195',
            'bik': '044525225',
            'settlement_account': account,
            'correspondent_account': '3010 1810 4000 0000 0225',
            }
        payer, = Payer.create([values])
        self.assertEqual(payer.correspondent_account, '30101810400000000225')
        wrong = account[:-1] + str((int(account[-1]) + 1) % 10)
        for field, value in [
                ('inn', '7707083894'),
                ('kpp', '7736'),
                ('bik', '12345'),
                ('settlement_account', wrong),
                ('correspondent_account', '30101810400000000226'),
                ]:
            with self.subTest(field=field):
                with self.assertRaises(ValidationError) as cm:
                    Payer.create([{**values, field: value}])
                self.assertIn(value, cm.exception.message)

    @with_transaction()
    def test_chat_and_history(self):
        "The card has a chat and a history of its changes"
        pool = Pool()
        Party = pool.get('party.party')
        Channel = pool.get('ir.chat.channel')
        self.assertIn('party.party', dict(Channel.get_models()))
        party = self.create_party()
        Channel.post(party, "Звонил, просили перезвонить")
        messages = Channel.get(party)
        self.assertEqual(
            [m['content'] for m in messages], ["Звонил, просили перезвонить"])
        self.assertTrue(Party._history)


del ModuleTestCase
