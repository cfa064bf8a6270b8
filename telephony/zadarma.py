# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Zadarma (Novofon): it posts a form per event of a call (NOTIFY_START,
NOTIFY_INTERNAL, NOTIFY_ANSWER, NOTIFY_END, NOTIFY_OUT_START,
NOTIFY_OUT_END) with the header Signature, the base64 of the HMAC-SHA1 of
some of its fields with the API secret, the connector's secret.  Its forms
carry no time they were sent: a replay is refused by its event id alone.
call_start is read as UTC.  Click-to-call is its API's GET
/v1/request/callback/, authorised by the key and the base64 of the hex
HMAC-SHA1 of the path, the sorted query and the query's MD5."""
import base64
import datetime as dt
import hashlib
import hmac
from urllib.parse import urlencode

from . import (
    ANSWERED, ANSWERED_RESULT, ENDED, INCOMING, MISSED_RESULT, OUTGOING,
    RINGING, ApiRequest, CallEvent, Refused, answered, same, seconds)

API_URL = 'https://api.zadarma.com'
_CALLBACK = '/v1/request/callback/'

SIGNATURE_HEADER = 'Signature'
# The event's kind, direction and the fields its signature is made of
_EVENTS = {
    'NOTIFY_START': (
        RINGING, INCOMING, ('caller_id', 'called_did', 'call_start')),
    'NOTIFY_INTERNAL': (
        RINGING, INCOMING, ('caller_id', 'called_did', 'call_start')),
    'NOTIFY_ANSWER': (
        ANSWERED, INCOMING, ('caller_id', 'destination', 'call_start')),
    'NOTIFY_END': (
        ENDED, INCOMING, ('caller_id', 'called_did', 'call_start')),
    'NOTIFY_OUT_START': (
        RINGING, OUTGOING, ('internal', 'destination', 'call_start')),
    'NOTIFY_OUT_END': (
        ENDED, OUTGOING, ('internal', 'destination', 'call_start')),
    }
_START_FORMAT = '%Y-%m-%d %H:%M:%S'


def sign(secret, form):
    "The signature of the form of an event"
    _, _, names = _EVENTS[form['event']]
    message = ''.join(form.get(n, '') for n in names).encode('utf-8')
    return base64.b64encode(hmac.new(
            secret.encode(), message, hashlib.sha1).digest()).decode()


def verify(secret, delivery):
    if delivery.form.get('event') not in _EVENTS:
        # Recordings and menus are not calls' states: nothing is taken
        return True
    return same(sign(secret, delivery.form),
        delivery.headers.get(SIGNATURE_HEADER))


def events(delivery):
    form = delivery.form
    if form.get('event') not in _EVENTS:
        return []
    kind, direction, _ = _EVENTS[form['event']]
    try:
        number = form['destination'] if direction == OUTGOING else (
            form['caller_id'])
        result = None
        if kind == ENDED:
            result = (ANSWERED_RESULT if form.get('disposition') == 'answered'
                else MISSED_RESULT)
        return [CallEvent(
                event_id='%s:%s:%s' % (
                    form['event'], form['pbx_call_id'],
                    form.get('internal', '')),
                call_id=form['pbx_call_id'], kind=kind, direction=direction,
                number=number, extension=form.get('internal', ''),
                start=dt.datetime.strptime(form['call_start'], _START_FORMAT),
                duration=seconds(form.get('duration')), result=result)]
    except (ValueError, KeyError) as exception:
        raise Refused('malformed') from exception


def authorization(api_key, secret, path, params):
    "The Authorization header of a request of params to the API's path"
    query = urlencode(sorted(params.items()))
    digest = hmac.new(secret.encode(),
        (path + query + hashlib.md5(query.encode()).hexdigest()).encode(),
        hashlib.sha1).hexdigest()
    return '%s:%s' % (api_key, base64.b64encode(digest.encode()).decode())


def callback_request(api_key, secret, extension, number, command_id):
    "Ring extension, then dial number (digits, country code first)"
    # Sent in the order they are signed in
    params = dict(sorted({'from': extension, 'to': number}.items()))
    return ApiRequest(_CALLBACK, params, {
            'Authorization': authorization(
                api_key, secret, _CALLBACK, params)}, method='GET')


def callback_result(body):
    answer, status = answered(body, 'status')
    if status != 'success':
        raise Refused(answer.get('message') or status)
