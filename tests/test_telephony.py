# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The telephony webhook over HTTP, as the providers call it, against
trytond's WSGI application on a real database: what is refused, and where
each provider's call lands."""
import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import unittest
import urllib.parse
import uuid

from werkzeug.test import Client

from trytond import backend
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, create_employee
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import DB_NAME, _DBTestCase
from trytond.transaction import Transaction
from trytond.wsgi import app

from trytond.modules.crm_counterparty.call import listen_asterisk
from trytond.modules.crm_counterparty.exceptions import CallError
from trytond.modules.crm_counterparty.telephony import (
    CallEvent, generic, mango, zadarma)
from trytond.modules.crm_counterparty.tests.ami_server import ami_server
from trytond.modules.crm_counterparty.tests.http_server import (
    at_once, http_server)

SECRET = 'секрет-АТС-1'
CLIENT_PHONE = '+7 916 123-45-67'
API_KEY = '4e1f0c2b9a7d'
DIRECTOR_PHONE = '8 (495) 765-43-21'


class Call:
    "What a test reads of a logged call, once its transaction is over"

    def __init__(self, communication):
        self.id = communication.id
        for name in ['call_direction', 'call_result', 'call_duration',
                'recording', 'state']:
            setattr(self, name, getattr(communication, name))
        self.organiser = communication.organiser.id
        self.category = communication.category.name

    def __str__(self):
        return 'crm.communication,%s' % self.id


class TelephonyTestCase(_DBTestCase):
    "Test the telephony connectors: webhooks over HTTP, Asterisk's AMI"
    module = 'crm_counterparty'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The webhook's transactions see only what is committed
        with Transaction().start(DB_NAME, 0) as transaction:
            cls.setup_office()
            transaction.commit()
        cls.http = Client(app)

    @classmethod
    def setup_office(cls):
        pool = Pool()
        Connector = pool.get('crm.telephony.connector')
        ModelData = pool.get('ir.model.data')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        company = create_company()
        cls.company_id = company.id
        marina = create_employee(company, "Марина Соколова")
        oleg = create_employee(company, "Олег Ветров")
        cls.marina_user, cls.oleg_user = User.create([{
                    'name': name, 'login': login,
                    'employees': [('add', [employee.id])],
                    'employee': employee.id,
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'groups': [('add', [ModelData.get_id(
                                    'crm_counterparty', 'group_crm_user')])],
                    } for name, login, employee in [
                    ("Марина", 'marina', marina), ("Олег", 'oleg', oleg)]])
        client, = Party.create([{
                    'name': "ООО «Северный ветер»",
                    'contact_mechanisms': [('create', [
                                {'type': 'phone', 'value': CLIENT_PHONE}])],
                    }])
        director, = Party.create([{
                    'name': "Иванов Иван", 'kind': 'person',
                    'employer': client.id,
                    'contact_mechanisms': [('create', [
                                {'type': 'mobile', 'value': DIRECTOR_PHONE}])],
                    }])
        cls.client_id, cls.director_id = client.id, director.id
        cls.marina_id, cls.oleg_id = marina.id, oleg.id
        cls.connectors = {}
        for provider in ['generic', 'mango', 'zadarma', 'sipuni', 'asterisk']:
            connector, = Connector.create([{
                        'name': provider, 'provider': provider,
                        'company': company.id, 'secret': SECRET,
                        'employee': oleg.id,
                        'ami_host': '127.0.0.1', 'ami_username': 'crm',
                        'extensions': [('create', [
                                    {'extension': '101',
                                        'employee': marina.id}])],
                        }])
            cls.connectors[provider] = connector.id

    def url(self, provider, path=''):
        return '/%s/crm/telephony/%s%s' % (
            DB_NAME, self.connectors[provider], path)

    def post_generic(self, secret=SECRET, sent=None, **data):
        body = json.dumps(data).encode()
        timestamp = str(int(sent if sent is not None else time.time()))
        return self.http.post(self.url('generic'), data=body, headers={
                generic.TIMESTAMP_HEADER: timestamp,
                generic.SIGNATURE_HEADER: generic.sign(
                    secret, timestamp, body),
                'Content-Type': 'application/json',
                })

    def calls(self, call_id):
        "The communications logged of the call, as (values, parties)"
        with Transaction().start(DB_NAME, 0, readonly=True):
            Communication = Pool().get('crm.communication')
            return [(Call(c), sorted(p.id for p in c.parties))
                for c in Communication.search([('call_id', '=', call_id)])]

    def read(self, function):
        with Transaction().start(DB_NAME, 0, readonly=True):
            return function(Pool())

    def test_wrong_signature_refused(self):
        "A request not signed with the connector's secret does nothing"
        call_id = uuid.uuid4().hex
        response = self.post_generic(secret='не тот', event_id=call_id,
            call_id=call_id, event='missed', number=CLIENT_PHONE)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.calls(call_id), [])

    def test_old_delivery_refused(self):
        "A delivery signed ten minutes ago is refused as a replay"
        call_id = uuid.uuid4().hex
        response = self.post_generic(sent=time.time() - 600,
            event_id=call_id, call_id=call_id, event='missed',
            number=CLIENT_PHONE)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.calls(call_id), [])

    def test_generic_missed_call(self):
        """A ringing call tells the employee of the extension whose card it
        is; missed, it is logged on the card, a call back is planned and
        call_missed raised; the same event again changes nothing"""
        call_id = uuid.uuid4().hex
        ringing = self.post_generic(event_id=call_id + '-1', call_id=call_id,
            event='ringing', number='+79161234567', extension='101')
        self.assertEqual(ringing.status_code, 200)
        labels = self.read(lambda pool: [n.label
                for n in pool.get('res.notification').search([
                        ('user', '=', self.marina_user.id)])])
        self.assertIn(
            "ООО «Северный ветер» is calling (+79161234567)", labels)

        for _ in range(2):
            ended = self.post_generic(event_id=call_id + '-2',
                call_id=call_id, event='missed', number='89161234567',
                extension='101', start=int(time.time()) - 30, duration=0)
            self.assertEqual(ended.status_code, 200, ended.data)
        self.assertEqual(ended.json['events'], 0)
        (call, parties), = self.calls(call_id)
        self.assertEqual(parties, [self.client_id])
        self.assertEqual(
            (call.call_direction, call.call_result, call.state),
            ('incoming', 'missed', 'done'))
        self.assertEqual(call.organiser, self.marina_id)
        self.assertEqual(call.category, "Call")

        def planned(pool):
            Communication = pool.get('crm.communication')
            Event = pool.get('crm.counterparty.event')
            back = Communication.search([('previous.call_id', '=', call_id)])
            events = Event.search([('record', '=', str(call))])
            return ([(c.subject, c.state, c.organiser.id) for c in back],
                [(e.kind, e.party.id) for e in events])
        back, events = self.read(planned)
        self.assertEqual(
            back, [("Call back 89161234567", 'planned', self.marina_id)])
        self.assertEqual(events, [('call_missed', self.client_id)])

    def test_mango_answered_call(self):
        "Mango's summary of an answered call, the number without a +"
        entry = uuid.uuid4().hex
        now = int(time.time())
        data = json.dumps({
                'entry_id': entry, 'call_direction': 1,
                'from': {'number': '79161234567'},
                'to': {'extension': '101', 'number': '74950000000'},
                'line_number': '74950000000', 'create_time': now - 95,
                'forward_time': now - 93, 'talk_time': now - 85,
                'end_time': now, 'entry_result': 1,
                'disconnect_reason': 1110,
                })
        form = {'vpbx_api_key': 'key', 'json': data,
            'sign': mango.sign(SECRET, 'key', data)}
        refused = self.http.post(self.url('mango', '/events/summary'),
            data=dict(form, sign='0' * 64))
        self.assertEqual(refused.status_code, 403)
        response = self.http.post(
            self.url('mango', '/events/summary'), data=form)
        self.assertEqual(response.status_code, 200, response.data)
        (call, parties), = self.calls(entry)
        self.assertEqual(parties, [self.client_id])
        self.assertEqual((call.call_result, call.call_duration),
            ('answered', dt.timedelta(seconds=85)))
        kinds = self.read(lambda pool: [e.kind
                for e in pool.get('crm.counterparty.event').search([
                        ('record', '=', str(call))])])
        self.assertEqual(kinds, ['call_received'])

    def test_zadarma_call_of_contact_person(self):
        """Zadarma's end of a call from a contact person's mobile lands on
        her card and her company's"""
        pbx_call_id = 'in_' + uuid.uuid4().hex
        form = {
            'event': 'NOTIFY_END', 'call_start': dt.datetime.utcnow(
                ).strftime('%Y-%m-%d %H:%M:%S'),
            'pbx_call_id': pbx_call_id, 'caller_id': '74957654321',
            'called_did': '74950000000', 'internal': '101',
            'duration': '42', 'disposition': 'answered',
            'status_code': '16', 'is_recorded': '0',
            }
        signature = zadarma.sign(SECRET, form)
        refused = self.http.post(self.url('zadarma'), data=form,
            headers={zadarma.SIGNATURE_HEADER: signature[::-1]})
        self.assertEqual(refused.status_code, 403)
        response = self.http.post(self.url('zadarma'), data=form,
            headers={zadarma.SIGNATURE_HEADER: signature})
        self.assertEqual(response.status_code, 200, response.data)
        (call, parties), = self.calls(pbx_call_id)
        self.assertEqual(parties, sorted([self.client_id, self.director_id]))
        self.assertEqual(call.call_duration, dt.timedelta(seconds=42))

    def test_sipuni_outgoing_call_recorded(self):
        "Sipuni's end of an outgoing call with its recording"
        call_id = uuid.uuid4().hex
        now = int(time.time())
        form = {
            'event': '2', 'call_id': call_id, 'src_num': '101',
            'src_type': '2', 'dst_num': '84957654321', 'dst_type': '1',
            'status': 'ANSWER', 'timestamp': str(now),
            'call_start_timestamp': str(now - 70),
            'call_answer_timestamp': str(now - 60),
            'call_record_link': 'https://sipuni.com/api/crm/record?id=1',
            }
        refused = self.http.post(self.url('sipuni') + '?token=wrong',
            data=form)
        self.assertEqual(refused.status_code, 403)
        response = self.http.post(
            self.url('sipuni'), data=dict(form, token=SECRET))
        self.assertEqual(response.status_code, 200, response.data)
        (call, parties), = self.calls(call_id)
        self.assertEqual(parties, sorted([self.client_id, self.director_id]))
        self.assertEqual(
            (call.call_direction, call.call_result, call.recording,
                call.organiser, call.call_duration),
            ('outgoing', 'answered', form['call_record_link'],
                self.marina_id, dt.timedelta(seconds=60)))

    def test_unknown_number(self):
        """An unknown number offers to create its card, to the connector's
        employee when no extension is known; its call is logged on no
        card"""
        call_id = uuid.uuid4().hex
        number = '+7 812 000-00-01'
        self.post_generic(event_id=call_id + '-1', call_id=call_id,
            event='ringing', number=number, extension='999')
        response = self.post_generic(event_id=call_id + '-2',
            call_id=call_id, event='ended', number=number)
        self.assertEqual(response.status_code, 200, response.data)
        (call, parties), = self.calls(call_id)
        self.assertEqual(parties, [])
        self.assertEqual((call.call_direction, call.call_result,
                call.organiser), ('incoming', 'answered', self.oleg_id))

        def offer(pool):
            ModelData = pool.get('ir.model.data')
            Notification = pool.get('res.notification')
            Party = pool.get('party.party')
            notification, = Notification.search([
                    ('label', 'like', '%' + number + '%')])
            context = PYSONDecoder().decode(
                json.loads(notification.action_value)['pyson_context'])
            with Transaction().set_context(context):
                phones = Party.default_contact_mechanisms()
            return (notification.user.id, notification.label,
                notification.action.id == ModelData.get_id(
                    'crm_counterparty', 'act_party_from_call'), phones)
        self.assertEqual(self.read(offer), (self.oleg_user.id,
                "+7 812 000-00-01 is calling, unknown: create a counterparty",
                True, [{'type': 'phone', 'value': number}]))

    @unittest.skipIf(backend.name == 'sqlite',
        "SQLite's test database is one connection: requests cannot overlap")
    def test_same_event_twice_at_once(self):
        "The same event delivered twice at the same time is logged once"
        call_id = uuid.uuid4().hex
        self.assertEqual(at_once(lambda: self.post_generic(event_id=call_id,
                    call_id=call_id, event='ended', number=CLIENT_PHONE,
                    extension='101', duration=12).status_code), [200, 200])
        self.assertEqual(len(self.calls(call_id)), 1)

    def listen_until(self, server, call_id):
        "Listen to the AMI server until the call is logged"
        self.use_ami(server)

        async def listen():
            stop = asyncio.Event()
            listening = asyncio.create_task(listen_asterisk(
                    DB_NAME, self.connectors['asterisk'], stop))
            while not self.calls(call_id) and not listening.done():
                await asyncio.sleep(0.01)
            stop.set()
            await listening
        asyncio.run(asyncio.wait_for(listen(), 10))

    def use_ami(self, server):
        with Transaction().start(DB_NAME, 0) as transaction:
            Connector = Pool().get('crm.telephony.connector')
            Connector.write([Connector(self.connectors['asterisk'])],
                {'ami_port': server.address[1]})
            transaction.commit()

    def test_asterisk_missed_call(self):
        """Asterisk's DialBegin rings the extension's employee, its Cdr of
        an unanswered call is logged on the card"""
        linked = uuid.uuid4().hex
        events = [{
                'Event': 'DialBegin', 'CallerIDNum': '8 916 123 45 67',
                'DestCallerIDNum': '101', 'Linkedid': linked,
                'DestUniqueid': linked + '.2',
                }, {
                'Event': 'Cdr', 'Source': '8 916 123 45 67',
                'Destination': '101', 'Disposition': 'NO ANSWER',
                'BillableSeconds': '0', 'UniqueID': linked,
                'LinkedID': linked, 'StartTime': dt.datetime.utcnow(
                    ).strftime('%Y-%m-%d %H:%M:%S'),
                }]
        with ami_server('crm', SECRET, events) as server:
            self.listen_until(server, linked)
        (call, parties), = self.calls(linked)
        self.assertEqual(parties, [self.client_id])
        self.assertEqual((call.call_direction, call.call_result,
                call.organiser), ('incoming', 'missed', self.marina_id))
        told = self.read(lambda pool: pool.get('res.notification').search([
                    ('user', '=', self.marina_user.id),
                    ('label', '=',
                        "ООО «Северный ветер» is calling (8 916 123 45 67)"),
                    ], count=True))
        self.assertEqual(told, 1)

    def click_to_call(self, server):
        "Click Call on the client's phone as Marina, through Asterisk"
        self.use_ami(server)
        self.click()

    def test_click_to_call(self):
        "Call on a phone asks Asterisk to ring the user's extension first"
        with ami_server('crm', SECRET) as server:
            self.click_to_call(server)
        login, originate = server.actions
        self.assertEqual(login['Action'], 'Login')
        self.assertEqual(
            {k: originate[k] for k in ['Action', 'Channel', 'Context',
                    'Exten']},
            {'Action': 'Originate', 'Channel': 'PJSIP/101',
                'Context': 'from-internal', 'Exten': '+79161234567'})

    def test_click_to_call_refused(self):
        "A PBX that refuses the login is told to the user"
        with ami_server('crm', 'другой пароль') as server, \
                self.assertRaises(CallError):
            self.click_to_call(server)
        self.assertEqual([a['Action'] for a in server.actions], ['Login'])

    def test_received_purged(self):
        """The scheduler forgets the ids of the events received more than
        30 days ago, not those of the last 30 days"""
        old, recent = uuid.uuid4().hex, uuid.uuid4().hex
        now = dt.datetime.utcnow()
        with Transaction().start(DB_NAME, 0) as transaction:
            Connector = Pool().get('crm.telephony.connector')
            Received = Pool().get('crm.telephony.received')
            connector = Connector(self.connectors['generic'])
            for event_id, days in [(old, 31), (recent, 29)]:
                self.assertTrue(connector._first_time(
                        CallEvent(event_id, event_id, 'ringing'),
                        now - dt.timedelta(days=days)))
            Received.purge()
            kept = {r.event_id for r in Received.search([
                        ('event_id', 'in', [old, recent])])}
            transaction.rollback()
        self.assertEqual(kept, {recent})

    def use_api(self, provider, url, api_secret=None):
        """Click-to-call through provider's API at url, the other connectors
        of Marina's extension out of the way for the test's time"""
        def configure(api, active):
            with Transaction().start(DB_NAME, 0) as transaction:
                Connector = Pool().get('crm.telephony.connector')
                Connector.write([Connector(self.connectors[provider])], api)
                Connector.write([Connector(self.connectors['asterisk'])],
                    {'active': active})
                transaction.commit()
        configure({'api_key': API_KEY, 'api_url': url,
                'api_secret': api_secret}, False)
        self.addCleanup(configure, {
                'api_key': None, 'api_url': None, 'api_secret': None}, True)

    def click(self):
        "Click Call on the client's phone as Marina"
        with Transaction().start(DB_NAME, self.marina_user.id):
            ContactMechanism = Pool().get('party.contact_mechanism')
            phone, = ContactMechanism.search([
                    ('party', '=', self.client_id)])
            ContactMechanism.call([phone])

    def test_click_to_call_mango(self):
        """Call asks Mango's API, signed as its documentation says, to ring
        the extension, then the number; its refusal is told the user"""
        def answer(request):
            form = request.form()
            signed = hashlib.sha256((form['vpbx_api_key'] + form['json']
                    + SECRET).encode()).hexdigest()
            accepted = (request.path == '/vpbx/commands/callback'
                and form['vpbx_api_key'] == API_KEY
                and form['sign'] == signed)
            return 200, {'result': 1000 if accepted else 3102}
        with http_server(answer) as provider:
            self.use_api('mango', provider.url + '/vpbx/')
            self.click()
            command = provider.requests[0].form()
            self.assertEqual(
                {k: v for k, v in json.loads(command['json']).items()
                    if k != 'command_id'},
                {'from': {'extension': '101'}, 'to_number': '79161234567'})
            self.use_api('mango', provider.url + '/elsewhere/')
            with self.assertRaises(CallError):
                self.click()
        self.assertEqual(len(provider.requests), 2)

    def test_click_to_call_zadarma(self):
        """Call asks Zadarma's API, authorised as its documentation says;
        an API that cannot be reached is told the user"""
        def answer(request):
            query = urllib.parse.urlencode(sorted(request.query.items()))
            digest = hmac.new(SECRET.encode(), (request.path + query
                    + hashlib.md5(query.encode()).hexdigest()).encode(),
                hashlib.sha1).hexdigest()
            expected = '%s:%s' % (
                API_KEY, base64.b64encode(digest.encode()).decode())
            if request.headers.get('Authorization') != expected:
                return 401, {'status': 'error', 'message': 'Not authorized'}
            return 200, {'status': 'success', 'from': 101,
                'to': int(request.query['to'])}
        with http_server(answer) as provider:
            self.use_api('zadarma', provider.url)
            self.click()
        request, = provider.requests
        self.assertEqual((request.method, request.path, request.query),
            ('GET', '/v1/request/callback/',
                {'from': '101', 'to': '79161234567'}))
        # The server is gone
        with self.assertRaises(CallError):
            self.click()

    def test_click_to_call_sipuni(self):
        """Call asks Sipuni's API, its hash made with the API's own key as
        its documentation says (not with the events' token); a refusal is
        told the user"""
        api_secret = 'ключ-интеграции-1'

        def answer(request):
            form = request.form()
            signed = hashlib.md5('+'.join([form['antiaon'], form['phone'],
                        form['reverse'], form['sipnumber'], form['user'],
                        api_secret]).encode()).hexdigest()
            if (request.path != '/api/callback/call_number'
                    or form['hash'] != signed):
                return 200, {'success': False, 'message': 'Wrong hash'}
            return 200, {'success': True}
        with http_server(answer) as provider:
            self.use_api('sipuni', provider.url + '/api/', api_secret)
            self.click()
            self.use_api('sipuni', provider.url + '/api/', SECRET)
            with self.assertRaises(CallError):
                self.click()
        request = provider.requests[0]
        self.assertEqual((request.method, {k: v
                    for k, v in request.form().items() if k != 'hash'}),
            ('POST', {'user': API_KEY, 'sipnumber': '101',
                    'phone': '79161234567', 'reverse': '0', 'antiaon': '0'}))
        self.assertEqual(len(provider.requests), 2)

    def unmatched_calls(self, user, number):
        """The subjects, numbers and states of the calls of number that
        user's Unmatched Calls window lists"""
        def listed(pool):
            Action = pool.get('ir.action.act_window')
            Communication = pool.get('crm.communication')
            ModelData = pool.get('ir.model.data')
            action = Action(ModelData.get_id(
                    'crm_counterparty', 'act_call_unmatched'))
            domain = PYSONDecoder().decode(action.pyson_domain)
            return sorted((c.subject, c.place, c.state)
                for c in Communication.search(
                    domain + [('place', '=', number)]))
        with Transaction().start(DB_NAME, user.id, readonly=True,
                context={'company': self.company_id, '_check_access': True}):
            return listed(Pool())

    def set_visibility(self, visibility):
        "Set who sees the company's counterparties"
        # The singleton's first save locks its table
        with Transaction().start(DB_NAME, 0,
                context={'company': self.company_id},
                _lock_tables=['party_configuration']) as transaction:
            Configuration = Pool().get('party.configuration')
            configuration = Configuration(1)
            configuration.counterparty_visibility = visibility
            configuration.save()
            transaction.commit()

    def as_user(self, user, function, **context):
        "Call function(pool) as user, as the client does, and commit"
        with Transaction().start(DB_NAME, user.id, context={
                    'company': self.company_id, '_check_access': True,
                    **context}) as transaction:
            result = function(Pool())
            transaction.commit()
        return result

    def test_unknown_missed_call_create_client(self):
        """Asterisk's missed call of an unknown number is logged with a call
        back, both listed in the Unmatched Calls of the extension's
        employee (not another's, when they see only their own) and no event
        raised; Create a Client makes
        the card with the number, both land on it and the next call rings
        as the card's"""
        linked = uuid.uuid4().hex
        number = '+7 812 000-00-02'
        events = [{
                'Event': 'Cdr', 'Source': number, 'Destination': '101',
                'Disposition': 'NO ANSWER', 'BillableSeconds': '0',
                'UniqueID': linked, 'LinkedID': linked,
                'StartTime': dt.datetime.utcnow().strftime(
                    '%Y-%m-%d %H:%M:%S'),
                }]
        with ami_server('crm', SECRET, events) as server:
            self.listen_until(server, linked)
        (call, parties), = self.calls(linked)
        self.assertEqual((parties, call.call_result, call.organiser),
            ([], 'missed', self.marina_id))
        waiting = [("Call back %s" % number, number, 'planned'),
            ("Call from %s" % number, number, 'done')]
        self.assertEqual(self.unmatched_calls(self.marina_user, number), waiting)
        self.set_visibility('involved')
        try:
            self.assertEqual(self.unmatched_calls(self.oleg_user, number), [])
            self.assertEqual(self.unmatched_calls(self.marina_user, number), waiting)
        finally:
            self.set_visibility('all')
        events = self.read(lambda pool: pool.get(
                'crm.counterparty.event').search(
                [('record', '=', str(call))], count=True))
        self.assertEqual(events, 0)

        def create_client(pool):
            Communication = pool.get('crm.communication')
            Communication.create_client([Communication(call.id)])
            return [p.id for p in Communication(call.id).parties]
        party_id, = self.as_user(self.marina_user, create_client)
        self.assertEqual(self.unmatched_calls(self.marina_user, number), [])
        # Automation hears of the missed call once it is the card's
        self.assertEqual(self.call_events(call), [('call_missed', party_id)])

        def card(pool):
            party = pool.get('party.party')(party_id)
            back, = pool.get('crm.communication').search(
                [('previous', '=', call.id)])
            return (party.name,
                [(m.type, m.value) for m in party.contact_mechanisms],
                [p.id for p in back.parties])
        self.assertEqual(self.read(card),
            (number, [('phone', '8 (812) 000-00-02')], [party_id]))
        call_id = uuid.uuid4().hex
        self.post_generic(event_id=call_id, call_id=call_id,
            event='ringing', number='88120000002', extension='101')
        told = self.read(lambda pool: pool.get('res.notification').search([
                    ('user', '=', self.marina_user.id),
                    ('label', '=', "%s is calling (88120000002)" % number),
                    ], count=True))
        self.assertEqual(told, 1)

    def call_events(self, call):
        "The kinds and counterparties of the events raised for call"
        return self.read(lambda pool: [(e.kind, e.party.id)
                for e in pool.get('crm.counterparty.event').search(
                    [('record', '=', str(call))])])

    def test_unknown_call_attach(self):
        """Attach to puts the call of an unknown number on the card chosen
        and adds the number to it: the next call lands by itself; a user
        who does not see it cannot attach it"""
        number = '+7 812 000-00-03'
        first, second = uuid.uuid4().hex, uuid.uuid4().hex
        self.post_generic(event_id=first, call_id=first, event='ended',
            number=number, extension='101', duration=20)
        (call, _), = self.calls(first)

        def attach(pool):
            Attach = pool.get('crm.mail.attach', type='wizard')
            session_id, _, _ = Attach.create()
            Attach.execute(session_id, {
                    'start': {'party': self.client_id, 'add_email': True},
                    }, 'attach')
        context = {'active_model': 'crm.communication',
            'active_id': call.id, 'active_ids': [call.id]}
        self.set_visibility('involved')
        try:
            with self.assertRaises(AccessError):
                self.as_user(self.oleg_user, attach, **context)
        finally:
            self.set_visibility('all')
        self.as_user(self.marina_user, attach, **context)
        self.assertEqual(self.calls(first)[0][1], [self.client_id])
        self.assertEqual(self.call_events(call),
            [('call_received', self.client_id)])
        self.post_generic(event_id=second, call_id=second, event='ended',
            number='8 812 000 00 03', extension='101', duration=5)
        self.assertEqual(self.calls(second)[0][1], [self.client_id])
