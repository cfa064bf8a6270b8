# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A mailing's SMS through a real Kannel and an SMS.ru-like provider, its
Telegram messages through a server answering as the Bot API does, and its
XMPP messages through a real Prosody."""
import itertools
import time
from contextlib import contextmanager

import trytond.config as config
from trytond.modules.crm_counterparty.channels import sms
from trytond.modules.crm_counterparty.tests.http_server import http_server
from trytond.modules.crm_counterparty.tests.kannel_server import (
    kannel_server)
from trytond.modules.crm_counterparty.tests.test_mailing import _Mailings
from trytond.modules.crm_counterparty.tests.xmpp_server import (
    COMPANY, xmpp_server)
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction

from trytond.modules.crm_counterparty.exceptions import InvalidJabber

TEXT = "{{name}}, для {{company}} скидка 10% до конца месяца. " * 2


@contextmanager
def configured(section, **options):
    "Tryton's configuration with options of section, as before after"
    if not config.has_section(section):
        config.add_section(section)
    old = {o: config.get(section, o) for o in options}
    for option, value in options.items():
        config.set(section, option, value)
    try:
        yield
    finally:
        for option, value in old.items():
            # An option that was not there goes: '' would be its value
            if value is None:
                config._config.remove_option(section, option)
            else:
                config.set(section, option, value)
        config._cache_clear()


class MailingChannelsTestCase(_Mailings, _DBTestCase):
    "Test the SMS, Telegram and XMPP channels against their servers"

    def add_contacts(self):
        Mechanism = Pool().get('party.contact_mechanism')
        Mechanism.create([
                {'party': self.romashka.id, 'type': 'phone',
                    'value': '+7 495 111-22-33'},
                {'party': self.ivan.id, 'type': 'mobile',
                    'value': '+7 916 123-45-67'},
                {'party': self.ivan.id, 'type': 'telegram',
                    'value': '@ivanov', 'telegram_chat': '100500'},
                {'party': self.romashka.id, 'type': 'telegram',
                    'value': '@romashka'},
                ])

    @with_transaction()
    def test_sms_through_kannel(self):
        """Kannel gets each SMS, written for its recipient, in its parts,
        and reports the delivery back to the result's address"""
        pool = Pool()
        Mailing = pool.get('crm.counterparty.mailing')
        Result = pool.get('crm.counterparty.mailing.result')
        mailing = self.setup_mailing(parties=['romashka', 'ivan'],
            email_html='', subject=None, sms_text=TEXT)
        self.add_contacts()
        self.assertEqual(mailing.sms_parts, 2)
        with http_server(lambda r: (200, 'OK')) as tryton, \
                configured('crm_counterparty', mailing_base=tryton.url), \
                kannel_server() as operator:
            mailing = self.deliver(mailing)
            # Two SMS of two parts each, then their delivery reports
            received = operator.wait(4)
            reports = self.wait_reports(tryton, 2)
        text = TEXT.replace('{{company}}', "ООО «Ромашка»")
        self.assertEqual(sorted(received), [
                ('CRM', '+74951112233',
                    text.replace('{{name}}', "ООО «Ромашка»"), 2),
                ('CRM', '+79161234567',
                    text.replace('{{name}}', "Иванов Иван"), 2),
                ])
        self.assertEqual(
            {r.state for r in mailing.results}, {'sent'})
        self.assertEqual(mailing.sent, 2)
        # Kannel calls the URL it was given with the report's type; the
        # delivery route keeps it as this does
        for report in reports:
            self.assertEqual(report.path.split('/')[-1], 'delivery')
            result = Result.by_token(report.query['token'])
            self.assertIn(result, mailing.results)
            result.report(sms.kannel_delivered(int(report.query['status'])))
        self.assertEqual(
            {r.state for r in Mailing(mailing.id).results}, {'delivered'})

    def wait_reports(self, server, count):
        "The delivery reports (type 1: delivered) count messages got"
        for _ in range(300):
            delivered = [r for r in server.requests
                if r.query.get('status') == '1']
            if len(delivered) >= count:
                return delivered
            time.sleep(0.1)
        return [r for r in server.requests if r.query.get('status') == '1']

    @with_transaction()
    def test_sms_json_provider(self):
        """An SMS.ru-like provider gets the token, the sender's name and the
        text; its refusal is the result's error"""
        mailing = self.setup_mailing(parties=['romashka', 'ivan'],
            email_html='', subject=None, sms_text="{{name}}: акция")
        self.add_contacts()
        ids = itertools.count(1)

        def answer(request):
            to = request.form()['to']
            if to.endswith('2233'):
                return 200, {'status': 'OK', 'sms': {to: {
                                'status': 'ERROR', 'status_code': 202,
                                'status_text': "Неправильно указан номер"}}}
            return 200, {'status': 'OK', 'sms': {to: {
                            'status': 'OK', 'sms_id': f'0000-{next(ids)}'}}}
        with http_server(answer) as provider, configured('sms',
                uri=f'json+{provider.url.replace("//", "//TOKEN@")}'
                '/sms/send?from=Romashka'):
            mailing = self.deliver(mailing)
        request, = [r for r in provider.requests
            if r.form()['to'] == '+79161234567']
        self.assertEqual(request.path, '/sms/send')
        self.assertEqual(request.form(), {
                'api_id': 'TOKEN', 'to': '+79161234567',
                'msg': "Иванов Иван: акция", 'json': '1',
                'from': 'Romashka'})
        results = {r.address: r for r in mailing.results}
        self.assertEqual(
            (results['+79161234567'].state,
                results['+79161234567'].message_id), ('sent', '0000-1'))
        self.assertEqual(
            (results['+74951112233'].state, results['+74951112233'].error),
            ('failed', "Неправильно указан номер"))

    @with_transaction()
    def test_sms_json_delivery(self):
        """The scheduler asks the provider what became of the SMS it sent,
        until it is delivered or failed with the provider's reason"""
        Mailing = Pool().get('crm.counterparty.mailing')
        mailing = self.setup_mailing(parties=['romashka', 'ivan'],
            email_html='', subject=None, sms_text="{{name}}: акция")
        self.add_contacts()
        ids = itertools.count(1)
        states = {
            '0000-1': (103, "Сообщение доставлено"),
            '0000-2': (102, "Сообщение отправлено"),
            }

        def answer(request):
            form = request.form()
            if request.path == '/sms/status':
                return 200, {'status': 'OK', 'status_code': 100, 'sms': {
                        i: {'status': 'OK', 'status_code': states[i][0],
                            'status_text': states[i][1]}
                        for i in form['sms_id'].split(',')}}
            return 200, {'status': 'OK', 'sms': {form['to']: {
                            'status': 'OK', 'sms_id': f'0000-{next(ids)}'}}}

        def results():
            return sorted((r.message_id, r.state, r.error)
                for r in Mailing(mailing.id).results)
        with http_server(answer) as provider, configured('sms',
                uri=f'json+{provider.url.replace("//", "//TOKEN@")}'
                '/sms/send?from=Romashka'):
            mailing = self.deliver(mailing)
            Mailing.read_replies()
            self.assertEqual(results(), [
                    ('0000-1', 'delivered', None),
                    ('0000-2', 'sent', None),
                    ])
            states['0000-2'] = (106, "Ошибка на стороне телефона")
            Mailing.read_replies()
        self.assertEqual(results(), [
                ('0000-1', 'delivered', None),
                ('0000-2', 'failed', "Ошибка на стороне телефона"),
                ])
        asked = [(r.form()['api_id'], sorted(r.form()['sms_id'].split(',')))
            for r in provider.requests if r.path == '/sms/status']
        self.assertEqual(asked,
            [('TOKEN', ['0000-1', '0000-2']), ('TOKEN', ['0000-2'])])

    @with_transaction()
    def test_telegram_bot(self):
        """The bot writes to who started it; the Bot API's refusal is the
        result's error"""
        mailing = self.setup_mailing(parties=['romashka', 'ivan'],
            email_html='', subject=None, telegram_text="Привет, {{name}}!")
        self.add_contacts()

        def answer(request):
            if request.json()['chat_id'] != '100500':
                return 400, {'ok': False, 'error_code': 400,
                    'description': "Bad Request: chat not found"}
            return 200, {'ok': True, 'result': {'message_id': 7,
                    'chat': {'id': 100500}, 'text': request.json()['text']}}
        with http_server(answer) as bot_api, \
                configured('telegram', token='123:ABC', api=bot_api.url):
            mailing = self.deliver(mailing)
        request, = bot_api.requests
        self.assertEqual(request.path, '/bot123:ABC/sendMessage')
        self.assertEqual(request.json(),
            {'chat_id': '100500', 'text': "Привет, Иванов Иван!"})
        # Romashka never started the bot: it has no chat to write to
        result, = mailing.results
        self.assertEqual((result.party, result.state, result.message_id),
            (self.ivan, 'sent', '7'))

    @with_transaction()
    def test_telegram_replies(self):
        """Who starts the bot is known by his chat from then on; what he
        writes after a mailing is on his card and the sender is told, once
        however often the bot is read"""
        pool = Pool()
        Mailing = pool.get('crm.counterparty.mailing')
        Mechanism = pool.get('party.contact_mechanism')
        Message = pool.get('ir.chat.message')
        mailing = self.setup_mailing(parties=['romashka', 'ivan'],
            email_html='', subject=None, telegram_text="Привет, {{name}}!")
        self.add_contacts()
        updates = [self.update(41, 200600, 'Romashka', '/start')]

        def answer(request):
            if request.path.endswith('/getUpdates'):
                offset = request.json()['offset']
                return 200, {'ok': True, 'result': [
                        u for u in updates if u['update_id'] >= offset]}
            return 200, {'ok': True, 'result': {'message_id': 8}}
        with http_server(answer) as bot_api, \
                configured('telegram', token='123:ABC', api=bot_api.url):
            Mailing.read_replies()
            mailing = self.deliver(mailing)
            updates.append(self.update(42, 200600, 'Romashka', "Спасибо!"))
            Mailing.read_replies()
            Mailing.read_replies()
        mechanism, = Mechanism.search([
                ('party', '=', self.romashka.id), ('type', '=', 'telegram')])
        self.assertEqual(mechanism.telegram_chat, '200600')
        calls = [(r.path.rsplit('/', 1)[1], r.json())
            for r in bot_api.requests]
        self.assertEqual(sorted(j['chat_id'] for m, j in calls
                if m == 'sendMessage'), ['100500', '200600'])
        self.assertEqual([j['offset'] for m, j in calls if m == 'getUpdates'],
            [0, 42, 43])
        reply, = Message.search([
                ('channel.resource', '=', str(self.romashka)),
                ('content', 'like', 'A reply%'),
                ])
        self.assertEqual(reply.content,
            "A reply to the mailing \"Весенняя акция\": Спасибо!")
        notification, = Transaction().user_notifications
        self.assertEqual((notification.user, notification.description),
            (self.users['Anna'], "Спасибо!"))

    @staticmethod
    def update(update_id, chat, username, text):
        "An update of the Bot API: a message written to the bot"
        return {'update_id': update_id, 'message': {
                'message_id': update_id, 'chat': {'id': chat},
                'from': {'id': chat, 'username': username}, 'text': text}}

    @with_transaction()
    def test_xmpp_through_prosody(self):
        """The company's account writes to each recipient's Jabber address,
        the text written for him; the server's refusal is the result's
        error; his reply reaches his card and the sender"""
        Mechanism = Pool().get('party.contact_mechanism')
        mailing = self.setup_mailing(parties=['romashka', 'ivan'],
            email_html='', subject=None, xmpp_text="Привет, {{name}}!")
        with xmpp_server() as server:
            ivan = server.recipient('ivan')
            Mechanism.create([
                    {'party': self.ivan.id, 'type': 'jabber',
                        'value': ivan.jid.capitalize()},
                    # No such account on the server
                    {'party': self.romashka.id, 'type': 'jabber',
                        'value': 'sales@crm.test'},
                    ])
            mailing = self.deliver(mailing)
            received = ivan.wait(1)
            # He answers while the company's account is away
            ivan.send(COMPANY, "Спасибо, интересно")
            mailing.read_replies()
        results = {r.party: r for r in mailing.results}
        self.assertEqual(received, [(COMPANY, 'chat', "Привет, Иванов Иван!",
                    results[self.ivan].message_id)])
        self.assertEqual(
            (results[self.ivan].state, results[self.ivan].address),
            ('sent', 'ivan@crm.test'))
        self.assertEqual(
            (results[self.romashka].state, results[self.romashka].error),
            ('failed', 'service-unavailable'))
        self.assertEqual((mailing.sent, mailing.failed), (1, 1))
        # The reply is on his card and in the sender's notifications
        comment, = Pool().get('ir.chat.message').search([
                ('channel.resource', '=', str(self.ivan))])
        self.assertEqual(comment.content,
            "A reply to the mailing \"Весенняя акция\": Спасибо, интересно")
        notification, = Transaction().user_notifications
        self.assertEqual(
            (notification.user, notification.label, notification.description),
            (self.users['Anna'], "Иванов Иван replied to the mailing "
                "\"Весенняя акция\"", "Спасибо, интересно"))

    @with_transaction()
    def test_xmpp_refused_later(self):
        """A remote domain's refusal, which comes after the ping (its
        server failed to reach the other one) while the session waits for
        it, fails the row"""
        Mechanism = Pool().get('party.contact_mechanism')
        mailing = self.setup_mailing(
            email_html='', subject=None, xmpp_text="Привет!")
        # A domain that does not resolve
        Mechanism.create([{'party': self.romashka.id, 'type': 'jabber',
                    'value': 'sales@romashka.invalid'}])
        with xmpp_server():
            result, = self.deliver(mailing).results
        self.assertEqual(result.state, 'failed')
        self.assertIn('Server-to-server', result.error)

    @with_transaction()
    def test_xmpp_send_test(self):
        "Send Test writes to the Jabber address of one's employee"
        Mechanism = Pool().get('party.contact_mechanism')
        mailing = self.setup_mailing(
            email_html='', subject=None, xmpp_text="Привет, {{name}}!")
        anna = self.users['Anna']
        with xmpp_server() as server:
            own = server.recipient('anna')
            Mechanism.create([{'party': anna.employee.party.id,
                        'type': 'jabber', 'value': own.jid}])
            with Transaction().set_user(anna.id):
                mailing.send_test([mailing])
            (sender, _, text, _), = own.wait(1)
        self.assertEqual((sender, text),
            (COMPANY, f"Привет, {anna.employee.party.rec_name}!"))

    @with_transaction()
    def test_xmpp_unreachable(self):
        "No XMPP server to reach: the rows fail with the reason"
        Mechanism = Pool().get('party.contact_mechanism')
        mailing = self.setup_mailing(
            email_html='', subject=None, xmpp_text="Привет!")
        Mechanism.create([{'party': self.romashka.id, 'type': 'jabber',
                    'value': 'sales@crm.test'}])
        with xmpp_server() as server:
            port = server.port
        with configured('xmpp', jid=COMPANY, password='x',
                host='127.0.0.1', port=str(port)):
            mailing = self.deliver(mailing)
        result, = mailing.results
        self.assertEqual(result.state, 'failed')
        self.assertIn('Connect call failed', result.error)

    @with_transaction()
    def test_jabber_address_checked(self):
        "A Jabber contact is an account's address, kept in lower case"
        Mechanism = Pool().get('party.contact_mechanism')
        self.setup_company()
        for value in ['ivan', 'ivan@', '@crm.test', 'ivan@crm.test/home',
                'ivan@crm@test']:
            with self.subTest(value=value), \
                    self.assertRaises(InvalidJabber):
                Mechanism.create([{'party': self.ivan.id, 'type': 'jabber',
                            'value': value}])
        mechanism, = Mechanism.create([{'party': self.ivan.id,
                    'type': 'jabber', 'value': ' Ivan@CRM.test '}])
        self.assertEqual(mechanism.value_compact, 'ivan@crm.test')
