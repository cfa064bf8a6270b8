# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The guests' portal over HTTP: trytond's own WSGI application on a real
database, driven by werkzeug's test client as a browser would; each
attack of the security list tried once and refused."""
import base64
import datetime as dt
import io
import json
import re
from contextlib import ExitStack
from html import unescape
from unittest.mock import patch

from werkzeug.test import Client

import trytond.config as config
from trytond.modules.company.tests import create_company, create_employee
from trytond.pool import Pool
from trytond.res import user as res_user
from trytond.tests.test_tryton import DB_NAME, _DBTestCase
from trytond.transaction import Transaction
from trytond.wsgi import app

from trytond.modules.crm_counterparty.guest import CHAT_PAGE
from trytond.modules.crm_counterparty.guest_file import UPLOAD_MAX
from trytond.modules.crm_counterparty.tests.clamav_server import (
    EICAR, FOUND, clamd_server)
from trytond.modules.crm_counterparty.tests.smtp_server import smtp_server
from trytond.modules.crm_counterparty.tests.test_guest import link_token

CSRF = re.compile(r'name="csrf" value="(\w+)"')
PASSWORD = 'Sever-Veter-2031'
HOSTILE = '<script>alert("x")</script>'
START = dt.datetime(2031, 3, 4, 9, 0)
HOUR = dt.timedelta(hours=1)


def transaction():
    "A transaction of the test's own on the test database, as the system"
    return Transaction().start(DB_NAME, 0)


class PortalTestCase(_DBTestCase):
    "Test the portal's pages and its defences, over WSGI"
    module = 'crm_counterparty'
    extras = ['project', 'sale_opportunity']

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        stack = ExitStack()
        cls.addClassCleanup(stack.close)
        cls.mailbox = stack.enter_context(smtp_server())
        with transaction() as t:
            cls._set_up_data()
            t.commit()

    @classmethod
    def _set_up_data(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Communication = pool.get('crm.communication')
        Work = pool.get('project.work')
        WebUser = pool.get('web.user')
        User = pool.get('res.user')
        company = create_company()
        marina = create_employee(company, "Марина Соколова")
        User.create([{
                    'name': "Марина", 'login': 'marina',
                    'email': 'marina@example.com',
                    'employees': [('add', [marina.id])],
                    'employee': marina.id,
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    }])
        client, other = Party.create([
                {'name': "ООО «Северный ветер»", 'responsible': marina.id},
                {'name': "ООО «Южный ветер»", 'responsible': marina.id},
                ])
        ivan, anna = Party.create([
                {'name': "Иванов Иван " + HOSTILE, 'kind': 'person',
                    'employer': client.id},
                {'name': "Анна Южная", 'kind': 'person',
                    'employer': other.id},
                ])

        def plan(subject, party):
            communication, = Communication.create([{
                        'subject': subject, 'start': START,
                        'end': START + HOUR, 'company': company.id,
                        'organiser': marina.id,
                        'employees': [('add', [marina.id])],
                        'parties': [('add', [party.id])],
                        }])
            return communication
        cls.ours = plan("Встреча " + HOSTILE, client).id
        cls.theirs = plan("Тайная встреча юга", anna).id
        cls.our_task, cls.their_task = [w.id for w in Work.create([
                    {'name': "Задача севера", 'type': 'task',
                        'company': company.id, 'party': client.id},
                    {'name': "Задача юга", 'type': 'task',
                        'company': company.id, 'party': other.id},
                    ])]
        cls.ivan, cls.anna = WebUser.create([
                {'email': 'ivan@client.example', 'party': ivan.id,
                    'password': PASSWORD, 'guest_state': 'active'},
                {'email': 'anna@other.example', 'party': anna.id,
                    'password': PASSWORD, 'guest_state': 'active'},
                ])
        cls.ivan, cls.anna = cls.ivan.id, cls.anna.id
        cls.ivan_party = ivan.id
        cls._set_up_deals(company, marina, client, ivan, other)

    @classmethod
    def _set_up_deals(cls, company, marina, client, ivan, other):
        """Opportunities of Ivan's company, of Ivan, of the other client;
        the first with a line and two sales, one still a draft"""
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Sale = pool.get('sale.sale')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('symbol', '=', 'u')])
        with Transaction().set_context(company=company.id):
            template, = Template.create([{
                        'name': "Ветряк " + HOSTILE, 'type': 'service',
                        'default_uom': unit.id, 'salable': True,
                        'sale_uom': unit.id,
                        'list_price': 5000, 'products': [('create', [{}])],
                        }])
        product, = template.products
        deal, *_ = Opportunity.create([{
                    'company': company.id, 'currency': company.currency.id,
                    'employee': marina.id, 'start_date': dt.date(2031, 3, 1),
                    'party': party.id, 'description': description,
                    'amount': amount, 'state': state,
                    } for party, description, amount, state in [
                    (client, "Поставка ветряков " + HOSTILE, 150000,
                        'opportunity'),
                    (ivan, "Обучение Ивана", 20000, 'won'),
                    (client, "Лид: ещё не решили", 1, 'lead'),
                    (client, "Отменённая поставка", 2, 'cancelled'),
                    (other, "Поставка юга", 3, 'opportunity'),
                    ]])
        Opportunity.write([deal], {'lines': [('create', [{
                            'product': product.id, 'quantity': 30,
                            'unit': unit.id}])]})
        quoted, _ = Sale.create([{
                    'company': company.id, 'currency': company.currency.id,
                    'party': client.id, 'origin': str(deal), 'number': number,
                    'lines': [('create', [{
                                    'product': product.id, 'quantity': 30,
                                    'unit': unit.id, 'unit_price': 5000,
                                    }])],
                    } for number in ['S-0031', 'S-ЧЕРНОВИК']])
        Sale.write([quoted], {'state': 'quotation'})

    def url(self, path=''):
        return '/%s/portal/%s' % (DB_NAME, path)

    def client(self):
        return Client(app)

    def csrf(self, client, path='login'):
        "The CSRF token of the form of the page at path"
        response = client.get(self.url(path))
        return CSRF.search(response.get_data(as_text=True)).group(1)

    def log_in(self, email='ivan@client.example', password=PASSWORD):
        client = self.client()
        response = client.post(self.url('login'), data={
                'csrf': self.csrf(client), 'email': email,
                'password': password})
        self.assertEqual(response.status_code, 303, response.get_data())
        return client

    def page(self, client, path):
        response = client.get(self.url(path))
        return response.status_code, response.get_data(as_text=True)

    def test_pages(self):
        "A guest logs in and sees his counterparty's records only"
        client = self.log_in()
        status, html = self.page(client, '')
        self.assertEqual(status, 200)
        self.assertIn('Встреча', html)
        self.assertIn('Задача севера', html)
        self.assertNotIn('юга', html)
        self.assertEqual(
            self.page(client, 'communication/%s' % self.ours)[0], 200)
        self.assertEqual(self.page(client, 'task/%s' % self.our_task)[0], 200)
        with transaction():
            WebUser = Pool().get('web.user')
            self.assertTrue(WebUser(self.ivan).guest_last_login)

    def test_idor(self):
        "No record of another counterparty by any address, id or form"
        pool = Pool(DB_NAME)
        client = self.log_in()
        for path in [
                'communication/%s' % self.theirs,
                'task/%s' % self.their_task,
                'communication/%s' % self.their_task,
                'task/%s' % self.theirs,
                'party/%s' % self.ivan_party,
                'communication/%s?id=%s' % (self.theirs, self.ours),
                ]:
            with self.subTest(path=path):
                status, html = self.page(client, path)
                self.assertEqual(status, 404)
                self.assertNotIn('юга', html)
        token = self.csrf(client, 'communication/%s' % self.ours)
        for target in [
                'communication/%s' % self.theirs,
                'task/%s' % self.their_task]:
            response = client.post(self.url(target), data={
                    'csrf': token, 'content': "Подсмотрел"})
            self.assertEqual(response.status_code, 404)
        with transaction():
            Message = pool.get('ir.chat.message')
            self.assertEqual(
                Message.search([('content', '=', "Подсмотрел")]), [])

    def test_files(self):
        """A guest downloads the files shared on his records, as bytes to
        save, and attaches his own; nothing of another's, nothing unshared,
        nothing empty, too big or without the form's token"""
        pool = Pool(DB_NAME)
        Attachment = pool.get('ir.attachment')
        with transaction() as t:
            shared, internal, south = Attachment.create([
                    {'resource': 'crm.communication,%s' % self.ours,
                        'name': 'договор.html', 'guest_shared': True,
                        'data': b'<script>alert(1)</script>'},
                    {'resource': 'crm.communication,%s' % self.ours,
                        'name': 'internal.txt', 'data': b'internal'},
                    {'resource': 'crm.communication,%s' % self.theirs,
                        'name': 'south.txt', 'guest_shared': True,
                        'data': b'south'},
                    ])
            t.commit()
        ours = 'communication/%s' % self.ours
        client = self.log_in()
        html = self.page(client, ours)[1]
        self.assertIn('договор.html', html)
        self.assertNotIn('internal.txt', html)

        response = client.get(self.url('%s/files/%s' % (ours, shared.id)))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.get_data(), b'<script>alert(1)</script>')
        self.assertEqual(response.content_type, 'application/octet-stream')
        self.assertEqual(response.headers['X-Content-Type-Options'], 'nosniff')
        self.assertTrue(response.headers['Content-Disposition'].startswith(
                'attachment;'))
        for path in [
                '%s/files/%s' % (ours, internal.id),
                '%s/files/%s' % (ours, south.id),
                'communication/%s/files/%s' % (self.theirs, south.id),
                'task/%s/files/%s' % (self.ours, shared.id)]:
            with self.subTest(path=path):
                self.assertEqual(self.page(client, path)[0], 404)

        token = self.csrf(client, ours)
        config.set('web', 'portal_upload_max', '16')
        self.addCleanup(
            config.set, 'web', 'portal_upload_max', str(UPLOAD_MAX))
        answers = {}
        for name, target, data, status in [
                ('no token', ours, {'file': (io.BytesIO(b'Hi'), 'a.txt')},
                    403),
                ('empty', ours,
                    {'csrf': token, 'file': (io.BytesIO(b''), 'b.txt')}, 400),
                ('too big', ours,
                    {'csrf': token, 'file': (io.BytesIO(b'x' * 17), 'c.txt')},
                    400),
                ('theirs', 'communication/%s' % self.theirs,
                    {'csrf': token, 'file': (io.BytesIO(b'y'), 'd.txt')},
                    404),
                ('good', ours, {'csrf': token,
                        'file': (io.BytesIO(b'x' * 16), '../../docs/акт.txt')},
                    303),
                ]:
            with self.subTest(name=name):
                response = client.post(self.url(target + '/files'),
                    data=data, content_type='multipart/form-data')
                self.assertEqual(response.status_code, status)
                answers[name] = response.get_data(as_text=True)
        self.assertIn('Choose a file that is not empty.', answers['empty'])
        self.assertIn('The file "c.txt" is larger than 16 bytes',
            answers['too big'])
        with transaction():
            Communication = pool.get('crm.communication')
            uploaded = Attachment.search([('guest_uploader', '!=', None)])
            self.assertEqual([(a.name, a.resource, a.data, a.guest_shared,
                        a.guest_uploader.id) for a in uploaded], [
                    ('акт.txt', Communication(self.ours), b'x' * 16, True,
                        self.ivan)])
        self.assertIn('акт.txt', self.page(client, ours)[1])

    def test_files_scanned(self):
        """With clamd configured, an infected upload is refused and the
        guest's manager told, a clean one stored; clamd stopped, an upload
        is refused unscanned (without clamd, test_files)"""
        pool = Pool(DB_NAME)
        Attachment = pool.get('ir.attachment')
        ours = 'communication/%s' % self.ours
        client = self.log_in()
        token = self.csrf(client, ours)

        def upload(data, name):
            response = client.post(self.url(ours + '/files'), data={
                    'csrf': token, 'file': (io.BytesIO(data), name)},
                content_type='multipart/form-data')
            return response.status_code, response.get_data(as_text=True)
        with clamd_server() as clamd:
            infected = upload(EICAR, 'eicar.com')
            clean = upload(b'Clean report', 'clean.txt')
            clamd.stop()
            unscanned = upload(b'Clean report', 'unscanned.txt')
        self.assertEqual(infected[0], 400)
        self.assertIn(
            'A virus was found in the file "eicar.com": it was not attached.',
            infected[1])
        self.assertEqual(clean[0], 303)
        self.assertEqual(unscanned[0], 400)
        self.assertIn('The file "unscanned.txt" could not be checked for '
            'viruses', unscanned[1])
        with transaction() as t:
            stored = Attachment.search([('name', 'in',
                        ['eicar.com', 'clean.txt', 'unscanned.txt'])])
            self.assertEqual(
                [(a.name, a.data, a.guest_uploader.id) for a in stored],
                [('clean.txt', b'Clean report', self.ivan)])
            # test_files counts the guests' uploads
            Attachment.delete(stored)
            t.commit()
            Notification = pool.get('res.notification')
            User = pool.get('res.user')
            marina, = User.search([('login', '=', 'marina')])
            told, = Notification.search([
                    ('user', '=', marina.id), ('label', 'like', '%eicar.com%'),
                    ])
            self.assertEqual((told.model, json.loads(told.records)),
                ('crm.communication', [self.ours]))
            self.assertIn(FOUND, told.label)

    def test_company_card(self):
        """Off by default; allowed, the guest reads his company's fields
        the configuration shows guests, and those only"""
        pool = Pool(DB_NAME)
        client = self.log_in()
        self.assertEqual(self.page(client, 'company')[0], 404)
        self.assertNotIn('/portal/company"', self.page(client, '')[1])

        def configure(sees, names):
            # The configuration is made on its first write, under a lock
            # that a transaction must take when it starts
            with Transaction().start(DB_NAME, 0,
                    _lock_tables=['party_configuration']) as t:
                Party = pool.get('party.party')
                Configuration = pool.get('party.configuration')
                Field = pool.get('ir.model.field')
                Party.write([Party(self.ivan_party)],
                    {'guest_sees_company': sees})
                configuration = Configuration(1)
                configuration.guest_company_fields = Field.search([
                        ('model', '=', 'party.party'),
                        ('name', 'in', names)])
                configuration.save()
                t.commit()
        configure(True, ['kind', 'responsible', 'guest_sees_company'])
        self.addCleanup(configure, False, [])
        self.assertIn('/portal/company"', self.page(client, '')[1])
        status, html = self.page(client, 'company')
        self.assertEqual(status, 200)
        self.assertIn('<h1>ООО «Северный ветер»</h1>', html)
        for label, value in [('Kind', 'Company'),
                ('Responsible', 'Марина Соколова'),
                ('Sees Company Card', 'No')]:
            self.assertRegex(html,
                r'<dt>%s</dt><dd class="content">%s</dd>' % (label, value))
        self.assertNotIn('Code', html)
        # Anna's company lets her see nothing
        anna = self.log_in('anna@other.example')
        self.assertEqual(self.page(anna, 'company')[0], 404)

    def test_deals(self):
        """Off by default; allowed, the guest reads his company's and his
        own opportunities, never a lead, a cancelled one or another's"""
        client = self.log_in()
        self.assertEqual(self.page(client, 'deals')[0], 404)
        self.assertNotIn('/portal/deals"', self.page(client, '')[1])

        def allow(sees):
            with transaction() as t:
                Party = Pool(DB_NAME).get('party.party')
                Party.write([Party(self.ivan_party)],
                    {'guest_sees_deals': sees})
                t.commit()
        allow(True)
        self.addCleanup(allow, False)
        self.assertIn('/portal/deals"', self.page(client, '')[1])
        status, html = self.page(client, 'deals')
        self.assertEqual(status, 200)
        self.assertIn("Поставка ветряков &lt;script&gt;", html)
        self.assertNotIn(HOSTILE, html)
        self.assertIn("Обучение Ивана", html)
        # The guest's language's formats (Russian here)
        self.assertRegex(html, r'Opportunity\s+·\s+01\.03\.2031')
        self.assertIn("150\xa0000", html)
        # Its line and its sale, not the sale still a draft
        self.assertIn("Ветряк &lt;script&gt;", html)
        self.assertRegex(html, r'30 u\b')
        self.assertIn("S-0031", html)
        self.assertIn("150\xa0000", html.split("S-0031", 1)[1])
        for hidden in ["Лид", "Отменённая", "юга", "S-ЧЕРНОВИК"]:
            self.assertNotIn(hidden, html)
        # Anna may not
        anna = self.log_in('anna@other.example')
        self.assertEqual(self.page(anna, 'deals')[0], 404)

    def test_csrf(self):
        "A POST without the visitor's own token is refused"
        client = self.log_in()
        path = self.url('communication/%s' % self.ours)
        for data in [{}, {'csrf': 'x' * 64},
                {'csrf': self.csrf(self.client())}]:
            with self.subTest(data=data):
                response = client.post(path, data={**data, 'content': "Hi"})
                self.assertEqual(response.status_code, 403)
        stranger = self.client()
        response = stranger.post(self.url('login'), data={
                'email': 'ivan@client.example', 'password': PASSWORD})
        self.assertEqual(response.status_code, 403)

    def test_escaped(self):
        "Hostile names, subjects and comments are shown as text"
        pool = Pool(DB_NAME)
        with transaction() as t:
            Channel = pool.get('ir.chat.channel')
            Communication = pool.get('crm.communication')
            with t.set_context(_notify=False):
                Channel.post(
                    Communication(self.ours), '<img src=x onerror=alert(1)>',
                    audience='public')
            t.commit()
        client = self.log_in()
        for path in ['', 'communication/%s' % self.ours]:
            with self.subTest(path=path):
                html = self.page(client, path)[1]
                self.assertNotIn('<script>alert', html)
                self.assertNotIn('<img src=x', html)
                self.assertIn('&lt;script&gt;', html)
        self.assertIn('&lt;img src=x', html)

    def test_long_chat(self):
        """A page shows the latest comments of its own chat, a link the
        earlier ones, never another record's, escaped"""
        pool = Pool(DB_NAME)
        with transaction() as t:
            Channel = pool.get('ir.chat.channel')
            Communication = pool.get('crm.communication')
            Work = pool.get('project.work')
            with t.set_context(_notify=False):
                for record in [Communication(self.ours), Work(self.our_task)]:
                    for i in range(CHAT_PAGE + 5):
                        Channel.post(record, '[c%02d] %s' % (i, HOSTILE),
                            audience='public')
                for i in range(3):
                    Channel.post(Communication(self.theirs),
                        "Тайна юга %s" % i, audience='public')
            t.commit()
        client = self.log_in()
        client.get(self.url('lang/en'))
        earlier = re.compile(r'href="([^"]+)">Earlier comments</a>')
        for path in [
                'communication/%s' % self.ours, 'task/%s' % self.our_task]:
            with self.subTest(path=path):
                html = self.page(client, path)[1]
                shown = re.findall(r'\[c(\d\d)\]', html)
                self.assertEqual(shown, ['%02d' % i
                        for i in range(5, CHAT_PAGE + 5)])
                self.assertNotIn(HOSTILE, html)
                self.assertNotIn('Latest comments', html)
                link = unescape(earlier.search(html).group(1))
                self.assertTrue(link.startswith(self.url(path + '?before=')))
                html = client.get(link).get_data(as_text=True)
                self.assertEqual(re.findall(r'\[c(\d\d)\]', html),
                    ['%02d' % i for i in range(5)])
                self.assertIn('href="%s#comments">Latest comments</a>'
                    % self.url(path), html)
                self.assertNotIn('юга', html)
                # Another record's messages are not reached by their ids
                for before in [10 ** 9, 'x']:
                    self.assertNotIn('юга', self.page(
                            client, '%s?before=%s' % (path, before))[1])
        self.assertEqual(self.page(
                client, 'communication/%s?before=%s' % (self.theirs, 10 ** 9)
                )[0], 404)

    def test_chat_authors_read_at_once(self):
        """The back office's chat names each guest who wrote, the web users
        searched once for the whole channel"""
        pool = Pool(DB_NAME)
        with transaction() as t:
            Channel = pool.get('ir.chat.channel')
            Communication = pool.get('crm.communication')
            Message = pool.get('ir.chat.message')
            WebUser = pool.get('web.user')
            channel = Channel._get_channel(Communication(self.theirs))
            Message.create([{'channel': channel.id, 'email': email,
                        'content': email, 'audience': 'public'}
                    for email in ['ivan@client.example',
                        'anna@other.example', 'stranger@example.com',
                        'anna@other.example']])
            with t.set_context(_notify=False):
                Channel.post(Communication(self.theirs), "От сотрудника")
            with patch.object(
                    WebUser, 'search', wraps=WebUser.search) as search:
                messages = Channel.get(Communication(self.theirs))
            self.assertEqual(search.call_count, 1)
            authors = {m['content']: (m['author'], m.get('by_email'))
                for m in messages}
            self.assertEqual(authors['ivan@client.example'], (
                    "Иванов Иван %s <ivan@client.example>" % HOSTILE, True))
            self.assertEqual(authors['anna@other.example'],
                ("Анна Южная <anna@other.example>", True))
            self.assertEqual(authors['stranger@example.com'],
                ('stranger@example.com', True))
            self.assertIsNone(authors["От сотрудника"][1])

    def test_cookie_flags(self):
        "The session cookie is HttpOnly, SameSite=Lax, Secure behind HTTPS"
        for https in [False, True]:
            with self.subTest(https=https):
                config.set('web', 'portal_https', str(https))
                self.addCleanup(config.set, 'web',
                    'portal_https', 'False')
                client = self.client()
                response = client.post(self.url('login'), data={
                        'csrf': self.csrf(client),
                        'email': 'ivan@client.example',
                        'password': PASSWORD})
                cookie, = [c for c in response.headers.getlist('Set-Cookie')
                    if c.startswith('crm_portal=')]
                self.assertIn('HttpOnly', cookie)
                self.assertIn('SameSite=Lax', cookie)
                self.assertIn('Path=/%s/portal' % DB_NAME, cookie)
                self.assertEqual('Secure' in cookie, https)

    def test_login_throttled(self):
        "Repeated failures lock the login, the right password too"
        config.set('session', 'max_attempt', '1')
        self.addCleanup(config.set, 'session', 'max_attempt', '5')
        client = self.client()
        statuses = []
        for password in ['wrong', 'wrong', 'wrong', PASSWORD]:
            response = client.post(self.url('login'), data={
                    'csrf': self.csrf(client),
                    'email': 'anna@other.example', 'password': password})
            statuses.append(response.status_code)
        self.assertEqual(statuses, [401, 401, 429, 429])
        with transaction() as t:
            Attempt = Pool().get('web.user.authenticate.attempt')
            Attempt.remove('anna@other.example')
            t.commit()

    def test_reset_request(self):
        """A reset link is asked the same for any address, sent to a guest
        only, and refused past max_attempt requests for an address"""
        config.set('session', 'max_attempt', '2')
        self.addCleanup(config.set, 'session', 'max_attempt', '5')
        self.mailbox.clear()
        client = self.client()
        answers = {}
        for email in ['ivan@client.example', 'nobody@client.example']:
            answers[email] = []
            for _ in range(3):
                response = client.post(self.url('reset'), data={
                        'csrf': self.csrf(client, 'reset'), 'email': email})
                answers[email].append(
                    (response.status_code, response.get_data()))
        with transaction() as t:
            Request = Pool().get('crm.portal.reset_request')
            for email in answers:
                Request.remove(email)
            t.commit()

        known, unknown = answers.values()
        self.assertEqual(known, unknown)
        self.assertEqual([s for s, _ in known], [200, 200, 429])
        self.assertEqual(len(self.mailbox.to('ivan@client.example')), 2)
        self.assertFalse(self.mailbox.to('nobody@client.example'))
        first, second = self.mailbox.to('ivan@client.example')
        # The second request's link replaced the first's
        with transaction():
            Token = Pool().get('crm.portal.token')
            self.assertFalse(Token.find(link_token(first), 'reset'))
            self.assertTrue(Token.find(link_token(second), 'reset'))

    @patch('time.sleep')
    def test_unknown_login_checks_a_hash(self, sleep):
        "An unknown address or a guest without password costs one hash"
        pool = Pool(DB_NAME)
        WebUser = pool.get('web.user')
        hasher = res_user.PASSWORD_HASH
        with transaction():
            WebUser.create([{'email': 'invited@client.example'}])
            for email, password in [
                    ('nobody@client.example', PASSWORD),
                    ('invited@client.example', PASSWORD),
                    ('anna@other.example', 'wrong'),
                    ]:
                with self.subTest(email=email), \
                        patch.object(hasher, 'verify_and_update',
                            wraps=hasher.verify_and_update) as verify:
                    self.assertIsNone(WebUser.authenticate(email, password))
                    hashes = [c.args[1] for c in verify.call_args_list]
                    self.assertEqual(len(list(filter(None, hashes))), 1)

    def test_tokens(self):
        "Invitation links work once, for their purpose, until they expire"
        pool = Pool(DB_NAME)
        Token = pool.get('crm.portal.token')
        WebUser = pool.get('web.user')
        self.mailbox.clear()
        with transaction() as t:
            WebUser.invite([WebUser(self.anna)])
            reset = Token.issue(WebUser(self.anna), 'reset')
            expired = Token.issue(
                WebUser(self.anna), 'invitation',
                now=dt.datetime.utcnow() - dt.timedelta(days=8))
            t.commit()
        message, = self.mailbox.to('anna@other.example')
        secret = link_token(message)
        client = self.client()
        # The newer invitation replaced the one of the e-mail
        for purpose, token in [
                ('invitation', reset), ('reset', secret),
                ('invitation', expired), ('invitation', 'guess')]:
            with self.subTest(purpose=purpose):
                path = 'password/%s?token=%s' % (purpose, token)
                self.assertEqual(self.page(client, path)[0], 404)

        path = 'password/reset?token=%s' % reset
        data = {'csrf': self.csrf(client, path),
            'password': 'Novy-Parol-2031', 'confirm': 'Novy-Parol-2031'}
        response = client.post(self.url(path), data=data)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.page(client, '')[0], 200)
        response = self.client().post(self.url(path), data=data)
        self.assertIn(response.status_code, {403, 404})
        self.log_in('anna@other.example', 'Novy-Parol-2031')
        with transaction() as t:
            WebUser.write([WebUser(self.anna)], {'password': PASSWORD})
            t.commit()

    def test_sessions_apart(self):
        "A guest's session opens no RPC; a back-office session no portal"
        pool = Pool(DB_NAME)
        guest = self.log_in()
        rpc = '/%s/rpc/' % DB_NAME
        call = json.dumps({'id': 1, 'method': 'model.party.party.search',
                'params': [[], 0, None, None, {}]})
        response = guest.post(
            rpc, data=call, content_type='application/json')
        self.assertEqual(response.status_code, 401)

        with transaction() as t:
            Session = pool.get('ir.session')
            with t.set_user(1):
                key = Session.new()
            t.commit()
        login = 'admin:1:%s' % key
        header = {'Authorization': 'Session ' + base64.b64encode(
                login.encode()).decode()}
        office = self.client()
        response = office.post(rpc, data=call, headers=header,
            content_type='application/json')
        self.assertEqual(response.status_code, 200)
        self.assertIn('result', response.get_json())
        office.set_cookie('tryton_session', login, path='/' + DB_NAME)
        response = office.get(self.url(), headers=header)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.location.endswith('/portal/login'))

    def test_suspend_ends_sessions(self):
        "Suspending or revoking ends an open session at once"
        pool = Pool(DB_NAME)
        WebUser = pool.get('web.user')
        client = self.log_in()
        self.assertEqual(self.page(client, '')[0], 200)
        with transaction() as t:
            WebUser.suspend_access([WebUser(self.ivan)])
            t.commit()
        self.assertEqual(self.page(client, '')[0], 303)
        with transaction() as t:
            WebUser.resume_access([WebUser(self.ivan)])
            t.commit()
        # Resumed, he logs in again
        self.assertEqual(self.page(client, '')[0], 303)
        self.assertEqual(self.page(self.log_in(), '')[0], 200)

    def test_comment_propose_contact(self):
        "A comment reaches the chat, a proposal the manager, the card a phone"
        pool = Pool(DB_NAME)
        client = self.log_in()
        path = 'communication/%s' % self.ours
        response = client.post(self.url(path), data={
                'csrf': self.csrf(client, path), 'content': "Буду к 10"})
        self.assertEqual(response.status_code, 303)
        with transaction() as t:
            Channel = pool.get('ir.chat.channel')
            Communication = pool.get('crm.communication')
            message, = [m for m in Channel.get(Communication(self.ours))
                if m['content'] == "Буду к 10"]
            # sao shows it as the guest's, by his name
            self.assertTrue(message['by_email'])
            self.assertEqual(message['author'],
                "Иванов Иван %s <ivan@client.example>" % HOSTILE)
            self.mailbox.clear()
            Channel.post(Communication(self.ours), "Ждём вас",
                audience='public')
            Channel.post(Communication(self.ours), "Внутреннее",
                audience='internal')
            t.commit()
        html = self.page(client, path)[1]
        self.assertIn("Ждём вас", html)
        self.assertNotIn("Внутреннее", html)
        # He follows what he commented on: the public answer reaches him
        answer, = self.mailbox.to('ivan@client.example')
        self.assertIn("Ждём вас", answer.get_body().get_content())

        response = client.post(self.url('propose'), data={
                'csrf': self.csrf(client, 'propose'),
                'subject': "Созвон по счёту", 'start': '2031-05-06T15:00'})
        self.assertEqual(response.status_code, 303)
        # He is told of it as of every new communication of his
        told, = [m for m in self.mailbox.to('ivan@client.example')
            if "Созвон по счёту" in str(m['Subject'])]
        self.assertIn('/portal/communication/', told.get_body().get_content())
        with transaction():
            Communication = pool.get('crm.communication')
            proposed, = Communication.search(
                [('subject', '=', "Созвон по счёту")])
            self.assertEqual(proposed.proposed_by.id, self.ivan)
            self.assertEqual(proposed.state, 'planned')
            self.assertEqual(
                proposed.organiser.party.name, "Марина Соколова")

        token = self.csrf(client, 'contact')
        response = client.post(self.url('contact'), data={
                'csrf': token, 'phone': '+7 916 123-45-67',
                'email': 'no at sign'})
        self.assertEqual(response.status_code, 200)
        self.assertIn('class="error"', response.get_data(as_text=True))
        response = client.post(self.url('contact'), data={
                'csrf': token, 'phone': '+7 916 123-45-67', 'email': '',
                'telegram': '@ivan_north'})
        self.assertIn('value="@ivan_north"', response.get_data(as_text=True))
        with transaction():
            Party = pool.get('party.party')
            ContactMechanism = pool.get('party.contact_mechanism')
            self.assertEqual(Party(self.ivan_party).phone, '8 (916) 123-45-67')
            telegram, = ContactMechanism.search([
                    ('party', '=', self.ivan_party),
                    ('type', '=', 'telegram')])
            self.assertEqual(telegram.value, '@ivan_north')
            # An employee's later change is his, not the guest's
            phone, = ContactMechanism.search([
                    ('party', '=', self.ivan_party), ('type', '=', 'phone')])
            ContactMechanism.write([phone], {'value': '+7 916 765-43-21'})
            self.assertEqual(self.journal_authors(self.ivan_party), [
                    ('8 (916) 765-43-21', "System"),
                    ('8 (916) 123-45-67',
                        "Иванов Иван %s (guest)" % HOSTILE)])

    def journal_authors(self, party_id):
        "The values of the changes of the card's phones and their authors"
        pool = Pool()
        Party = pool.get('party.party')
        Entry = pool.get('crm.counterparty.journal.entry')
        party, = Party.read([party_id], ['journal'])
        found = []
        for entry in Entry.read(party['journal'], ['text', 'author']):
            phone = re.search(r'8 \(916\) [\d-]+$', entry['text'])
            if phone:
                found.append((phone.group(), entry['author']))
        return found

    def test_write_to_managers(self):
        "Managers are notified and e-mailed; their answer reaches the guest"
        pool = Pool(DB_NAME)
        client = self.log_in()
        self.mailbox.clear()
        response = client.post(self.url('messages'), data={
                'csrf': self.csrf(client, 'messages'),
                'content': "Пришлите, пожалуйста, акт сверки"})
        self.assertEqual(response.status_code, 303)
        told, = self.mailbox.to('marina@example.com')
        self.assertIn("акт сверки", told.get_body().get_content())
        with transaction() as t:
            Channel = pool.get('ir.chat.channel')
            Notification = pool.get('res.notification')
            Party = pool.get('party.party')
            User = pool.get('res.user')
            marina, = User.search([('login', '=', 'marina')])
            self.assertTrue(Notification.search([('user', '=', marina.id)]))
            with t.set_user(marina.id):
                Channel.post(Party(self.ivan_party), "Отправил акт",
                    audience='public')
            t.commit()
        answer, = self.mailbox.to('ivan@client.example')
        self.assertIn("Отправил акт", answer.get_body().get_content())
        self.assertIn("Отправил акт", self.page(client, 'messages')[1])
