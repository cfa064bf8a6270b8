# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Zadarma (Novofon): it posts a form per event of a call (NOTIFY_START,
NOTIFY_INTERNAL, NOTIFY_ANSWER, NOTIFY_END, NOTIFY_OUT_START,
NOTIFY_OUT_END) with the header Signature, the base64 of the HMAC-SHA1 of
some of its fields with the API secret, the connector's secret.  Its forms
carry no time they were sent: a replay is refused by its event id alone.
call_start is read as UTC."""
import base64
import datetime as dt
import hashlib
import hmac

from . import (
    ANSWERED, ANSWERED_RESULT, ENDED, INCOMING, MISSED_RESULT, OUTGOING,
    RINGING, CallEvent, Refused, same, seconds)

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
