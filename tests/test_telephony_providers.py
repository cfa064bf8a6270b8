# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The providers' shapes read as call events, and their signatures (pure
functions: no database)."""
import datetime as dt
import json
import unittest

from trytond.modules.crm_counterparty.telephony import (
    ANSWERED, ENDED, INCOMING, OUTGOING, RINGING, CallEvent, Delivery,
    Refused, check_window, generic, mango, sipuni, zadarma)

SECRET = 'salt'
NOW = dt.datetime(2026, 12, 3, 12, 0, 0)
EPOCH = int(NOW.replace(tzinfo=dt.timezone.utc).timestamp())


class GenericTestCase(unittest.TestCase):

    def delivery(self, data, secret=SECRET, timestamp=EPOCH):
        body = json.dumps(data).encode()
        return Delivery(body=body, headers={
                generic.TIMESTAMP_HEADER: str(timestamp),
                generic.SIGNATURE_HEADER: generic.sign(
                    secret, timestamp, body)})

    def test_signed(self):
        self.assertTrue(generic.verify(SECRET, self.delivery({})))
        self.assertFalse(generic.verify(SECRET, self.delivery({}, 'other')))
        self.assertFalse(generic.verify(SECRET, Delivery(body=b'{}')))

    def test_missed(self):
        event, = generic.events(self.delivery({
                    'event_id': 'e1', 'call_id': 'c1', 'event': 'missed',
                    'number': '+79161234567', 'extension': '101',
                    'start': EPOCH - 30, 'duration': 0}))
        self.assertEqual(event, CallEvent(
                event_id='e1', call_id='c1', kind=ENDED, result='missed',
                number='+79161234567', extension='101',
                start=NOW - dt.timedelta(seconds=30),
                duration=dt.timedelta(0), sent=NOW))

    def test_malformed(self):
        for data in [{}, {'event_id': 'e', 'call_id': 'c', 'event': 'x'}]:
            with self.subTest(data=data), self.assertRaises(Refused):
                generic.events(self.delivery(data))


class MangoTestCase(unittest.TestCase):

    def delivery(self, path, data):
        data = json.dumps(data)
        return Delivery(body=b'', path=path, form={
                'vpbx_api_key': 'key', 'json': data,
                'sign': mango.sign(SECRET, 'key', data)})

    def test_signed(self):
        delivery = self.delivery('events/call', {})
        self.assertTrue(mango.verify(SECRET, delivery))
        self.assertFalse(mango.verify('other', delivery))

    def test_call_states(self):
        "Appeared rings, Connected answers, Disconnected waits the summary"
        base = {'entry_id': 'E', 'call_id': 'C', 'timestamp': EPOCH,
            'from': {'number': '79161234567'},
            'to': {'extension': '101', 'number': '74950000000'}}
        for state, kinds in [('Appeared', [RINGING]),
                ('Connected', [ANSWERED]), ('Disconnected', [])]:
            with self.subTest(state=state):
                events = mango.events(self.delivery('events/call',
                        dict(base, call_state=state, seq=1)))
                self.assertEqual([e.kind for e in events], kinds)
                for event in events:
                    self.assertEqual(
                        (event.number, event.extension, event.direction),
                        ('79161234567', '101', INCOMING))

    def test_summary_outgoing_missed(self):
        event, = mango.events(self.delivery('events/summary', {
                    'entry_id': 'E', 'call_direction': 2,
                    'from': {'extension': '101'},
                    'to': {'number': '79161234567'},
                    'create_time': EPOCH - 40, 'talk_time': 0,
                    'end_time': EPOCH, 'entry_result': 0}))
        self.assertEqual(
            (event.kind, event.direction, event.result, event.number,
                event.extension, event.duration),
            (ENDED, OUTGOING, 'missed', '79161234567', '101',
                dt.timedelta(0)))


class ZadarmaTestCase(unittest.TestCase):

    def test_signature_of_its_fields(self):
        form = {'event': 'NOTIFY_START', 'caller_id': '79161234567',
            'called_did': '74950000000', 'call_start': '2026-12-03 12:00:00',
            'pbx_call_id': 'in_1'}
        signature = zadarma.sign(SECRET, form)
        signed = Delivery(body=b'', form=form,
            headers={zadarma.SIGNATURE_HEADER: signature})
        self.assertTrue(zadarma.verify(SECRET, signed))
        changed = Delivery(body=b'', form=dict(form, caller_id='1'),
            headers={zadarma.SIGNATURE_HEADER: signature})
        self.assertFalse(zadarma.verify(SECRET, changed))

    def test_outgoing_end(self):
        event, = zadarma.events(Delivery(body=b'', form={
                    'event': 'NOTIFY_OUT_END', 'internal': '101',
                    'destination': '84957654321',
                    'call_start': '2026-12-03 12:00:00',
                    'pbx_call_id': 'out_1', 'duration': '5',
                    'disposition': 'busy'}))
        self.assertEqual(
            (event.kind, event.direction, event.result, event.number,
                event.extension, event.start, event.sent),
            (ENDED, OUTGOING, 'missed', '84957654321', '101', NOW, None))

    def test_other_events_are_no_calls(self):
        delivery = Delivery(body=b'', form={'event': 'NOTIFY_IVR'})
        self.assertEqual(zadarma.events(delivery), [])


class SipuniTestCase(unittest.TestCase):

    def test_token(self):
        self.assertTrue(sipuni.verify(
                SECRET, Delivery(body=b'', form={'token': SECRET})))
        self.assertFalse(sipuni.verify(SECRET, Delivery(body=b'')))

    def test_incoming_answered(self):
        event, = sipuni.events(Delivery(body=b'', form={
                    'event': '2', 'call_id': 'C', 'src_num': '79161234567',
                    'src_type': '1', 'dst_num': '101', 'dst_type': '2',
                    'status': 'ANSWER', 'timestamp': str(EPOCH),
                    'call_answer_timestamp': str(EPOCH - 61)}))
        self.assertEqual(
            (event.direction, event.result, event.number, event.extension,
                event.duration),
            (INCOMING, 'answered', '79161234567', '101',
                dt.timedelta(seconds=61)))


class WindowTestCase(unittest.TestCase):

    def test_window(self):
        event = CallEvent(event_id='e', call_id='c', kind=RINGING, sent=NOW)
        check_window(event, NOW + dt.timedelta(minutes=4))
        with self.assertRaises(Refused):
            check_window(event, NOW + dt.timedelta(minutes=6))
        # A shape with no time is judged by its id alone
        check_window(CallEvent(event_id='e', call_id='c', kind=RINGING),
            NOW + dt.timedelta(days=1))
