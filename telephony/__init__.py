# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The calls of IP telephony, whichever provider reports them.

A provider posts its own shape of call events to the connector's webhook
(routes.py); its module here (mango, zadarma, sipuni, generic) is two pure
functions: verify(secret, delivery), whether the delivery is signed with the
connector's secret, and events(delivery), the CallEvents it reports; those
whose API rings an employee's extension then dials a number (click-to-call)
also give callback_request(...), the ApiRequest of it, and
callback_result(body), which refuses an answer that is not a yes; api.py
sends it.  What a
call does in the CRM (the card looked up, the employee told, the call logged)
is the connector's model, telephony.py, which only reads CallEvents.
"""
import datetime as dt
import hmac
import json
from dataclasses import dataclass, field

# What happened to a call
RINGING, ANSWERED, ENDED, RECORDED = 'ringing', 'answered', 'ended', 'recorded'
INCOMING, OUTGOING = 'incoming', 'outgoing'
ANSWERED_RESULT, MISSED_RESULT = 'answered', 'missed'
# A delivery sent longer ago than this is refused as a replay: the event ids
# kept need not outlive it
WINDOW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Delivery:
    "One request of a provider to the webhook"
    body: bytes
    form: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    # What follows the connector in the address (Mango posts to paths)
    path: str = ''


@dataclass(frozen=True)
class CallEvent:
    "What a provider reports of a call, the same for all"
    event_id: str
    call_id: str
    kind: str
    direction: str = INCOMING
    # The counterparty's number as the provider writes it
    number: str = ''
    extension: str = ''
    # When the call started (UTC), its length and result once ended
    start: dt.datetime | None = None
    duration: dt.timedelta | None = None
    result: str | None = None
    recording: str = ''
    # When the provider sent it (UTC), if its shape says
    sent: dt.datetime | None = None


@dataclass(frozen=True)
class ApiRequest:
    """A request to a provider's API (click-to-call): its path under the
    API's address, its fields and headers"""
    path: str
    data: dict
    headers: dict = field(default_factory=dict)
    method: str = 'POST'


class Refused(Exception):
    "The delivery is not signed, malformed or a replay"


def answered(body, name):
    """The JSON answer of a provider's API and its field name; a body that
    is not such an answer is refused"""
    try:
        answer = json.loads(body)
        return answer, answer[name]
    except (ValueError, KeyError, TypeError) as exception:
        raise Refused('malformed') from exception


def utc(timestamp):
    "The naive UTC datetime of a Unix timestamp, as Tryton stores it"
    return dt.datetime.fromtimestamp(
        int(float(timestamp)), dt.timezone.utc).replace(tzinfo=None)


def seconds(value):
    "A length in seconds as a timedelta, None when not given"
    if value in (None, ''):
        return None
    return dt.timedelta(seconds=int(float(value)))


def same(expected, given):
    "Whether a signature given equals the one expected, in constant time"
    return bool(given) and hmac.compare_digest(
        str(expected).encode(), str(given).encode())


def check_window(event, now, window=WINDOW):
    "Refuse an event its provider sent outside the window around now"
    if event.sent is not None and abs(now - event.sent) > window:
        raise Refused('outside the time window')


def providers():
    "The modules of the providers, by the connector's provider"
    from . import generic, mango, sipuni, zadarma
    return {
        'generic': generic,
        'mango': mango,
        'sipuni': sipuni,
        'zadarma': zadarma,
        }
