# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The command line, run as a script against a real SQLite database made by
trytond-admin; the mail listener against a real Dovecot too."""
import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import uuid
from pathlib import Path

from cryptography.fernet import Fernet

from trytond.modules.crm_counterparty.tests.ami_server import ami_server
from trytond.modules.crm_counterparty.tests.imap_server import imap_server
from trytond.modules.crm_counterparty.tests.test_import_rules import (
    HEADER, ROWS, csv_bytes, xlsx)
from trytond.modules.crm_counterparty.tests.test_mailbox import letter

BIN = Path(sys.executable).parent
# The installed scripts are run by this interpreter: their first line may
# name the interpreter of another checkout, with that checkout's module
CLI = [sys.executable, BIN / 'crm-counterparty']


class CommandLineTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.TemporaryDirectory()
        path = Path(cls.directory.name)
        cls.env = {k: v for k, v in os.environ.items()
            if not k.startswith(('TRYTOND_', 'DB_'))}
        cls.env.update(
            TRYTOND_DATABASE__URI='sqlite://',
            TRYTOND_DATABASE__PATH=str(path))
        (path / 'cli.sqlite').touch()
        (path / 'password').write_text('admin')
        subprocess.run([
                sys.executable, BIN / 'trytond-admin', '-d', 'cli', '--all',
                '--activate-dependencies', '-u', 'crm_counterparty'],
            env=dict(cls.env, TRYTONPASSFILE=str(path / 'password')),
            input='\n', text=True, check=True, capture_output=True,
            timeout=600)
        cls.db = path / 'cli.sqlite'

    @classmethod
    def tearDownClass(cls):
        cls.directory.cleanup()

    def count(self, table, where='1 = 1'):
        with sqlite3.connect(self.db) as connection:
            return connection.execute(
                'SELECT COUNT(*) FROM %s WHERE %s' % (table, where)
                ).fetchone()[0]

    def run_cli(self, *args, data=None, name='clients.xlsx'):
        file = Path(self.directory.name) / name
        if data is not None:
            file.write_bytes(data)
        result = subprocess.run(
            [*CLI, *[
                    str(file) if a == 'FILE' else a for a in args],
                '--database', 'cli'],
            env=self.env, capture_output=True, text=True, timeout=300)
        return result

    def test_import_json_dry_run_and_again(self):
        "A dry run reports without writing; the run imports; again, skips"
        before = self.count('party_party')
        batches = self.count('crm_counterparty_import')
        data = xlsx([HEADER] + ROWS + [
                ['ООО «Лютик»', '7707083894', '', '', '', '', '', '']])
        # Petrova's row adds a contact person to the company of the row
        # above: merged into it
        expected = {'rows': 4, 'created': 2, 'updated': 0, 'merged': 1,
            'skipped': 0,
            'failed': 1, 'errors': [{
                    'row': 5,
                    'message': 'The INN "7707083894" is not valid.'}]}
        result = self.run_cli('import', 'FILE', '--dry-run', '--json',
            data=data)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(json.loads(result.stdout), expected)
        self.assertEqual(self.count('party_party'), before)
        self.assertEqual(self.count('crm_counterparty_import'), batches)

        result = self.run_cli('import', 'FILE', '--json', data=data)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(json.loads(result.stdout), expected)
        # A company and its two contact persons, and a sole trader
        self.assertEqual(self.count('party_party'), before + 4)

        result = self.run_cli('import', 'FILE', '--json',
            '--on-duplicate', 'skip', data=xlsx([HEADER] + ROWS))
        self.assertEqual(result.returncode, 0, result.stderr)
        summary = json.loads(result.stdout)
        self.assertEqual((summary['skipped'], summary['created']), (3, 0))
        self.assertEqual(self.count('party_party'), before + 4)

        # Without --json, a sentence for people
        result = self.run_cli('import', 'FILE', data=xlsx([HEADER] + ROWS))
        self.assertEqual(result.stdout.splitlines()[0],
            "3 rows: 0 created, 0 updated, 0 merged, 3 skipped, 0 failed")

        # And export gives them back, with their contact persons
        output = Path(self.directory.name) / 'out.csv'
        result = self.run_cli('export', '--format', 'csv', str(output))
        self.assertEqual(result.returncode, 0, result.stderr)
        rows = list(csv.reader(
                io.StringIO(output.read_bytes().decode('utf-8-sig')),
                delimiter=';'))
        names = [r[0] for r in rows]
        self.assertEqual(names.count("ООО «Ромашка»"), 2)
        self.assertIn("ИП Смирнов", names)
        output = Path(self.directory.name) / 'out.xlsx'
        result = self.run_cli('export', '--format', 'xlsx', str(output))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(output.read_bytes().startswith(b'PK'))

    def test_split_names(self):
        "The persons of a base made before the parts get those clear"
        result = self.run_cli('import', 'FILE', '--kind', 'person',
            data=csv_bytes([['ФИО', 'Телефон'],
                    ['Журавлёв Игнат Саввич', '+7 916 555-01-01'],
                    ['Игнат Журавлёв', '+7 916 555-01-02']]),
            name='people.csv')
        self.assertEqual(result.returncode, 0, result.stderr)
        where = "name LIKE '%Журавлёв%'"
        self.assertEqual(
            self.count('party_party', where + " AND last_name IS NOT NULL"), 1)
        # As they were before the module had the parts
        with sqlite3.connect(self.db) as connection:
            connection.execute('UPDATE party_party SET last_name = NULL, '
                'first_name = NULL, middle_name = NULL WHERE ' + where)
        result = self.run_cli('split-names', '--dry-run')
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("left: Игнат Журавлёв [", result.stdout)
        self.assertNotIn("Журавлёв Игнат Саввич", result.stdout)
        self.assertEqual(
            self.count('party_party', where + " AND last_name IS NOT NULL"), 0)

        result = self.run_cli('split-names')
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout.splitlines()[0],
            r"^\d+ persons split, \d+ left as they are, 0 you may not edit$")
        with sqlite3.connect(self.db) as connection:
            self.assertEqual(connection.execute(
                    'SELECT name, last_name, first_name, middle_name '
                    'FROM party_party WHERE ' + where + ' ORDER BY id'
                    ).fetchall(), [
                    ('Журавлёв Игнат Саввич', 'Журавлёв', 'Игнат', 'Саввич'),
                    ('Игнат Журавлёв', None, None, None)])

    def test_unusable_file(self):
        "A file that cannot be used exits 2 and leaves the database as it was"
        before = (self.count('party_party'),
            self.count('crm_counterparty_import'))
        for data, message in [
                (b'', "The file is empty."),
                (b'PK\x03\x04broken', "The file is damaged"),
                (csv_bytes([HEADER]), "The file has a header but no rows"),
                ]:
            with self.subTest(message=message):
                result = self.run_cli('import', 'FILE', '--json', data=data,
                    name='bad.xlsx')
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertTrue(json.loads(result.stdout)['error'].startswith(
                        message))
        result = self.run_cli('import', 'FILE', data=b'', name='bad.csv')
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr.strip(), "The file is empty.")
        self.assertEqual(before, (self.count('party_party'),
                self.count('crm_counterparty_import')))

    def test_progress_bar_on_a_terminal(self):
        "On a terminal the rows done are shown as they go"
        import pty
        main, terminal = pty.openpty()
        file = Path(self.directory.name) / 'many.csv'
        file.write_bytes(csv_bytes([['Название', 'Телефон']] + [
                    ['Компания %s' % i, '+7 916 000-%02d-%02d' % (i // 100,
                            i % 100)] for i in range(1200)]))
        try:
            result = subprocess.run(
                [*CLI, 'import', str(file),
                    '--database', 'cli', '--dry-run'],
                env=self.env, stdout=subprocess.PIPE, stderr=terminal,
                text=True, timeout=300)
            os.close(terminal)
            shown = b''
            while True:
                try:
                    chunk = os.read(main, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
        finally:
            os.close(main)
        self.assertEqual(result.returncode, 0)
        # The rows under the header, not the header itself
        self.assertIn(b'/1200 rows', shown)
        self.assertNotIn(b'1201', shown)
        self.assertIn(b'[' + b'#' * 40 + b']', shown)
        self.assertIn("1200 created", result.stdout)

    def test_killed_import_resumes(self):
        """The process killed part-way: the import shows interrupted, and
        the same file run again goes on with it, not a row twice"""
        rows = 1500
        file = Path(self.directory.name) / 'killed.csv'
        file.write_bytes(csv_bytes([['Название', 'E-mail']] + [
                    ['Убитая %s' % i, 'killed%s@example.com' % i]
                    for i in range(rows)]))
        process = subprocess.Popen(
            [*CLI, 'import', str(file),
                '--database', 'cli', '--json'],
            env=self.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        try:
            for _ in range(600):
                time.sleep(0.1)
                try:
                    done = self.count('crm_counterparty_import_line')
                except sqlite3.OperationalError:
                    continue
                if done >= 200:
                    break
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait()
        lines = self.count('crm_counterparty_import_line',
            "batch = (SELECT MAX(id) FROM crm_counterparty_import)")
        self.assertTrue(200 <= lines < rows, lines)
        self.assertEqual(
            self.count('party_party', "name LIKE 'Убитая %'"), lines)

        # The batch the killed process left running shows interrupted
        status = subprocess.run([sys.executable, '-c', STATUS], env=self.env,
            check=True, capture_output=True, text=True, timeout=300)
        self.assertEqual(json.loads(status.stdout), {
                'state': 'running', 'status': 'interrupted',
                'interrupted': 1})

        # The same file again goes on with that batch
        batches = self.count('crm_counterparty_import')
        result = subprocess.run(
            [*CLI, 'import', str(file),
                '--database', 'cli', '--json'],
            env=self.env, capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("interrupted: it goes on after row %s" % (lines + 1),
            result.stderr)
        summary = json.loads(result.stdout)
        self.assertEqual((summary['rows'], summary['created']), (rows, rows))
        self.assertEqual(self.count('crm_counterparty_import'), batches)
        self.assertEqual(
            self.count('party_party', "name LIKE 'Убитая %'"), rows)
        with sqlite3.connect(self.db) as connection:
            state, created = connection.execute(
                "SELECT state, created FROM crm_counterparty_import "
                "ORDER BY id DESC LIMIT 1").fetchone()
            reported = connection.execute(
                "SELECT COUNT(*), COUNT(DISTINCT row) "
                "FROM crm_counterparty_import_line WHERE batch = "
                "(SELECT MAX(id) FROM crm_counterparty_import)").fetchone()
        self.assertEqual(reported, (rows, rows))
        self.assertEqual((state, created), ('done', rows))

    def landed(self, where, seconds=60):
        "Whether a communication where is on a card within seconds"
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.count('crm_communication', where):
                return True
            time.sleep(0.2)
        return False

    def setup(self, contact, model, values, env=None):
        "A company, a client reached at contact, and a record of model"
        subprocess.run([sys.executable, '-c', SETUP,
                json.dumps([contact, model, values])],
            env=env or self.env, check=True, capture_output=True, timeout=300)

    def edit(self, model, domain, values, env=None):
        "Write values on the records of model in domain"
        subprocess.run([sys.executable, '-c', EDIT,
                json.dumps([model, domain, values])],
            env=env or self.env, check=True, capture_output=True, timeout=300)

    def stopped(self, process):
        "The errors of the process, ended by SIGTERM with status 0"
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=30)
        self.assertEqual(process.returncode, 0, errors)
        return errors

    def test_listen_mail(self):
        """The listener lands the letters there, then one as it comes to
        the mailbox's second folder (IDLE on each, its renewal 25 minutes
        away), and ends cleanly on SIGTERM"""
        env = dict(self.env,
            TRYTOND_CRM_COUNTERPARTY__MAILBOX_KEY=Fernet.generate_key(
                ).decode())
        server = self.enterContext(imap_server({'listen': 'secret'}))
        server.append('listen', letter(
                'client@example.com', 'anna@example.com', "Первое",
                message_id='<listen-1@example.com>'))
        with server.client('listen') as client:
            client.create_folder('Clients')
        self.setup(('email', 'client@example.com'), 'crm.mailbox', {
                'user': None, 'company': None, 'employee': None,
                'address': 'anna@example.com', 'imap_host': '127.0.0.1',
                'imap_port': server.port, 'imap_security': 'none',
                'login': 'listen', 'password': 'secret',
                'folders': 'INBOX, Clients'}, env=env)
        process = subprocess.Popen([*CLI, 'listen-mail', '-d', 'cli'],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        try:
            self.assertTrue(
                self.landed("message_id = '<listen-1@example.com>'"))
            # Time for the listener to wait in IDLE
            time.sleep(3)
            server.append('listen', letter(
                    'client@example.com', 'anna@example.com', "Второе",
                    message_id='<listen-2@example.com>'), folder='Clients')
            self.assertTrue(
                self.landed("message_id = '<listen-2@example.com>'"))
        finally:
            errors = self.stopped(process)
        self.assertIn("listening to 1 mailboxes", errors)

    def test_listen_mail_reread(self):
        """A mailbox connected while the listener runs is listened to, one
        whose folders change is listened to with them, one deactivated no
        more"""
        env = dict(self.env,
            TRYTOND_CRM_COUNTERPARTY__MAILBOX_KEY=Fernet.generate_key(
                ).decode())
        server = self.enterContext(imap_server({'later': 'secret'}))
        with server.client('later') as client:
            client.create_folder('Orders')
        address = 'boris@example.com'
        process = subprocess.Popen(
            [*CLI, 'listen-mail', '-d', 'cli', '--reread', '1'],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        try:
            self.setup(('email', 'later@example.com'), 'crm.mailbox', {
                    'user': None, 'company': None, 'employee': None,
                    'address': address, 'imap_host': '127.0.0.1',
                    'imap_port': server.port, 'imap_security': 'none',
                    'login': 'later', 'password': 'secret',
                    'folders': 'INBOX'}, env=env)
            for number, folder, folders in [
                    (1, 'INBOX', None), (2, 'Orders', 'INBOX, Orders')]:
                if folders:
                    self.edit('crm.mailbox', [('address', '=', address)],
                        {'folders': folders}, env=env)
                    # Time for the listener to see the change
                    time.sleep(3)
                server.append('later', letter(
                        'later@example.com', address, "Письмо %s" % number,
                        message_id='<later-%s@example.com>' % number),
                    folder=folder)
                self.assertTrue(self.landed(
                        "message_id = '<later-%s@example.com>'" % number))
            self.edit('crm.mailbox', [('address', '=', address)],
                {'active': False}, env=env)
            time.sleep(3)
            server.append('later', letter('later@example.com', address,
                    "Письмо 3", message_id='<later-3@example.com>'))
            self.assertFalse(self.landed(
                    "message_id = '<later-3@example.com>'", seconds=5))
        finally:
            self.stopped(process)

    def test_listen_asterisk(self):
        """The listener logs a call Asterisk tells of on its card and ends
        cleanly on SIGTERM"""
        linked = uuid.uuid4().hex
        server = self.enterContext(
            ami_server('crm', 'ami-secret', [cdr(linked)]))
        self.setup(('phone', '+7 916 555-00-11'), 'crm.telephony.connector',
            {'name': "Asterisk", 'provider': 'asterisk', 'company': None,
                'secret': 'ami-secret', 'employee': None,
                'ami_host': '127.0.0.1', 'ami_port': server.address[1],
                'ami_username': 'crm'})
        process = subprocess.Popen([*CLI, 'listen-asterisk', '-d', 'cli'],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        try:
            self.assertTrue(self.landed("call_id = '%s'" % linked))
        finally:
            errors = self.stopped(process)
        self.assertIn("listening to 1 Asterisk connectors", errors)

    def test_listen_asterisk_reread(self):
        """A connector made while the listener runs is listened to, and
        listened to at its new address once it is changed"""
        calls = [uuid.uuid4().hex for _ in range(2)]
        first, second = (self.enterContext(
                ami_server('crm', 'ami-secret', [cdr(c)])) for c in calls)
        process = subprocess.Popen(
            [*CLI, 'listen-asterisk', '-d', 'cli', '--reread', '1'],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        try:
            self.setup(('phone', '+7 916 555-00-11'),
                'crm.telephony.connector', {
                    'name': "Asterisk, later", 'provider': 'asterisk',
                    'company': None, 'secret': 'ami-secret',
                    'employee': None, 'ami_host': '127.0.0.1',
                    'ami_port': first.address[1], 'ami_username': 'crm'})
            self.assertTrue(self.landed("call_id = '%s'" % calls[0]))
            self.edit('crm.telephony.connector',
                [('name', '=', "Asterisk, later")],
                {'ami_port': second.address[1]})
            self.assertTrue(self.landed("call_id = '%s'" % calls[1]))
        finally:
            self.stopped(process)


def cdr(linked):
    "Asterisk's record of an answered call from the client, its id linked"
    return {
        'Event': 'Cdr', 'Source': '8 916 555 00 11', 'Destination': '101',
        'Disposition': 'ANSWERED', 'BillableSeconds': '42',
        'UniqueID': linked, 'LinkedID': linked,
        'StartTime': time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime()),
        }


# A company with an employee, a client reached at a contact and a record
# of a model: sys.argv[1] is JSON [contact, model, values], the values'
# company, employee and user (None) those of the company and the admin
SETUP = '''
import json
import sys
from trytond.modules.company.tests import create_company, create_employee
from trytond.pool import Pool
from trytond.transaction import Transaction
Pool.start()
pool = Pool('cli')
with Transaction().start('cli', 0, readonly=True):
    pool.init()
(kind, value), model, values = json.loads(sys.argv[1])
with Transaction().start('cli', 0) as transaction:
    company = create_company()
    admin, = pool.get('res.user').search([('login', '=', 'admin')])
    ours = {'company': company.id, 'user': admin.id,
        'employee': create_employee(company, "Anna").id}
    pool.get('party.party').create([{'name': "Client",
        'contact_mechanisms': [('create', [
            {'type': kind, 'value': value}])]}])
    pool.get(model).create([{k: ours[k] if v is None else v
        for k, v in values.items()}])
    transaction.commit()
'''

# Values written on the records of a model in a domain: sys.argv[1] is JSON
# [model, domain, values]
EDIT = '''
import json
import sys
from trytond.pool import Pool
from trytond.transaction import Transaction
Pool.start()
pool = Pool('cli')
with Transaction().start('cli', 0, readonly=True):
    pool.init()
model, domain, values = json.loads(sys.argv[1])
with Transaction().start('cli', 0, context={'active_test': False}) as transaction:
    Model = pool.get(model)
    Model.write(Model.search(domain), values)
    transaction.commit()
'''

# What the list of imports shows of the last one, as the web client reads it
STATUS = '''
import json
from trytond.pool import Pool
from trytond.transaction import Transaction
Pool.start()
pool = Pool('cli')
with Transaction().start('cli', 0, readonly=True):
    pool.init()
with Transaction().start('cli', 0, readonly=True):
    Import = pool.get('crm.counterparty.import')
    batch, = Import.search([], order=[('id', 'DESC')], limit=1)
    print(json.dumps({
        'state': batch.state, 'status': batch.status,
        'interrupted': Import.search_count(
            [('status', '=', 'interrupted')]),
        }))
'''
