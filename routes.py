# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The pages the module serves to those outside: the recipient of a
mailing unsubscribes (the link of the e-mail and its one-click
``List-Unsubscribe-Post``), and an SMS gateway reports a delivery.  Each
is reached by the token of one message, whose hash alone is stored; the
pages name nobody."""
import html

from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from .channels import sms

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
