# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The one kind of token of the guests' portal: invitations and password
resets (the rules are in token_rules.py), and the throttling of the
requests for a reset."""
import datetime as dt

import trytond.config as config
from trytond.exceptions import RateLimitException
from trytond.model import Index, ModelSQL, Unique, fields
from trytond.res.user import LoginAttempt
from trytond.transaction import Transaction

from . import token_rules


def _now():
    # Tryton stores UTC without a zone
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Token(ModelSQL):
    "A secret given to a guest by e-mail, kept as its digest"
    __name__ = 'crm.portal.token'
    __string__ = "Portal Token"

    web_user = fields.Many2One(
        'web.user', "Guest", required=True, ondelete='CASCADE')
    purpose = fields.Selection([
            ('invitation', "Invitation"),
            ('reset', "Password Reset"),
            ], "Purpose", required=True)
    digest = fields.Char("Digest", required=True, strip=False)
    expires = fields.Timestamp("Expires", required=True)
    used = fields.Timestamp("Used")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # Reached only through the portal's own calls, never by RPC
        cls.__rpc__ = {}
        cls._sql_constraints += [
            ('digest_unique', Unique(t, t.digest),
                'crm_counterparty.msg_portal_token_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.digest, Index.Equality(cardinality='high'))))

    @classmethod
    def issue(cls, web_user, purpose, now=None):
        """A new secret of purpose for web_user; his earlier unused ones of
        that purpose stop working"""
        now = now or _now()
        cls.delete(cls.search([
                    ('web_user', '=', web_user.id),
                    ('purpose', '=', purpose),
                    ('used', '=', None),
                    ]))
        secret = token_rules.new_secret()
        cls.create([{
                    'web_user': web_user.id,
                    'purpose': purpose,
                    'digest': token_rules.digest(secret),
                    'expires': token_rules.expiry(purpose, now),
                    }])
        return secret

    @classmethod
    def find(cls, secret, purpose, now=None):
        "The token of secret when it may serve purpose now, else None"
        now = now or _now()
        if not secret:
            return None
        tokens = cls.search([('digest', '=', token_rules.digest(secret))])
        for token in tokens:
            if token_rules.usable(
                    token.purpose, token.expires, token.used, purpose, now):
                return token

    @classmethod
    def redeem(cls, secret, purpose, now=None):
        """The guest of secret, the token spent, when it may serve purpose
        now, else None"""
        now = now or _now()
        token = cls.find(secret, purpose, now)
        if not token:
            return None
        # Spent by an update that only one of two concurrent uses makes
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.used], [now],
                where=(table.id == token.id) & (table.used == None)))  # noqa: E711
        if cursor.rowcount != 1:
            return None
        return token.web_user

    @classmethod
    def revoke(cls, web_users):
        "The unused tokens of web_users stop working"
        cls.delete(cls.search([
                    ('web_user', 'in', [u.id for u in web_users]),
                    ('used', '=', None),
                    ]))


class ResetRequest(LoginAttempt):
    """A request for a password reset link, counted as a wrong password is:
    each one sends an e-mail, which nobody may make the portal send at will"""
    __name__ = 'crm.portal.reset_request'
    __string__ = "Portal Reset Request"
    # LoginAttempt's table is res.user.login.attempt's: this one has its own
    _table = None

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__ = {}

    @classmethod
    def check(cls, email):
        """Count a request for email from the client's network; refused past
        [session] max_attempt for the address or max_attempt_ip_network for
        the network, whoever the address is"""
        if cls.count_ip() > config.getint(
                'session', 'max_attempt_ip_network', default=300):
            raise RateLimitException()
        count = cls.count(email)
        cls.add(email)
        if count >= config.getint('session', 'max_attempt', default=5):
            raise RateLimitException()
