# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The rules of a mailing: placeholders, SMS parts, tracking, pace."""
import contextlib
import email
import email.policy
import unittest

from trytond.modules.crm_counterparty import mailing_rules
from trytond.modules.crm_counterparty.channels import placeholders, sms


class PlaceholdersTestCase(unittest.TestCase):
    "Test the recipient's values in the texts"

    def test_render(self):
        "Each placeholder takes its value, with or without spaces"
        self.assertEqual(
            placeholders.render("Здравствуйте, {{name}} из {{ company }}!",
                {'name': "Иван", 'company': "ООО «Ромашка»"}),
            "Здравствуйте, Иван из ООО «Ромашка»!")

    def test_escaped_in_markup(self):
        "In HTML a value is text, never a tag"
        self.assertEqual(
            placeholders.render("<p>{{name}}</p>",
                {'name': '<b>"Иван" & Co</b>'}, markup=True),
            '<p>&lt;b&gt;&quot;Иван&quot; &amp; Co&lt;/b&gt;</p>')
        self.assertEqual(
            placeholders.render("{{name}}", {'name': '<b>'}), '<b>')

    def test_missing_value_empty(self):
        "A recipient without a company gets nothing in its place"
        self.assertEqual(
            placeholders.render("{{company}}.", {'name': "Иван"}), ".")

    def test_unknown(self):
        "An unknown placeholder is found and left as typed"
        self.assertEqual(
            placeholders.unknown("{{name}} {{phone}} {{ city }}"),
            ['phone', 'city'])
        self.assertEqual(
            placeholders.render("{{phone}}", {'phone': '1'}), "{{phone}}")


class SMSPartsTestCase(unittest.TestCase):
    "Test how many SMS a text takes"

    def test_gsm(self):
        "Latin text: 160 in one, then parts of 153"
        self.assertEqual(sms.parts(''), 0)
        self.assertEqual(sms.parts('a' * 160), 1)
        self.assertEqual(sms.parts('a' * 161), 2)
        self.assertEqual(sms.parts('a' * 306), 2)
        self.assertEqual(sms.parts('a' * 307), 3)

    def test_gsm_extended(self):
        "A character of the extension takes two places"
        self.assertEqual(sms.length('€[]'), (6, True))
        self.assertEqual(sms.parts('€' * 80), 1)
        self.assertEqual(sms.parts('€' * 81), 2)

    def test_ucs2(self):
        "Cyrillic: 70 in one, then parts of 67"
        self.assertEqual(sms.parts('я' * 70), 1)
        self.assertEqual(sms.parts('я' * 71), 2)
        self.assertEqual(sms.parts('я' * 134), 2)
        self.assertEqual(sms.parts('я' * 135), 3)
        # One Cyrillic letter makes the whole text UCS-2
        self.assertEqual(sms.parts('a' * 70 + 'я'), 2)

    def test_ucs2_surrogates(self):
        "A character outside the BMP takes two UTF-16 units"
        self.assertEqual(sms.length('😀'), (2, False))
        self.assertEqual(sms.parts('😀' * 35), 1)
        self.assertEqual(sms.parts('😀' * 36), 2)

    def test_kannel_report(self):
        "Kannel's report types: delivered, failed or rejected, on its way"
        self.assertIs(sms.kannel_delivered(sms.DELIVERED), True)
        self.assertIs(sms.kannel_delivered(sms.FAILED), False)
        self.assertIs(sms.kannel_delivered(sms.REJECTED), False)
        self.assertIsNone(sms.kannel_delivered(sms.SUBMITTED))
        self.assertIsNone(sms.kannel_delivered(sms.BUFFERED))


class TrackingTestCase(unittest.TestCase):
    "Test the links and the image that track an e-mail"

    def test_links_rewritten(self):
        "Each web link is numbered and replaced; mailto and anchors stay"
        markup = ('<p><a href="https://example.com/a?x=1&amp;y=2">A</a> '
            "<a class='b' href='http://example.com/b'>B</a> "
            '<a href="mailto:info@example.com">M</a> <a href="#top">T</a>'
            '</p>')
        self.assertEqual(mailing_rules.links(markup), [
                'https://example.com/a?x=1&y=2', 'http://example.com/b'])
        tracked = mailing_rules.track_links(
            markup, lambda n: 'https://crm.example/click/t/%s?a&b' % n)
        self.assertEqual(tracked, '<p>'
            '<a href="https://crm.example/click/t/0?a&amp;b">A</a> '
            "<a class='b' href='https://crm.example/click/t/1?a&amp;b'>B</a> "
            '<a href="mailto:info@example.com">M</a> <a href="#top">T</a>'
            '</p>')
        self.assertEqual(mailing_rules.links(tracked), [
                'https://crm.example/click/t/0?a&b',
                'https://crm.example/click/t/1?a&b'])

    def test_pixel(self):
        "The image's address is escaped"
        self.assertEqual(mailing_rules.pixel('https://crm.example/o?a&b'),
            '<img src="https://crm.example/o?a&amp;b" width="1" height="1" '
            'alt="" style="display:none">')


class PaceTestCase(unittest.TestCase):
    "Test the wait between the messages of a channel"

    def test_delay(self):
        "The next message waits until 1/rate after the previous one"
        self.assertEqual(mailing_rules.delay(4, None, 10), 0)
        self.assertEqual(mailing_rules.delay(4, 10, 10), 0.25)
        self.assertAlmostEqual(mailing_rules.delay(4, 10, 10.1), 0.15)
        self.assertEqual(mailing_rules.delay(4, 10, 11), 0)
        self.assertEqual(mailing_rules.delay(0, 10, 10), 0)
        self.assertEqual(mailing_rules.delay(None, 10, 10), 0)

    def test_pace_no_burst(self):
        """Ten messages at 5 a second take 2 seconds of a clock that only
        the waits move; a slow moment is not made up by a burst"""
        now = [0.0]
        sleeps = []

        def sleep(seconds):
            sleeps.append(round(seconds, 6))
            now[0] += seconds
        pace = mailing_rules.Pace(5, clock=lambda: now[0], sleep=sleep)
        for _ in range(10):
            with pace.turn():
                pass
        self.assertEqual(sleeps, [0.2] * 10)
        self.assertAlmostEqual(now[0], 2.0)
        # The server took a second: no wait after it, nor a burst
        with pace.turn():
            now[0] += 1
        with pace.turn():
            pass
        self.assertEqual(sleeps[10:], [0.2])

    def test_pace_holds_lock(self):
        "A turn holds the lock from before the message until its wait ends"
        held = []

        @contextlib.contextmanager
        def lock():
            held.append('taken')
            yield
            held.append('released')
        pace = mailing_rules.Pace(5, lock=lock, clock=lambda: 0,
            sleep=lambda s: held.append(s))
        with pace.turn():
            held.append('sent')
        self.assertEqual(held, ['taken', 'sent', 0.2, 'released'])

    def test_no_rate_no_wait(self):
        "Without a rate nothing waits, and no lock is taken"
        sleeps = []

        def lock():
            raise AssertionError("no lock without a rate")
        pace = mailing_rules.Pace(
            0, lock=lock, clock=lambda: 0, sleep=sleeps.append)
        for _ in range(3):
            with pace.turn():
                pass
        self.assertEqual(sleeps, [])


# A bounce as Postfix writes it: the report, the status of each recipient
# and the headers of the message returned
DSN = b"""\
From: MAILER-DAEMON@mail.example (Mail Delivery System)
To: mailings@crm.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-1@mail.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
 boundary="B"

--B
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example
Arrival-Date: Fri,  4 Dec 2026 10:00:00 +0000 (UTC)

Final-Recipient: rfc822; ivan@romashka.example
Original-Recipient: rfc822;ivan@romashka.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <ivan@romashka.example>: Recipient
    address rejected: User unknown

Final-Recipient: rfc822; late@romashka.example
Action: delayed
Status: 4.4.1

--B
Content-Type: text/rfc822-headers

From: CRM <crm@example.com>
To: ivan@romashka.example
Subject: Sale
Message-ID: <original-1@crm.example>

--B--
"""


class BouncesTestCase(unittest.TestCase):
    "Test what a delivery status notification says failed"

    def parse(self, raw):
        return email.message_from_bytes(raw, policy=email.policy.default)

    def test_failed_recipient(self):
        "The failed recipient with its status and the server's reason"
        self.assertEqual(mailing_rules.bounces(self.parse(DSN)), (
                '<original-1@crm.example>', [('ivan@romashka.example',
                        '5.1.1 550 5.1.1 <ivan@romashka.example>: '
                        'Recipient address rejected: User unknown')]))

    def test_whole_message_returned(self):
        "The message returned whole (message/rfc822) gives its id too"
        raw = DSN.replace(b'Content-Type: text/rfc822-headers',
            b'Content-Type: message/rfc822').replace(
            b'Message-ID: <original-1@crm.example>\n',
            b'Message-ID: <original-1@crm.example>\n\nText\n')
        self.assertEqual(mailing_rules.bounces(self.parse(raw))[0],
            '<original-1@crm.example>')

    def test_not_a_bounce(self):
        "A reply, or a report of a delay only, is not a bounce"
        self.assertIsNone(mailing_rules.bounces(self.parse(
                    b'From: ivan@romashka.example\nSubject: Re: Sale\n\n'
                    b'Thanks\n')))
        delayed = DSN.replace(b'Action: failed', b'Action: delayed')
        self.assertIsNone(mailing_rules.bounces(self.parse(delayed)))
