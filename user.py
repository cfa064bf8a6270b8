# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Logging in: the throttling of wrong passwords.

Tryton counts the wrong passwords of a login wherever they come from, and
after [session] max_attempt of them refuses even the right one for
[session] timeout: anyone who knows a login could lock its owner out.  Here
the attempts are counted per login and source network ([session]
ip_network_4 and ip_network_6 set its size, a single address by default;
behind a reverse proxy [web] num_proxies must be set for the address to be
the client's), so an attacker is slowed and refused from his own address
only; [session] max_attempt_ip_network still refuses a network that tries
too many logins.  An unknown login is checked against a password hash too,
so that the time of a refusal does not tell whether a login exists."""
import functools
import secrets

from sql.aggregate import Count

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


@functools.cache
def dummy_hash():
    "A hash of no one's password, made by the hasher of the passwords"
    return Pool().get('res.user').hash_password(secrets.token_urlsafe())


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def _login_password(cls, login, parameters):
        _, password_hash, _ = cls._get_login(login)
        if not password_hash and 'password' in parameters:
            # A login without a hash costs the time of a wrong password
            cls.check_password(parameters['password'], dummy_hash())
        return super()._login_password(login, parameters)


class LoginAttempt(metaclass=PoolMeta):
    __name__ = 'res.user.login.attempt'

    @classmethod
    def _of(cls, table, login, device_cookie):
        "The condition on the attempts of login from the request's network"
        _, network = Transaction().remote_address()
        return ((table.login == login[:cls.login.size])
            & (table.device_cookie == device_cookie)
            & (table.ip_network == (str(network) if network else None)))

    @classmethod
    def remove(cls, login, device_cookie=None):
        # A success from one network leaves the failures of the others
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        cursor.execute(*table.delete(
                where=cls._of(table, login, device_cookie)))

    @classmethod
    def count(cls, login, device_cookie=None):
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        cursor.execute(*table.select(Count(),
                where=cls._of(table, login, device_cookie)
                & (table.create_date >= cls.delay())))
        return cursor.fetchone()[0]
