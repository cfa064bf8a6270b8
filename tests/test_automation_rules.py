# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The pure rules of automation scenarios (automation_rules.py)."""
import datetime as dt
import unittest

from trytond.modules.crm_counterparty import automation_rules as rules


class AutomationRulesTestCase(unittest.TestCase):

    def test_render_escapes_in_markup(self):
        values = {'name': '<b>Ромашка</b> & Co', 'company': None}
        self.assertEqual(
            rules.render("Hello {{ name }}{{company}}!", values),
            "Hello <b>Ромашка</b> & Co!")
        self.assertEqual(
            rules.render("<p>{{name}}</p>", values, markup=True),
            "<p>&lt;b&gt;Ромашка&lt;/b&gt; &amp; Co</p>")

    def test_render_leaves_unknown(self):
        self.assertEqual(rules.render("{{x}} {{name}}", {'name': "A"}),
            "{{x}} A")
        self.assertEqual(rules.unknown("{{x}} {{ name }} {{y}}"), ['x', 'y'])
        self.assertEqual(rules.render(None, {}), '')

    def test_date_due(self):
        today = dt.date(2026, 12, 4)
        self.assertEqual(rules.date_due(today, 3, 'before'),
            dt.date(2026, 12, 7))
        self.assertEqual(rules.date_due(today, 3, 'after'),
            dt.date(2026, 12, 1))
        self.assertEqual(rules.date_due(today, 3, 'on'), today)
        self.assertEqual(rules.date_due(today, None, 'after'), today)

    def test_anniversary_leap_day(self):
        self.assertEqual(rules.anniversary_days(dt.date(2027, 2, 28)),
            [(2, 28), (2, 29)])
        self.assertEqual(rules.anniversary_days(dt.date(2028, 2, 28)),
            [(2, 28)])
        self.assertEqual(rules.anniversary_days(dt.date(2028, 2, 29)),
            [(2, 29)])

    def test_silent_since(self):
        self.assertEqual(rules.silent_since(dt.date(2026, 12, 4), 30),
            dt.date(2026, 11, 4))

    def test_round_robin(self):
        self.assertEqual(rules.round_robin(['a', 'b', 'c'], None), 'a')
        self.assertEqual(rules.round_robin(['a', 'b', 'c'], 'a'), 'b')
        self.assertEqual(rules.round_robin(['a', 'b', 'c'], 'c'), 'a')
        # One removed from the list: start again
        self.assertEqual(rules.round_robin(['a', 'b'], 'z'), 'a')
        self.assertIsNone(rules.round_robin([], 'a'))

    def test_least_loaded(self):
        self.assertEqual(
            rules.least_loaded(['a', 'b', 'c'], {'a': 3, 'b': 1, 'c': 1}),
            'b')
        self.assertEqual(rules.least_loaded(['a', 'b'], {}), 'a')
        self.assertIsNone(rules.least_loaded([], {}))

    def test_spread(self):
        chosen, last = rules.spread(['a', 'b', 'c'], 4, 'b', {},
            'round_robin')
        self.assertEqual((chosen, last), (['c', 'a', 'b', 'c'], 'c'))
        chosen, last = rules.spread(['a', 'b'], 3, None, {'a': 2},
            'least_loaded')
        self.assertEqual(chosen, ['b', 'b', 'a'])

    def test_retry_due(self):
        "Each retry waits one delay more than the one before"
        failed = dt.datetime(2026, 12, 4, 10, 0)
        delay = dt.timedelta(minutes=30)
        for retries, wait in [(0, 30), (1, 60), (2, 90)]:
            now = failed + dt.timedelta(minutes=wait)
            self.assertTrue(rules.retry_due(failed, retries, now, delay))
            self.assertFalse(rules.retry_due(
                    failed, retries, now - dt.timedelta(seconds=1), delay))

    def test_depth(self):
        self.assertTrue(rules.may_act(0))
        self.assertTrue(rules.may_act(None))
        self.assertTrue(rules.may_act(rules.DEPTH_LIMIT - 1))
        self.assertFalse(rules.may_act(rules.DEPTH_LIMIT))

    def test_event_key(self):
        self.assertEqual(rules.event_key('date', 5, dt.date(2026, 1, 2)),
            'date:5:2026-01-02')
        self.assertEqual(rules.event_key('inactive', 5, None),
            'inactive:5:')
        self.assertNotEqual(rules.event_key('created', 5),
            rules.event_key('created', 6))

    def test_typed_value(self):
        self.assertEqual(rules.typed_value('many2one', '12'), 12)
        self.assertIs(rules.typed_value('boolean', 'Да'), True)
        self.assertIs(rules.typed_value('boolean', '0'), False)
        self.assertEqual(rules.typed_value('selection', 'person'), 'person')
        self.assertIsNone(rules.typed_value('char', ''))
