# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Mailings in the database: whom they reach, sent by e-mail to a real
SMTP server exactly once, unsubscribing, resends and the test to oneself."""
import datetime as dt
import re
import threading
import time
from unittest.mock import patch
from urllib.parse import urlsplit

from werkzeug.test import Client

import trytond.config as config
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import set_company
from trytond.modules.crm_counterparty import mailing as mailing_module
from trytond.modules.crm_counterparty import mailing_rules, running
from trytond.modules.crm_counterparty.tests import test_access
from trytond.modules.crm_counterparty.tests.imap_server import imap_server
from trytond.modules.crm_counterparty.tests.smtp_server import smtp_server
from trytond.modules.crm_counterparty.tests.test_mailbox import (
    letter, mailbox_key)
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import DB_NAME, _DBTestCase, with_transaction
from trytond.transaction import Transaction
from trytond.wsgi import app

from trytond.modules.crm_counterparty.exceptions import MailingError


class _Mailings:
    "Anna's and Boris's counterparties with e-mails, and a mailing"
    module = 'crm_counterparty'
    setup_company = test_access.CounterpartyAccessTestCase.setup_company

    def setUp(self):
        super().setUp()
        self.mailbox = self.enterContext(smtp_server())

    def setup_mailing(self, user='Anna', **values):
        pool = Pool()
        Mechanism = pool.get('party.contact_mechanism')
        Mailing = pool.get('crm.counterparty.mailing')
        company = self.setup_company()
        Mechanism.create([{'party': p.id, 'type': 'email', 'value': v}
                for p, v in [
                    (self.romashka, 'info@romashka.example'),
                    (self.ivan, 'ivan@romashka.example'),
                    (self.vasilek, 'info@vasilek.example'),
                    ]])
        user = self.users[user]
        # The counterparties picked by hand, by their attributes' names
        values['parties'] = [('add', [getattr(self, n).id
                    for n in values.get('parties', ['romashka'])])]
        with set_company(company), \
                Transaction().set_user(user.id), \
                Transaction().set_context(employee=user.employee.id):
            mailing, = Mailing.create([dict({
                            'name': "Весенняя акция",
                            'subject': "Скидки для {{company}}",
                            'email_html': '<p>Здравствуйте, {{name}}!</p>',
                            }, **values)])
        return mailing

    def deliver(self, mailing):
        "Send the mailing as the queue does, without its commits"
        Mailing = Pool().get('crm.counterparty.mailing')
        Mailing.start([mailing])
        for _ in Mailing(mailing.id)._deliver():
            pass
        return Mailing(mailing.id)


class MailingTestCase(_Mailings, _DBTestCase):
    "Test mailings by e-mail"

    @with_transaction()
    def test_sent_once_personalised(self):
        """Each recipient gets one e-mail written for him, with its plain
        part, its file and the headers to unsubscribe"""
        Attachment = Pool().get('ir.attachment')
        mailing = self.setup_mailing(
            parties=['romashka', 'ivan'],
            email_html='<p>Здравствуйте, {{name}}!</p><p>{{company}}</p>')
        Attachment.create([{'resource': str(mailing), 'name': 'прайс.txt',
                    'data': b'price'}])
        mailing = self.deliver(mailing)
        self.assertEqual(mailing.state, 'done')
        self.assertEqual((mailing.sent, mailing.failed), (2, 0))
        message, = self.mailbox.to('ivan@romashka.example')
        self.assertEqual(message['Subject'], "Скидки для ООО «Ромашка»")
        html = message.get_body(('html',)).get_content()
        # The company's quotes are escaped in HTML
        self.assertIn('<p>Здравствуйте, Иванов Иван!</p>', html)
        self.assertIn('ООО «Ромашка»', html)
        self.assertIn('Здравствуйте, Иванов Иван!',
            message.get_body(('plain',)).get_content())
        attachment, = message.iter_attachments()
        self.assertEqual(attachment.get_filename(), 'прайс.txt')
        self.assertRegex(message['List-Unsubscribe'],
            r'^<http.*/crm_counterparty/unsubscribe/[\w-]+>$')
        self.assertEqual(
            message['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click')
        self.assertEqual(len(self.mailbox.messages), 2)
        result = [r for r in mailing.results
            if r.address == 'ivan@romashka.example'][0]
        self.assertEqual((result.state, result.party), ('sent', self.ivan))
        self.assertEqual(result.message_id, message['Message-ID'])

        # Run again, as the queue would after a restart: nothing more
        for _ in mailing._deliver():
            pass
        mailing.state = 'sending'
        mailing.save()
        for _ in mailing._deliver():
            pass
        self.assertEqual(len(self.mailbox.messages), 2)

    @with_transaction()
    def test_only_whom_author_sees(self):
        """A group and a filter reach only the counterparties the author
        sees; the count says so before sending"""
        pool = Pool()
        Group = pool.get('crm.counterparty.group')
        ViewSearch = pool.get('ir.ui.view_search')
        mailing = self.setup_mailing(parties=[])
        group, = Group.create([{'name': "Все",
                    'parties': [('add', [
                                self.romashka.id, self.vasilek.id])]}])
        everyone, = ViewSearch.create([{'name': "ООО", 'model': 'party.party',
                    'domain': '[["name", "ilike", "ООО%"]]'}])
        # Anna's own group (a shared one would show Vasilek to everyone)
        Group.write([group], {'user': self.users['Anna'].id})
        ViewSearch.write([everyone], {'shared': True})
        with Transaction().set_user(self.users['Anna'].id):
            mailing.group, mailing.filter = group, everyone
            mailing.save()
        with set_company(self.company):
            self.assertEqual(mailing.recipient_count, 1)
            mailing = self.deliver(mailing)
        self.assertEqual(
            [r.address for r in mailing.results], ['info@romashka.example'])
        self.assertFalse(self.mailbox.to('info@vasilek.example'))

    @with_transaction()
    def test_hidden_counterparty_not_picked(self):
        "Boris picks his own counterparty by hand, not Anna's"
        Mailing = Pool().get('crm.counterparty.mailing')
        mailing = self.setup_mailing(user='Boris', parties=[])
        with Transaction().set_user(self.users['Boris'].id), \
                Transaction().set_context(_check_access=True):
            Mailing.write([mailing], {
                    'parties': [('add', [self.vasilek.id])]})
            with self.assertRaises(AccessError):
                Mailing.write([mailing], {
                        'parties': [('add', [self.romashka.id])]})
        self.assertEqual(Mailing(mailing.id).parties, (self.vasilek,))

    @with_transaction()
    def test_interrupted_not_resent(self):
        """A run killed after it claimed a chunk leaves its rows
        interrupted: the run again sends none of them a second time"""
        Mailing = Pool().get('crm.counterparty.mailing')
        mailing = self.setup_mailing(
            parties=['romashka', 'ivan'])
        Mailing.start([mailing])
        run = Mailing(mailing.id)._deliver()
        # interrupted rows, the plan, the channel ready (a claim begins its
        # transaction), the claim: then the process dies
        for _ in range(4):
            next(run)
        run.close()
        self.assertEqual(
            {r.state for r in Mailing(mailing.id).results}, {'sending'})
        mailing = Mailing(mailing.id)
        for _ in mailing._deliver():
            pass
        mailing = Mailing(mailing.id)
        self.assertEqual(mailing.state, 'done')
        self.assertEqual(
            {r.state for r in mailing.results}, {'interrupted'})
        self.assertEqual(self.mailbox.messages, [])

    @with_transaction()
    def test_address_once(self):
        "The unique key: a mailing has one row an address of a channel"
        Result = Pool().get('crm.counterparty.mailing.result')
        mailing = self.setup_mailing()
        Result.create([{'mailing': mailing.id, 'channel': 'email',
                    'address': 'a@example.com', 'state': 'queued'}])
        with self.assertRaises(Exception):
            Result.create([{'mailing': mailing.id, 'channel': 'email',
                        'address': 'a@example.com', 'state': 'queued'}])

    @with_transaction()
    def test_plan_in_pages(self):
        """Recipients found a page at a time and planned a chunk at a time
        get one queued row each, with their counterparty; planned again,
        none is added"""
        pool = Pool()
        Mailing = pool.get('crm.counterparty.mailing')
        Result = pool.get('crm.counterparty.mailing.result')
        mailing = self.setup_mailing(parties=['romashka', 'ivan'])
        Mailing.start([mailing])
        with patch.object(mailing_module, 'PAGE', 1), \
                patch.object(mailing_module, 'CHUNK', 1):
            for _ in range(2):
                for _ in Mailing(mailing.id)._plan():
                    pass
        self.assertEqual(
            sorted((r.party, r.channel, r.address, r.state, r.opens)
                for r in Result.search([('mailing', '=', mailing.id)])),
            sorted([
                    (self.romashka, 'email', 'info@romashka.example',
                        'queued', 0),
                    (self.ivan, 'email', 'ivan@romashka.example',
                        'queued', 0),
                    ]))

    @with_transaction()
    def test_plan_first_address(self):
        """The plan takes a counterparty's first contact of a channel's
        kinds (a mobile before a phone, then by their order), never one
        unsubscribed or archived, and gives an address several share to
        the first of them"""
        pool = Pool()
        Mailing = pool.get('crm.counterparty.mailing')
        Mechanism = pool.get('party.contact_mechanism')
        Result = pool.get('crm.counterparty.mailing.result')
        mailing = self.setup_mailing(user='Maria',
            parties=['romashka', 'ivan', 'vasilek'], sms_text="Скидки")
        Mechanism.create([
                {'party': self.romashka.id, 'type': 'phone',
                    'value': '+7 495 111-22-33', 'sequence': 1},
                {'party': self.romashka.id, 'type': 'mobile',
                    'value': '+7 916 000-00-01', 'sequence': 2},
                {'party': self.ivan.id, 'type': 'email', 'sequence': 1,
                    'value': 'old@romashka.example', 'unsubscribed': True},
                {'party': self.ivan.id, 'type': 'email', 'sequence': 1,
                    'value': 'gone@romashka.example', 'active': False},
                {'party': self.ivan.id, 'type': 'mobile', 'sequence': 2,
                    'value': '+7 916 123-45-67'},
                {'party': self.ivan.id, 'type': 'mobile', 'sequence': 1,
                    'value': '+7 916 123-45-68'},
                {'party': self.vasilek.id, 'type': 'phone',
                    'value': '+7 916 000-00-01'},
                ])
        Mailing.start([mailing])
        for _ in Mailing(mailing.id)._plan():
            pass
        self.assertEqual(
            sorted((r.channel, r.address, r.party)
                for r in Result.search([('mailing', '=', mailing.id)])),
            sorted([
                    ('email', 'info@romashka.example', self.romashka),
                    ('email', 'ivan@romashka.example', self.ivan),
                    ('email', 'info@vasilek.example', self.vasilek),
                    ('sms', '+79160000001', min(
                            self.romashka, self.vasilek, key=int)),
                    ('sms', '+79161234568', self.ivan),
                    ]))
        # The same rule gives one counterparty's address
        self.assertEqual(
            mailing_module.addresses([self.ivan, self.vasilek], 'sms'),
            {self.ivan: '+79161234568', self.vasilek: '+79160000001'})

    @with_transaction()
    def test_unsubscribed_skipped(self):
        """The address of a message unsubscribed by its token gets no later
        mailing"""
        pool = Pool()
        Result = pool.get('crm.counterparty.mailing.result')
        Mechanism = pool.get('party.contact_mechanism')
        mailing = self.setup_mailing()
        mailing = self.deliver(mailing)
        message, = self.mailbox.messages
        token = message['List-Unsubscribe'].rsplit('/', 1)[1].rstrip('>')
        result = Result.by_token(token)
        self.assertEqual(result.address, 'info@romashka.example')
        self.assertIsNone(Result.by_token('forged'))
        Mechanism.unsubscribe(result.channel, result.address)

        again = self.setup_again(mailing)
        self.assertEqual(again.results, ())
        self.assertEqual(len(self.mailbox.messages), 1)

    def setup_again(self, mailing):
        Mailing = Pool().get('crm.counterparty.mailing')
        again, = Mailing.copy([mailing])
        return self.deliver(again)

    @with_transaction()
    def test_scheduled(self):
        "A mailing with a time waits for it, then the cron starts it"
        Mailing = Pool().get('crm.counterparty.mailing')
        mailing = self.setup_mailing(
            send_at=dt.datetime.now() + dt.timedelta(hours=1))
        Mailing.send([mailing])
        self.assertEqual(mailing.state, 'scheduled')
        Mailing.send_scheduled()
        self.assertEqual(Mailing(mailing.id).state, 'scheduled')
        mailing.send_at = dt.datetime.now() - dt.timedelta(minutes=1)
        mailing.save()
        Mailing.send_scheduled()
        self.assertEqual(Mailing(mailing.id).state, 'sending')

    @with_transaction()
    def test_scheduler_resumes_dead_run(self):
        """A mailing left sending that no process holds is queued again by
        the scheduler; one a process sends is not"""
        pool = Pool()
        Mailing = pool.get('crm.counterparty.mailing')
        Queue = pool.get('ir.queue')
        mailing = self.setup_mailing()
        Mailing.start([mailing])

        def queued():
            return [t for t in Queue.search([])
                if t.data['model'] == Mailing.__name__
                and t.data['method'] == 'deliver'
                and list(t.data['instances']) == [mailing.id]]
        before = len(queued())
        with running.hold(mailing.id, Mailing.__name__) as held:
            self.assertTrue(held)
            Mailing.send_scheduled()
            self.assertEqual(len(queued()), before)
        Mailing.send_scheduled()
        self.assertEqual(len(queued()), before + 1)

    @with_transaction()
    def test_no_text_refused(self):
        "A mailing with no channel's text is not sent"
        Mailing = Pool().get('crm.counterparty.mailing')
        mailing = self.setup_mailing(email_html='', subject=None)
        with self.assertRaises(MailingError):
            Mailing.send([mailing])

    @with_transaction()
    def test_resend_to_failed(self):
        "Resend makes a mailing of those who failed, under the first"
        pool = Pool()
        Mailing = pool.get('crm.counterparty.mailing')
        Result = pool.get('crm.counterparty.mailing.result')
        mailing = self.setup_mailing(
            parties=['romashka', 'ivan'])
        mailing = self.deliver(mailing)
        result, = Result.search([('address', '=', 'ivan@romashka.example')])
        result.state = 'failed'
        result.save()
        action = Mailing.resend([mailing])
        resend, = Mailing(mailing.id).resends
        self.assertEqual(action['res_id'], [resend.id])
        self.assertEqual(resend.parties, (self.ivan,))
        self.assertEqual((resend.state, resend.results), ('draft', ()))

    @with_transaction()
    def test_send_test_to_oneself(self):
        "Send Test mails the author's own address at once, no result row"
        pool = Pool()
        User = pool.get('res.user')
        Mailing = pool.get('crm.counterparty.mailing')
        mailing = self.setup_mailing()
        anna = self.users['Anna']
        User.write([anna], {'email': 'anna@example.com'})
        with Transaction().set_user(anna.id):
            Mailing.send_test([mailing])
        message, = self.mailbox.to('anna@example.com')
        self.assertTrue(message['Subject'].startswith("Скидки для "))
        self.assertEqual(Mailing(mailing.id).results, ())

    @with_transaction()
    def test_on_card(self):
        """The messages sent to a counterparty are on its card for whoever
        sees it, with the mailing's name and subject, to nobody else"""
        pool = Pool()
        Result = pool.get('crm.counterparty.mailing.result')
        ActWindow = pool.get('ir.action.act_window')
        mailing = self.deliver(
            self.setup_mailing(parties=['romashka', 'ivan']))
        action, = ActWindow.search([
                ('res_model', '=', 'crm.counterparty.mailing.result'),
                ('name', '=', "Mailings Sent"),
                ])
        on_card = PYSONDecoder({'active_ids': [self.romashka.id]}).decode(
            action.domain)

        def card(user):
            with set_company(self.company), \
                    Transaction().set_user(self.users[user].id), \
                    Transaction().set_context(_check_access=True):
                # The fields of the card's list and form, as the client reads
                return [(r['mailing_name'], r['subject'], r['address'],
                        r['state'])
                    for r in Result.search_read(on_card, fields_names=[
                            'mailing_name', 'subject', 'address', 'state',
                            'party.rec_name', 'opened_at', 'clicks'])]
        # Olga sees Anna's counterparties: Anna's mailing is on her card too
        for user in ['Anna', 'Olga', 'Maria']:
            self.assertEqual(card(user), [(mailing.name,
                        "Скидки для {{company}}", 'info@romashka.example',
                        'sent')], user)
        self.assertEqual(card('Boris'), [])
        with set_company(self.company), \
                Transaction().set_user(self.users['Boris'].id), \
                Transaction().set_context(_check_access=True):
            self.assertEqual(Result.search([]), [])

    @with_transaction()
    def test_in_activity(self):
        """The card's activity shows what was sent to it and to its contact
        persons, the newest first; a contact person's card only his"""
        pool = Pool()
        Party = pool.get('party.party')
        Result = pool.get('crm.counterparty.mailing.result')
        mailing = self.deliver(
            self.setup_mailing(parties=['romashka', 'ivan']))
        with set_company(self.company), \
                Transaction().set_user(self.users['Olga'].id), \
                Transaction().set_context(_check_access=True):
            cards = {c['id']: c['mailings_sent'] for c in Party.read(
                    [self.romashka.id, self.ivan.id], ['mailings_sent'])}
            sent = {r['id']: (r['mailing'], r['address'], r['state'])
                for r in Result.read(cards[self.romashka.id],
                    ['mailing', 'address', 'state'])}
        self.assertEqual(
            sorted(sent[i] for i in cards[self.romashka.id]), [
                (mailing.id, 'info@romashka.example', 'sent'),
                (mailing.id, 'ivan@romashka.example', 'sent'),
                ])
        self.assertEqual(list(cards[self.romashka.id]),
            sorted(cards[self.romashka.id], reverse=True))
        self.assertEqual(list(cards[self.ivan.id]), [i for i in cards[
                    self.romashka.id] if sent[i][1].startswith('ivan@')])

    @with_transaction()
    def test_rate_limit(self):
        """At 10 messages a second, the second e-mail is received 0.1 s
        after the sending started at the earliest"""
        mailing = self.setup_mailing(parties=['romashka', 'ivan'])
        if not config.has_section('crm_counterparty'):
            config.add_section('crm_counterparty')
        old = config.get('crm_counterparty', 'mailing_rate_email')
        config.set('crm_counterparty', 'mailing_rate_email', '10')
        try:
            start = time.monotonic()
            self.deliver(mailing)
        finally:
            config.set('crm_counterparty', 'mailing_rate_email', old or '0')
        received = [m.received for m in self.mailbox.messages]
        self.assertEqual(len(received), 2)
        self.assertGreaterEqual(max(received) - start, 0.1)


class MailingRateTestCase(_DBTestCase):
    "Test the rate of a channel kept by processes together"
    module = 'crm_counterparty'

    def test_rate_shared(self):
        """Two runs sending the same channel at once, 3 messages each at
        10 a second, take 0.6 s together: they take turns"""
        turns = []

        def run():
            with Transaction().start(DB_NAME, 0):
                pace = mailing_rules.Pace(10, lock=lambda: running.exclusive(
                        'email', 'crm.counterparty.mailing.rate'))
                for _ in range(3):
                    with pace.turn():
                        turns.append(time.monotonic())
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        turns.sort()
        self.assertEqual(len(turns), 6)
        self.assertGreaterEqual(turns[-1] - turns[0], 0.5)


class MailingTrackingTestCase(_Mailings, _DBTestCase):
    "Test the opening and the clicks of an e-mail, over HTTP"

    @with_transaction()
    def committed_mailing(self, email_html):
        "A mailing sent and committed: the pages see only what is"
        mailing = self.deliver(self.setup_mailing(
                parties=['romashka', 'ivan'], email_html=email_html))
        Transaction().commit()
        return mailing.id

    def test_opened_clicked(self):
        """The image counts the openings, a link the clicks and goes where
        the mailing links to; a forged token or link counts nothing"""
        links = ('<p><a href="https://example.com/a?x=1&amp;y=2">A</a> '
            '<a href="mailto:info@example.com">M</a></p>')
        mailing_id = self.committed_mailing(links)
        message, = self.mailbox.to('ivan@romashka.example')
        html = message.get_body(('html',)).get_content()
        self.assertNotIn('example.com/a', html)
        self.assertIn('href="mailto:info@example.com"', html)
        self.assertNotIn('crm_counterparty/open/',
            message.get_body(('plain',)).get_content())
        click, = re.findall(r'href="(http[^"]+/click/[^"]+)"', html)
        image, = re.findall(r'src="([^"]+/open/[^"]+)"', html)
        http = Client(app)

        response = http.get(urlsplit(image).path)
        self.assertEqual(
            (response.status_code, response.mimetype), (200, 'image/gif'))
        forged = image.replace('/open/', '/open/x')
        self.assertEqual(http.get(urlsplit(forged).path).data, response.data)
        http.get(urlsplit(image).path)
        response = http.get(urlsplit(click).path)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            response.headers['Location'], 'https://example.com/a?x=1&y=2')
        # The next link does not exist; a forged token finds no message
        for path in [urlsplit(click).path[:-1] + '1',
                urlsplit(click).path.replace('/click/', '/click/x')]:
            self.assertEqual(http.get(path).status_code, 404)

        with Transaction().start(DB_NAME, 0, readonly=True):
            Mailing = Pool().get('crm.counterparty.mailing')
            mailing = Mailing(mailing_id)
            self.assertEqual(
                (mailing.sent, mailing.opened, mailing.clicked), (2, 1, 1))
            tracked = {r.address: (r.opens, r.clicks, bool(r.opened_at),
                    bool(r.clicked_at)) for r in mailing.results}
        self.assertEqual(tracked, {
                'ivan@romashka.example': (2, 1, True, True),
                'info@romashka.example': (0, 0, False, False),
                })


REPLY_TO = 'mailings@crm.example.com'
# A bounce as Postfix writes it, of the message of Message-ID %s
DSN = """\
From: MAILER-DAEMON@mail.example (Mail Delivery System)
To: %s
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example

Final-Recipient: rfc822; info@romashka.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--B
Content-Type: text/rfc822-headers

To: info@romashka.example
Message-ID: %%s

--B--
""" % REPLY_TO


class MailingReplyTestCase(_Mailings, _DBTestCase):
    """Test what comes back to the mailing's return address, read from a
    real Dovecot: a reply and a bounce"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for context in [mailbox_key(), imap_server({'mailings': 'secret'})]:
            cls.imap = cls.enterClassContext(context)

    def setUp(self):
        super().setUp()
        old = config.get('crm_counterparty', 'mailing_reply_to')
        config.set('crm_counterparty', 'mailing_reply_to', REPLY_TO)
        self.addCleanup(config.set, 'crm_counterparty', 'mailing_reply_to',
            old or '')

    @with_transaction()
    def test_reply_and_bounce(self):
        """A reply lands on the counterparty's card and notifies the
        sender; a bounce marks its recipient failed with the reason"""
        pool = Pool()
        Mailbox = pool.get('crm.mailbox')
        Communication = pool.get('crm.communication')
        Notification = pool.get('res.notification')
        Unmatched = pool.get('crm.mail.unmatched')
        mailing = self.deliver(self.setup_mailing(
                parties=['romashka', 'ivan']))
        sent, = self.mailbox.to('ivan@romashka.example')
        self.assertEqual(
            (sent['Reply-To'], sent.envelope_from), (REPLY_TO, REPLY_TO))
        bounced, = self.mailbox.to('info@romashka.example')
        anna = self.users['Anna']
        mailbox, = Mailbox.create([{
                    'user': anna.id, 'company': self.company.id,
                    'employee': self.users['Maria'].employee.id,
                    'address': REPLY_TO, 'imap_host': self.imap.host,
                    'imap_port': self.imap.port, 'imap_security': 'none',
                    'login': 'mailings', 'password': 'secret',
                    'folders': 'INBOX',
                    }])
        self.imap.append('mailings', letter(
                'Иванов Иван <ivan@romashka.example>', REPLY_TO,
                'Re: ' + sent['Subject'], body="Пришлите прайс",
                message_id='<reply-1@romashka.example>',
                in_reply_to=sent['Message-ID']))
        self.imap.append('mailings', (DSN % bounced['Message-ID']).encode())
        with Transaction().set_context(company=self.company.id):
            mailbox.read_mail()

        reply, = Communication.search(
            [('message_id', '=', '<reply-1@romashka.example>')])
        self.assertEqual((reply.letter_direction, reply.letter_text),
            ('incoming', "Пришлите прайс"))
        self.assertIn(self.ivan, reply.parties)
        notification, = Notification.search([('user', '=', anna.id)])
        self.assertEqual(notification.label,
            'Иванов Иван replied to the mailing "%s"' % mailing.name)
        self.assertEqual(notification.records, str([reply.id]))
        results = {r.address: (r.state, r.error)
            for r in type(mailing)(mailing.id).results}
        self.assertEqual(results, {
                'ivan@romashka.example': ('sent', None),
                'info@romashka.example': ('failed',
                    'The mail server returned the message: '
                    '5.1.1 550 5.1.1 User unknown'),
                })
        # The bounce is no letter of an unknown sender
        self.assertEqual(Unmatched.search([]), [])
