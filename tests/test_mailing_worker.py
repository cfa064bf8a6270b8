# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A mailing sent by a real ``trytond-worker`` killed with SIGKILL part-way,
then by another: the SMTP server gets no message twice, and only the rows
the dead worker had claimed may be missing (interrupted).

PostgreSQL only: the worker is another process, which cannot open the
in-memory SQLite database of the tests.  The worker needs committed data,
so each test works in a database of its own, a copy of the tests' one."""
import collections
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import trytond.config as config
from trytond import backend
from trytond.modules.company.tests import set_company
from trytond.modules.crm_counterparty import running
from trytond.modules.crm_counterparty.tests import test_access
from trytond.modules.crm_counterparty.tests.smtp_server import smtp_server
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, _DBTestCase, drop_db
from trytond.transaction import Transaction, TransactionError

WORKER_DB = DB_NAME + '_worker'
RECIPIENTS = 300
WORKER = [sys.executable, Path(sys.executable).parent / 'trytond-worker']
CONFIG = """\
[database]
uri = {uri}
[queue]
worker = True
[email]
uri = {email}
from = crm@example.com
"""


def wait(condition, timeout=120, step=0.05):
    "Wait until condition() is true; its last value"
    deadline = time.monotonic() + timeout
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(step)
    return value


def committed(function):
    "The value of function run in a transaction of WORKER_DB, committed"
    extras = {}
    while True:
        with Transaction().start(WORKER_DB, 1, **extras) as transaction:
            try:
                result = function()
            except TransactionError as e:
                # The tables to lock from the start, as with_transaction does
                transaction.rollback()
                e.fix(extras)
                continue
            transaction.commit()
            return result


class MailingWorkerTestCase(_DBTestCase):
    "Test a mailing's exactly-once sending with a real worker killed"
    module = 'crm_counterparty'
    setup_company = test_access.CounterpartyAccessTestCase.setup_company

    @classmethod
    def setUpClass(cls):
        if backend.name != 'postgresql':
            raise unittest.SkipTest(
                "a worker process cannot share SQLite's in-memory database")
        super().setUpClass()
        cls.addClassCleanup(drop_db, WORKER_DB)

    def setUp(self):
        super().setUp()
        # A copy a test: the data a test commits stays in it.  A template
        # is copied only while nobody is connected to it
        backend.Database(DB_NAME).close()
        drop_db(WORKER_DB)
        with Transaction().start(
                None, 0, close=True, autocommit=True) as transaction:
            transaction.database.create(
                transaction.connection, WORKER_DB, DB_NAME)
        Pool(WORKER_DB).init()
        self.directory = self.enterContext(tempfile.TemporaryDirectory())
        # Each message takes the server a little time: the kill lands
        # while a chunk is being sent
        self.mailbox = self.enterContext(smtp_server(delay=0.01))
        path = Path(self.directory) / 'trytond.conf'
        path.write_text(CONFIG.format(uri=config.get('database', 'uri'),
                email=config.get('email', 'uri')))
        self.env = {k: v for k, v in os.environ.items()
            if not k.startswith(('TRYTOND_', 'DB_'))}
        self.env['TRYTOND_CONFIG'] = str(path)
        self.log = self.enterContext(
            open(Path(self.directory) / 'worker.log', 'a'))

    def start_worker(self, processes=1):
        "A trytond-worker of processes, in a process group of its own"
        worker = subprocess.Popen(
            [*WORKER, '-c', self.env['TRYTOND_CONFIG'], '-d', WORKER_DB,
                '-n', str(processes), '-t', '1'],
            env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=self.log)
        self.addCleanup(self.kill, worker)
        return worker

    def kill(self, worker):
        "SIGKILL the worker and the process running its task, at once"
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(30)

    def setup_mailing(self):
        "A mailing of Anna's to RECIPIENTS e-mail addresses, queued"
        pool = Pool()
        Party = pool.get('party.party')
        Mailing = pool.get('crm.counterparty.mailing')
        company = self.setup_company()
        anna = self.users['Anna']
        parties = Party.create([{
                    'name': f"Клиент {i}",
                    'responsible': anna.employee.id,
                    'contact_mechanisms': [('create', [{
                                    'type': 'email',
                                    'value': f'client{i}@example.com',
                                    }])],
                    } for i in range(RECIPIENTS)])
        config.set('queue', 'worker', 'True')
        try:
            with set_company(company), \
                    Transaction().set_user(anna.id), \
                    Transaction().set_context(employee=anna.employee.id):
                mailing, = Mailing.create([{
                            'name': "Большая рассылка",
                            'subject': "Скидки",
                            'email_html': '<p>{{name}}, скидки!</p>',
                            'parties': [('add', [p.id for p in parties])],
                            }])
                Mailing.send([mailing])
        finally:
            config.set('queue', 'worker', 'False')
        return mailing.id

    def resume(self):
        "The scheduler's run: it queues again the mailing nobody sends"
        Mailing = Pool().get('crm.counterparty.mailing')
        config.set('queue', 'worker', 'True')
        try:
            Mailing.send_scheduled()
        finally:
            config.set('queue', 'worker', 'False')

    def held(self, mailing_id):
        "Whether a process holds the lock of the mailing"
        with Transaction().start(WORKER_DB, 0, readonly=True):
            return running.held([mailing_id], 'crm.counterparty.mailing')

    def state(self, mailing_id):
        "The mailing's state and its results' addresses by state, committed"
        with Transaction().start(WORKER_DB, 0, readonly=True):
            Mailing = Pool().get('crm.counterparty.mailing')
            mailing = Mailing(mailing_id)
            states = collections.defaultdict(dict)
            for result in mailing.results:
                states[result.state][result.address] = result.message_id
            return mailing.state, states

    def test_worker_killed(self):
        """A worker killed with SIGKILL while it sends: another goes on, no
        message twice, none lost but the interrupted"""
        mailing_id = committed(self.setup_mailing)
        worker = self.start_worker()
        self.assertTrue(wait(lambda: len(self.mailbox.messages) >= 150),
            "the first worker did not send")
        self.kill(worker)
        killed_at = len(self.mailbox.messages)
        # PostgreSQL ends the dead worker's session, and its lock, soon
        self.assertTrue(wait(lambda: not self.held(mailing_id)))
        state, results = self.state(mailing_id)
        self.assertEqual(state, 'sending')
        # The dead worker had claimed the rows it was sending
        self.assertTrue(results['sending'])

        committed(self.resume)
        self.start_worker()
        self.assertTrue(
            wait(lambda: self.state(mailing_id)[0] == 'done'),
            "the second worker did not finish")
        state, results = self.state(mailing_id)

        received = collections.Counter(
            m.envelope_to[0] for m in self.mailbox.messages)
        message_ids = collections.Counter(
            m['Message-ID'] for m in self.mailbox.messages)
        sent, interrupted = results['sent'], results['interrupted']
        self.assertEqual(set(results), {'sent', 'interrupted'})
        self.assertEqual(len(sent) + len(interrupted), RECIPIENTS)
        self.assertTrue(interrupted)
        self.assertLessEqual(len(interrupted), 100)
        # None twice
        self.assertEqual(max(received.values()), 1)
        self.assertEqual(max(message_ids.values()), 1)
        # Each sent row was received, the message its row names
        self.assertEqual(
            {a: m for m, a in ((m['Message-ID'], m.envelope_to[0])
                    for m in self.mailbox.messages) if a in sent}, sent)
        # What else the server got is among the rows the kill interrupted
        # (sent before the kill, not yet written sent): none lost but them
        self.assertLessEqual(set(received) - set(sent), set(interrupted))
        self.assertGreater(len(self.mailbox.messages), killed_at)
        self.assertEqual(
            len(self.mailbox.messages), len(sent) + len(
                set(received) & set(interrupted)))

    def test_two_processes(self):
        """A worker of two processes sends a mailing with both at once, each
        message once"""
        # Slow enough a server that the second process starts before the
        # first is done
        self.mailbox.delay = 0.05
        mailing_id = committed(self.setup_mailing)
        self.start_worker(processes=2)
        self.assertTrue(
            wait(lambda: self.state(mailing_id)[0] == 'done', timeout=300),
            "the worker did not finish")
        state, results = self.state(mailing_id)
        self.assertEqual(set(results), {'sent'})
        self.assertEqual(len(results['sent']), RECIPIENTS)
        received = {m.envelope_to[0]: m['Message-ID']
            for m in self.mailbox.messages}
        self.assertEqual(len(self.mailbox.messages), RECIPIENTS)
        self.assertEqual(received, results['sent'])
        # Two connections: the two processes sent
        self.assertEqual(
            len({m.peer for m in self.mailbox.messages}), 2)
