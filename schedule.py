# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The rules of a communication's time that need no database: its end and
duration, overlaps, the week it falls in and when its reminder is due."""
import datetime as dt

# The length of a new communication until somebody says otherwise
DEFAULT_DURATION = dt.timedelta(hours=1)
QUARTER = dt.timedelta(minutes=15)
# Times to the minute: seconds mean nothing to a meeting
TIME_FORMAT = '%H:%M'


def on_clock(value, zone):
    "value, naive UTC as stored, on the clock of zone (a tzinfo)"
    return value.replace(tzinfo=dt.timezone.utc).astimezone(zone)


def stored(value, zone):
    "value, naive on the clock of zone (a tzinfo), as stored: naive UTC"
    return value.replace(tzinfo=zone).astimezone(
        dt.timezone.utc).replace(tzinfo=None)


def end_of(start, duration):
    "The end of what begins at start and lasts duration"
    if start is None or duration is None:
        return None
    return start + duration


def next_quarter(value):
    "The first round quarter hour at or after value"
    floor = value.replace(
        minute=value.minute - value.minute % 15, second=0, microsecond=0)
    return floor if floor == value else floor + QUARTER


def planned_start(clicked, now):
    """When a new communication starts, clicked (local, or None) being
    what the calendar gives: a time it keeps (to the next round quarter
    hour), a day (its midnight) the next round quarter hour from now on
    that day, nothing the next one from now"""
    start = next_quarter(now)
    if clicked is None:
        return start
    if clicked.time() == dt.time():
        return dt.datetime.combine(clicked.date(), start.time())
    return next_quarter(clicked)


def to_minute(value):
    "value without its seconds, as the times of communications are kept"
    return value.replace(second=0, microsecond=0)


def duration_of(start, end):
    "How long what runs from start to end lasts"
    if start is None or end is None:
        return None
    return end - start


def overlaps(start, end, other_start, other_end):
    """Whether [start, end) and [other_start, other_end) share a moment;
    a communication without a length (a letter) is an instant."""
    end = max(end or start, start)
    other_end = max(other_end or other_start, other_start)
    if start == end and other_start == other_end:
        return start == other_start
    if start == end:
        return other_start <= start < other_end
    if other_start == other_end:
        return start <= other_start < end
    return start < other_end and other_start < end


def week_of(start):
    "The ISO week of start, as 2026-W05"
    if start is None:
        return None
    year, week, _ = start.isocalendar()
    return f'{year}-W{week:02d}'


def reminder_due(start, delay, now):
    "Whether a reminder delay before start should go out at now"
    return start - delay <= now < start
