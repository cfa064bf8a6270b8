#!/usr/bin/env python3
# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The guests' portal under load on PostgreSQL with many counterparties.

Creates (or reuses) a PostgreSQL database with SIZE counterparties loaded
as search_bench.py loads them, and GUESTS contact persons of them with a
portal login and three communications each; starts trytond on it (a
process of its own, as in production); then GUESTS clients at once, each
logged in as his guest, browse for SECONDS seconds: the home page, one of
his communications, a comment on it.  Then, in the same run and on the same
base, the platform's own way of reading the same records: as many clients
of the back office, logged in by JSON-RPC as the communications' employee,
each reads his guest's communications with search_read for as long.  Prints
the median and 95th percentile of each request as its sender timed it, the
requests a second and the errors, and the comments found stored.

    .venv/bin/python bench/portal_bench.py --size 100000
    .venv/bin/python bench/portal_bench.py --reuse
"""
import argparse
import base64
import http.cookiejar
import json
import os
import re
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

PASSWORD = 'Bench-Guest-2031'
CSRF = re.compile(r'name="csrf" value="(\w+)"')
COMMENT = "Комментарий гостя"
RECORD = re.compile(r'/portal/(communication/\d+)"')


def setup(pool, transaction, size, guests):
    "The base, the guests and their communications, made once"
    import datetime as dt
    Party = pool.get('party.party')
    WebUser = pool.get('web.user')
    Communication = pool.get('crm.communication')
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


def guest(portal, number, timings, until):
    "One guest logged in, browsing and commenting until the time is up"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        _NoRedirect())
    login = opener.open(portal + 'login').read().decode()
    form = {'csrf': CSRF.search(login).group(1), 'email':
        'guest%s@bench.example' % number, 'password': PASSWORD}
    opener.open(portal + 'login', urllib.parse.urlencode(form).encode())
    while time.monotonic() < until:
        home = timings.timed('Home page (his communications)',
            portal, opener)
        records = RECORD.findall(home)
        if not records:
            continue
        page = timings.timed('A communication with its chat',
            portal + records[0], opener)
        token = CSRF.search(page)
        if token:
            comment = {'csrf': token.group(1), 'content': COMMENT}
            timings.timed('A comment posted', urllib.request.Request(
                    portal + records[0],
                    urllib.parse.urlencode(comment).encode()), opener)


def employee(rpc, party_id, timings, until):
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
    while time.monotonic() < until:
        timings.timed('JSON-RPC search_read of the same (back office)',
            read, opener)


def run(target, args_of, clients, seconds):
    "clients threads of target at once for seconds; their timings"
    timings = Timings()
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=target,
            args=(*args_of(i), timings, until)) for i in range(clients)]
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
    args = parser.parse_args()
    pool = search_bench.open_database(args.database, args.reuse)
    from trytond.transaction import Transaction
    with Transaction().start(args.database, 0) as transaction:
        parties = setup(pool, transaction, args.size, args.guests)
        count = pool.get('party.party').search([], count=True)
        before = stored_comments(pool)
        transaction.commit()

    port = telephony_bench.free_port()
    server = telephony_bench.start_trytond(args.database, port)
    base = 'http://127.0.0.1:%s/%s/' % (port, args.database)
    try:
        portal = run(guest, lambda i: (base + 'portal/', i),
            len(parties), args.seconds)
        office = run(employee, lambda i: (base + 'rpc/', parties[i]),
            len(parties), args.seconds)
    finally:
        server.terminate()
        server.wait()
    report(count, len(parties), args.seconds, portal, office)
    with Transaction().start(args.database, 0, readonly=True):
        stored = stored_comments(pool) - before
    posted = portal.times['A comment posted']
    print(f"\nComments answered: {len(posted)}, of them refused: "
        f"{portal.errors['A comment posted']}; stored: {stored}")


def stored_comments(pool):
    return pool.get('ir.chat.message').search(
        [('content', '=', COMMENT)], count=True)


def report(count, clients, seconds, *timings):
    print(f"\n{count:,} counterparties; {clients} clients at once for "
        f"{seconds} s each way; load average {os.getloadavg()[0]:.1f}\n")
    print("| Request | Median, ms | 95th percentile, ms | Per second "
        "| Errors |")
    print("|---|---:|---:|---:|---:|")
    for timing in timings:
        for kind, times in timing.times.items():
            median, p95 = telephony_bench.percentiles(times)
            print(f"| {kind} | {median:,.0f} | {p95:,.0f} | "
                f"{len(times) / seconds:.1f} | {timing.errors[kind]} |")


if __name__ == '__main__':
    main()
