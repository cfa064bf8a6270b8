# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The rules of the client list that need no database."""
import datetime as dt
import unittest

from trytond.modules.crm_counterparty import relative_date
from trytond.modules.crm_counterparty.relative_date import FormulaError

# A Tuesday
TODAY = dt.date(2026, 11, 24)


class RelativeDateTestCase(unittest.TestCase):
    "Test the relative date formulas of filters"

    def test_formulas(self):
        "A base moved by days, weeks, months and years"
        for formula, date in [
                ('today', TODAY),
                ('now', TODAY),
                ('today - 7d', dt.date(2026, 11, 17)),
                ('today-7d', dt.date(2026, 11, 17)),
                ('TODAY + 1 day', dt.date(2026, 11, 25)),
                ('today - 2w + 1d', dt.date(2026, 11, 11)),
                ('today - 1m', dt.date(2026, 10, 24)),
                ('today - 1y', dt.date(2025, 11, 24)),
                ('week', dt.date(2026, 11, 23)),
                ('month', dt.date(2026, 11, 1)),
                ('month - 1m', dt.date(2026, 10, 1)),
                ('year', dt.date(2026, 1, 1)),
                ('2026-01-31 + 1m', dt.date(2026, 2, 28)),
                ('31.01.2026', dt.date(2026, 1, 31)),
                ]:
            with self.subTest(formula=formula):
                self.assertEqual(relative_date.evaluate(formula, TODAY), date)

    def test_russian(self):
        "Formulas written in Russian, with a typographic minus"
        for formula, date in [
                ('сегодня − 30 дней', dt.date(2026, 10, 25)),
                ('сегодня – 1 нед', dt.date(2026, 11, 17)),
                ('месяц - 1 мес.', dt.date(2026, 10, 1)),
                ('год + 2 г', dt.date(2028, 1, 1)),
                ('неделя', dt.date(2026, 11, 23)),
                ]:
            with self.subTest(formula=formula):
                self.assertEqual(relative_date.evaluate(formula, TODAY), date)

    def test_evaluated_on_the_day(self):
        "The same formula gives another date another day"
        self.assertEqual(
            relative_date.evaluate('today - 7d', dt.date(2027, 1, 3)),
            dt.date(2026, 12, 27))
        self.assertEqual(
            relative_date.evaluate('today').year, dt.date.today().year)

    def test_not_formulas(self):
        "Anything else is refused"
        for text in ['', None, 'tomorrow', 'today - 7x', 'today 7d',
                'today -', '2026-13-01', '7d', 'today - d']:
            with self.subTest(text=text):
                with self.assertRaises(FormulaError):
                    relative_date.evaluate(text, TODAY)
