# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The rules of the client list that need no database."""
import datetime as dt
import re
import unittest

from trytond.modules.crm_counterparty import relative_date, search_box
from trytond.modules.crm_counterparty.relative_date import (
    FormulaError, OutOfRange)

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


    def test_out_of_range(self):
        "A formula past the years 1 and 9999 says so, with no Python error"
        for text in ['today - 99999999d', '31.12.9999 + 1d',
                '01.01.0001 - 1d', 'today + 99999999m', 'today + 100000y',
                'today - 3000y', 'today + 99999999999999999999999w',
                'today + %sd' % ('9' * 5000)]:
            with self.subTest(text=text[:40]):
                with self.assertRaises(OutOfRange):
                    relative_date.evaluate(text, TODAY)


class SearchBoxTestCase(unittest.TestCase):
    "Test what the search box looks for"

    def test_phone_typed_any_way(self):
        "A typed phone searches by its digits"
        for typed, expected in [
                ('8 916 123-45-67', '%89161234567%'),
                ('+7(916)1234567', '%79161234567%'),
                ('%1234567%', '%1234567%'),
                ('123-45', '%12345%'),
                ('Ромашка', '%ромашка%'),
                ('ООО «Ромашка» 2', '%ооо «ромашка» 2%'),
                ('1-2', '%1-2%'),
                ('', '%'),
                ]:
            with self.subTest(typed=typed):
                self.assertEqual(search_box.pattern(typed), expected)

    def test_selective(self):
        "A word may match many; a longer text, a phone or an INN few"
        for typed, selective in [
                ('%ветер%', False), ('Ромашка', True), ('916 12', True),
                ('7707083893', True), ('', False), ('%ООО «%', False)]:
            with self.subTest(typed=typed):
                self.assertEqual(search_box.is_selective(typed), selective)

    def test_phone_digits(self):
        "A Russian number is found from +7 and from 8"
        self.assertEqual(
            search_box.phone_digits('+79161234567'),
            ['+79161234567', '89161234567'])
        self.assertEqual(
            search_box.phone_digits('+4930123456'), ['+4930123456'])
        self.assertEqual(search_box.phone_digits(None), [])

    def test_search_text(self):
        "One lower-case text of names, contacts, phones and codes"
        text = search_box.search_text(
            ["ООО «Ромашка»", None, "Иванов Иван"],
            contacts=['8 (916) 123-45-67', 'Info@Romashka.ru'],
            phones=['+79161234567'],
            codes=['7707083893', '7707083893'])
        self.assertEqual(
            text,
            "ооо «ромашка» | иванов иван | 8 (916) 123-45-67 "
            "| info@romashka.ru | +79161234567 | 89161234567 | 7707083893")
        for typed in ['8 916 123-45-67', '+7(916)1234567', '1234567',
                'РОМАШ', 'romashka.ru', '7707083893', 'иван', '+7']:
            with self.subTest(typed=typed):
                self.assertTrue(_like(text, search_box.pattern(typed)))
        self.assertFalse(_like(text, search_box.pattern('+7 495')))


    def test_extension(self):
        "A phone's extension is found in both words it is written with"
        text = search_box.search_text(
            ["Дубрава"], contacts=['8 (495) 765-43-21 доб. 12', 'x12@mail.ru'],
            phones=['+74957654321'])
        self.assertTrue(text.endswith(
                ' | +74957654321 | 84957654321 | доб. 12 ext. 12'), text)
        for typed in ['доб.', 'ext', 'доб.12', 'ext12', '4957654321 x12',
                '+7 (495) 765-43-21 доб. 12']:
            with self.subTest(typed=typed):
                self.assertTrue(_like(text, search_box.pattern(typed)))
        self.assertFalse(_like(text, search_box.pattern('доб. 13')))
        # A name of letters and digits is no extension
        self.assertEqual(search_box.pattern('X5'), '%x5%')

    def test_phone_runs(self):
        "The words of one phone split by the web client are one again"
        for words, runs in [
                (['%+7%', '%916%', '%123-45-67%'],
                    [(0, 3, '+7 916 123-45-67')]),
                (['%ромашка%', '%+7%', '%916%', '%123%', '%45%', '%67%'],
                    [(1, 6, '+7 916 123 45 67')]),
                (['%8%', '%495%', '%765-43-21%', '%доб.%', '%12%'],
                    [(0, 5, '8 495 765-43-21 доб. 12')]),
                # Too few digits for a phone: each word on its own
                (['%ооо%', '%2%', '%3%'], []),
                (['%916%', '%12%'], []),
                # A name beginning with a letter is no extension
                (['%x5%', '%7707083893%'], []),
                (['%+7%', None, '%916%', '%1234567%'],
                    [(2, 4, '916 1234567')]),
                ]:
            with self.subTest(words=words):
                self.assertEqual(search_box.phone_runs(words), runs)


def _like(text, pattern):
    "SQL LIKE with % wildcards only"
    return re.fullmatch(
        '.*'.join(re.escape(p) for p in pattern.split('%')), text,
        re.DOTALL) is not None
