# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Likely duplicates shown while a card is typed (duplicate.py), as the web
client asks for them: the on_change of the card as the user."""
from unittest.mock import patch

from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_counterparty import duplicate
from trytond.modules.crm_counterparty.exceptions import NotDuplicateError
from trytond.modules.crm_counterparty.tests.test_access import call
from trytond.modules.crm_counterparty.tests.tools import anna_and_boris
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction


class DuplicateTestCase(_DBTestCase):
    "Test the likely duplicates of a card being typed"
    module = 'crm_counterparty'

    def setup_cards(self):
        """Anna looks after Ромашка (INN, phone, e-mail); Boris after
        Василёк, which Anna may not see (each sees his own)"""
        pool = Pool()
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            (anna, boris), (self.anna, self.boris) = anna_and_boris(
                company)
            self.romashka, self.vasilek = Party.create([{
                        'name': "ООО «Ромашка»", 'responsible': anna.id,
                        'inn': '7707083893',
                        'contact_mechanisms': [('create', [
                                    {'type': 'phone',
                                        'value': '+7 916 123-45-67'},
                                    {'type': 'email',
                                        'value': 'info@romashka.ru'}])],
                        }, {
                        'name': "ООО «Василёк»", 'responsible': boris.id,
                        'contact_mechanisms': [('create', [
                                    {'type': 'email',
                                        'value': 'office@vasilek.ru'}])],
                        }])

    def typed(self, user, **values):
        "The likely duplicates of a new card with values, as user sees them"
        values = {'id': -1, 'name': '', 'kind': 'company', 'inn': None,
            'kpp': None, 'employer': None, 'contact_persons': [],
            'contact_mechanisms': [], **values}
        changes = call(user, 'party.party', 'on_change_with',
            values, ['duplicates']).get('duplicates', {})
        # The client's list gets the rows to add to its empty one (nothing
        # when it stays empty)
        return [row['id'] for _, row in changes.get('add', [])]

    def mechanisms(self, *values):
        "The contact data typed on a new card"
        return [{'id': -2 - i, 'type': t, 'value': v}
            for i, (t, v) in enumerate(values)]

    @with_transaction()
    def test_each_key_finds_the_card(self):
        "The name in another order, the INN, the phone, the e-mail"
        self.setup_cards()
        for values in [
                {'name': "Ромашка, ООО"},
                {'name': "Ромашка ООО Москва"},
                {'name': "Цветы", 'inn': '7707 083 893'},
                {'name': "Цветы", 'contact_mechanisms': self.mechanisms(
                        ('mobile', '8 (916) 1234567'))},
                {'name': "Цветы", 'contact_mechanisms': self.mechanisms(
                        ('email', 'INFO@romashka.ru'))},
                ]:
            with self.subTest(values=values):
                self.assertEqual(
                    self.typed(self.anna, **values), [self.romashka.id])

    @with_transaction()
    def test_nothing_alike_nothing_shown(self):
        "A new name, another INN: no duplicate"
        self.setup_cards()
        self.assertEqual(self.typed(self.anna, name="Одуванчик"), [])
        self.assertEqual(
            self.typed(self.anna, name="Ромашка", inn='7736050003'), [])

    @with_transaction()
    def test_nearer_of_two_inns_shown(self):
        "A name alike to two companies of two INNs shows the nearer one"
        Party = Pool().get('party.party')
        self.setup_cards()
        with set_company(self.anna.company):
            own, other = Party.create([{
                        'name': name, 'inn': inn,
                        'responsible': self.anna.employee.id,
                        } for name, inn in [
                        ("АО «Пухожу Групп»", '7728168971'),
                        ("АО «Пухяжу Групп»", '7710140679')]])
        self.assertEqual(
            self.typed(self.anna, name="Пухожу Групп, АО"), [own.id])
        self.assertEqual(
            self.typed(self.anna, name="Пухужу Групп, АО"), [own.id, other.id])

    @with_transaction()
    def test_hidden_card_never_shown(self):
        "A card the user may not see is never listed"
        self.setup_cards()
        typed = {'name': "Василёк", 'contact_mechanisms': self.mechanisms(
                ('email', 'office@vasilek.ru'))}
        self.assertEqual(self.typed(self.anna, **typed), [])
        self.assertEqual(self.typed(self.boris, **typed), [self.vasilek.id])

    @with_transaction()
    def test_hidden_cards_leave_room_for_the_seen(self):
        "The cards compared by a word of the name are the first the user sees"
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_cards()
        # Boris's, with the word, before Anna's in the order of ids
        with set_company(self.boris.company):
            Party.create([{'name': "ООО «Ландыш» %s" % i,
                        'responsible': self.boris.employee.id}
                    for i in range(3)])
        with set_company(self.anna.company):
            seen, = Party.create([{'name': "ООО «Ландыш»",
                        'responsible': self.anna.employee.id}])
        # Fewer candidates than Boris's cards holding the word, and as
        # many as the cards read before the rules (then too few of them
        # seen) or fewer (enough of them seen)
        for candidates, overread in [(2, 2), (1, 4)]:
            with self.subTest(candidates=candidates, overread=overread), \
                    patch.object(duplicate, 'NAME_CANDIDATES', candidates), \
                    patch.object(duplicate, 'OVERREAD', overread):
                self.assertEqual(
                    self.typed(self.anna, name="Ландыш Москва"), [seen.id])

    @with_transaction()
    def test_inactive_never_shown(self):
        "An archived card, or a card's archived phone, is no duplicate"
        pool = Pool()
        ContactMechanism = pool.get('party.contact_mechanism')
        Party = pool.get('party.party')
        self.setup_cards()
        phone, = [m for m in self.romashka.contact_mechanisms
            if m.type == 'phone']
        ContactMechanism.write([phone], {'active': False})
        typed = {'name': "Цветы", 'contact_mechanisms': self.mechanisms(
                ('phone', '+7 916 123-45-67'))}
        self.assertEqual(self.typed(self.anna, **typed), [])
        Party.write([self.romashka], {'active': False})
        self.assertEqual(self.typed(self.anna, inn='7707083893',
                name="ООО «Ромашка»"), [])

    @with_transaction()
    def test_saved_card_shows_its_duplicates(self):
        "A saved card lists the others, not itself"
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_cards()
        with set_company(self.anna.company):
            copy, = Party.create([{
                        'name': "Ромашка", 'responsible': self.anna.employee.id,
                        }])
        result, = call(self.anna, 'party.party', 'read', [copy.id],
            ['duplicates'])
        self.assertEqual(list(result['duplicates']), [self.romashka.id])

    @with_transaction()
    def test_saved_card_hides_what_the_user_may_not_see(self):
        "Read on a saved card, the duplicates are only those the user sees"
        pool = Pool()
        Party = pool.get('party.party')
        User = pool.get('res.user')
        self.setup_cards()
        with set_company(self.anna.company):
            copy, = Party.create([{'name': "Василек",
                        'responsible': self.anna.employee.id,
                        'contact_mechanisms': [('create', [
                                    {'type': 'email',
                                        'value': 'office@vasilek.ru'}])],
                        }])
        for user, expected in [(self.anna, []), (User(0), [self.vasilek.id])]:
            with self.subTest(user=user.login):
                result, = call(user, 'party.party', 'read', [copy.id],
                    ['duplicates'])
                self.assertEqual(list(result['duplicates']), expected)

    @with_transaction()
    def test_not_a_duplicate_remembered_for_everyone(self):
        "A pair said not to be one is not proposed again, to anyone"
        pool = Pool()
        Party = pool.get('party.party')
        NotDuplicate = pool.get('crm.counterparty.not_duplicate')
        self.setup_cards()
        with set_company(self.anna.company):
            copy, = Party.create([{
                        'name': "Ромашка", 'responsible': self.anna.employee.id,
                        }])
        with self.assertRaises(NotDuplicateError):
            call(self.anna, 'party.party', 'not_duplicate',
                [self.romashka.id], context={'duplicate_of': -1})
        call(self.anna, 'party.party', 'not_duplicate', [self.romashka.id],
            context={'duplicate_of': copy.id})
        pair, = NotDuplicate.search([])
        self.assertEqual(pair.create_uid, self.anna)
        self.assertEqual({pair.party, pair.other}, {copy, self.romashka})
        for user in [self.anna, Pool().get('res.user')(0)]:
            with self.subTest(user=user.login):
                result, = call(user, 'party.party', 'read', [copy.id],
                    ['duplicates'])
                self.assertEqual(list(result['duplicates']), [])

    @with_transaction()
    def test_open_duplicate(self):
        "One click opens the duplicate in a card of its own"
        ModelData = Pool().get('ir.model.data')
        self.setup_cards()
        self.assertEqual(call(self.anna, 'party.party', 'open_duplicate',
                [self.romashka.id]),
            ModelData.get_id('crm_counterparty', 'act_duplicate_open'))
