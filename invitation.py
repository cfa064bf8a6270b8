# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The iCalendar (RFC 5546) invitation sent with a communication, so that
it lands in the participants' own calendars."""
import datetime as dt
from zoneinfo import ZoneInfo

import icalendar

PRODID = '-//crm_counterparty//Tryton//EN'


def build_ics(
        uid, sequence, start, end, summary, method='REQUEST',
        description=None, location=None, organizer=None, attendees=(),
        stamp=None, timezone=None):
    """The .ics of one event as bytes.

    start, end and stamp are naive UTC datetimes (as Tryton stores them);
    the event is written on the clock of timezone (a zone name) with its
    definition, in UTC without one;
    organizer and attendees are (name, email) pairs.  method is REQUEST for
    an invitation or its update (with a higher sequence) and CANCEL when
    the event does not take place."""
    assert method in {'REQUEST', 'CANCEL'}, method
    calendar = icalendar.Calendar()
    calendar.add('prodid', PRODID)
    calendar.add('version', '2.0')
    calendar.add('method', method)
    event = icalendar.Event()
    event.add('uid', uid)
    event.add('sequence', sequence)
    event.add('dtstamp', _utc(stamp or dt.datetime.now(dt.timezone.utc)))
    event.add('dtstart', _local(start, timezone))
    event.add('dtend', _local(end or start, timezone))
    event.add('summary', summary)
    if description:
        event.add('description', description)
    if location:
        event.add('location', location)
    event.add('status', 'CANCELLED' if method == 'CANCEL' else 'CONFIRMED')
    if organizer:
        event.add('organizer', _address(*organizer))
    for name, email in attendees:
        attendee = _address(name, email)
        attendee.params['ROLE'] = 'REQ-PARTICIPANT'
        attendee.params['PARTSTAT'] = 'NEEDS-ACTION'
        attendee.params['RSVP'] = 'FALSE'
        event.add('attendee', attendee, encode=0)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _utc(value):
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def _local(value, timezone):
    "value on the clock of timezone, named (UTC is written as such)"
    value = _utc(value)
    if timezone and timezone != 'UTC':
        value = value.astimezone(ZoneInfo(timezone))
    return value


def _address(name, email):
    address = icalendar.vCalAddress(f'mailto:{email}')
    if name:
        address.params['CN'] = icalendar.vText(name)
    return address
