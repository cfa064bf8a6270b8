# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""One request to the portal: who asks, in which language, the CSRF check,
the response's cookies and headers."""
import datetime as dt
import hashlib
import hmac
import secrets
from functools import wraps
from pathlib import Path

from genshi.template import TemplateLoader

import trytond.config as config
from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, redirect, with_pool, with_transaction)
from trytond.transaction import Transaction

from ..journal import shown_value

SESSION_COOKIE = 'crm_portal'
CSRF_COOKIE = 'crm_portal_csrf'
LANGUAGE_COOKIE = 'crm_portal_lang'
CSRF_FIELD = 'csrf'
LANGUAGES = ('ru', 'en')
DEFAULT_LANGUAGE = 'ru'
FOLDER = Path(__file__).parent
TEMPLATES = TemplateLoader(str(FOLDER / 'templates'), auto_reload=False)
HEADERS = {
    'Content-Security-Policy': (
        "default-src 'self'; form-action 'self'; frame-ancestors 'none'"),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    # The links of the e-mails carry their token in the address; within
    # the site the browser must name the origin of a form (trytond refuses
    # a POST of origin "null")
    'Referrer-Policy': 'same-origin',
    'Cache-Control': 'no-store',
    }


def https():
    "Whether the portal is served over HTTPS: its cookies are then Secure"
    return config.getboolean('web', 'portal_https', default=False)


def _now():
    # Tryton stores UTC without a zone
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Page:
    "What a page of the portal knows of its request"

    def __init__(self, request, pool):
        self.request = request
        self.pool = pool
        self.database = Transaction().database.name
        self.cookies = {}
        self.guest, self.session = self._guest()
        self.language = self._language()
        self.csrf_secret = self.session or request.cookies.get(CSRF_COOKIE)
        if not self.csrf_secret:
            self.csrf_secret = secrets.token_urlsafe(32)
            self.cookies[CSRF_COOKIE] = (self.csrf_secret, None)

    def _guest(self):
        "The guest of the session cookie and its key, when he may be in"
        WebUser = self.pool.get('web.user')
        key = self.request.cookies.get(SESSION_COOKIE)
        if key:
            user = WebUser.get_user(key)
            if user and user.may_log_in:
                return user, key
        return None, None

    def _language(self):
        chosen = self.request.cookies.get(LANGUAGE_COOKIE)
        if chosen in LANGUAGES:
            return chosen
        party = self.guest.party if self.guest else None
        if party and party.lang and party.lang.code[:2] in LANGUAGES:
            return party.lang.code[:2]
        return (self.request.accept_languages.best_match(LANGUAGES)
            or DEFAULT_LANGUAGE)

    @property
    def csrf_token(self):
        "The token of this visitor's forms, derived from his secret"
        return hashlib.sha256(
            ('csrf:' + self.csrf_secret).encode('utf-8')).hexdigest()

    def csrf_valid(self):
        given = self.request.form.get(CSRF_FIELD, '')
        return hmac.compare_digest(given.encode('utf-8'),
            self.csrf_token.encode('utf-8'))

    def text(self, key, **values):
        "The portal's text of key in the page's language"
        return gettext('crm_counterparty.msg_portal_' + key, **values)

    @staticmethod
    def field_text(record, name):
        "The value of record's field name as the web client shows it"
        return shown_value(record.__class__, name, getattr(record, name))

    def amount(self, value, currency):
        "value in currency, written in the page's language"
        return self.pool.get('ir.lang').get().currency(
            value, currency, grouping=True)

    def quantity(self, value, unit):
        "value in unit with its symbol, written in the page's language"
        number = self.pool.get('ir.lang').get().format_number(
            value, unit.digits if unit else None)
        return '%s %s' % (number, unit.symbol) if unit else number

    def url(self, path=''):
        return '/%s/portal/%s' % (self.database, path)

    def redirect(self, path=''):
        return redirect(self.url(path), code=HTTPStatus.SEE_OTHER)

    def render(self, template, status=HTTPStatus.OK, **values):
        stream = TEMPLATES.load(template).generate(
            _=self.text, page=self, **values)
        return Response(
            stream.render('html', doctype='html5', encoding='utf-8'),
            status=status, content_type='text/html; charset=utf-8')

    def log_in(self, user):
        "Open a session of user, a new key (what came before is forgotten)"
        WebUser = self.pool.get('web.user')
        self.guest, self.session = user, user.new_session()
        self.csrf_secret = self.session
        self.cookies[SESSION_COOKIE] = (self.session, None)
        values = {'guest_last_login': _now()}
        if user.guest_state == 'invited':
            values['guest_state'] = 'active'
        WebUser.write([user], values)

    def log_out(self):
        Session = self.pool.get('web.user.session')
        if self.session:
            Session.remove(self.session)
        self.guest = self.session = None
        self.cookies[SESSION_COOKIE] = ('', 0)

    def finish(self, response):
        "Set the page's cookies and the portal's headers on response"
        for name, (value, max_age) in self.cookies.items():
            response.set_cookie(
                name, value, max_age=max_age,
                path='/%s/portal' % self.database,
                secure=https(), httponly=True, samesite='Lax')
        response.headers.update(HEADERS)
        return response


def portal_page(login=True):
    """A page of the portal, in a transaction of its own as the system: a
    POST without the visitor's CSRF token is refused, and a page for
    guests sends whoever is not logged in to the login page"""
    def decorator(func):
        @with_pool
        @with_transaction()
        @wraps(func)
        def wrapper(request, pool, **kwargs):
            page = Page(request, pool)
            if request.method == 'POST' and not page.csrf_valid():
                abort(HTTPStatus.FORBIDDEN)
            if login and not page.guest:
                return page.finish(page.redirect('login'))
            with Transaction().set_context(language=page.language):
                response = func(request, page, **kwargs)
            return page.finish(response)
        return wrapper
    return decorator
