# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The pure rules of automation scenarios (automation.py is their model):
when a date is due, which employee gets the next counterparty, how a
template is filled in, how deep a chain of scenarios may go, when a failed
action is tried again, and the key of an event that makes a scenario act
once only.  No database here."""
import datetime as dt
import html
import re

# A scenario whose action sets off scenarios again stops at this depth
DEPTH_LIMIT = 3
# A failed action (a server away) is tried again this many times, the
# first after this delay, each next one a delay later than the one before
RETRIES = 3
RETRY_DELAY = dt.timedelta(minutes=30)
# The values a template may name: {{name}}, {{ company }} …
NAMES = ('name', 'company', 'responsible', 'date', 'scenario')
_PLACEHOLDER = re.compile(r'\{\{\s*(\w+)\s*\}\}')


def render(text, values, markup=False):
    """text with each known placeholder replaced by its value of values; an
    unknown one stays as written; in markup (HTML) the values are escaped,
    so a counterparty's name is never a tag"""
    def value(match):
        name = match.group(1)
        if name not in NAMES:
            return match.group(0)
        result = str(values.get(name) or '')
        return html.escape(result) if markup else result
    return _PLACEHOLDER.sub(value, text or '')


def unknown(text):
    "The placeholders of text that are not among NAMES, in order"
    return [m.group(1) for m in _PLACEHOLDER.finditer(text or '')
        if m.group(1) not in NAMES]


def date_due(today, days, direction):
    """The value a date field must hold to be due today: N days before it
    (direction 'before') is today + N, N days after it is today - N"""
    days = days or 0
    if direction == 'before':
        return today + dt.timedelta(days=days)
    if direction == 'after':
        return today - dt.timedelta(days=days)
    return today


def anniversary_days(target):
    """The (month, day) pairs a yearly date (a birthday) must hold to fall
    on target: a 29 February falls on the 28th in a common year"""
    days = [(target.month, target.day)]
    if target.month == 2 and target.day == 28:
        try:
            dt.date(target.year, 2, 29)
        except ValueError:
            days.append((2, 29))
    return days


def silent_since(today, days):
    "The last contact before which a counterparty has been silent N days"
    return today - dt.timedelta(days=days or 0)


def round_robin(candidates, last):
    """The candidate after last in candidates' order (the first when last
    is none of them); None when there is no candidate"""
    if not candidates:
        return None
    if last in candidates:
        return candidates[(candidates.index(last) + 1) % len(candidates)]
    return candidates[0]


def least_loaded(candidates, loads):
    """The candidate with the fewest counterparties by loads, the first of
    candidates' order among equals"""
    if not candidates:
        return None
    return min(candidates,
        key=lambda c: (loads.get(c, 0), candidates.index(c)))


def spread(candidates, count, last, loads, method):
    """The candidates given to count counterparties in turn, and the last
    one (for the next run): each next by round robin, or the least loaded
    counting those just given"""
    loads = dict(loads)
    chosen = []
    for _ in range(count):
        if method == 'least_loaded':
            last = least_loaded(candidates, loads)
        else:
            last = round_robin(candidates, last)
        loads[last] = loads.get(last, 0) + 1
        chosen.append(last)
    return chosen, last


def retry_due(last, retries, now, delay=RETRY_DELAY):
    """Whether a run that failed at last, tried again retries times, is to
    be tried again now: each retry waits one delay more than the one
    before"""
    return last + delay * (retries + 1) <= now


def may_act(depth, limit=DEPTH_LIMIT):
    """Whether a scenario set off at depth (0 by a user, n by the action of
    a scenario at n - 1) may still act"""
    return (depth or 0) < limit


def event_key(kind, party_id, *parts):
    """The key of one event of one counterparty: a scenario acts once on a
    key (its run is unique by scenario and key)"""
    return ':'.join([kind, str(party_id)] + [
            '' if p is None else str(p) for p in parts])


def typed_value(ttype, text):
    """The value of a field of type ttype that the text typed in a scenario
    stands for (a record's id for a link, True/False for a box)"""
    if text is None or text == '':
        return None
    if ttype in {'many2one', 'integer'}:
        return int(text)
    if ttype == 'boolean':
        return text.strip().lower() in {'1', 'true', 'yes', 'y', 'да'}
    if ttype in {'float', 'numeric'}:
        return float(text)
    return text
