# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Logging in with wrong passwords: the lockout is the attacker's address's,
not the login's, and an unknown login is refused as slowly as a known one.

The RPC login (trytond.protocols.dispatcher.login, then security.login)
calls res.user.get_login in a transaction whose context has the request as
_request, its remote_addr the client's address: the tests do the same."""
from unittest.mock import patch

from trytond.exceptions import RateLimitException
from trytond.modules.crm_counterparty.tests.tools import create_user
from trytond.pool import Pool
from trytond.res import user as res_user
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction

PASSWORD = 'Kj8#mq2!Zx-olga'
ATTACKER, OWNER = '203.0.113.7', '198.51.100.20'


def login(name, password, address):
    "Log in as the RPC login does, from address"
    User = Pool().get('res.user')
    with Transaction().set_context(_request={'remote_addr': address}):
        return User.get_login(name, {'password': password})


# The growing delays after wrong passwords run when the transaction ends:
# they are Tryton's, and would only make the test last half a minute
@patch('time.sleep')
class LoginTestCase(_DBTestCase):
    "Test the throttling of wrong passwords"
    module = 'crm_counterparty'

    def setup_olga(self):
        User = Pool().get('res.user')
        olga = create_user('olga')
        User.write([olga], {'password': PASSWORD})
        return olga

    @with_transaction()
    def test_attacker_does_not_lock_the_owner_out(self, sleep):
        "Six wrong passwords from one address lock that address only"
        olga = self.setup_olga()
        for _ in range(6):
            self.assertIsNone(login('olga', 'wrong password', ATTACKER))

        self.assertEqual(login('olga', PASSWORD, OWNER), olga.id)
        with self.assertRaises(RateLimitException):
            login('olga', PASSWORD, ATTACKER)
        # The owner's success did not give the attacker his attempts back
        with self.assertRaises(RateLimitException):
            login('olga', 'another guess', ATTACKER)

    @with_transaction()
    def test_an_unknown_login_is_locked_out_too(self, sleep):
        "Guessing logins from one address is refused as guessing passwords"
        for _ in range(6):
            self.assertIsNone(login('nobody', 'wrong password', ATTACKER))
        with self.assertRaises(RateLimitException):
            login('nobody', 'wrong password', ATTACKER)

    @with_transaction()
    def test_unknown_login_checks_a_hash(self, sleep):
        "An unknown login costs one password check, as a wrong password"
        olga = self.setup_olga()
        hasher = res_user.PASSWORD_HASH
        for name, password, result in [
                ('nobody', 'wrong password', None),
                ('olga', 'wrong password', None),
                ('olga', PASSWORD, olga.id),
                ]:
            with self.subTest(login=name, password=password), \
                    patch.object(hasher, 'verify_and_update',
                        wraps=hasher.verify_and_update) as verify:
                self.assertEqual(login(name, password, OWNER), result)
                self.assertEqual(verify.call_count, 1)
