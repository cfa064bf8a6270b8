# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Guest access in the database: giving it to persons, the invitation by
e-mail, the portal's tokens, suspending and revoking."""
import datetime as dt
import re
import unittest

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, create_employee
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction

from trytond.modules.crm_counterparty import token_rules
from trytond.modules.crm_counterparty.exceptions import GuestAccessError
from trytond.modules.crm_counterparty.tests.smtp_server import (
    deliver, smtp_server)

TOKEN = re.compile(r'password/\w+\?token=([\w-]+)')


def link_token(message):
    "The secret of the link in an e-mail of the portal"
    return TOKEN.search(message.get_body().get_content()).group(1)


class TokenRulesTestCase(unittest.TestCase):
    "The pure rules of the portal's tokens"

    def test_secret_and_digest(self):
        "Secrets differ; only a digest of a fixed length is kept"
        first, second = token_rules.new_secret(), token_rules.new_secret()
        self.assertNotEqual(first, second)
        self.assertGreaterEqual(len(first), 40)
        self.assertEqual(len(token_rules.digest(first)), 64)
        self.assertNotIn(first, token_rules.digest(first))
        self.assertEqual(token_rules.digest(first), token_rules.digest(first))

    def test_usable(self):
        "A token serves its own purpose, once, before it expires"
        now = dt.datetime(2030, 1, 1)
        expires = token_rules.expiry('reset', now)
        self.assertEqual(expires, now + dt.timedelta(hours=2))
        self.assertTrue(
            token_rules.usable('reset', expires, None, 'reset', now))
        self.assertFalse(
            token_rules.usable('reset', expires, None, 'invitation', now))
        self.assertFalse(
            token_rules.usable('reset', expires, now, 'reset', now))
        self.assertFalse(
            token_rules.usable('reset', expires, None, 'reset', expires))


class _Guests:
    "A company, a CRM user, a client company with a contact person"
    module = 'crm_counterparty'

    def setUp(self):
        super().setUp()
        self.mailbox = self.enterContext(smtp_server())

    def setup_guests(self):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        crm_user = ModelData.get_id('crm_counterparty', 'group_crm_user')
        self.company = create_company()
        self.marina = create_employee(self.company, "Марина Соколова")
        self.oleg = create_employee(self.company, "Олег Ветров")
        self.marina_user, = User.create([{
                    'name': "Марина", 'login': 'marina',
                    'email': 'marina@example.com',
                    'employees': [('add', [self.marina.id])],
                    'employee': self.marina.id,
                    'companies': [('add', [self.company.id])],
                    'company': self.company.id,
                    'groups': [('add', [crm_user])],
                    }])
        self.client, self.other = Party.create([
                {'name': "ООО «Северный ветер»",
                    'responsible': self.marina.id},
                {'name': "ООО «Южный ветер»", 'responsible': self.oleg.id},
                ])
        self.ivan, self.petr, self.anna = Party.create([
                {'name': "Иванов Иван", 'kind': 'person',
                    'employer': self.client.id,
                    'responsible': self.marina.id,
                    'contact_mechanisms': [('create', [
                                {'type': 'email',
                                    'value': 'ivan@client.example'}])]},
                {'name': "Петров Пётр", 'kind': 'person',
                    'employer': self.client.id,
                    'responsible': self.marina.id},
                {'name': "Анна Южная", 'kind': 'person',
                    'employer': self.other.id,
                    'responsible': self.oleg.id,
                    'contact_mechanisms': [('create', [
                                {'type': 'email',
                                    'value': 'anna@other.example'}])]},
                ])

    def give(self, *parties):
        WebUser = Pool().get('web.user')
        User = Pool().get('res.user')
        with Transaction().set_user(self.marina_user.id), \
                Transaction().set_context(
                    User.get_preferences(context_only=True),
                    _check_access=True):
            return WebUser.give_access(list(parties))

    def deliver(self):
        "Mail leaves when the work is committed: the tests send it now"
        deliver(Transaction())


class GuestTestCase(_Guests, _DBTestCase):
    "Test giving, suspending and revoking guest access"

    @with_transaction()
    def test_give_and_invite(self):
        "A person gets a login linked to her and an invitation to set a password"
        pool = Pool()
        Token = pool.get('crm.portal.token')
        WebUser = pool.get('web.user')
        self.setup_guests()
        guest, = self.give(self.ivan)
        self.assertEqual(guest.party, self.ivan)
        self.assertEqual(guest.email, 'ivan@client.example')
        self.assertEqual(guest.guest_state, 'invited')
        self.assertEqual(guest.guest_granted_by, self.marina_user)
        self.assertTrue(guest.guest_granted_at)
        self.assertEqual(self.ivan.guest_state, 'invited')
        self.assertEqual(self.ivan.guest_granted_by, self.marina_user)
        self.deliver()
        message, = self.mailbox.to('ivan@client.example')
        secret = link_token(message)
        # Stored only as its digest
        token, = Token.search([('web_user', '=', guest.id)])
        self.assertEqual(token.digest, token_rules.digest(secret))
        self.assertNotIn(secret, str(Token.read([token.id], ['digest'])))
        # Given again while invited: no second login, no second mail
        self.give(self.ivan)
        self.assertEqual(WebUser.search([('party', '=', self.ivan.id)]),
            [guest])

    @with_transaction()
    def test_refused(self):
        "Not to a company, nor without e-mail, nor to whom one may not edit"
        pool = Pool()
        Configuration = pool.get('party.configuration')
        WebUser = pool.get('web.user')
        self.setup_guests()
        configuration = Configuration(1)
        configuration.counterparty_editing = 'involved'
        configuration.save()
        with self.assertRaises(GuestAccessError):
            self.give(self.client)
        with self.assertRaises(GuestAccessError):
            self.give(self.petr)
        with self.assertRaises(AccessError):
            self.give(self.anna)
        self.assertEqual(WebUser.search([]), [])

    @with_transaction()
    def test_card_never_touches_back_office_users(self):
        "Giving access and editing the card change no res.user nor group"
        pool = Pool()
        Party = pool.get('party.party')
        User = pool.get('res.user')

        def accounts():
            return [(u.id, u.login, tuple(g.id for g in u.groups))
                for u in User.search([('active', 'in', [True, False])])]
        self.setup_guests()
        before = accounts()
        self.give(self.ivan)
        with Transaction().set_user(self.marina_user.id):
            Party.write([self.ivan], {'name': "admin", 'position': "admin"})
        self.assertEqual(accounts(), before)

    @with_transaction()
    def test_tokens(self):
        "Single-use, of one purpose, expiring; a new one replaces the old"
        pool = Pool()
        Token = pool.get('crm.portal.token')
        self.setup_guests()
        guest, = self.give(self.ivan)
        secret = Token.issue(guest, 'invitation')
        self.assertIsNone(Token.redeem(secret, 'reset'))
        self.assertIsNone(Token.redeem(secret + 'x', 'invitation'))
        self.assertEqual(Token.redeem(secret, 'invitation'), guest)
        self.assertIsNone(Token.redeem(secret, 'invitation'))
        first = Token.issue(guest, 'reset')
        second = Token.issue(guest, 'reset')
        self.assertIsNone(Token.redeem(first, 'reset'))
        later = dt.datetime.utcnow() + dt.timedelta(hours=3)
        self.assertIsNone(Token.redeem(second, 'reset', now=later))
        self.assertEqual(Token.redeem(second, 'reset'), guest)

    @with_transaction()
    def test_suspend_resume_revoke(self):
        "Suspending ends the sessions; revoking ends the login and links"
        pool = Pool()
        Party = pool.get('party.party')
        Session = pool.get('web.user.session')
        Token = pool.get('crm.portal.token')
        User = pool.get('res.user')
        self.setup_guests()
        guest, = self.give(self.ivan)
        guest.password = 'Correct-Horse-42'
        guest.save()
        guest.new_session()
        with Transaction().set_user(self.marina_user.id), \
                Transaction().set_context(
                    User.get_preferences(context_only=True)):
            Party.suspend_guest_access([self.ivan])
            self.assertEqual(Session.search([('user', '=', guest.id)]), [])
            self.assertEqual(Party(self.ivan.id).guest_state, 'suspended')
            self.assertFalse(guest.__class__(guest.id).may_log_in)
            Party.resume_guest_access([self.ivan])
            self.assertTrue(guest.__class__(guest.id).may_log_in)
            guest.new_session()
            Party.revoke_guest_access([self.ivan])
        guest = guest.__class__(guest.id)
        self.assertEqual(guest.guest_state, 'revoked')
        self.assertFalse(guest.active)
        self.assertIsNone(guest.password_hash)
        self.assertEqual(Session.search([('user', '=', guest.id)]), [])
        self.assertEqual(Token.search([
                    ('web_user', '=', guest.id), ('used', '=', None)]), [])
        # Given again: the same login, invited anew
        again, = self.give(self.ivan)
        self.assertEqual(again, guest)
        self.assertEqual(again.guest_state, 'invited')

    @with_transaction()
    def test_guest_login_read_as_its_person(self):
        "A CRM user reads the guest login only of a person he sees"
        pool = Pool()
        Configuration = pool.get('party.configuration')
        User = pool.get('res.user')
        WebUser = pool.get('web.user')
        self.setup_guests()
        configuration = Configuration(1)
        configuration.counterparty_visibility = 'involved'
        configuration.save()
        ivan, anna = WebUser.create([
                {'email': 'ivan@client.example', 'party': self.ivan.id},
                {'email': 'anna@other.example', 'party': self.anna.id},
                ])
        with Transaction().set_user(self.marina_user.id), \
                Transaction().set_context(
                    User.get_preferences(context_only=True),
                    _check_access=True):
            self.assertEqual(WebUser.search([]), [ivan])
            with self.assertRaises(AccessError):
                WebUser.read([anna.id], ['email'])
