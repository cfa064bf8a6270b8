# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Relative date formulas of saved filters, such as "today - 7d" or
"month", evaluated when the filter runs rather than when it is saved.

A formula is a base followed by any number of "+ N unit" or "- N unit":
the base is today, now, week (its Monday), month (its first day), year
(its first day) or a date written 2026-01-31 or 31.01.2026; the units are
days, weeks, months and years, in English or Russian, in full or as one
letter (d, w, m, y; д, н, м, г)."""
import datetime as dt
import re

from dateutil.relativedelta import relativedelta

_BASES = {
    'today': 'today', 'сегодня': 'today',
    'now': 'today', 'сейчас': 'today',
    'week': 'week', 'неделя': 'week',
    'month': 'month', 'месяц': 'month',
    'year': 'year', 'год': 'year',
    }
_UNITS = {}
for _unit, _words in {
        'days': ['d', 'day', 'days', 'д', 'дн', 'день', 'дня', 'дней'],
        'weeks': ['w', 'week', 'weeks', 'н', 'нед', 'неделя', 'недели',
            'недель'],
        'months': ['m', 'month', 'months', 'м', 'мес', 'месяц', 'месяца',
            'месяцев'],
        'years': ['y', 'year', 'years', 'г', 'год', 'года', 'лет'],
        }.items():
    for _word in _words:
        _UNITS[_word] = _unit
_TOKEN = re.compile(r'\s*(?:(?P<sign>[-+−–])\s*(?P<number>\d+)\s*'
    r'(?P<unit>[^\W\d_]+)\.?)')
_BASE = re.compile(
    r'\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}\.\d{4}|[^\W\d_]+')
_DATE_FORMATS = ['%Y-%m-%d', '%d.%m.%Y']


class FormulaError(ValueError):
    "The text is not a date formula"


class OutOfRange(FormulaError):
    "The formula gives a date before the year 1 or after the year 9999"


def _base(word, today):
    kind = _BASES.get(word.lower())
    if kind == 'today':
        return today
    elif kind == 'week':
        return today - dt.timedelta(days=today.weekday())
    elif kind == 'month':
        return today.replace(day=1)
    elif kind == 'year':
        return today.replace(month=1, day=1)
    for format_ in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(word, format_).date()
        except ValueError:
            pass
    raise FormulaError(word)


def evaluate(formula, today=None):
    "Return the date formula means on today (the current date by default)"
    if today is None:
        today = dt.date.today()
    text = (formula or '').strip()
    match = _BASE.match(text)
    if not match:
        raise FormulaError(formula)
    date = _base(match.group(0), today)
    position = match.end()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise FormulaError(formula)
        unit = _UNITS.get(match.group('unit').lower())
        if unit is None:
            raise FormulaError(formula)
        try:
            delta = relativedelta(**{unit: int(match.group('number'))})
            date = (date + delta if match.group('sign') == '+'
                else date - delta)
        except (OverflowError, ValueError) as exception:
            # Python's dates stop at the years 1 and 9999
            raise OutOfRange(formula) from exception
        position = match.end()
    return date

