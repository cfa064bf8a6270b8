#!/usr/bin/env python3
# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The telephony webhook under load on PostgreSQL with many counterparties.

Creates (or reuses) a PostgreSQL database with SIZE counterparties loaded
as search_bench.py loads them (two phones each), a generic connector and
an employee with extension 101, starts trytond on it (a process of its
own, as in production), then posts RATE call events a second for SECONDS
seconds to the connector's webhook, signed, from the counterparties'
numbers written in the ways people write them: half of them a phone
ringing (the card looked up, the employee notified), half a call ended
(looked up and logged as a communication).  Then counts what arrived:
every event answered 200, its id kept once, every ended call logged.
Prints the webhook's latency (the whole request, measured by the sender)
and, on the same base, the look-up of a number alone (Connector.parties_of,
timed in this process), median and 95th percentile.

    .venv/bin/python bench/telephony_bench.py --size 100000
    .venv/bin/python bench/telephony_bench.py --reuse
"""
import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import search_bench  # noqa: E402

SECRET = 'bench-secret'
SENDERS = 32


def numbers(size, count, offset):
    "count numbers of loaded counterparties, written in various ways"
    ways = ['+7916{:07d}', '8916{:07d}', '7916{:07d}', '8 (916) {:07d}']
    chosen = random.Random(1).sample(range(offset, offset + size), count)
    return [random.Random(i).choice(ways).format(i) for i in chosen]


def setup(pool, transaction, size):
    Connector = pool.get('crm.telephony.connector')
    Party = pool.get('party.party')
    if not Connector.search([('name', '=', 'bench')]):
        company, staff = search_bench.load(pool, transaction, size)
        Connector.create([{
                    'name': 'bench', 'provider': 'generic', 'secret': SECRET,
                    'company': company.id, 'employee': staff['oleg'].id,
                    'extensions': [('create', [{'extension': '101',
                                    'employee': staff['marina'].id}])],
                    }])
    connector, = Connector.search([('name', '=', 'bench')])
    # search_bench gives counterparty i the code B<i> and the phone 916 i
    first, = Party.search(
        [('code', 'like', 'B%')], order=[('id', 'ASC')], limit=1)
    return connector.id, first.id


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_trytond(database, port, workers=1):
    """trytond's own server (one process), or workers processes of gunicorn
    serving trytond's WSGI application, as a production server would"""
    config = tempfile.NamedTemporaryFile('w', suffix='.conf', delete=False)
    config.write('[database]\nuri = %s\n[web]\nlisten = 127.0.0.1:%s\n' % (
            os.environ['TRYTOND_DATABASE__URI'], port))
    config.close()
    command = [Path(sys.executable).with_name('trytond'),
        '-c', config.name, '-d', database]
    if workers > 1:
        # Threads as trytond's own server has: a request's waits for
        # PostgreSQL leave the process to the others
        command = [Path(sys.executable).with_name('gunicorn'),
            '-w', str(workers), '--threads', '16',
            '-b', '127.0.0.1:%s' % port, 'trytond.application:app']
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, env={**os.environ,
            'TRYTOND_CONFIG': config.name,
            'TRYTOND_DATABASE_NAMES': database})
    for _ in range(600):
        try:
            socket.create_connection(('127.0.0.1', port), 1).close()
            return server
        except OSError:
            time.sleep(0.1)
    sys.exit("trytond did not start")


def post(url, event):
    from trytond.modules.crm_counterparty.telephony import generic
    body = json.dumps(event).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(url, data=body, headers={
            generic.TIMESTAMP_HEADER: timestamp,
            generic.SIGNATURE_HEADER: generic.sign(SECRET, timestamp, body),
            'Content-Type': 'application/json'})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - started


def load_test(url, phones, rate, seconds):
    "Post rate events a second; their (status, latency) and the calls ended"
    results, ended, futures = [], [], []
    lock = threading.Lock()
    with ThreadPoolExecutor(SENDERS) as senders:
        started = time.monotonic()
        for i in range(rate * seconds):
            # Paced: event i leaves at i / rate seconds
            time.sleep(max(0, started + i / rate - time.monotonic()))
            call_id = uuid.uuid4().hex
            kind = 'ringing' if i % 2 else 'ended'
            if kind == 'ended':
                ended.append(call_id)
            event = {'event_id': call_id + kind, 'call_id': call_id,
                'event': kind, 'number': phones[i % len(phones)],
                'extension': '101', 'duration': 30}
            future = senders.submit(post, url, event)
            future.add_done_callback(
                lambda f: (lock.acquire(), results.append(f.result()),
                    lock.release()))
            futures.append(future)
        sent_in = time.monotonic() - started
    return results, ended, sent_in


def lookup_times(pool, database, phones):
    from trytond.transaction import Transaction
    times, found = [], 0
    with Transaction().start(database, 0, readonly=True):
        Connector = pool.get('crm.telephony.connector')
        for phone in phones:
            started = time.monotonic()
            found += bool(Connector.parties_of(phone))
            times.append(time.monotonic() - started)
    return times, found


def percentiles(values):
    values = sorted(values)
    return (statistics.median(values) * 1000,
        values[int(len(values) * 0.95)] * 1000)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--database', default='bench_telephony')
    parser.add_argument('--size', type=int, default=100000)
    parser.add_argument('--rate', type=int, default=100)
    parser.add_argument('--seconds', type=int, default=60)
    parser.add_argument('--reuse', action='store_true',
        help="use the database made before (loaded unless it was)")
    args = parser.parse_args()
    pool = search_bench.open_database(args.database, args.reuse)
    from trytond.transaction import Transaction
    with Transaction().start(args.database, 0) as transaction:
        connector, offset = setup(pool, transaction, args.size)
        count = pool.get('party.party').search([], count=True)
        transaction.commit()
    phones = numbers(args.size, 2000, offset)
    lookups, found = lookup_times(pool, args.database, phones)

    port = free_port()
    server = start_trytond(args.database, port)
    try:
        url = 'http://127.0.0.1:%s/%s/crm/telephony/%s' % (
            port, args.database, connector)
        results, ended, sent_in = load_test(
            url, phones, args.rate, args.seconds)
    finally:
        server.terminate()
        server.wait()
    with Transaction().start(args.database, 0, readonly=True):
        Communication = pool.get('crm.communication')
        logged = sum(Communication.search([('call_id', 'in', chunk)],
                count=True) for chunk in (ended[i:i + 1000]
                for i in range(0, len(ended), 1000)))
    statuses = [s for s, _ in results]
    print(f"\n{count:,} counterparties; {len(results)} events posted in "
        f"{sent_in:.1f} s ({args.rate}/s asked)\n")
    print("| Measure | Median, ms | 95th percentile, ms |")
    print("|---|---:|---:|")
    print("| Look-up of a number alone (%d numbers, %d found) | %.1f | %.1f |"
        % (len(lookups), found, *percentiles(lookups)))
    print("| Webhook request under load (ringing and ended) | %.1f | %.1f |"
        % percentiles([t for _, t in results]))
    print(f"\nAnswered 200: {statuses.count(200)} of {len(statuses)}; "
        f"ended calls logged: {logged} of {len(ended)}")


if __name__ == '__main__':
    main()
