# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The generic shape, for a PBX or a proxy one writes oneself: a JSON body

    {"event_id": "…", "call_id": "…",
     "event": "ringing" | "answered" | "ended" | "missed" | "recorded",
     "direction": "incoming" | "outgoing", "number": "+7…",
     "extension": "101", "start": 1767225600, "duration": 65,
     "recording_url": "https://…"}

signed with the headers X-CRM-Timestamp (Unix seconds) and X-CRM-Signature,
the hex HMAC-SHA256 of "<timestamp>.<body>" with the connector's secret."""
import hashlib
import hmac
import json

from . import (
    ANSWERED, ANSWERED_RESULT, ENDED, INCOMING, MISSED_RESULT, RECORDED,
    RINGING, CallEvent, Refused, same, seconds, utc)

TIMESTAMP_HEADER = 'X-CRM-Timestamp'
SIGNATURE_HEADER = 'X-CRM-Signature'
_KINDS = {
    'ringing': (RINGING, None),
    'answered': (ANSWERED, None),
    'ended': (ENDED, ANSWERED_RESULT),
    'missed': (ENDED, MISSED_RESULT),
    'recorded': (RECORDED, None),
    }


def sign(secret, timestamp, body):
    "The signature of body sent at timestamp"
    message = str(timestamp).encode() + b'.' + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret, delivery):
    timestamp = delivery.headers.get(TIMESTAMP_HEADER, '')
    return same(sign(secret, timestamp, delivery.body),
        delivery.headers.get(SIGNATURE_HEADER))


def events(delivery):
    try:
        data = json.loads(delivery.body)
        kind, result = _KINDS[data['event']]
        sent = utc(delivery.headers[TIMESTAMP_HEADER])
        return [CallEvent(
                event_id=str(data['event_id']),
                call_id=str(data['call_id']),
                kind=kind, result=result,
                direction=data.get('direction') or INCOMING,
                number=str(data.get('number') or ''),
                extension=str(data.get('extension') or ''),
                start=utc(data['start']) if data.get('start') else None,
                duration=seconds(data.get('duration')),
                recording=data.get('recording_url') or '',
                sent=sent)]
    except (ValueError, KeyError, TypeError) as exception:
        raise Refused('malformed') from exception
