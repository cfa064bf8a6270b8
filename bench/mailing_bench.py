#!/usr/bin/env python3
# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Speed of a mailing by e-mail (mailing.py) on PostgreSQL, end to end
through Tryton's queue and real ``trytond-worker`` processes.

Loads once a database ``mailing_bench_SIZE`` (the module activated, SIZE
counterparties with an e-mail each in a group, a mailing to the group),
kept as the template of each run.  A run copies it, starts an SMTP server
in a process of its own (bench/smtp_sink.py, which writes who got which
Message-ID), a ``trytond-worker`` of N processes, and presses *Send*: the
time runs from the commit of the task pushed to the queue until the
mailing is done and the server got every message.  Exactly once is
checked by the count of distinct recipients and Message-IDs the server
got, and by each result row naming the Message-ID its address got.  The
peak memory (VmHWM) of each process of the worker is read from /proc.

Then, in a process of its own on the same copy, the way Tryton's
marketing_email sends (its ``process``): every message built and handed
to ``send_message_transactional`` in one transaction, sent through one
connection when it commits, nothing kept of who got what.

    .venv/bin/python bench/mailing_bench.py --size 10000 --workers 1 2
    .venv/bin/python bench/mailing_bench.py --size 1000 --profile
    .venv/bin/python bench/mailing_bench.py --size 10000 --profile-start

``--profile`` runs the task in this process under cProfile instead and
counts the SQL queries a message costs; ``--profile-start`` only its
start (the recipients found and their rows planned).
"""
import argparse
import collections
import contextlib
import cProfile
import os
import pstats
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault(
    'TRYTOND_DATABASE__URI', 'postgresql://127.0.0.1:5432/')
SIZE = int(sys.argv[sys.argv.index('--size') + 1]) if '--size' in sys.argv \
    else 10000
os.environ['DB_NAME'] = f'mailing_bench_{SIZE}'
os.environ.setdefault('DB_CACHE', tempfile.mkdtemp(prefix='mailing-bench-'))

import trytond.config as config  # noqa: E402
from trytond import backend  # noqa: E402
from trytond.pool import Pool  # noqa: E402
from trytond.tests.test_tryton import (  # noqa: E402
    DB_NAME, USER, activate_module, drop_db)
from trytond.transaction import Transaction  # noqa: E402

BENCH = Path(__file__).resolve().parent
RUN_DB = DB_NAME + '_run'
BATCH = 1000
WORKER = Path(sys.executable).parent / 'trytond-worker'
CONFIG = """\
[database]
uri = {uri}
[queue]
worker = True
[email]
uri = smtp://127.0.0.1:{port}
from = crm@example.com
"""


def load(size):
    "SIZE counterparties with an e-mail, in a group; the mailing to it"
    from trytond.modules.company.tests import (
        create_company, create_employee, set_company)
    pool = Pool()
    Party = pool.get('party.party')
    Group = pool.get('crm.counterparty.group')
    Mailing = pool.get('crm.counterparty.mailing')
    company = create_company()
    with set_company(company):
        employee = create_employee(company, "Марина Соколова")
        group, = Group.create([{'name': "Все"}])
        for start in range(0, size, BATCH):
            Party.create([{
                        'name': "ООО «Клиент %d»" % i,
                        'contact_mechanisms': [('create', [{
                                        'type': 'email',
                                        'value': 'client%d@example.com' % i,
                                        }])],
                        'counterparty_groups': [('add', [group.id])],
                        } for i in range(start, min(start + BATCH, size))])
        Mailing.create([{
                    'name': "Весенняя скидка", 'company': company.id,
                    'sender': employee.id, 'group': group.id,
                    'subject': "Скидка для {{company}}",
                    'email_html': '<p>Здравствуйте, {{name}}!</p>'
                    '<p>Скидка <b>10%</b> до мая: '
                    '<a href="https://example.com/sale">смотреть</a>.</p>',
                    }])


def grow(size, base):
    """The database of SIZE made from that of base in SQL: its
    counterparties, their e-mail, language and group copied under new
    names and addresses (Tryton's create takes about 10 minutes a 100,000
    on a quiet machine)"""
    base_db = f'mailing_bench_{base}'
    with Transaction().start(
            None, 0, close=True, autocommit=True) as transaction:
        transaction.database.create(transaction.connection, DB_NAME, base_db)
    with Transaction().start(DB_NAME, 0) as transaction:
        cursor = transaction.connection.cursor()

        def columns(table, **replaced):
            cursor.execute("SELECT column_name "
                "FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position", (table,))
            names = [n for n, in cursor if n != 'id']
            return (', '.join(['id'] + [f'"{n}"' for n in names]),
                ', '.join(['m.new_id'] + [replaced.get(n, f't."{n}"')
                        for n in names]))
        cursor.execute("CREATE TEMP TABLE map AS SELECT c.party, "
            "substring(c.value from 'client([0-9]+)@')::int + k * %s AS n, "
            "nextval('party_party_id_seq') AS new_id "
            "FROM party_contact_mechanism c, generate_series(1, %s) k "
            "WHERE c.value LIKE 'client%%@example.com'",
            (base, size // base - 1))
        names, values = columns('party_party',
            code="'B' || m.n", code_alnum="'B' || m.n", code_digit='m.n',
            name="'ООО «Клиент ' || m.n || '»'",
            search_text="'ооо «клиент ' || m.n || '» | B' || m.n "
            "|| ' | client' || m.n || '@example.com'")
        cursor.execute(f"INSERT INTO party_party ({names}) SELECT {values} "
            "FROM party_party t JOIN map m ON m.party = t.id")
        for table, replaced in [
                ('party_contact_mechanism', {
                        'value': "'client' || m.n || '@example.com'",
                        'value_compact': "'client' || m.n || '@example.com'",
                        }),
                ('party_party_lang', {}),
                ('crm_counterparty_group-party_party', {}),
                ]:
            seq = f"nextval('\"{table}_id_seq\"')"
            names, values = columns(table, party='m.new_id', **replaced)
            values = values.replace('m.new_id', seq, 1)
            cursor.execute(f'INSERT INTO "{table}" ({names}) '
                f"SELECT {values} FROM \"{table}\" t "
                "JOIN map m ON m.party = t.party")
        transaction.commit()


def template(size, base=None):
    "The loaded database, made once"
    if base:
        from trytond.tests.test_tryton import db_exist
        if not db_exist(DB_NAME):
            grow(size, base)
    activate_module('crm_counterparty')
    with Transaction().start(DB_NAME, USER) as transaction:
        if not Pool().get('crm.counterparty.mailing').search([]):
            start = time.perf_counter()
            load(size)
            transaction.commit()
            print(f"Loaded {size} counterparties in "
                f"{time.perf_counter() - start:.0f} s", flush=True)
    # A template is copied only while nobody is connected to it
    backend.Database(DB_NAME).close()


def copy():
    "A fresh copy of the template, its pool ready; the mailing's id"
    drop_db(RUN_DB)
    with Transaction().start(
            None, 0, close=True, autocommit=True) as transaction:
        transaction.database.create(transaction.connection, RUN_DB, DB_NAME)
    with Transaction().start(RUN_DB, 0, readonly=True):
        Pool(RUN_DB).init()
        mailing, = Pool().get('crm.counterparty.mailing').search([])
        return mailing.id


class Sink:
    "The SMTP server, in its own process"

    def __init__(self, directory):
        self.path = Path(directory) / 'received.txt'
        self.process = subprocess.Popen(
            [sys.executable, BENCH / 'smtp_sink.py', self.path],
            stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline())

    def count(self):
        with open(self.path, 'rb') as file:
            return sum(1 for _ in file)

    def received(self):
        "Stop the server; the (recipient, Message-ID) it got"
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)
        with open(self.path) as file:
            return [tuple(line.rstrip('\n').split('\t')) for line in file]


def processes(group):
    "The ids of the processes of process group"
    pids = []
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:
            pids.append(int(stat.parent.name))
    return pids


def peak_memory(pid):
    "The peak resident memory of pid in MB, None once it ended"
    try:
        status = Path(f'/proc/{pid}/status').read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024


def cpu_seconds(group):
    total = 0
    for pid in processes(group):
        try:
            fields = Path(f'/proc/{pid}/stat').read_text().rsplit(
                ')', 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf('SC_CLK_TCK')


def start_worker(directory, port, count):
    "A trytond-worker of count processes, idle once its pools are loaded"
    path = Path(directory) / 'trytond.conf'
    path.write_text(CONFIG.format(
            uri=config.get('database', 'uri'), port=port))
    env = {k: v for k, v in os.environ.items()
        if not k.startswith(('TRYTOND_', 'DB_'))}
    env['TRYTOND_CONFIG'] = str(path)
    worker = subprocess.Popen(
        [sys.executable, WORKER, '-c', path, '-d', RUN_DB,
            '-n', str(count), '-t', '1'],
        env=env, start_new_session=True,
        stderr=open(Path(directory) / 'worker.log', 'w'))
    # Warm: its processes started and their CPU time steady
    last = -1
    while (len(processes(worker.pid)) <= 1
            or cpu_seconds(worker.pid) != last):
        last = cpu_seconds(worker.pid)
        time.sleep(2)
    return worker


def push(mailing_id):
    "Press Send: the task pushed to the queue, committed"
    config.set('queue', 'worker', 'True')
    try:
        with Transaction().start(RUN_DB, USER) as transaction:
            Mailing = Pool().get('crm.counterparty.mailing')
            Mailing.send([Mailing(mailing_id)])
            transaction.commit()
    finally:
        config.set('queue', 'worker', 'False')


def results(mailing_id):
    "The mailing's state and the Message-ID of each result by address"
    with Transaction().start(RUN_DB, 0, readonly=True) as transaction:
        table = Pool().get('crm.counterparty.mailing.result').__table__()
        cursor = transaction.connection.cursor()
        cursor.execute(*table.select(
                table.address, table.message_id, table.state,
                where=table.mailing == mailing_id))
        rows = cursor.fetchall()
        state = Pool().get('crm.counterparty.mailing')(mailing_id).state
    return state, rows


def done(mailing_id):
    with Transaction().start(RUN_DB, 0, readonly=True):
        return Pool().get('crm.counterparty.mailing')(mailing_id).state == (
            'done')


def check(received, size, rows=None):
    "Exactly once: as many messages as distinct recipients and ids"
    recipients = collections.Counter(r for r, _ in received)
    ids = collections.Counter(i for _, i in received)
    assert len(received) == len(recipients) == len(ids) == size, (
        len(received), len(recipients), len(ids), size)
    if rows is not None:
        assert {a: i for a, i, s in rows if s == 'sent'} == dict(received), \
            "a result's Message-ID is not what its address got"


def ours(mailing_id, count, size):
    "Send through the queue with a worker of count processes"
    with tempfile.TemporaryDirectory() as directory:
        sink = Sink(directory)
        worker = start_worker(directory, sink.port, count)
        peaks = {}
        try:
            push(mailing_id)
            start = time.perf_counter()
            while not (sink.count() >= size and done(mailing_id)):
                for pid in processes(worker.pid):
                    peaks[pid] = max(peaks.get(pid, 0), peak_memory(pid) or 0)
                time.sleep(0.2)
            seconds = time.perf_counter() - start
            for pid in processes(worker.pid):
                peaks[pid] = max(peaks.get(pid, 0), peak_memory(pid) or 0)
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(30)
            received = sink.received()
    state, rows = results(mailing_id)
    check(received, size, rows)
    memory = ', '.join(f'{m:.0f}' for m in sorted(peaks.values()))
    print(f"Module, through the queue, {count} worker process(es): "
        f"{size} in {seconds:.1f} s, {size / seconds:.0f} a second, "
        f"exactly once; peak memory of the worker's processes {memory} MB",
        flush=True)


def tryton_way_process(mailing_id):
    """Send as marketing_email's process does: each message to the
    transaction's SMTP data manager, all sent at the commit; seconds"""
    from email.message import EmailMessage

    from trytond.report import html_to_text
    from trytond.sendmail import (
        SMTPDataManager, send_message_transactional)
    from trytond.modules.crm_counterparty.channels import placeholders
    from trytond.modules.crm_counterparty.mailing import addresses
    with Transaction().start(RUN_DB, USER) as transaction:
        Pool(RUN_DB).init()
        mailing = Pool().get('crm.counterparty.mailing')(mailing_id)
        start = time.perf_counter()
        datamanager = SMTPDataManager()
        for parties in mailing.recipients():
            for party, address in addresses(parties, 'email').items():
                values = {'name': party.rec_name, 'company': party.rec_name}
                content = placeholders.render(
                    mailing.email_html, values, markup=True)
                msg = EmailMessage()
                msg['From'] = config.get('email', 'from')
                msg['To'] = address
                msg['Subject'] = placeholders.render(mailing.subject, values)
                msg.set_content(html_to_text(content))
                msg.add_alternative(content, subtype='html')
                send_message_transactional(msg, datamanager=datamanager)
        transaction.commit()
        seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f'{seconds} {rss}')


def tryton_way(mailing_id, size):
    "marketing_email's way, in a process of its own, to its own server"
    with tempfile.TemporaryDirectory() as directory:
        sink = Sink(directory)
        env = dict(os.environ,
            TRYTOND_EMAIL__URI=f'smtp://127.0.0.1:{sink.port}',
            TRYTOND_EMAIL__FROM='crm@example.com')
        try:
            output = subprocess.run(
                [sys.executable, __file__, '--size', str(size),
                    '--tryton-way', str(mailing_id)],
                env=env, check=True, capture_output=True, text=True).stdout
        finally:
            received = sink.received()
    check(received, size)
    seconds, rss = map(float, output.split()[-2:])
    print(f"marketing_email's way (one transaction): {size} in "
        f"{seconds:.1f} s, {size / seconds:.0f} a second; "
        f"peak memory of the process {rss:.0f} MB", flush=True)


@contextlib.contextmanager
def counted_sql():
    """The SQL queries run in the block counted by their first word, and
    their seconds by their shape (their first 100 characters)"""
    from trytond.backend.postgresql import database
    queries, shapes = collections.Counter(), collections.Counter()
    execute = database.LoggingCursor.execute

    def counted(self, query, *args, **kwargs):
        queries[(str(query).split() or [''])[0].upper()] += 1
        start = time.perf_counter()
        try:
            return execute(self, query, *args, **kwargs)
        finally:
            shapes[' '.join(str(query).split())[:100]] += (
                time.perf_counter() - start)
    database.LoggingCursor.execute = counted
    try:
        yield queries, shapes
    finally:
        database.LoggingCursor.execute = execute


def print_sql(queries, shapes, size):
    print(f"SQL queries a message: {sum(queries.values()) / size:.2f} "
        f"({', '.join(f'{k} {v / size:.2f}' for k, v in queries.items())})")
    print("SQL seconds by query:")
    for shape, seconds in shapes.most_common(12):
        print(f"{seconds:8.2f}  {shape}")


def profile(mailing_id, size):
    "The task run here under cProfile, its SQL queries counted"
    with tempfile.TemporaryDirectory() as directory:
        sink = Sink(directory)
        config.set('email', 'uri', f'smtp://127.0.0.1:{sink.port}')
        push(mailing_id)
        profiler = cProfile.Profile()
        with counted_sql() as (queries, shapes), \
                Transaction().start(RUN_DB, 0) as transaction:
            task, = Pool().get('ir.queue').search([])
            profiler.runcall(task.run)
            transaction.commit()
        received = sink.received()
    check(received, size)
    print_sql(queries, shapes, size)
    stats = pstats.Stats(profiler).sort_stats('cumulative')
    # The phases of a run: recipients, plan, claim, render, SMTP, write
    stats.print_stats(r'mailing\.py.*\((recipients|_plan|add|claim|'
        r'values_of|message|send|keep|interrupt)\)')
    stats.print_stats(30)


def profile_start(mailing_id, size):
    """The start of a run alone, under cProfile: the recipients found and
    their result rows planned, committed as the run does"""
    profiler = cProfile.Profile()
    with counted_sql() as (queries, shapes), \
            Transaction().start(RUN_DB, 0) as transaction:
        mailing = Pool().get('crm.counterparty.mailing')(mailing_id)

        def plan():
            for _ in mailing._plan():
                transaction.commit()
        start = time.perf_counter()
        profiler.runcall(plan)
        seconds = time.perf_counter() - start
        Result = Pool().get('crm.counterparty.mailing.result')
        rows = Result.search_count([('mailing', '=', mailing_id)])
    assert rows == size, (rows, size)
    print(f"Start of {size}: {rows} rows planned in {seconds:.1f} s "
        "(under cProfile)", flush=True)
    print_sql(queries, shapes, size)
    pstats.Stats(profiler).sort_stats('cumulative').print_stats(25)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, default=SIZE)
    parser.add_argument('--workers', type=int, nargs='*', default=[1, 2],
        help="the processes of the worker of each run")
    parser.add_argument('--no-tryton-way', action='store_true')
    parser.add_argument('--profile', action='store_true')
    parser.add_argument('--profile-start', action='store_true',
        help="only the start (recipients and plan) under cProfile")
    parser.add_argument('--load', action='store_true',
        help="only make the database of SIZE counterparties")
    parser.add_argument('--base', type=int,
        help="make the database of SIZE from the loaded one of BASE in SQL")
    parser.add_argument('--tryton-way', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tryton_way:
        tryton_way_process(args.tryton_way)
        return
    template(args.size, args.base)
    if args.load:
        return
    if args.profile:
        profile(copy(), args.size)
    elif args.profile_start:
        profile_start(copy(), args.size)
    else:
        for count in args.workers:
            ours(copy(), count, args.size)
        if not args.no_tryton_way:
            tryton_way(copy(), args.size)
    drop_db(RUN_DB)


if __name__ == '__main__':
    main()
