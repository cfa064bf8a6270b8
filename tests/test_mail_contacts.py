# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Contacts of mail services: vCard, Google, Outlook and Mail.ru CSV, and a
CardDAV address book served by a real Radicale."""
import json
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest.mock import patch

import trytond.config as config
from trytond.exceptions import UserError
from trytond.modules.crm_counterparty.importing import (
    carddav, columns, rules, tabular)
from trytond.modules.crm_counterparty.importing.contacts import vcards
from trytond.modules.crm_counterparty.tests import test_import
from trytond.modules.crm_counterparty.tests.test_access import call
from trytond.modules.crm_counterparty.tests.test_import_exports import (
    csv_file)
from trytond.modules.crm_counterparty.tests.test_import_rules import (
    csv_bytes)
from trytond.modules.crm_counterparty.tests.tools import (
    create_user, run_import)
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction

# As Outlook 2007 and Android write them: quoted-printable UTF-8
VCARD_21 = (
    'BEGIN:VCARD\r\nVERSION:2.1\r\n'
    'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:'
    '=D0=98=D0=B2=D0=B0=D0=BD=D0=BE=D0=B2;=D0=98=D0=B2=D0=B0=D0=BD;;;\r\n'
    'FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:'
    '=D0=98=D0=B2=D0=B0=D0=BD =D0=98=D0=B2=D0=B0=D0=BD=D0=BE=D0=B2\r\n'
    'ORG;CHARSET=UTF-8:ООО Ромашка\r\n'
    'TITLE;CHARSET=UTF-8:Директор\r\n'
    'TEL;CELL:+79161234567\r\n'
    'TEL;WORK;VOICE:8 495 123-45-67\r\n'
    'TEL;WORK;FAX:8 495 123-45-68\r\n'
    'EMAIL;PREF;INTERNET:ivan@romashka.ru\r\n'
    'END:VCARD\r\n')
# As Gmail, Yandex and iCloud write them
VCARD_30 = (
    'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Анна Петрова\r\nN:Петрова;Анна;;;\r\n'
    'ORG:ООО Ромашка;Бухгалтерия\r\nTITLE:Бухгалтер\r\n'
    'TEL;TYPE=CELL:+7 916 765-43-21\r\n'
    'EMAIL;TYPE=INTERNET;TYPE=WORK:anna@romashka.ru\r\n'
    'CATEGORIES:Клиенты,myContacts\r\nEND:VCARD\r\n'
    'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Сергей Смирнов\r\n'
    'N:Смирнов;Сергей;;;\r\nTEL;TYPE=HOME:+7 812 555-55-55\r\n'
    'ADR;TYPE=HOME:;;Невский пр.\\, 1;Санкт-Петербург;;191186;Россия\r\n'
    'NOTE:Познакомились на выставке\r\nEND:VCARD\r\n')
VCARD_40 = (
    'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ольга Кузнецова\r\n'
    'TEL;TYPE="cell,voice";VALUE=uri:tel:+7-926-111-22-33\r\n'
    'EMAIL;TYPE=work:olga@example.com\r\nURL:https://olga.example.com\r\n'
    'END:VCARD\r\n')


def contacts(data):
    table = columns.open_table(data)
    return list(rules.records(
            table.rows, table.mapping, table.header, 'company'))


class VCardTestCase(unittest.TestCase):

    def test_versions(self):
        "2.1, 3.0 and 4.0: people and the contact persons of companies"
        data = (VCARD_21 + VCARD_30 + VCARD_40).encode('utf-8')
        romashka, smirnov, olga = contacts(data)
        self.assertEqual(
            (romashka.kind, romashka.name), ('company', 'ООО Ромашка'))
        # The next card of the same company adds its contact person
        ivan, anna = romashka.contacts
        self.assertEqual((ivan.name, ivan.position, ivan.mobiles, ivan.phones,
                ivan.emails), ('Иван Иванов', 'Директор', ['+79161234567'],
                ['8 495 123-45-67'], ['ivan@romashka.ru']))
        self.assertEqual((anna.name, anna.mobiles),
            ('Анна Петрова', ['+7 916 765-43-21']))
        # N gives the parts of the name
        self.assertEqual((ivan.last_name, ivan.first_name, ivan.middle_name),
            ('Иванов', 'Иван', ''))
        self.assertEqual(romashka.tags, ['Клиенты', 'myContacts'])
        self.assertEqual((smirnov.kind, smirnov.name, smirnov.phones),
            ('person', 'Сергей Смирнов', ['+7 812 555-55-55']))
        self.assertEqual(smirnov.address,
            '191186, Россия, Санкт-Петербург, Невский пр., 1')
        self.assertEqual(smirnov.description, 'Познакомились на выставке')
        self.assertEqual((olga.kind, olga.mobiles, olga.websites),
            ('person', ['+7-926-111-22-33'], ['https://olga.example.com']))
        self.assertEqual([r.problems for r in [romashka, smirnov, olga]],
            [[], [], []])

    def test_cp1251(self):
        "An old Outlook export in Windows' Cyrillic"
        data = VCARD_30.replace('CATEGORIES:Клиенты,myContacts\r\n', '')
        (anna, smirnov) = contacts(data.encode('cp1251'))
        self.assertEqual(smirnov.name, 'Сергей Смирнов')

    def test_empty(self):
        with self.assertRaises(tabular.FileUnusable) as cm:
            contacts(b'BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n'[:0]
                + b'BEGIN:VCARD\r\n')
        self.assertIn(cm.exception.message,
            {'msg_import_file_corrupt', 'msg_import_file_no_data'})


class MailCsvTestCase(unittest.TestCase):

    def test_google(self):
        header = ['Name', 'Given Name', 'Additional Name', 'Family Name',
            'Group Membership', 'E-mail 1 - Type', 'E-mail 1 - Value',
            'Phone 1 - Type', 'Phone 1 - Value', 'Phone 2 - Type',
            'Phone 2 - Value', 'Organization 1 - Name',
            'Organization 1 - Title']
        data = csv_bytes([header,
                ['Анна Петрова', 'Анна', '', 'Петрова',
                    'Клиенты ::: * myContacts', '* Work', 'anna@romashka.ru',
                    'Mobile', '+7 916 765-43-21', 'Work',
                    '+7 495 123-45-67 ::: +7 495 123-45-69', 'ООО Ромашка',
                    'Бухгалтер'],
                ['Сергей Смирнов', 'Сергей', '', 'Смирнов', '', '', '',
                    'Home', '+7 812 555-55-55', '', '', '', '']],
            delimiter=',')
        romashka, smirnov = contacts(data)
        anna, = romashka.contacts
        self.assertEqual((romashka.name, anna.name, anna.position),
            ('ООО Ромашка', 'Анна Петрова', 'Бухгалтер'))
        self.assertEqual(anna.mobiles, ['+7 916 765-43-21'])
        self.assertEqual(anna.phones, ['+7 495 123-45-67', '+7 495 123-45-69'])
        self.assertEqual(romashka.tags, ['Клиенты'])
        self.assertEqual((smirnov.kind, smirnov.phones),
            ('person', ['+7 812 555-55-55']))

    def test_outlook(self):
        header = ['First Name', 'Middle Name', 'Last Name', 'Company',
            'Job Title', 'Business Phone', 'Mobile Phone', 'E-mail Address',
            'Categories']
        data = csv_bytes([header,
                ['Иван', '', 'Иванов', 'ООО Ромашка', 'Директор',
                    '8 495 123-45-67', '8 916 123-45-67', 'ivan@romashka.ru',
                    'VIP;Клиенты']], 'cp1251', ',')
        romashka, = contacts(data)
        ivan, = romashka.contacts
        self.assertEqual((ivan.name, ivan.position, ivan.phones, ivan.mobiles,
                ivan.emails), ('Иван Иванов', 'Директор', ['8 495 123-45-67'],
                ['8 916 123-45-67'], ['ivan@romashka.ru']))
        self.assertEqual((ivan.last_name, ivan.first_name), ('Иванов', 'Иван'))
        self.assertEqual(romashka.tags, ['VIP', 'Клиенты'])


class MailRuImportTestCase(_DBTestCase):
    "Import Mail.ru's address book"
    module = 'crm_counterparty'
    setup_user = test_import.ImportTestCase.setup_user

    @with_transaction()
    def test_mail_ru(self):
        """Its CSV (Windows' Cyrillic, semicolons, the name in parts): each
        contact a person named «Фамилия Имя Отчество», or by the nickname
        alone; one of a company that company's contact person"""
        user, _ = self.setup_user()
        data = csv_file([
                ['Имя', 'Фамилия', 'Отчество', 'Никнейм', 'E-mail',
                    'Телефон', 'День рождения', 'Компания', 'Должность'],
                ['Иван', 'Сидоров', 'Петрович', 'vanya', 'ivan@mail.ru',
                    '+7 916 111-22-33', '01.02.1980', '', ''],
                ['Анна', 'Петрова', '', '', 'anna@romashka.ru',
                    '8 (495) 123-45-67', '', 'ООО Ромашка', 'Бухгалтер'],
                ['', '', '', 'ksu', 'ksenia@bk.ru', '', '', '', ''],
                ], 'cp1251', ';')
        batch = run_import(data, user, file_name='addressbook.csv')
        self.assertEqual((batch.created, batch.failed), (3, 0),
            [l.reason for l in batch.lines])
        sidorov, romashka, ksu = [l.party for l in batch.lines]
        self.assertEqual(
            (sidorov.kind, sidorov.name, sidorov.email, sidorov.phone),
            ('person', 'Сидоров Иван Петрович', 'ivan@mail.ru',
                '8 (916) 111-22-33'))
        self.assertEqual(
            (romashka.kind, romashka.name, romashka.email, romashka.phone),
            ('company', 'ООО Ромашка', '', ''))
        anna, = romashka.contact_persons
        self.assertEqual((anna.name, anna.position, anna.email, anna.phone),
            ('Петрова Анна', 'Бухгалтер', 'anna@romashka.ru',
                '8 (495) 123-45-67'))
        self.assertEqual((ksu.kind, ksu.name, ksu.email),
            ('person', 'ksu', 'ksenia@bk.ru'))


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Radicale:
    "A real CardDAV server with anna's address book, on a free port"

    def __init__(self, vcards):
        self.directory = tempfile.TemporaryDirectory()
        root = Path(self.directory.name)
        (root / 'users').write_text('anna:секрет-1\n')
        book = root / 'collections' / 'collection-root' / 'anna' / 'contacts'
        book.mkdir(parents=True)
        (book / '.Radicale.props').write_text(json.dumps({
                    'tag': 'VADDRESSBOOK', 'D:displayname': "Контакты"}))
        for index, card in enumerate(vcards):
            (book / ('%s.vcf' % index)).write_text(
                card.replace('BEGIN:VCARD\r\n',
                    'BEGIN:VCARD\r\nUID:%s\r\n' % index, 1))
        self.port = free_port()
        self.url = 'http://127.0.0.1:%s/' % self.port
        self.process = subprocess.Popen([
                sys.executable, '-m', 'radicale',
                '--server-hosts', '127.0.0.1:%s' % self.port,
                '--auth-type', 'htpasswd',
                '--auth-htpasswd-filename', str(root / 'users'),
                '--auth-htpasswd-encryption', 'plain',
                '--storage-filesystem-folder', str(root / 'collections'),
                '--logging-level', 'error'],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(('127.0.0.1', self.port), 1).close()
                break
            except OSError:
                time.sleep(0.1)

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        self.directory.cleanup()


def carddav_config(**options):
    """Patch trytond's configuration with options of its [crm_counterparty]
    section: carddav_allow_http (the tests' servers speak http) or
    carddav_timeout; the patch lasts as long as the returned context"""
    stack = ExitStack()
    for name in ['getboolean', 'getfloat']:
        def get(section, option, *args, original=getattr(config, name),
                **kwargs):
            if section == 'crm_counterparty' and option in options:
                return options[option]
            return original(section, option, *args, **kwargs)
        stack.enter_context(patch.object(config, name, get))
    return stack


class HTTPServer:
    """A tiny HTTP server on a free port answering each request with
    answer(server, path): (status, body, (header, value)...); paths keeps
    the paths asked"""

    def __init__(self, answer):
        self.paths = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_PROPFIND(self):
                self.rfile.read(int(self.headers.get('Content-Length', 0)))
                server.paths.append(self.path)
                status, body, *headers = answer(server, self.path)
                self.send_response(status)
                for header in headers:
                    self.send_header(*header)
                self.send_header('Content-Type', 'application/xml')
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            do_GET = do_REPORT = do_PROPFIND

            def log_message(self, *args):
                pass
        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%s/' % self.httpd.server_port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def multistatus(href, book=False):
    """A PROPFIND answer naming href as the account's address-book home or,
    with book, as an address book"""
    prop = ('<D:resourcetype><D:collection/><C:addressbook/>'
        '</D:resourcetype>' if book else
        '<C:addressbook-home-set><D:href>%s</D:href>'
        '</C:addressbook-home-set>' % href)
    return 207, ('<?xml version="1.0" encoding="utf-8"?>'
        '<D:multistatus xmlns:D="DAV:" '
        'xmlns:C="urn:ietf:params:xml:ns:carddav"><D:response>'
        '<D:href>%s</D:href><D:propstat><D:prop>%s</D:prop>'
        '<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>'
        '</D:multistatus>' % (href, prop)).encode()


class BannerServer(socketserver.ThreadingTCPServer):
    "An open port that speaks something else than HTTP (as SSH does)"

    class handler_class(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.sendall(b'SSH-2.0-OpenSSH_9.2\r\n')

    def __init__(self):
        super().__init__(('127.0.0.1', 0), self.handler_class)
        self.url = 'http://127.0.0.1:%s/' % self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def __exit__(self, *exc):
        self.shutdown()
        super().__exit__(*exc)


class CardDAVTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Radicale([VCARD_30.split('END:VCARD\r\n')[0]
                + 'END:VCARD\r\n', VCARD_40])
        cls.enterClassContext(carddav_config(carddav_allow_http=True))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_read_address_book(self):
        "From the book's URL, the account's or the server's root"
        for url in [self.server.url + 'anna/contacts/',
                self.server.url + 'anna/', self.server.url]:
            with self.subTest(url=url):
                data = carddav.carddav_vcards(url, 'anna', 'секрет-1')
                names = sorted(c['name'] for c in vcards(data))
                self.assertEqual(names, ['Анна Петрова', 'Ольга Кузнецова'])

    def test_wrong_password(self):
        with self.assertRaises(carddav.CardDAVError) as cm:
            carddav.carddav_vcards(self.server.url, 'anna', 'не тот')
        self.assertEqual(cm.exception.message, 'msg_carddav_login')

    def test_no_server(self):
        with self.assertRaises(carddav.CardDAVError) as cm:
            carddav.carddav_vcards(
                'http://127.0.0.1:%s/' % free_port(), 'anna', 'x')
        self.assertEqual(cm.exception.message, 'msg_carddav_error')

    def test_home_followed_a_bounded_number_of_times(self):
        "A server that sends the reading on forever is left, without error"
        def answer(server, path):
            return multistatus('/home/%s/' % len(server.paths))
        with HTTPServer(answer) as server:
            with self.assertRaises(carddav.CardDAVError) as cm:
                carddav.carddav_vcards(server.url, 'anna', 'x')
        self.assertEqual(cm.exception.message, 'msg_carddav_error')
        self.assertEqual(len(server.paths), carddav.MAX_HOPS + 1)

    def test_timeout(self):
        "A server that never answers is left after carddav_timeout"
        with socket.socket() as silent:
            silent.bind(('127.0.0.1', 0))
            silent.listen()
            start = time.monotonic()
            with carddav_config(carddav_timeout=1), \
                    self.assertRaises(carddav.CardDAVError) as cm:
                carddav.carddav_vcards('http://127.0.0.1:%s/'
                    % silent.getsockname()[1], 'anna', 'x')
        # Bounded generously: without the timeout the call never returns
        self.assertLess(time.monotonic() - start, 30)
        self.assertEqual(cm.exception.message, 'msg_carddav_error')


class CardDAVImportTestCase(_DBTestCase):
    "Import an address book from the wizard"
    module = 'crm_counterparty'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = Radicale([VCARD_21, VCARD_30.split('END:VCARD\r\n')[0]
                + 'END:VCARD\r\n', VCARD_40])
        cls.enterClassContext(carddav_config(carddav_allow_http=True))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    @with_transaction()
    def test_wizard(self):
        "The password reads the book once and is kept nowhere"
        pool = Pool()
        ImportWizard = pool.get(
            'crm.counterparty.import.wizard', type='wizard')
        Import = pool.get('crm.counterparty.import')
        Session = pool.get('ir.session.wizard')
        Party = pool.get('party.party')
        session_id, _, _ = ImportWizard.create()
        start = {'source': 'carddav', 'carddav_url': self.server.url,
            'login': 'anna', 'password': 'секрет-1'}
        result = ImportWizard.execute(session_id, {'start': start}, 'open_')
        (action,) = result['actions']
        self.assertNotIn('секрет-1', Session(session_id).data)
        batch, = Import.browse(action[1]['res_id'])
        self.assertEqual((batch.file_format, batch.file_name),
            ('vcf', 'anna.vcf'))
        Import.write([batch], {'state': 'waiting'})
        for _ in batch.process():
            pass
        batch = Import(batch.id)
        # The server lists the cards in an order of its own
        self.assertEqual(
            sorted((l.outcome, l.party.name) for l in batch.lines), [
                ('created', 'ООО Ромашка'), ('created', 'Ольга Кузнецова'),
                ('merged', 'ООО Ромашка')])
        romashka, = Party.search([('name', '=', 'ООО Ромашка')])
        # Their names are written in the importer's order of names
        self.assertEqual(
            sorted((c.name, c.last_name, c.first_name)
                for c in romashka.contact_persons),
            [('Иванов Иван', 'Иванов', 'Иван'),
                ('Петрова Анна', 'Петрова', 'Анна')])

        session_id, _, _ = ImportWizard.create()
        with self.assertRaises(Exception) as cm:
            ImportWizard.execute(session_id, {'start': dict(
                        start, password='не тот')}, 'open_')
        self.assertIn('refused the login', cm.exception.message)

    @staticmethod
    def open_book(user, url):
        "Next of the import wizard on the address book at url, over RPC"
        name = 'crm.counterparty.import.wizard'
        session_id, _, _ = call(user, name, 'create', type='wizard')
        return call(user, name, 'execute', session_id, {'start': {
                    'source': 'carddav', 'carddav_url': url,
                    'login': 'anna', 'password': 'секрет-1'}}, 'open_',
            type='wizard')

    @with_transaction()
    def test_server_side_request_forgery(self):
        "No address makes the server read a file or tell a port's state: "
        "every address that is not a CardDAV server gets one message"
        pool = Pool()
        Import = pool.get('crm.counterparty.import')
        user = create_user('boris')
        self.assertTrue(self.open_book(user, self.server.url))
        with HTTPServer(lambda *a: (200, b'ok')) as elsewhere, \
                HTTPServer(lambda *a: (404, b'<html>Not Found</html>')) \
                as not_dav, \
                HTTPServer(lambda *a: (200, b'<html>It works</html>')) \
                as web, \
                HTTPServer(lambda *a: multistatus(elsewhere.url)) as away, \
                HTTPServer(lambda *a: multistatus(elsewhere.url + 'book/',
                        book=True)) as book_away, \
                HTTPServer(lambda *a: multistatus('file:///etc/passwd')) \
                as to_file, \
                HTTPServer(lambda server, path: multistatus(
                        '/home/%s/' % len(server.paths))) as forever, \
                HTTPServer(lambda *a: (301, b'', ('Location', elsewhere.url))
                    ) as redirect, \
                BannerServer() as ssh:
            addresses = {
                'existing file': 'file:///etc/passwd',
                'missing file': 'file:///no/such/file',
                'ftp': 'ftp://127.0.0.1:%s/' % free_port(),
                'closed port': 'http://127.0.0.1:%s/' % free_port(),
                'https to a closed port': 'https://127.0.0.1:%s/'
                % free_port(),
                'https to an HTTP server': web.url.replace('http', 'https'),
                'open port, not HTTP': ssh.url,
                'HTTP, not found': not_dav.url,
                'HTTP, not DAV': web.url,
                'home elsewhere': away.url,
                'book elsewhere': book_away.url,
                'home in a file': to_file.url,
                'home after home forever': forever.url,
                'redirection elsewhere': redirect.url,
                'no address': 'http://',
                }
            messages = {}
            for label, url in addresses.items():
                with self.subTest(label):
                    with self.assertRaises(UserError) as cm:
                        self.open_book(user, url)
                    messages[label] = cm.exception.message
            with carddav_config(carddav_allow_http=False), \
                    self.assertRaises(UserError) as cm:
                self.open_book(user, self.server.url)
            messages['http not allowed'] = cm.exception.message
        self.assertEqual(set(messages.values()), {
                "The address book cannot be read at this address: check "
                "that it is the https:// address of the service's CardDAV "
                "address book, or try again later."}, messages)
        self.assertEqual(elsewhere.paths, [])
        self.assertEqual(len(forever.paths), carddav.MAX_HOPS + 1)
        self.assertEqual(len(Import.search([])), 1)
