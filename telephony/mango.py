# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Mango Office (API ВАТС): it posts a form of vpbx_api_key, json and sign
to <address>/events/call for each state of a call and to
<address>/events/summary once it is over; sign is the hex SHA-256 of
vpbx_api_key + json + the API salt, which is the connector's secret.
Click-to-call is its commands/callback, signed the same way."""
import hashlib
import json

from . import (
    ANSWERED, ANSWERED_RESULT, ENDED, INCOMING, MISSED_RESULT, OUTGOING,
    RINGING, ApiRequest, CallEvent, Refused, answered, same, seconds, utc)

API_URL = 'https://app.mango-office.ru/vpbx/'
# What Mango answers a command it accepted
_ACCEPTED = 1000

_STATES = {
    'Appeared': RINGING,
    'Connected': ANSWERED,
    }
_OUTGOING_DIRECTION = 2


def sign(secret, api_key, data):
    "The sign of the json data sent with api_key"
    return hashlib.sha256(
        (api_key + data + secret).encode('utf-8')).hexdigest()


def verify(secret, delivery):
    form = delivery.form
    return same(sign(secret, form.get('vpbx_api_key', ''),
            form.get('json', '')), form.get('sign'))


def events(delivery):
    try:
        data = json.loads(delivery.form['json'])
        if delivery.path.endswith('events/call'):
            return _call(data)
        if delivery.path.endswith('events/summary'):
            return [_summary(data)]
    except (ValueError, KeyError, TypeError) as exception:
        raise Refused('malformed') from exception
    # Recordings, DTMF, SMS … are not calls' states
    return []


def _parties(data, outgoing):
    "(number, extension) of a call: its counterparty's and its employee's"
    ours, theirs = (data['from'], data['to']) if outgoing else (
        data['to'], data['from'])
    return str(theirs.get('number') or ''), str(ours.get('extension') or '')


def _call(data):
    kind = _STATES.get(data['call_state'])
    if kind is None:
        # Disconnected: the summary tells how it ended
        return []
    outgoing = bool(data['from'].get('extension'))
    number, extension = _parties(data, outgoing)
    return [CallEvent(
            event_id='call:%s:%s' % (data['entry_id'], data['seq']),
            call_id=str(data['entry_id']), kind=kind,
            direction=OUTGOING if outgoing else INCOMING,
            number=number, extension=extension,
            sent=utc(data['timestamp']))]


def _summary(data):
    outgoing = int(data['call_direction']) == _OUTGOING_DIRECTION
    number, extension = _parties(data, outgoing)
    talk, end = int(data.get('talk_time') or 0), int(data['end_time'])
    return CallEvent(
        event_id='summary:%s' % data['entry_id'],
        call_id=str(data['entry_id']), kind=ENDED,
        direction=OUTGOING if outgoing else INCOMING,
        number=number, extension=extension,
        start=utc(data['create_time']),
        duration=seconds(end - talk if talk else 0),
        result=(ANSWERED_RESULT if int(data['entry_result'])
            else MISSED_RESULT),
        sent=utc(end))


def callback_request(api_key, secret, extension, number, command_id):
    "Ring extension, then dial number (digits, country code first)"
    data = json.dumps({
            'command_id': command_id,
            'from': {'extension': extension},
            'to_number': number,
            })
    return ApiRequest('commands/callback', {
            'vpbx_api_key': api_key, 'json': data,
            'sign': sign(secret, api_key, data)})


def callback_result(body):
    _, result = answered(body, 'result')
    if result != _ACCEPTED:
        raise Refused('result %s' % result)
