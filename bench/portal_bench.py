#!/usr/bin/env python3
# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The guests' portal under load on PostgreSQL with many counterparties.

Creates (or reuses) a PostgreSQL database with SIZE counterparties loaded
as search_bench.py loads them, and GUESTS contact persons of them with a
portal login and three communications each; starts trytond on it (a
process of its own, as in production); then GUESTS clients at once, each
logged in as his guest, browse for SECONDS seconds (counted once all are
logged in): the home page, one of his communications, a comment on it,
each after a think time drawn between --think LOW HIGH seconds (1 to 3 by
default, as load tools such as locust model a visitor; the first one
spreads the guests' start).  Then, in the
same run and on the same base, the platform's own way of reading the same
records: as many clients of the back office, logged in by JSON-RPC as the
communications' employee, each reads his guest's communications with
search_read for as long, thinking as long between two reads.  Prints the
median and 95th percentile of each request as its sender timed it, the
requests a second, the errors, the median's ratio to search_read's, and
the comments found stored.  --think 0 sends back to back: the most one
trytond process answers.

    .venv/bin/python bench/portal_bench.py --size 100000
    .venv/bin/python bench/portal_bench.py --reuse
    .venv/bin/python bench/portal_bench.py --reuse --think 0
    .venv/bin/python bench/portal_bench.py --reuse --think 0 --workers 2
    .venv/bin/python bench/portal_bench.py --reuse --profile 200

--profile N sends no load: it asks each page of the first guest N times
inside this process (werkzeug's test client on trytond's WSGI
application) and prints, per page, its time, its CPU time, its SQL
queries and the functions that took the most CPU (cProfile).

The employee of the communications has an e-mail, as in production, so a
guest's comment is e-mailed to him: trytond sends to an SMTP server of the
bench (bench/smtp_sink.py, a process of its own), which counts what it
got.  --queue-worker runs Tryton's queue as in production (``[queue]
worker``, one ``trytond-worker`` process): the tasks a request queues (the
employees' e-mails of a comment) are left to it; without, trytond runs
them at the end of the request that queued them.
"""
import argparse
import base64
import cProfile
import http.cookiejar
import json
import logging
import os
import pstats
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'scripts'))

import demo  # noqa: E402
import search_bench  # noqa: E402
import telephony_bench  # noqa: E402
from trytond.modules.crm_counterparty.guest import CHAT_PAGE  # noqa: E402

PASSWORD = 'Bench-Guest-2031'
BENCH = Path(__file__).resolve().parent
CSRF = re.compile(r'name="csrf" value="(\w+)"')
COMMENT = "Комментарий гостя"
RECORD = re.compile(r'/portal/(communication/\d+)"')


def setup(pool, transaction, size, guests):
    "The base, the guests and their communications, made once"
    import datetime as dt
    Party = pool.get('party.party')
    WebUser = pool.get('web.user')
    Communication = pool.get('crm.communication')
    User = pool.get('res.user')
    # The employee has an e-mail, as in production (the base of an older
    # bench had none): a comment is e-mailed to him.  Written in SQL: Tryton
    # asks DNS whether the domain takes mail, and a bench machine has none
    user = User.__table__()
    transaction.connection.cursor().execute(*user.update(
            [user.email], ['marina@example.com'],
            where=user.login == 'marina'))
    if not WebUser.search([('email', 'like', '%@bench.example')], limit=1):
        company, staff = search_bench.load(pool, transaction, size)
        companies = Party.search(
            [('code', 'like', 'B%')], order=[('id', 'ASC')], limit=guests)
        persons = Party.create([{
                    'name': "Гость %s" % i, 'kind': 'person',
                    'employer': c.id, 'responsible': staff['marina'].id}
                for i, c in enumerate(companies)])
        WebUser.create([{
                    'email': 'guest%s@bench.example' % i, 'party': p.id,
                    'password': PASSWORD, 'guest_state': 'active'}
                for i, p in enumerate(persons)])
        start = dt.datetime(2031, 3, 4, 9)
        Communication.create([{
                    'subject': "Встреча %s-%s" % (i, n),
                    'start': start + dt.timedelta(days=n),
                    'end': start + dt.timedelta(days=n, hours=1),
                    'company': company.id,
                    'organiser': staff['marina'].id,
                    'employees': [('add', [staff['marina'].id])],
                    'parties': [('add', [p.id])]}
                for i, p in enumerate(persons) for n in range(3)])
    return [p.id for p in Party.search([('name', 'like', "Гость %")],
            order=[('id', 'ASC')], limit=guests)]


class Timings:
    "The time of each request by its kind, and the errors, of all threads"

    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors = defaultdict(int)

    def timed(self, kind, request, opener):
        started = time.monotonic()
        try:
            with opener.open(request, timeout=60) as response:
                body = response.read().decode('utf-8')
                ok = response.status < 400
        except urllib.error.HTTPError as error:
            body, ok = '', False
            error.close()
        elapsed = time.monotonic() - started
        with self.lock:
            self.times[kind].append(elapsed)
            if not ok:
                self.errors[kind] += 1
        return body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    "A redirect after a form is its answer: not followed, not an error"

    def http_error_303(self, request, fp, code, msg, headers):
        return fp


class Window:
    """The seconds the clients send in, opened once all have logged in (a
    login hashes a password: 50 at once are no page), and their pauses"""

    def __init__(self, clients, seconds, low, high):
        self.low, self.high = low, high
        self.until = None
        self.barrier = threading.Barrier(clients, action=lambda: setattr(
                self, 'until', time.monotonic() + seconds), timeout=600)

    def open(self):
        "Wait until every client has logged in"
        self.barrier.wait()

    def think(self):
        "Pause; whether there is time left for a request"
        if self.high:
            time.sleep(max(0, min(random.uniform(self.low, self.high),
                        self.until - time.monotonic())))
        return time.monotonic() < self.until


def guest(portal, number, timings, window):
    "One guest logged in, browsing and commenting until the time is up"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        _NoRedirect())
    login = opener.open(portal + 'login').read().decode()
    form = {'csrf': CSRF.search(login).group(1), 'email':
        'guest%s@bench.example' % number, 'password': PASSWORD}
    opener.open(portal + 'login', urllib.parse.urlencode(form).encode())
    window.open()
    while window.think():
        home = timings.timed('Home page (his communications)',
            portal, opener)
        records = RECORD.findall(home)
        if not records or not window.think():
            continue
        page = timings.timed('A communication with its chat',
            portal + records[0], opener)
        token = CSRF.search(page)
        if token and window.think():
            comment = {'csrf': token.group(1), 'content': COMMENT}
            timings.timed('A comment posted', urllib.request.Request(
                    portal + records[0],
                    urllib.parse.urlencode(comment).encode()), opener)


def employee(rpc, party_id, timings, window):
    "A back-office client reading the guest's communications by JSON-RPC"
    opener = urllib.request.build_opener()

    def call(method, params, headers=None):
        body = json.dumps({'id': 1, 'method': method, 'params': params})
        return urllib.request.Request(rpc, body.encode(), headers={
                'Content-Type': 'application/json', **(headers or {})})
    login = json.loads(opener.open(call('common.db.login', [
                    'marina', {'password': demo.STAFF_PASSWORD}, 'ru'])
            ).read())['result']
    session = base64.b64encode(
        ('marina:%s:%s' % (login[0], login[1])).encode()).decode()
    headers = {'Authorization': 'Session ' + session}
    read = call('model.crm.communication.search_read', [
            [('parties', '=', party_id)], 0, None, None,
            ['subject', 'start', 'state', 'rec_name'], {}], headers)
    window.open()
    while window.think():
        timings.timed('JSON-RPC search_read of the same (back office)',
            read, opener)


def run(target, args_of, clients, seconds, think):
    """clients threads of target at once for seconds, each pausing between
    think's two bounds; their timings"""
    timings = Timings()
    window = Window(clients, seconds, *think)
    threads = [threading.Thread(target=target,
            args=(*args_of(i), timings, window)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--database', default='bench_portal')
    parser.add_argument('--size', type=int, default=100000)
    parser.add_argument('--guests', type=int, default=50)
    parser.add_argument('--seconds', type=int, default=60)
    parser.add_argument('--reuse', action='store_true',
        help="use the database made before (loaded unless it was)")
    parser.add_argument('--think', type=float, nargs='+', default=[1, 3],
        metavar='SECONDS', help="a guest's pause before a page, drawn "
        "between LOW and HIGH (one value: always it; 0: none)")
    parser.add_argument('--workers', type=int, default=1,
        help="processes serving the requests; more than one runs gunicorn "
        "(pip install gunicorn), trytond's own server being one process")
    parser.add_argument('--profile', type=int, metavar='N',
        help="no load: profile each page N times in this process")
    parser.add_argument('--queue-worker', action='store_true',
        help="trytond's queue run by a trytond-worker process, as in "
        "production, rather than at the end of each request")
    args = parser.parse_args()
    if len(args.think) > 2:
        parser.error("--think takes one or two values")
    pool = search_bench.open_database(args.database, args.reuse)
    from trytond.transaction import Transaction
    with Transaction().start(args.database, 0) as transaction:
        parties = setup(pool, transaction, args.size, args.guests)
        transaction.commit()
    sink, received = start_sink()
    worker = start_worker(args.database) if args.queue_worker else None
    try:
        if args.profile:
            profile(args.database, args.profile)
        else:
            measure(pool, args, parties, (args.think * 2)[:2])
    finally:
        if worker:
            # The worker's pool of processes with it
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait()
        sink.terminate()
        sink.wait()
    print(f"E-mails the SMTP server got: "
        f"{sum(1 for _ in open(received))}")


def start_sink():
    """The SMTP server of the bench, in a process of its own, where trytond
    sends (this process and the servers it starts); the file of what it
    got"""
    import trytond.config as config
    received = Path(os.environ.get('TMPDIR', '/tmp')) / (
        'portal_bench_%s.txt' % os.getpid())
    sink = subprocess.Popen([sys.executable, BENCH / 'smtp_sink.py',
            received], stdout=subprocess.PIPE, text=True)
    uri = 'smtp://127.0.0.1:%s' % int(sink.stdout.readline())
    os.environ['TRYTOND_EMAIL__URI'] = uri
    config.set('email', 'uri', uri)
    return sink, received


def start_worker(database):
    """A trytond-worker of one process running the queue of database;
    trytond (this process and the servers it starts) leaves it the tasks"""
    import trytond.config as config
    os.environ['TRYTOND_QUEUE__WORKER'] = 'True'
    config.set('queue', 'worker', 'True')
    return subprocess.Popen([Path(sys.executable).with_name('trytond-worker'),
            '-d', database, '-n', '1'], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, 'TRYTOND_DATABASE_NAMES': database})


def measure(pool, args, parties, think):
    "The guests, then the back office, on a server of its own; the report"
    from trytond.transaction import Transaction
    with Transaction().start(args.database, 0, readonly=True):
        count = pool.get('party.party').search([], count=True)
        before = stored_comments(pool)
    port = telephony_bench.free_port()
    server = telephony_bench.start_trytond(
        args.database, port, args.workers)
    base = 'http://127.0.0.1:%s/%s/' % (port, args.database)
    try:
        portal = run(guest, lambda i: (base + 'portal/', i),
            len(parties), args.seconds, think)
        office = run(employee, lambda i: (base + 'rpc/', parties[i]),
            len(parties), args.seconds, think)
    finally:
        server.terminate()
        server.wait()
    report(count, len(parties), args.seconds, think, args.workers,
        portal, office)
    with Transaction().start(args.database, 0, readonly=True):
        stored = stored_comments(pool) - before
    posted = portal.times['A comment posted']
    print(f"\nComments answered: {len(posted)}, of them refused: "
        f"{portal.errors['A comment posted']}; stored: {stored}; the "
        f"chats held {before} of the runs before (a page shows its latest "
        f"{CHAT_PAGE})")


class _Queries(logging.Handler):
    "Counts the SQL queries trytond's cursor logs"

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record):
        self.count += 1


def profile(database, requests):
    """Each page of guest 0 asked requests times in this process: its time,
    its SQL queries and its costliest functions"""
    from werkzeug.test import Client

    from trytond.wsgi import app
    client = Client(app)
    portal = '/%s/portal/' % database
    login = client.get(portal + 'login').get_data(as_text=True)
    client.post(portal + 'login', data={'csrf': CSRF.search(login).group(1),
            'email': 'guest0@bench.example', 'password': PASSWORD})
    record = RECORD.search(client.get(portal).get_data(as_text=True))
    csrf = CSRF.search(client.get(portal + record.group(1)).get_data(
            as_text=True)).group(1)
    pages = {
        'Home page': lambda: client.get(portal),
        'A communication with its chat': lambda: client.get(
            portal + record.group(1)),
        'A comment posted': lambda: client.post(portal + record.group(1),
            data={'csrf': csrf, 'content': COMMENT}),
        }
    for name, ask in pages.items():
        ask()
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(requests):
            assert ask().status_code < 400, name
        wall = (time.perf_counter() - wall) / requests * 1000
        cpu = (time.process_time() - cpu) / requests * 1000
        # Timed by the CPU: on a shared machine the wall clock mostly
        # measures the others
        profiler = cProfile.Profile(time.process_time)
        profiler.runcall(lambda: [ask() for _ in range(requests)])
        print(f"\n## {name}: {wall:.1f} ms a page, {cpu:.1f} ms of it "
            f"this process's CPU, {count_queries(ask)} SQL queries\n")
        pstats.Stats(profiler).sort_stats('cumulative').print_stats(40)


def count_queries(ask):
    "The SQL queries of ask(), counted apart: logging them takes time"
    logger = logging.getLogger('trytond.backend.postgresql.database')
    queries = _Queries()
    level = logger.level
    logger.addHandler(queries)
    logger.setLevel(logging.DEBUG)
    try:
        ask()
    finally:
        logger.removeHandler(queries)
        logger.setLevel(level)
    return queries.count


def stored_comments(pool):
    return pool.get('ir.chat.message').search(
        [('content', '=', COMMENT)], count=True)


def report(count, clients, seconds, think, workers, portal, office):
    print(f"\n{count:,} counterparties; {clients} clients at once for "
        f"{seconds} s each way, thinking {think[0]:g}-{think[1]:g} s "
        f"before a request; {workers} server process(es); "
        f"load average {os.getloadavg()[0]:.1f}\n")
    print("| Request | Median, ms | 95th percentile, ms | Per second "
        "| Errors | Median / search_read's |")
    print("|---|---:|---:|---:|---:|---:|")
    office_median = statistics.median(
        t for times in office.times.values() for t in times)
    for timing in (portal, office):
        for kind, times in timing.times.items():
            median, p95 = telephony_bench.percentiles(times)
            print(f"| {kind} | {median:,.0f} | {p95:,.0f} | "
                f"{len(times) / seconds:.1f} | {timing.errors[kind]} | "
                f"{median / 1000 / office_median:.1f} |")


if __name__ == '__main__':
    main()
