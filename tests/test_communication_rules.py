# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The rules of communications that need no database: time and .ics."""
import datetime as dt
import unittest

import icalendar

from trytond.modules.crm_counterparty import schedule
from trytond.modules.crm_counterparty.invitation import build_ics

T = dt.datetime(2026, 11, 25, 9, 0)
H = dt.timedelta(hours=1)


class ScheduleTestCase(unittest.TestCase):

    def test_end_and_duration(self):
        self.assertEqual(schedule.end_of(T, H), T + H)
        self.assertEqual(schedule.duration_of(T, T + H), H)
        self.assertEqual(
            schedule.duration_of(T, schedule.end_of(T, 2 * H)), 2 * H)
        self.assertIsNone(schedule.end_of(None, H))
        self.assertIsNone(schedule.end_of(T, None))
        self.assertIsNone(schedule.duration_of(T, None))
        self.assertEqual(
            schedule.to_minute(T.replace(second=41, microsecond=7)), T)

    def test_planned_start(self):
        "A new one starts at the next round quarter hour of the day clicked"
        now = dt.datetime(2026, 12, 3, 11, 40, 41)
        quarter = dt.datetime(2026, 12, 3, 11, 45)
        for clicked, expected in [
                (None, quarter),
                # Today clicked in the month: from now
                (dt.datetime(2026, 12, 3), quarter),
                # Another day: the same round quarter hour on that day
                (dt.datetime(2026, 12, 10), dt.datetime(2026, 12, 10, 11, 45)),
                # A time clicked in the week stays
                (dt.datetime(2026, 12, 10, 14), dt.datetime(2026, 12, 10, 14)),
                (now, quarter),
                ]:
            with self.subTest(clicked=clicked):
                self.assertEqual(
                    schedule.planned_start(clicked, now), expected)
        self.assertEqual(schedule.next_quarter(quarter), quarter)
        self.assertEqual(
            schedule.next_quarter(dt.datetime(2026, 12, 3, 23, 50)),
            dt.datetime(2026, 12, 4))

    def test_overlaps(self):
        for other, expected in [
                ((T + H / 2, T + 2 * H), True),
                ((T - H, T + H / 2), True),
                ((T + H / 4, T + H / 2), True),
                ((T - H, T + 2 * H), True),
                # Back to back is no overlap
                ((T + H, T + 2 * H), False),
                ((T - H, T), False),
                ((T + 2 * H, T + 3 * H), False),
                # A letter at an instant inside a meeting overlaps it
                ((T + H / 2, T + H / 2), True),
                ((T + H, T + H), False),
                ]:
            with self.subTest(other=other):
                self.assertEqual(schedule.overlaps(T, T + H, *other), expected)
                self.assertEqual(schedule.overlaps(*other, T, T + H), expected)
        self.assertTrue(schedule.overlaps(T, T, T, T))

    def test_week(self):
        self.assertEqual(schedule.week_of(T), '2026-W48')
        # The ISO week of the 1st of January may be the year before
        self.assertEqual(
            schedule.week_of(dt.datetime(2027, 1, 1, 12)), '2026-W53')
        self.assertIsNone(schedule.week_of(None))

    def test_reminder_due(self):
        delay = dt.timedelta(minutes=15)
        self.assertFalse(schedule.reminder_due(T, delay, T - 2 * delay))
        self.assertTrue(schedule.reminder_due(T, delay, T - delay))
        self.assertTrue(schedule.reminder_due(T, delay, T - delay / 3))
        # Too late once it started
        self.assertFalse(schedule.reminder_due(T, delay, T))


class InvitationTestCase(unittest.TestCase):

    def invitation(self, **kwargs):
        values = dict(
            uid='crm-communication-7@example.com', sequence=0,
            start=T, end=T + H, summary="Звонок: договор поставки",
            description="Обсудить сроки", location="Москва, Тверская, 1",
            organizer=("Марина Соколова", 'marina@example.com'),
            attendees=[("Олег Ветров", 'oleg@example.com')],
            stamp=dt.datetime(2026, 11, 24, 8, 0))
        values.update(kwargs)
        calendar = icalendar.Calendar.from_ical(build_ics(**values))
        event, = calendar.walk('VEVENT')
        return calendar, event

    def test_request(self):
        calendar, event = self.invitation()
        self.assertEqual(calendar['METHOD'], 'REQUEST')
        self.assertEqual(str(event['UID']), 'crm-communication-7@example.com')
        self.assertEqual(event['SEQUENCE'], 0)
        self.assertEqual(
            event.decoded('DTSTART'),
            T.replace(tzinfo=dt.timezone.utc))
        self.assertEqual(
            event.decoded('DTEND'), (T + H).replace(tzinfo=dt.timezone.utc))
        self.assertEqual(str(event['SUMMARY']), "Звонок: договор поставки")
        self.assertEqual(str(event['LOCATION']), "Москва, Тверская, 1")
        self.assertEqual(str(event['STATUS']), 'CONFIRMED')
        self.assertEqual(str(event['ORGANIZER']), 'mailto:marina@example.com')
        self.assertEqual(event['ORGANIZER'].params['CN'], "Марина Соколова")
        attendee = event['ATTENDEE']
        self.assertEqual(str(attendee), 'mailto:oleg@example.com')
        self.assertEqual(attendee.params['CN'], "Олег Ветров")

    def test_update_and_cancel(self):
        calendar, event = self.invitation(sequence=2, start=T + H, end=T + H)
        self.assertEqual(event['SEQUENCE'], 2)
        self.assertEqual(event.decoded('DTEND'), event.decoded('DTSTART'))
        calendar, event = self.invitation(sequence=3, method='CANCEL')
        self.assertEqual(calendar['METHOD'], 'CANCEL')
        self.assertEqual(str(event['STATUS']), 'CANCELLED')

    def test_aware_times_in_utc(self):
        moscow = dt.timezone(dt.timedelta(hours=3))
        _, event = self.invitation(
            start=dt.datetime(2026, 11, 25, 12, tzinfo=moscow),
            end=dt.datetime(2026, 11, 25, 13, tzinfo=moscow))
        self.assertEqual(
            event.decoded('DTSTART'), T.replace(tzinfo=dt.timezone.utc))

    def test_recipients_clock(self):
        "On the recipient's clock, the zone named and defined"
        calendar, event = self.invitation(timezone='Europe/Moscow')
        self.assertEqual(event['DTSTART'].params['TZID'], 'Europe/Moscow')
        self.assertEqual(event['DTSTART'].to_ical(), b'20261125T120000')
        self.assertEqual(
            event.decoded('DTEND').astimezone(dt.timezone.utc),
            (T + H).replace(tzinfo=dt.timezone.utc))
        timezone, = calendar.walk('VTIMEZONE')
        self.assertEqual(str(timezone['TZID']), 'Europe/Moscow')
        # UTC needs no definition
        calendar, event = self.invitation(timezone='UTC')
        self.assertEqual(event['DTSTART'].to_ical(), b'20261125T090000Z')
        self.assertEqual(calendar.walk('VTIMEZONE'), [])

    def test_wrong_method(self):
        with self.assertRaises(AssertionError):
            self.invitation(method='PUBLISH')
