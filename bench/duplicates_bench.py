#!/usr/bin/env python3
# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Speed of the likely duplicates shown while a card is typed, on PostgreSQL
with many counterparties.

Loads SIZE counterparties as search_bench.py does (two phones, an e-mail
and an INN each, in SQL), then times the card's on_change of its likely
duplicates the way the web client asks for it, as a CRM manager and as a
CRM user under the restricted policy, for a new card typed with: the name
of an existing one in another order and legal form, its phone typed
another way, its e-mail in capitals, its INN, and a name nobody has.  Each
case checks that the card it copies is found (or none).  Prints a Markdown
table of the median and 95th percentile in milliseconds.

    .venv/bin/python bench/duplicates_bench.py --size 100000
    .venv/bin/python bench/duplicates_bench.py --database bench_dupes \\
        --reuse --runs 50
    .venv/bin/python bench/duplicates_bench.py --database bench_dupes \\
        --reuse --profile

--profile prints, for one call of each case, its SQL queries and its
cProfile sorted by cumulative time.

This measures the hint only; the scan of the whole base has its own
bench (duplicate_scan_bench.py).
"""
import argparse
import cProfile
import io
import logging
import os
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import search_bench  # noqa: E402
from search_bench import (  # noqa: E402
    ADJECTIVES, FORMS, NOUNS, SCENARIOS, create_database, load, timed)


def existing(i):
    "What search_bench loads for the counterparty of id i"
    return {
        'form': FORMS[i % 5], 'adjective': ADJECTIVES[(i // 5) % 16],
        'noun': NOUNS[(i // 80) % 16],
        'phone': '+7 916 %03d %04d' % (i // 10000 % 1000, i % 10000),
        'email': ('INFO%s@FIRMA%s.RU' % (i, i % 1000)),
        'inn': '77%08d' % i,
        }


def cases(offset, size):
    "(label, typed values, the id expected) of the cards typed"
    # The loader names and numbers each counterparty by its id
    i = party_id = offset + size // 3
    card = existing(i)
    name = "%s %s %s, %s" % (
        card['noun'].capitalize(), card['adjective'], i, card['form'])
    return [
        ("Name in another order and form «%s»" % name, {'name': name},
            party_id),
        ("Phone typed another way «%s»" % card['phone'],
            {'name': "Новый клиент", 'contact_mechanisms': [
                    {'id': -2, 'type': 'phone', 'value': card['phone']}]},
            party_id),
        ("E-mail in capitals «%s»" % card['email'],
            {'name': "Новый клиент", 'contact_mechanisms': [
                    {'id': -2, 'type': 'email', 'value': card['email']}]},
            party_id),
        ("INN %s" % card['inn'], {'name': "Новый клиент",
                'inn': card['inn']}, party_id),
        ("A name nobody has «Лютик Незабудка»",
            {'name': "Лютик Незабудка"}, None),
        ]


def typed(user, values, context):
    """The ids of the likely duplicates of a new card, as sao asks for them
    with the context of the session (the user's preferences, read once)"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Party = Pool().get('party.party')
    rpc = Party.__rpc__['on_change_with']
    values = {'id': -1, 'name': '', 'kind': 'company', 'inn': None,
        'kpp': None, 'employer': None, 'contact_persons': [],
        'contact_mechanisms': [], **values}
    transaction = Transaction()
    with transaction.set_user(user.id), transaction.reset_context():
        args, kwargs, context, _ = rpc.convert(
            Party, values, ['duplicates'], context)
        with transaction.set_context(context):
            changes = rpc.result(rpc.decorate(Party.on_change_with)(
                    *args, **kwargs)).get('duplicates', {})
    return [row['id'] for _, row in changes.get('add', [])]


class QueryCounter(logging.Handler):
    "Counts the SQL queries trytond's cursor logs at the debug level"
    LOGGER = 'trytond.backend.postgresql.database'

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.queries = []

    def emit(self, record):
        self.queries.append(record.getMessage())

    def __enter__(self):
        logger = logging.getLogger(self.LOGGER)
        self._level = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(self)
        return self

    def __exit__(self, *exc):
        logger = logging.getLogger(self.LOGGER)
        logger.removeHandler(self)
        logger.setLevel(self._level)


def profiled(label, call):
    "Print the queries and the cProfile (cumulative) of one call"
    with QueryCounter() as counter:
        call()
    profile = cProfile.Profile()
    profile.runcall(call)
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats('cumulative').print_stats(30)
    print(f"\n## {label}: {len(counter.queries)} queries", file=sys.stderr)
    for query in counter.queries:
        print('  ' + query, file=sys.stderr)
    print(out.getvalue(), file=sys.stderr)


def measure(pool, transaction, offset, size, runs, login, policy,
        profile=False):
    User = pool.get('res.user')
    Configuration = pool.get('party.configuration')
    user, = User.search([('login', '=', login)])
    with transaction.set_context(company=user.company.id):
        configuration = Configuration(1)
        configuration.counterparty_visibility = policy
        configuration.save()
    with transaction.set_user(user.id):
        context = User.get_preferences(context_only=True)
    results = []
    for label, values, expected in cases(offset, size):
        found = typed(user, values, context)
        if expected is not None and (expected in found) != (
                policy == 'all' or _visible(expected, login)):
            sys.exit(f"{label}: expected {expected}, found {found}")
        if expected is None and found:
            sys.exit(f"{label}: expected none, found {found}")
        if profile:
            profiled(f"{login}, {label}", lambda: typed(user, values, context))
        median, p95 = timed(lambda: typed(user, values, context), runs)
        results.append((label, len(found), median, p95))
    return results


def _visible(party_id, login):
    "Whether the loader made login responsible for the card (his own)"
    mine = (party_id // 7) % 20 == 0
    return mine if login == 'marina' else not mine


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--database', default='bench_dupes')
    parser.add_argument('--size', type=int, default=100000)
    parser.add_argument('--runs', type=int, default=30)
    parser.add_argument('--reuse', action='store_true',
        help="measure an already loaded database")
    parser.add_argument('--profile', action='store_true',
        help="print the queries and the profile of one call of each case")
    args = parser.parse_args()
    os.environ.setdefault(
        'TRYTOND_DATABASE__URI', 'postgresql://127.0.0.1:5432/')
    if not args.reuse:
        create_database(args.database)

    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(args.database)
    pool.init()
    with Transaction().start(args.database, 0) as transaction:
        if not args.reuse:
            load(pool, transaction, args.size)
            transaction.commit()
    with Transaction().start(args.database, 0) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute("SELECT MIN(id), COUNT(*) FROM party_party "
            "WHERE code LIKE 'B%%'")
        offset, size = cursor.fetchone()
    tables = []
    for title, login, policy in SCENARIOS:
        with Transaction().start(args.database, 0, _lock_tables=[
                    pool.get('party.configuration')._table]) as transaction:
            tables.append((title, measure(pool, transaction, offset, size,
                        args.runs, login, policy, args.profile)))
            transaction.rollback()
    print(f"\n{size:,} loaded counterparties; the card's likely duplicates "
        f"while it is typed (on_change), ms")
    for title, results in tables:
        print(f"\nAs {title}:\n")
        print("| Typed | Found | Median | 95th percentile |")
        print("|---|---:|---:|---:|")
        for label, found, median, p95 in results:
            print(f"| {label} | {found} | {median:.1f} | {p95:.1f} |")


if __name__ == '__main__':
    assert search_bench
    main()
