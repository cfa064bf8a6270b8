# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Paths around the visibility policy, tried over RPC: copying what one may
not read, and the INN refusal naming a holder one may not see."""
import datetime

from trytond.exceptions import UserWarning
from trytond.model import ModelStorage
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company
from trytond.modules.crm_counterparty.access import ReadFirstMixin
from trytond.modules.crm_counterparty.exceptions import (
    DuplicateTaxIdentifier)
from trytond.modules.crm_counterparty.importing.importer import savepoint
from trytond.modules.crm_counterparty.tests import test_access
from trytond.modules.crm_counterparty.tests.test_access import call
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction

INN = '7707083893'


def count(model):
    "How many records of model there are, whoever may see them"
    with Transaction().set_user(0), \
            Transaction().set_context(active_test=False):
        return Pool().get(model).search_count([])


class AccessPathsTestCase(_DBTestCase):
    "Test the paths around the visibility policy"
    module = 'crm_counterparty'
    setup_company = test_access.CounterpartyAccessTestCase.setup_company
    create_meeting = test_access.CounterpartyAccessTestCase.create_meeting

    def romashka_children(self):
        "A phone, an address and the INN of Romashka"
        pool = Pool()
        ContactMechanism = pool.get('party.contact_mechanism')
        Address = pool.get('party.address')
        Identifier = pool.get('party.identifier')
        phone, = ContactMechanism.create([{
                    'party': self.romashka.id, 'type': 'phone',
                    'value': '+74951234567'}])
        address, = Address.create([{
                    'party': self.romashka.id, 'street': "ул. Тайная, 1"}])
        identifier, = Identifier.create([{
                    'party': self.romashka.id, 'type': 'ru_vat',
                    'code': INN}])
        return {
            'party.contact_mechanism': phone,
            'party.address': address,
            'party.identifier': identifier,
            }

    def assertCopyRefused(self, user, model, ids, default=None):
        """The copy is refused, names no hidden card and creates nothing,
        not even before the request's transaction is rolled back"""
        before = count(model)
        args = [ids] if default is None else [ids, default]
        with self.assertRaises(AccessError) as cm:
            call(user, model, 'copy', *args)
        for name in [self.romashka.name, self.ivan.name]:
            self.assertNotIn(name, cm.exception.message)
        self.assertEqual(count(model), before)

    @with_transaction()
    def test_copy_hidden_counterparty(self):
        "A card one may not read is not copied, with or without defaults"
        self.setup_company()
        boris = self.users['Boris']
        for default in [None, {}, {'responsible': boris.employee.id},
                {'name': "Моя копия", 'responsible': boris.employee.id}]:
            for party in [self.romashka, self.ivan]:
                with self.subTest(party=party.name, default=default):
                    self.assertCopyRefused(
                        boris, 'party.party', [party.id], default)
        # Nor hidden among his own
        self.assertCopyRefused(
            boris, 'party.party', [self.vasilek.id, self.romashka.id])

    @with_transaction()
    def test_copy_hidden_children(self):
        "Contact data of a card one may not read are not copied"
        self.setup_company()
        boris = self.users['Boris']
        children = self.romashka_children()
        for model, record in children.items():
            for default in [None, {'party': self.vasilek.id}]:
                with self.subTest(model=model, default=default):
                    self.assertCopyRefused(boris, model, [record.id], default)

    @with_transaction()
    def test_copy_hidden_note_and_file(self):
        "The notes and files of a card one may not read are not copied"
        self.setup_company()
        boris = self.users['Boris']
        for model, record, default in [
                ('ir.note', self.note, {'resource': str(self.vasilek)}),
                ('ir.attachment', self.attachment,
                    {'resource': str(self.vasilek)}),
                ]:
            for default in [None, default]:
                with self.subTest(model=model, default=default):
                    self.assertCopyRefused(boris, model, [record.id], default)

    @with_transaction()
    def test_copy_hidden_children_into_own(self):
        """Copying one's own card does not take along the children of a
        card one may not read given as defaults"""
        self.setup_company()
        boris = self.users['Boris']
        children = self.romashka_children()
        for field, model in [
                ('contact_mechanisms', 'party.contact_mechanism'),
                ('addresses', 'party.address'),
                ('identifiers', 'party.identifier'),
                ]:
            with self.subTest(field=field):
                before = {m: count(m) for m in ['party.party', model]}
                # The children are copied once the card is: the refusal
                # rolls the request back, as the RPC dispatcher does
                with self.assertRaises(AccessError) as cm, savepoint():
                    call(boris, 'party.party', 'copy', [self.vasilek.id],
                        {field: [children[model].id]})
                self.assertNotIn(self.romashka.name, cm.exception.message)
                self.assertEqual(
                    {m: count(m) for m in before}, before)

    @with_transaction()
    def test_copy_hidden_communication(self):
        "A communication one may not read is not copied"
        company = self.setup_company()
        boris = self.users['Boris']
        meeting = self.create_meeting(company, self.romashka)
        for default in [None, {'organiser': boris.employee.id}]:
            with self.subTest(default=default):
                self.assertCopyRefused(
                    boris, 'crm.communication', [meeting.id], default)

    @with_transaction()
    def test_copy_own_counterparty(self):
        "Who may read a card copies it with its contact data"
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_company()
        children = self.romashka_children()
        for name in ['Anna', 'Maria']:
            with self.subTest(user=name):
                copy_id, = call(
                    self.users[name], 'party.party', 'copy',
                    [self.romashka.id], {'identifiers': None})
                copy = Party(copy_id)
                self.assertEqual(copy.name, self.romashka.name)
                self.assertEqual(
                    [(m.type, m.value) for m in copy.contact_mechanisms],
                    [('phone', children['party.contact_mechanism'].value)])
                self.assertEqual(
                    [a.street for a in copy.addresses], ["ул. Тайная, 1"])

    @with_transaction()
    def test_export_hidden_children(self):
        """The contact data, notes, files and payers of a card one may not
        read are not exported by their ids"""
        pool = Pool()
        Payer = pool.get('crm.counterparty.payer')
        self.setup_company()
        records = {
            **self.romashka_children(),
            'ir.note': self.note,
            'ir.attachment': self.attachment,
            }
        records['crm.counterparty.payer'], = Payer.create([{
                    'party': self.romashka.id, 'name': "ООО Плательщик",
                    'inn': '500100732259'}])
        for model, record in records.items():
            # Anna exports them: the refusal below is not for want of data
            self.assertEqual(call(
                    self.users['Anna'], model, 'export_data', [record.id],
                    ['id']), [[record.id]])
            for name in ['Boris', 'Pavel']:
                with self.subTest(model=model, user=name), \
                        self.assertRaises(AccessError):
                    call(self.users[name], model, 'export_data',
                        [record.id], ['id'])

    @with_transaction()
    def test_past_state_keeps_rules(self):
        """Asking for a past state (_datetime) answers under the rules
        instead of overflowing the database's parser"""
        self.setup_company()
        phone = self.romashka_children()['party.contact_mechanism']
        context = {'_datetime': datetime.datetime.max}
        targets = [
            ('party.party', self.romashka),
            ('party.contact_mechanism', phone),
            ('ir.note', self.note),
            ]
        for model, record in targets:
            # Anna still reaches hers in the past state
            self.assertIn(record.id, call(
                    self.users['Anna'], model, 'search', [], 0, None, None,
                    context=context))
            for name in ['Boris', 'Pavel']:
                user = self.users[name]
                with self.subTest(model=model, user=name):
                    self.assertNotIn(record.id, call(
                            user, model, 'search', [], 0, None, None,
                            context=context))
                    self.assertEqual(call(
                            user, model, 'search_count',
                            [('id', '=', record.id)], context=context), 0)
                    with self.assertRaises(AccessError):
                        call(user, model, 'read', [record.id], ['id'],
                            context=context)

    @with_transaction()
    def test_past_state_statistics(self):
        "The statistics asked for in a past state count what one sees now"
        self.setup_company()
        context = {'_datetime': datetime.datetime.max}
        counted = {}
        for name in ['Anna', 'Boris', 'Pavel']:
            with self.subTest(user=name):
                counted[name] = [sum(r['count'] for r in call(
                            self.users[name], 'crm.counterparty.statistics',
                            'search_read', [], 0, None, None, ['count'],
                            context=c)) for c in [context, {}]]
                self.assertEqual(*counted[name])
        self.assertGreater(counted['Anna'][0], counted['Boris'][0])

    @with_transaction()
    def test_past_state_written_as_present(self):
        """A write or deletion with a past state (_datetime) in the context
        is checked and done in the present, not failed by the database"""
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_company()
        context = {'_datetime': datetime.datetime.max}
        for name in ['Boris', 'Pavel']:
            for method, args in [
                    ('write', ([self.romashka.id], {'name': "Взлом"})),
                    ('delete', ([self.romashka.id],))]:
                with self.subTest(user=name, method=method):
                    with self.assertRaises(AccessError):
                        call(self.users[name], 'party.party', method, *args,
                            context=context)
        call(self.users['Anna'], 'party.party', 'write', [self.romashka.id],
            {'name': "ООО «Ромашка-2»"}, context=context)
        self.assertEqual(Party(self.romashka.id).name, "ООО «Ромашка-2»")
        self.assertEqual(call(self.users['Anna'], 'party.contact_mechanism',
                'import_data', ['party', 'type', 'value'],
                [["ООО «Ромашка-2»", 'phone', '+74950000001']],
                context=context), 1)
        self.assertIn('8 (495) 000-00-01', [
                m.value for m in Party(self.romashka.id).contact_mechanisms])

    @with_transaction()
    def test_forged_company_on_own_card(self):
        """A company the client names that is not the user's changes
        nothing on his own card: phones are added as with his own
        company"""
        pool = Pool()
        Communication = pool.get('crm.communication')
        company = self.setup_company()
        other = create_company(
            name="Чужая компания", currency=company.currency)
        boris = self.users['Boris']
        for forged in [-1, other.id]:
            context = {'company': forged}
            with self.subTest(company=forged):
                phone_id, = call(
                    boris, 'party.contact_mechanism', 'create', [{
                            'party': self.vasilek.id, 'type': 'phone',
                            'value': '84951234567'}], context=context)
                self.assertEqual(call(
                        boris, 'party.contact_mechanism', 'read',
                        [phone_id], ['value'])[0]['value'],
                    '8 (495) 123-45-67')
                with Transaction().set_user(boris.id), \
                        Transaction().set_context(context):
                    self.assertEqual(
                        Communication.default_company(), company.id)

    @with_transaction()
    def test_import_mapping_own(self):
        """An import mapping is its author's: a colleague neither finds,
        reads, copies, changes nor deletes it, and saves his own of the
        same name beside it; a user without the CRM has no mappings"""
        pool = Pool()
        Mapping = pool.get('crm.counterparty.import.mapping')
        Import = pool.get('crm.counterparty.import')
        self.setup_company()
        model = 'crm.counterparty.import.mapping'
        mapping_id, = call(self.users['Anna'], model, 'create', [{
                    'name': "Выгрузка 1С"}])
        self.assertEqual(
            call(self.users['Boris'], model, 'search', [], 0, None, None),
            [])
        for name in ['Boris', 'Pavel']:
            user = self.users[name]
            for method, args in [
                    ('read', [[mapping_id], ['name']]),
                    ('copy', [[mapping_id]]),
                    ('write', [[mapping_id], {'name': "Моя"}]),
                    ('delete', [[mapping_id]]),
                    ]:
                with self.subTest(user=name, method=method), \
                        self.assertRaises(AccessError):
                    call(user, model, method, *args)
        self.assertEqual(count(model), 1)
        self.assertEqual(Mapping(mapping_id).name, "Выгрузка 1С")
        # Its author changes it
        call(self.users['Anna'], model, 'write', [mapping_id], {
                'columns': "наименование → name"})
        # Saving his columns under the same name, Boris saves his own
        boris = self.users['Boris']
        batch, = Import.create([{
                    'file_name': "клиенты.csv", 'file': b"name\n",
                    'user': boris.id, 'mapping_name': "Выгрузка 1С",
                    'columns': [('create', [{
                                    'header': "Наименование",
                                    'field': 'name'}])],
                    }])
        call(boris, 'crm.counterparty.import', 'save_mapping', [batch.id])
        self.assertEqual(Mapping(mapping_id).columns, "наименование → name")
        mine, = call(boris, model, 'search', [], 0, None, None)
        self.assertNotEqual(mine, mapping_id)

    @with_transaction()
    def test_relation_seen_with_both_ends(self):
        """A relation, in either direction, is found and counted only by
        who sees both its counterparties"""
        pool = Pool()
        Relation = pool.get('party.relation')
        RelationType = pool.get('party.relation.type')
        self.setup_company()
        type_, = RelationType.create([{
                    'name': "Филиал",
                    'reverse': RelationType.create([{
                                'name': "Головная компания"}])[0].id,
                    }])
        across, within = Relation.create([{
                    'from_': self.romashka.id, 'to': self.vasilek.id,
                    'type': type_.id,
                    }, {
                    'from_': self.romashka.id, 'to': self.ivan.id,
                    'type': type_.id,
                    }])
        # party.relation.all gives each relation as 2 id and 2 id + 1
        rows = {r: {r.id * 2, r.id * 2 + 1} for r in [across, within]}

        def found(name):
            return set(call(self.users[name], 'party.relation.all',
                    'search', [], 0, None, None)) & (
                rows[across] | rows[within])
        self.assertEqual(found('Maria'), rows[across] | rows[within])
        self.assertEqual(found('Anna'), rows[within])
        self.assertEqual(found('Boris'), set())
        self.assertEqual(found('Pavel'), set())
        for name in ['Anna', 'Boris', 'Pavel']:
            with self.subTest(user=name):
                self.assertEqual(call(
                        self.users[name], 'party.relation.all',
                        'search_count',
                        [('id', 'in', list(rows[across]))]), 0)

    @with_transaction()
    def test_copy_checked_for_every_model(self):
        "Every model whose copy is exposed reads as the user first"
        for name, Model in Pool().iterobject():
            if (issubclass(Model, ModelStorage)
                    and 'copy' in getattr(Model, '__rpc__', {})):
                with self.subTest(model=name):
                    self.assertTrue(issubclass(Model, ReadFirstMixin))

    def setup_inn(self, **values):
        "The company, with Romashka holding INN"
        pool = Pool()
        Party = pool.get('party.party')
        company = self.setup_company(**values)
        Party.write([self.romashka], {'inn': INN})
        return company

    def hidden_message(self, party, responsible="Anna"):
        return ('The INN %s of "%s" is already held by a counterparty you '
            'have no access to; ask its responsible, %s.'
            % (INN, party, responsible))

    def assertHolderHidden(self, message):
        self.assertNotIn(self.romashka.name, message)
        self.assertNotIn('code', message)
        self.assertNotIn(str(self.romashka.id), message.replace(INN, ''))

    @with_transaction()
    def test_inn_create_hides_holder(self):
        "A new card with the INN of a hidden card names only whom to ask"
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_inn()
        before = count('party.party')
        with self.assertRaises(DuplicateTaxIdentifier) as cm, savepoint():
            call(self.users['Boris'], 'party.party', 'create',
                [{'name': "ООО «Лютик»", 'inn': INN}])
        self.assertEqual(
            cm.exception.message, self.hidden_message("ООО «Лютик»"))
        self.assertHolderHidden(cm.exception.message)
        self.assertEqual(count('party.party'), before)
        # Whoever may see the holder is told which card it is
        with self.assertRaises(DuplicateTaxIdentifier) as cm, savepoint():
            call(self.users['Anna'], 'party.party', 'create',
                [{'name': "ООО «Лютик»", 'inn': INN}])
        self.assertIn(self.romashka.name, cm.exception.message)
        self.assertEqual(
            Party.search([('inn', '=', INN)]), [self.romashka])

    @with_transaction()
    def test_inn_write_hides_holder(self):
        "Typing the INN of a hidden card into one's own names no holder"
        self.setup_inn()
        with self.assertRaises(DuplicateTaxIdentifier) as cm, savepoint():
            call(self.users['Boris'], 'party.party', 'write',
                [self.vasilek.id], {'inn': INN})
        self.assertEqual(
            cm.exception.message, self.hidden_message(self.vasilek.name))
        self.assertHolderHidden(cm.exception.message)
        self.assertIsNone(self.vasilek.inn)

    @with_transaction()
    def test_inn_copy_hides_holder(self):
        "Copying one's card whose INN a hidden card holds names no holder"
        pool = Pool()
        Configuration = pool.get('party.configuration')
        Party = pool.get('party.party')
        self.setup_inn()
        # Let in as a warning that nobody saw
        Configuration.write([Configuration(1)], {
                'duplicate_tax_identifier': 'warning'})
        with Transaction().set_context(_skip_warnings=True):
            Party.write([self.vasilek], {'inn': INN})
        Configuration.write([Configuration(1)], {
                'duplicate_tax_identifier': 'error'})
        before = count('party.party')
        with self.assertRaises(DuplicateTaxIdentifier) as cm, savepoint():
            call(self.users['Boris'], 'party.party', 'copy',
                [self.vasilek.id])
        self.assertEqual(
            cm.exception.message, self.hidden_message(self.vasilek.name))
        self.assertHolderHidden(cm.exception.message)
        self.assertEqual(count('party.party'), before)

    @with_transaction()
    def test_inn_holder_without_responsible(self):
        "A hidden holder without responsible sends the user to the managers"
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_inn()
        Party.write([self.romashka], {'responsible': None})
        with self.assertRaises(DuplicateTaxIdentifier) as cm, savepoint():
            call(self.users['Boris'], 'party.party', 'create',
                [{'name': "ООО «Лютик»", 'inn': INN}])
        # The administrator is a CRM administrator of the company too
        self.assertEqual(cm.exception.message,
            'The INN %s of "ООО «Лютик»" is already held by a counterparty '
            'you have no access to; ask a CRM manager (Administrator, '
            'Maria).' % INN)

    @with_transaction()
    def test_inn_warning_hides_holder(self):
        "Where a duplicate is only warned about, the warning hides it too"
        pool = Pool()
        Configuration = pool.get('party.configuration')
        Party = pool.get('party.party')
        Warning = pool.get('res.user.warning')
        self.setup_inn()
        Configuration.write([Configuration(1)], {
                'duplicate_tax_identifier': 'warning'})
        boris = self.users['Boris']
        values = [{'name': "ООО «Лютик»", 'inn': INN}]
        with self.assertRaises(UserWarning) as cm, savepoint():
            call(boris, 'party.party', 'create', values)
        self.assertEqual(
            cm.exception.message, self.hidden_message("ООО «Лютик»"))
        # Nor does the key the client sends back tell which card it is
        key = Warning.format('duplicate_tax_identifier_%s_' % INN, [])
        self.assertEqual(cm.exception.name, key)
        Warning.create([{'user': boris.id, 'name': key}])
        party_id, = call(boris, 'party.party', 'create', values)
        self.assertEqual(Party(party_id).inn, INN)


del _DBTestCase
