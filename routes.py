# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The module's web routes.

The pages of the guests' portal under /<database>/portal/: what a guest
may reach is decided in guest.py, the session, CSRF and language in
portal/page.py.

The webhook of the telephony connectors: a provider posts (Sipuni may
get) its call events to /<database>/crm/telephony/<connector>, Mango to
paths below it (…/events/call, …/events/summary).

The pages a mailing's recipients and gateways reach: the recipient of a
mailing unsubscribes (the link of the e-mail and its one-click
``List-Unsubscribe-Post``), an SMS gateway reports a delivery, an e-mail's
image counts its opening and its links their clicks.  Each is reached by
the token of one message, whose hash alone is stored; the pages name
nobody."""
import base64
import datetime as dt
import html
import json

from werkzeug.utils import redirect

from trytond.exceptions import RateLimitException, UserError
from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, set_max_request_size, with_pool,
    with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from .channels import sms
from .guest import GUEST_CONTACT_TYPES
from .guest_file import upload_max
from .portal.page import FOLDER, LANGUAGE_COOKIE, LANGUAGES, portal_page
from .telephony import Delivery, Refused
from .token_rules import PURPOSES

ROOT = '/<database_name>/portal/'
# What a form of an upload carries besides its file
FORM_SIZE = 64 * 1024
# The model of each kind of record a guest opens
KINDS = {
    'communication': 'crm.communication',
    'task': 'project.work',
    }


@app.route(ROOT + 'portal.css', methods=['GET'])
def stylesheet(request, database_name):
    return Response(
        (FOLDER / 'portal.css').read_bytes(), content_type='text/css')


@app.route(ROOT + 'lang/<code>', methods=['GET'])
@portal_page(login=False)
def language(request, page, code):
    if code not in LANGUAGES:
        abort(HTTPStatus.NOT_FOUND)
    page.cookies[LANGUAGE_COOKIE] = (code, None)
    return page.redirect()


@app.route(ROOT + 'login', methods=['GET', 'POST'])
@portal_page(login=False)
def login(request, page):
    WebUser = page.pool.get('web.user')
    if request.method == 'GET':
        return page.render('login.html', error=None)
    try:
        user = WebUser.authenticate(
            request.form.get('email', ''), request.form.get('password', ''))
    except RateLimitException:
        return page.render('login.html', status=HTTPStatus.TOO_MANY_REQUESTS,
            error=page.text('login_throttled'))
    if user and user.may_log_in:
        page.log_in(user)
        return page.redirect()
    return page.render('login.html', status=HTTPStatus.UNAUTHORIZED,
        error=page.text('login_failed'))


@app.route(ROOT + 'logout', methods=['POST'])
@portal_page(login=False)
def logout(request, page):
    page.log_out()
    return page.redirect('login')


@app.route(ROOT + 'password/<purpose>', methods=['GET', 'POST'])
@portal_page(login=False)
def password(request, page, purpose):
    "Set a password with the token of an invitation or a reset"
    pool = page.pool
    Token = pool.get('crm.portal.token')
    User = pool.get('res.user')
    WebUser = pool.get('web.user')
    secret = request.args.get('token', '')
    if purpose not in PURPOSES or not Token.find(secret, purpose):
        return page.render('message.html', status=HTTPStatus.NOT_FOUND,
            message=page.text('token_invalid'))
    error = None
    if request.method == 'POST':
        new = request.form.get('password', '')
        try:
            if new != request.form.get('confirm'):
                raise UserError(page.text('password_mismatch'))
            User.validate_password(new, [])
        except UserError as e:
            error = e.message
        else:
            user = Token.redeem(secret, purpose)
            if user and user.may_log_in:
                WebUser.write([user], {'password': new})
                page.log_in(user)
                return page.redirect()
            error = page.text('token_invalid')
    return page.render('password.html', error=error)


@app.route(ROOT + 'reset', methods=['GET', 'POST'])
@portal_page(login=False)
def reset(request, page):
    "Ask for a link to set a new password, told the same whoever asks"
    WebUser = page.pool.get('web.user')
    if request.method == 'GET':
        return page.render('reset.html', sent=False, error=None)
    try:
        WebUser.request_reset(request.form.get('email', ''))
    except RateLimitException:
        return page.render('reset.html', status=HTTPStatus.TOO_MANY_REQUESTS,
            sent=False, error=page.text('reset_throttled'))
    return page.render('reset.html', sent=True, error=None)


@app.route(ROOT, methods=['GET'])
@portal_page()
def home(request, page):
    guest = page.guest
    return page.render('home.html',
        communications=guest.guest_communications(),
        tasks=guest.guest_tasks())


@app.route(ROOT + 'company', methods=['GET'])
@portal_page()
def company(request, page):
    "The card of the guest's company, the fields shown to guests"
    card = page.guest.company_card()
    if card is None:
        abort(HTTPStatus.NOT_FOUND)
    return page.render('company.html',
        company=page.guest.party.employer, card=card)


@app.route(ROOT + 'deals', methods=['GET'])
@portal_page()
def deals(request, page):
    "The deals of the guest's company and his own (guest_deal.py)"
    if not page.guest.sees_deals():
        abort(HTTPStatus.NOT_FOUND)
    return page.render('deals.html', deals=page.guest.guest_deals())


def _guest_record(page, kind, record_id):
    "The record of kind record_id when the guest sees it, else 404"
    found = (page.guest.guest_record(KINDS[kind], record_id)
        if kind in KINDS else None)
    if not found:
        abort(HTTPStatus.NOT_FOUND)
    return found


def _chat(page, record):
    """The chat of record the page shows: its latest public messages, or
    those before the message the request names (?before=<id>)"""
    before = page.request.args.get('before', type=int)
    messages, earlier = page.guest.public_messages(record, before)
    return {'messages': messages, 'earlier': earlier, 'before': before}


def _record_page(page, kind, record, status=HTTPStatus.OK, error=None):
    return page.render(kind + '.html', status=status, record=record,
        comments=_chat(page, record), files=page.guest.guest_files(record),
        error=error)


@app.route(ROOT + '<kind>/<int:record_id>', methods=['GET', 'POST'])
@portal_page()
def record(request, page, kind, record_id):
    "A communication or a task of the guest, its public chat and a comment"
    found = _guest_record(page, kind, record_id)
    if request.method == 'POST':
        content = request.form.get('content', '').strip()
        if content:
            page.guest.comment(found, content)
        return page.redirect('%s/%s' % (kind, record_id))
    return _record_page(page, kind, found)


@app.route(ROOT + '<kind>/<int:record_id>/files', methods=['POST'])
# The file is read whole: the request may be as large as the file allowed
@set_max_request_size(upload_max() + FORM_SIZE)
@portal_page()
def upload(request, page, kind, record_id):
    "A file of the guest attached to a record of his"
    found = _guest_record(page, kind, record_id)
    name, data = '', b''
    if sent := request.files.get('file'):
        name, data = sent.filename, sent.read(upload_max() + 1)
        sent.close()
    try:
        page.guest.upload(found, name, data)
    except UserError as e:
        return _record_page(page, kind, found,
            status=HTTPStatus.BAD_REQUEST, error=e.message)
    return page.redirect('%s/%s' % (kind, record_id))


@app.route(ROOT + '<kind>/<int:record_id>/files/<int:file_id>',
    methods=['GET'])
@portal_page()
def download(request, page, kind, record_id, file_id):
    "A file of a record of the guest, to be saved, never shown in place"
    found = _guest_record(page, kind, record_id)
    attachment = page.guest.guest_file(found, file_id)
    if not attachment:
        abort(HTTPStatus.NOT_FOUND)
    response = Response(attachment.data,
        content_type='application/octet-stream')
    response.headers.set(
        'Content-Disposition', 'attachment', filename=attachment.name)
    return response


@app.route(ROOT + 'messages', methods=['GET', 'POST'])
@portal_page()
def messages(request, page):
    "The guest's talk with his managers, in the chat of his card"
    guest = page.guest
    if request.method == 'POST':
        content = request.form.get('content', '').strip()
        if content:
            guest.write_to_managers(content)
        return page.redirect('messages')
    return page.render('messages.html', comments=_chat(page, guest.party))


@app.route(ROOT + 'propose', methods=['GET', 'POST'])
@portal_page()
def propose(request, page):
    "Propose a meeting or a call to the manager"
    Category = page.pool.get('crm.communication.category')
    categories = Category.search([])
    error = None
    if request.method == 'POST':
        form = request.form
        try:
            start = dt.datetime.strptime(
                form.get('start', ''), '%Y-%m-%dT%H:%M')
        except ValueError:
            start = None
        category = next(
            (c for c in categories if str(c.id) == form.get('category')),
            None)
        subject = form.get('subject', '').strip()
        if not subject or not start:
            error = page.text('propose_incomplete')
        else:
            try:
                communication = page.guest.propose(
                    subject, start, category, form.get('note') or None)
            except UserError as e:
                Transaction().rollback()
                error = e.message
            else:
                return page.redirect('communication/%s' % communication.id)
    return page.render('propose.html', categories=categories, error=error)


@app.route(ROOT + 'contact', methods=['GET', 'POST'])
@portal_page()
def contact(request, page):
    "The guest's own phone, e-mail and messengers, validated as on his card"
    guest = page.guest
    error = saved = None
    if request.method == 'POST':
        try:
            guest.update_contact({t: request.form.get(t, '').strip()
                    for t in GUEST_CONTACT_TYPES})
        except UserError as e:
            # Nothing of the form is kept when a part of it is refused
            Transaction().rollback()
            error = e.message
        else:
            saved = page.text('contact_saved')
    guest = guest.__class__(guest.id)
    ContactMechanism = page.pool.get('party.contact_mechanism')
    labels = dict(ContactMechanism.fields_get(['type'])['type']['selection'])
    return page.render('contact.html', values=guest.contact_values(),
        labels=labels, error=error, saved=saved)


@app.route('/<database_name>/crm/telephony/<int:connector>',
    methods=['GET', 'POST'])
@app.route('/<database_name>/crm/telephony/<int:connector>/<path:path>',
    methods=['POST'])
@with_pool
@with_transaction(readonly=False)
def telephony_webhook(request, pool, connector, path=''):
    Connector = pool.get('crm.telephony.connector')
    connectors = Connector.search([('id', '=', connector)])
    if not connectors:
        abort(HTTPStatus.NOT_FOUND)
    connector, = connectors
    delivery = Delivery(
        body=request.get_data(),
        form={**request.args.to_dict(), **request.form.to_dict()},
        headers=request.headers, path=path)
    try:
        count = connector.receive(delivery)
    except Refused:
        abort(HTTPStatus.FORBIDDEN)
    # Sipuni stops sending to an address that does not answer so
    return Response(json.dumps({'success': True, 'events': count}),
        content_type='application/json')


PAGE = ('<!DOCTYPE html><html><head><meta charset="utf-8">'
    '<title>{text}</title></head><body><p>{text}</p>{form}</body></html>')


def _page(message_id, form=''):
    text = html.escape(gettext('crm_counterparty.' + message_id))
    return Response(PAGE.format(text=text, form=form),
        content_type='text/html; charset=utf-8')


@app.route('/<base64:database_name>/crm_counterparty/unsubscribe/<token>',
    methods={'GET', 'POST'})
@with_pool
@with_transaction()
def unsubscribe(request, pool, token):
    "GET asks to confirm (a link checker must not unsubscribe), POST does"
    Result = pool.get('crm.counterparty.mailing.result')
    ContactMechanism = pool.get('party.contact_mechanism')
    language = request.accept_languages.best_match(['ru', 'en']) or 'ru'
    with Transaction().set_context(language=language):
        result = Result.by_token(token)
        if not result:
            abort(HTTPStatus.NOT_FOUND)
        if request.method == 'GET':
            button = html.escape(gettext(
                    'crm_counterparty.msg_mailing_unsubscribe_button'))
            return _page('msg_mailing_unsubscribe_confirm',
                '<form method="post"><button type="submit">'
                f'{button}</button></form>')
        ContactMechanism.unsubscribe(result.channel, result.address)
        return _page('msg_mailing_unsubscribed')


@app.route('/<base64:database_name>/crm_counterparty/delivery',
    methods={'GET', 'POST'})
@with_pool
@with_transaction(readonly=False)
def delivery(request, pool):
    "The gateway's report of the delivery of one SMS (Kannel's dlr-url)"
    Result = pool.get('crm.counterparty.mailing.result')
    result = Result.by_token(request.args.get('token', ''))
    if not result:
        abort(HTTPStatus.NOT_FOUND)
    try:
        status = int(request.args.get('status', ''))
    except ValueError:
        abort(HTTPStatus.BAD_REQUEST)
    delivered = sms.kannel_delivered(status)
    if delivered is not None:
        result.report(delivered)
    return Response('OK', content_type='text/plain')


# The smallest transparent GIF: what the image of an opened e-mail shows
PIXEL = base64.b64decode(
    'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7')


@app.route('/<base64:database_name>/crm_counterparty/open/<token>.gif',
    methods={'GET'})
@with_pool
@with_transaction(readonly=False)
def opened(request, pool, token):
    "The image of an e-mail: the same whoever asks, counting the opening"
    Result = pool.get('crm.counterparty.mailing.result')
    if result := Result.by_token(token):
        result.track(clicked=False)
    response = Response(PIXEL, content_type='image/gif')
    response.headers['Cache-Control'] = 'no-store'
    return response


@app.route(
    '/<base64:database_name>/crm_counterparty/click/<token>/<int:number>',
    methods={'GET'})
@with_pool
@with_transaction(readonly=False)
def clicked(request, pool, token, number):
    """A link of an e-mail: counted, then followed; only to a link of the
    mailing, never to an address the request names"""
    Result = pool.get('crm.counterparty.mailing.result')
    result = Result.by_token(token)
    url = result.link(number) if result else None
    if not url:
        abort(HTTPStatus.NOT_FOUND)
    result.track(clicked=True)
    return redirect(url, code=HTTPStatus.FOUND)
