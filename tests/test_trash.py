# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The rules of the trash beyond the story of scenario_access_and_trash."""
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction

from trytond.modules.crm_counterparty.tests.test_access import call
from trytond.modules.crm_counterparty.tests.tools import create_user


class CounterpartyTrashTestCase(_DBTestCase):
    "Test the trash of counterparties"
    module = 'crm_counterparty'

    def create_company_with_persons(self):
        pool = Pool()
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            anna = create_employee(company, "Анна")
            self.user = create_user('anna', anna)
            romashka, = Party.create([{
                        'name': "ООО «Ромашка»", 'responsible': anna.id,
                        'contact_persons': [('create', [
                                    {'name': "Иванов", 'kind': 'person'},
                                    {'name': "Петров", 'kind': 'person'},
                                    ])],
                        }])
        return romashka

    @with_transaction()
    def test_times_to_the_second(self):
        "The trash and the import's list show no microseconds"
        pool = Pool()
        Party = pool.get('party.party')
        Import = pool.get('crm.counterparty.import')
        for Model, name in [(Party, 'trash_date'), (Import, 'create_date')]:
            with self.subTest(field=name):
                format_ = Model.fields_get([name])[name]['format']
                self.assertIn('%S', format_)
                self.assertNotIn('%f', format_)

    @with_transaction()
    def test_person_archived_before_stays_archived(self):
        "Restoring brings back only the persons trashed with the company"
        pool = Pool()
        Party = pool.get('party.party')
        romashka = self.create_company_with_persons()
        ivanov, petrov = sorted(romashka.contact_persons, key=lambda p: p.name)
        Party.write([petrov], {'active': False})
        call(self.user, 'party.party', 'delete', [romashka.id])
        with Transaction().set_context(active_test=False):
            ivanov, petrov, romashka = Party.browse(
                [ivanov.id, petrov.id, romashka.id])
            self.assertEqual(
                [p.trash_date is not None for p in [romashka, ivanov, petrov]],
                [True, True, False])
            self.assertEqual(romashka.trashed_by, self.user)
        self.assertEqual(call(
                self.user, 'party.party', 'restore', [romashka.id]),
            'reload')
        with Transaction().set_context(active_test=False):
            self.assertEqual(
                [p.active for p in Party.browse(
                        [romashka.id, ivanov.id, petrov.id])],
                [True, True, False])

    @with_transaction()
    def test_activated_by_hand_leaves_trash(self):
        "A trashed counterparty activated by hand is no longer in the trash"
        pool = Pool()
        Party = pool.get('party.party')
        romashka = self.create_company_with_persons()
        Party.move_to_trash([romashka])
        with Transaction().set_context(active_test=False):
            romashka = Party(romashka.id)
            self.assertIsNotNone(romashka.trash_date)
            Party.write([romashka], {'active': True})
            self.assertIsNone(romashka.trash_date)
            self.assertIsNone(romashka.trashed_by)

    @with_transaction()
    def test_history_kept(self):
        "The trash keeps the revisions of the card"
        pool = Pool()
        Party = pool.get('party.party')
        romashka = self.create_company_with_persons()
        Party.write([romashka], {'industry': "Цветы"})
        call(self.user, 'party.party', 'delete', [romashka.id])
        call(self.user, 'party.party', 'restore', [romashka.id])
        revisions = Party.history_revisions([romashka.id])
        self.assertGreaterEqual(len(revisions), 1)
        self.assertEqual(Party(romashka.id).industry, "Цветы")

    @with_transaction()
    def test_purge_for_admin_only(self):
        "Deleting from the trash is final, and for CRM administrators"
        pool = Pool()
        Party = pool.get('party.party')
        User = pool.get('res.user')
        romashka = self.create_company_with_persons()
        call(self.user, 'party.party', 'delete', [romashka.id])
        with self.assertRaises(AccessError) as cm:
            call(self.user, 'party.party', 'delete', [romashka.id])
        self.assertIn(romashka.name, cm.exception.message)
        admin, = User.search([('login', '=', 'admin')])
        call(admin, 'party.party', 'delete', [romashka.id])
        with Transaction().set_context(active_test=False):
            self.assertEqual(
                Party.search([('id', '=', romashka.id)]), [])


del _DBTestCase
