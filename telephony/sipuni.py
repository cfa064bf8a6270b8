# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Sipuni (События на АТС, HTTP): it sends a form per event of a call,
event 1 its start, 3 its answer, 2 its end (4, the end of one of its
legs, is left: 2 follows), with call_id, src_num/src_type and
dst_num/dst_type (type 1 an outside number, 2 an extension), timestamp,
status (ANSWER, BUSY, NOANSWER, CANCEL …) and call_record_link.  Sipuni
signs nothing: its connector's secret is a token in the address it is
given (…/crm/telephony/<connector>?token=<secret>).  Click-to-call is its
API's callback/call_number, a form of the account's number (user), the
extension (sipnumber), the number (phone), reverse and antiaon, with hash,
the hex MD5 of those values in the order of their names and the API's own
key, joined by '+'."""
import hashlib

from . import (
    ANSWERED, ANSWERED_RESULT, ENDED, INCOMING, MISSED_RESULT, OUTGOING,
    RINGING, ApiRequest, CallEvent, Refused, answered, same, seconds, utc)

API_URL = 'https://sipuni.com/api/'
_CALLBACK = 'callback/call_number'
# The fields of a call-back in the order its hash takes them
_CALLBACK_SIGNED = ('antiaon', 'phone', 'reverse', 'sipnumber', 'user')

TOKEN = 'token'
_KINDS = {'1': RINGING, '3': ANSWERED, '2': ENDED}
_EXTENSION_TYPE = '2'


def verify(secret, delivery):
    return same(secret, delivery.form.get(TOKEN))


def events(delivery):
    form = delivery.form
    kind = _KINDS.get(form.get('event'))
    if kind is None:
        return []
    try:
        outgoing = form['src_type'] == _EXTENSION_TYPE
        number, extension = (form['dst_num'], form['src_num']) if outgoing \
            else (form['src_num'], form['dst_num'])
        if not outgoing and form.get('dst_type') != _EXTENSION_TYPE:
            extension = ''
        sent = utc(form['timestamp'])
        return [CallEvent(
                event_id='%s:%s:%s:%s' % (
                    form['event'], form['call_id'], form['timestamp'],
                    extension),
                call_id=form['call_id'], kind=kind,
                direction=OUTGOING if outgoing else INCOMING,
                number=number, extension=extension,
                start=(utc(form['call_start_timestamp'])
                    if form.get('call_start_timestamp') else None),
                duration=_talk(form, kind, sent),
                result=_result(form, kind),
                recording=form.get('call_record_link', ''),
                sent=sent)]
    except (ValueError, KeyError) as exception:
        raise Refused('malformed') from exception


def _result(form, kind):
    if kind == ENDED:
        return (ANSWERED_RESULT if form.get('status') == 'ANSWER'
            else MISSED_RESULT)


def _talk(form, kind, sent):
    "How long they talked: from the answer to the end"
    if kind == ENDED and form.get('call_answer_timestamp'):
        return sent - utc(form['call_answer_timestamp'])
    if kind == ENDED:
        return seconds(0)


def sign(key, data):
    "The hash of a call-back's fields data, with the API's key"
    return hashlib.md5('+'.join(
            [data[n] for n in _CALLBACK_SIGNED] + [key]).encode('utf-8')
        ).hexdigest()


def callback_request(api_key, secret, extension, number, command_id):
    """Ring extension, then dial number (digits, country code first);
    api_key is the account's number, secret the API's key"""
    data = {
        # 0: the extension first, then the number; the caller's own id shown
        'antiaon': '0', 'reverse': '0',
        'phone': number, 'sipnumber': extension, 'user': api_key,
        }
    return ApiRequest(_CALLBACK, dict(data, hash=sign(secret, data)))


def callback_result(body):
    answer, success = answered(body, 'success')
    if success is not True:
        raise Refused(answer.get('message') or 'refused')
