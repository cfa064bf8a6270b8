# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Asterisk's Manager Interface (AMI) events as call events: DialBegin
rings an extension, Cdr (cdr_manager) tells how the call ended.  Asterisk
does not say which side is outside: a side that is one of the connector's
extensions is the employee's."""
import datetime as dt

from . import (
    ANSWERED_RESULT, ENDED, INCOMING, MISSED_RESULT, OUTGOING, RINGING,
    CallEvent, Refused, seconds)

_TIME_FORMAT = '%Y-%m-%d %H:%M:%S'


def events(message, extensions):
    """The call events of the AMI message (a mapping of its fields), the
    extensions the connector knows"""
    kind = message.get('Event')
    try:
        if kind == 'DialBegin':
            return [_dial(message, extensions)]
        if kind == 'Cdr':
            return [_cdr(message, extensions)]
    except (KeyError, ValueError) as exception:
        raise Refused('malformed') from exception
    return []


def _sides(source, destination, extensions):
    "(direction, number, extension) of a call from source to destination"
    if source in extensions:
        return OUTGOING, destination, source
    return INCOMING, source, destination


def _dial(message, extensions):
    direction, number, extension = _sides(
        message['CallerIDNum'], message['DestCallerIDNum'], extensions)
    return CallEvent(
        event_id='DialBegin:%s' % message['DestUniqueid'],
        call_id=message['Linkedid'], kind=RINGING, direction=direction,
        number=number, extension=extension)


def _cdr(message, extensions):
    direction, number, extension = _sides(
        message['Source'], message['Destination'], extensions)
    answered = message['Disposition'] == 'ANSWERED'
    return CallEvent(
        event_id='Cdr:%s' % message['UniqueID'],
        call_id=message.get('LinkedID') or message['UniqueID'],
        kind=ENDED, direction=direction, number=number, extension=extension,
        start=dt.datetime.strptime(message['StartTime'], _TIME_FORMAT),
        duration=seconds(message.get('BillableSeconds') or 0),
        result=ANSWERED_RESULT if answered else MISSED_RESULT)


def originate(channel, context, extension, number):
    """The Originate action that rings the employee's extension and then
    dials number from context; channel names the extension's device
    ("PJSIP/{extension}")"""
    return {
        'Action': 'Originate',
        'Channel': channel.format(extension=extension),
        'Context': context,
        'Exten': number,
        'Priority': '1',
        'CallerID': number,
        'Async': 'true',
        }
