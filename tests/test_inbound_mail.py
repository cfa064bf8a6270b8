# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Mail that a provider pushes through Tryton's inbound_email webhook, over
HTTP against trytond's WSGI application on a real database (as Tryton's
own inbound_email tests call it): letters landing on the cards as IMAP
letters do, once however often pushed, unknown senders kept unmatched,
replies to a mailing on the card and with its sender."""
import base64
import json
import unittest
import uuid

from werkzeug.test import Client

import trytond.config as config
from trytond import backend
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, _DBTestCase
from trytond.transaction import Transaction, TransactionError
from trytond.wsgi import app

from trytond.modules.crm_counterparty.inbound_mail import ACTION
from trytond.modules.crm_counterparty.mail_message import pushed
from trytond.modules.crm_counterparty.tests.http_server import at_once
from trytond.modules.crm_counterparty.tests.test_mailbox import letter
from trytond.modules.crm_counterparty.tests.test_mailing import (
    DSN, REPLY_TO, _Mailings)

CLIENT = 'info@romashka.example'


class InboundMailTestCase(_Mailings, _DBTestCase):
    "Test the letters pushed to the inbound_email webhook"
    extras = ['inbound_email']
    world = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.http = Client(app)

    def setUp(self):
        super().setUp()
        if not config.has_section('crm_counterparty'):
            config.add_section('crm_counterparty')
        old = config.get('crm_counterparty', 'mailing_reply_to')
        config.set('crm_counterparty', 'mailing_reply_to', REPLY_TO)
        self.addCleanup(config.set, 'crm_counterparty', 'mailing_reply_to',
            old or '')
        # The webhook's transactions see only what is committed: the world
        # is made once for the tests of the class
        extras = {}
        while InboundMailTestCase.world is None:
            try:
                with Transaction().start(DB_NAME, 0, **extras) as transaction:
                    world = self.setup_world()
                    transaction.commit()
                InboundMailTestCase.world = world
            # The company's settings are a singleton, saved with its table
            # locked: Tryton starts the transaction again with the lock
            except TransactionError as error:
                error.fix(extras)
        self.__dict__.update(self.world)

    def setup_world(self):
        """Anna's mailing sent to Ivan, and the mailings' address pushed by
        the provider to an inbox whose rule lands its letters"""
        pool = Pool()
        Mailbox = pool.get('crm.mailbox')
        Inbox = pool.get('inbound.email.inbox')
        self.deliver(self.setup_mailing(parties=['romashka', 'ivan']))
        sent, = self.mailbox.to('ivan@romashka.example')
        bounced, = self.mailbox.to(CLIENT)
        mailbox, = Mailbox.create([{
                    'user': self.users['Anna'].id,
                    'company': self.company.id,
                    'employee': self.users['Maria'].employee.id,
                    'address': REPLY_TO,
                    }])
        inbox, = Inbox.create([{'name': "Mailings", 'rules': [('create', [{
                                'action': ACTION,
                                'crm_mailbox': mailbox.id}])]}])
        Inbox.new_identifier([inbox])
        return {
            'url': '/%s/inbound_email/inbox/%s' % (
                DB_NAME, inbox.identifier),
            'sent': (sent['Message-ID'], sent['Subject']),
            'bounced': bounced['Message-ID'],
            'mailbox_id': mailbox.id, 'anna_id': self.users['Anna'].id,
            'maria_id': self.users['Maria'].employee.id,
            'romashka_id': self.romashka.id, 'ivan_id': self.ivan.id,
            }

    def push(self, data, data_type='raw'):
        response = self.http.post(self.url, data=data,
            query_string={'type': data_type})
        self.assertEqual(response.status_code, 204)

    def read(self, function):
        with Transaction().start(DB_NAME, 0, readonly=True):
            return function(Pool())

    def letters(self, message_id):
        "The communications of message_id, as the test reads them"
        def read(pool):
            Communication = pool.get('crm.communication')
            Attachment = pool.get('ir.attachment')
            return [{
                    'category': c.category.name, 'state': c.state,
                    'direction': c.letter_direction,
                    'parties': sorted(p.id for p in c.parties),
                    'organiser': c.organiser.id, 'html': c.letter_html,
                    'text': c.letter_text,
                    'previous': c.previous.message_id if c.previous else None,
                    'attachments': [(a.name, a.data) for a in
                        Attachment.search([('resource', '=', str(c))])],
                    } for c in Communication.search(
                    [('message_id', '=', message_id)])]
        return self.read(read)

    def test_letter_lands_once(self):
        """A letter from a card's address, in upper case, lands on the card
        with its sanitised HTML and its file, once however often pushed;
        its answer follows it"""
        first, second = ['<%s@romashka.example>' % uuid.uuid4().hex
            for _ in range(2)]
        raw = letter(CLIENT.upper(), REPLY_TO, "Заказ", body="Счёт, пожалуйста",
            html='<p>Счёт<script>alert(1)</script></p>', message_id=first,
            attachment=('реквизиты.txt', b'INN 7707083893'))
        self.push(raw)
        # The provider retries: the same letter again
        self.push(raw)
        self.push(letter(CLIENT, REPLY_TO, "Re: Заказ", message_id=second,
                in_reply_to=first))
        landed, = self.letters(first)
        self.assertEqual(landed, {
                'category': "Letter", 'state': 'done',
                'direction': 'incoming', 'parties': [self.romashka_id],
                'organiser': self.maria_id, 'html': '<p>Счёт</p>',
                'text': "Счёт, пожалуйста", 'previous': None,
                'attachments': [('реквизиты.txt', b'INN 7707083893')],
                })
        answer, = self.letters(second)
        self.assertEqual(answer['previous'], first)

    def test_providers_payloads(self):
        """Postmark's JSON without its raw content, Mandrill's and
        MailPace's with it, land as the raw letter does"""
        ids = ['<%s@romashka.example>' % uuid.uuid4().hex for _ in range(3)]
        postmark = {
            'MessageID': str(uuid.uuid4()),
            'FromFull': {'Email': CLIENT, 'Name': "Ромашка"},
            'To': REPLY_TO, 'Subject': "Прайс", 'TextBody': "Пришлите прайс",
            'HtmlBody': '<p onclick="x()">Пришлите прайс</p>',
            'Headers': [{'Name': 'Message-ID', 'Value': ids[0]}],
            'Attachments': [{'Name': 'a.txt', 'ContentType': 'text/plain',
                    'Content': base64.b64encode(b'file').decode()}],
            }
        self.push(json.dumps(postmark), 'postmark')
        self.push(json.dumps({'mandrill_events': [{
                            'event': 'inbound',
                            'raw_msg': letter(CLIENT, REPLY_TO, "Mandrill",
                                message_id=ids[1]).decode()}]}),
            'mailchimp')
        self.push(json.dumps({'raw': letter(
                        CLIENT, REPLY_TO, "MailPace",
                        message_id=ids[2]).decode()}), 'mailpace')
        landed, = self.letters(ids[0])
        self.assertEqual(
            (landed['parties'], landed['text'], landed['html'],
                landed['attachments']),
            ([self.romashka_id], "Пришлите прайс", '<p>Пришлите прайс</p>',
                [('a.txt', b'file')]))
        for message_id in ids[1:]:
            self.assertEqual(
                [l['parties'] for l in self.letters(message_id)],
                [[self.romashka_id]])

    def test_unknown_sender_kept_once(self):
        "A letter from an unknown address waits unmatched, once, for Anna"
        message_id = '<%s@home.example>' % uuid.uuid4().hex
        raw = letter('Пётр <petr@home.example>', REPLY_TO, "Вопрос",
            message_id=message_id)
        self.push(raw)
        self.push(raw)

        def unmatched(pool):
            Unmatched = pool.get('crm.mail.unmatched')
            with Transaction().set_user(self.anna_id), \
                    Transaction().set_context(_check_access=True):
                return [(u.sender_email, u.mailbox.id) for u in
                    Unmatched.search([('message_id', '=', message_id)])]
        self.assertEqual(self.read(unmatched),
            [('petr@home.example', self.mailbox_id)])
        self.assertEqual(self.letters(message_id), [])

    def test_landed_meanwhile(self):
        """A letter landed by a transaction that committed after this one
        began (unseen by its snapshot on PostgreSQL) is not landed again,
        nor is an unknown sender's kept again: no error either"""
        known, unknown = ['<%s@example>' % uuid.uuid4().hex
            for _ in range(2)]
        raws = [letter(CLIENT, REPLY_TO, "Встреча", message_id=known),
            letter('petr@home.example', REPLY_TO, "Вопрос",
                message_id=unknown)]

        def land(raws):
            pool = Pool()
            mailbox = pool.get('crm.mailbox')(self.mailbox_id)
            with Transaction().set_context(company=mailbox.company.id):
                return pool.get('crm.communication').land_all(mailbox, raws)
        with Transaction().start(DB_NAME, 0) as second:
            # Its snapshot is taken by its first query
            Pool().get('crm.communication').search([], limit=1)
            with Transaction().new_transaction() as first:
                self.assertEqual(len(land(raws)), 1)
                first.commit()
            self.assertEqual(land(raws), [])
            second.commit()
        self.assertEqual(len(self.letters(known)), 1)
        self.assertEqual(self.unmatched(unknown), 1)

    def test_copied(self):
        "A landed letter copied (the next one planned) is not the letter"
        message_id = '<%s@example>' % uuid.uuid4().hex
        self.push(letter(CLIENT, REPLY_TO, "Договор", message_id=message_id))
        with Transaction().start(DB_NAME, 0) as transaction:
            Communication = Pool().get('crm.communication')
            landed, = Communication.search([('message_id', '=', message_id)])
            copy, = Communication.copy([landed])
            self.assertEqual((copy.message_id, copy.state),
                (None, 'planned'))
            transaction.rollback()

    @unittest.skipIf(backend.name == 'sqlite',
        "SQLite's test database is one connection: requests cannot overlap")
    def test_pushed_twice_at_once(self):
        """The same letter pushed by two requests at the same instant lands
        once, both answered as landed; so does an unknown sender's"""
        for sender in [CLIENT] * 3 + ['petr@home.example'] * 3:
            message_id = '<%s@example>' % uuid.uuid4().hex
            raw = letter(sender, REPLY_TO, "Счёт", message_id=message_id)
            self.assertEqual(at_once(lambda: self.http.post(self.url,
                        data=raw, query_string={'type': 'raw'}).status_code),
                [204, 204])
            self.assertEqual(
                len(self.letters(message_id)) + self.unmatched(message_id),
                1)

    def unmatched(self, message_id):
        "How many unmatched letters message_id is"
        return self.read(lambda pool: pool.get('crm.mail.unmatched')
            .search([('message_id', '=', message_id)], count=True))

    def test_mailing_reply(self):
        """A reply to the mailing lands on Ivan's card and tells Anna, who
        sent the mailing"""
        sent_id, subject = self.sent
        message_id = '<%s@romashka.example>' % uuid.uuid4().hex
        self.push(letter('Иванов Иван <ivan@romashka.example>', REPLY_TO,
                'Re: ' + subject, body="Пришлите прайс",
                message_id=message_id, in_reply_to=sent_id))
        reply, = self.letters(message_id)
        self.assertEqual((reply['direction'], reply['text']),
            ('incoming', "Пришлите прайс"))
        self.assertIn(self.ivan_id, reply['parties'])

        def notified(pool):
            Notification = pool.get('res.notification')
            return [n.label for n in Notification.search(
                    [('user', '=', self.anna_id)])]
        self.assertIn('Иванов Иван replied to the mailing "Весенняя акция"',
            self.read(notified))

    def test_mailing_bounce(self):
        "A bounce of the mailing's e-mail marks its recipient failed"
        self.push((DSN % self.bounced).encode())

        def results(pool):
            Result = pool.get('crm.counterparty.mailing.result')
            Unmatched = pool.get('crm.mail.unmatched')
            return ([(r.state, r.error) for r in Result.search(
                        [('message_id', '=', self.bounced)])],
                Unmatched.search([('sender_email', 'like', 'mailer-daemon%')]))
        self.assertEqual(self.read(results), ([('failed',
                        'The mail server returned the message: '
                        '5.1.1 550 5.1.1 User unknown')], []))

    def test_pushed_bytes(self):
        "Each provider's payload gives the letter's bytes"
        raw = letter(CLIENT, REPLY_TO, "Тема")
        self.assertEqual(pushed('raw', raw), raw)
        self.assertEqual(pushed('sendgrid', json.dumps(
                    {'email': raw.decode()})), raw)
        self.assertEqual(pushed('postmark', json.dumps(
                    {'RawEmail': raw.decode()})), raw)
