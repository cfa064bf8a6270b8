#!/usr/bin/env python3
# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Speed of the counterparty list on PostgreSQL with many counterparties.

Creates (or reuses) a PostgreSQL database with the module, loads SIZE
counterparties with two phones, an e-mail and an INN each straight in SQL
(INSERT ... SELECT generate_series: the ORM would take hours) and leaves
it as the module's bulk import leaves the tables it fills (analyzed, see
bulk.py: nothing more), checks on a sample that the loaded search texts are
what the module itself computes, then times the first page of 80 of the
list the way the web client asks for it (search with the user's rules,
then read of the list's columns)
for: the search box with a name fragment, a phone fragment, a whole phone
typed the international way (split into words by the web client) and an INN,
"My clients" sorted by name, and a saved filter of two conditions; and,
on the same database, Tryton's own search of parties for the same typed
texts.  Prints a Markdown table of the median and 95th percentile.

Measured right after the load, in the process that loaded, the figures are
those of a base just imported ("fresh"); --reuse --settle measures the base
again after a VACUUM ANALYZE of every table, the state autovacuum leaves it
in some minutes later ("settled").

    .venv/bin/python bench/search_bench.py --size 100000
    .venv/bin/python bench/search_bench.py --size 100000 --reuse --settle
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'scripts'))

import demo  # noqa: E402

STAFF = [
    {'name': "Марина Соколова", 'login': 'marina',
        'email': 'marina@example.com'},
    {'name': "Олег Ветров", 'login': 'oleg', 'email': 'oleg@example.com'},
    ]
ADJECTIVES = ['Северный', 'Южный', 'Восточный', 'Западный', 'Красный',
    'Синий', 'Зелёный', 'Золотой', 'Белый', 'Тихий', 'Новый', 'Старый',
    'Большой', 'Малый', 'Первый', 'Главный']
NOUNS = ['ветер', 'дом', 'мост', 'берег', 'лес', 'сад', 'путь', 'город',
    'край', 'двор', 'камень', 'свет', 'поток', 'остров', 'холм', 'луч']
FORMS = ['ООО', 'АО', 'ПАО', 'ЗАО', 'ИП']
BATCH = 100000


def sql_array(words):
    return 'ARRAY[%s]' % ', '.join("'%s'" % w for w in words)


# One counterparty per i: the phones, e-mail and INN derive from i
LOAD_PARTIES = """
INSERT INTO party_party (id, name, code, kind, active, counterparty_type,
    counterparty_status, responsible, create_uid, create_date, search_text)
SELECT i, n.name, 'B' || i, 'company', true, %(type)s,
    (%(statuses)s)[1 + i %% 4],
    CASE WHEN (i / 7) %% 20 = 0 THEN %(mine)s ELSE %(other)s END,
    0, now() - (i %% 365) * interval '1 day',
    lower(concat_ws(' | ', n.name, 'B' || i,
        p.phone1, p.phone2, p.email,
        '+7' || p.d1, '8' || p.d1, '+7' || p.d2, '8' || p.d2, p.inn))
FROM generate_series(%(start)s, %(stop)s) AS i,
    LATERAL (SELECT
        (%(forms)s)[1 + i %% 5] || ' «' || (%(adjectives)s)[1 + (i / 5) %% 16]
        || ' ' || (%(nouns)s)[1 + (i / 80) %% 16] || ' ' || i || '»' AS name
        ) AS n,
    LATERAL (SELECT '916' || lpad(i::text, 7, '0') AS d1,
        '495' || lpad(((i::bigint * 7919) %% 10000000)::text, 7, '0') AS d2,
        'info' || i || '@firma' || (i %% 1000) || '.ru' AS email,
        '77' || lpad(i::text, 8, '0') AS inn) AS c,
    LATERAL (SELECT
        '8 (916) ' || substr(c.d1, 4, 3) || '-' || substr(c.d1, 7, 2)
            || '-' || substr(c.d1, 9, 2) AS phone1,
        '8 (495) ' || substr(c.d2, 4, 3) || '-' || substr(c.d2, 7, 2)
            || '-' || substr(c.d2, 9, 2) AS phone2,
        c.email, c.d1, c.d2, c.inn) AS p
"""
LOAD_MECHANISMS = """
INSERT INTO party_contact_mechanism (party, type, value, value_compact,
    active, sequence, create_uid, create_date)
SELECT i, m.type, m.value, m.compact, true, m.seq, 0, now()
FROM generate_series(%(start)s, %(stop)s) AS i,
    LATERAL (SELECT '916' || lpad(i::text, 7, '0') AS d1,
        '495' || lpad(((i::bigint * 7919) %% 10000000)::text, 7, '0') AS d2) AS c,
    LATERAL (VALUES
        (1, 'phone', '8 (916) ' || substr(c.d1, 4, 3) || '-'
            || substr(c.d1, 7, 2) || '-' || substr(c.d1, 9, 2), '+7' || c.d1),
        (2, 'mobile', '8 (495) ' || substr(c.d2, 4, 3) || '-'
            || substr(c.d2, 7, 2) || '-' || substr(c.d2, 9, 2), '+7' || c.d2),
        (3, 'email', 'info' || i || '@firma' || (i %% 1000) || '.ru',
            'info' || i || '@firma' || (i %% 1000) || '.ru')
        ) AS m(seq, type, value, compact)
"""
LOAD_IDENTIFIERS = """
INSERT INTO party_identifier (party, type, code, code_compact,
    active, sequence, create_uid, create_date)
SELECT i, 'ru_vat', '77' || lpad(i::text, 8, '0'),
    '77' || lpad(i::text, 8, '0'), true, 1, 0, now()
FROM generate_series(%(start)s, %(stop)s) AS i
"""


def create_database(database):
    from trytond import backend, config
    config.update_etc()
    server = backend.Database()
    server.connect()
    connection = server.get_connection(autocommit=True)
    try:
        server.create(connection, database)
    finally:
        server.put_connection(connection)
        server.close()
    with tempfile.NamedTemporaryFile('w', suffix='.conf', delete=False) as f:
        f.write('[database]\nuri = %s\n' % os.environ.get(
                'TRYTOND_DATABASE__URI', 'postgresql://127.0.0.1:5432/'))
    try:
        demo.create_database(database, f.name)
    finally:
        os.unlink(f.name)


def open_database(database, reuse):
    """The pool of database on PostgreSQL unless TRYTOND_DATABASE__URI says,
    the database created first unless reused"""
    os.environ.setdefault(
        'TRYTOND_DATABASE__URI', 'postgresql://127.0.0.1:5432/')
    if not reuse:
        create_database(database)
    from trytond.pool import Pool
    Pool.start()
    pool = Pool(database)
    pool.init()
    return pool


def load(pool, transaction, size):
    "Our company and its staff with the ORM, the counterparties in SQL"
    from trytond.modules.crm_counterparty.importing.bulk import BulkWriter
    ModelData = pool.get('ir.model.data')
    Party = pool.get('party.party')
    company, staff = demo.setup_company(pool, STAFF)
    cursor = transaction.connection.cursor()
    cursor.execute('SELECT COALESCE(MAX(id), 0) FROM party_party')
    offset, = cursor.fetchone()
    offset += 1
    values = {
        'type': ModelData.get_id('crm_counterparty', 'type_client'),
        'statuses': 'ARRAY[%s]' % ', '.join(str(ModelData.get_id(
                        'crm_counterparty', 'status_' + s))
                for s in ['potential', 'current', 'hopeless', 'former']),
        'mine': staff['marina'].id,
        'other': staff['oleg'].id,
        'forms': sql_array(FORMS),
        'adjectives': sql_array(ADJECTIVES),
        'nouns': sql_array(NOUNS),
        }
    for start in range(offset, offset + size, BATCH):
        stop = min(start + BATCH, offset + size) - 1
        started = time.monotonic()
        for query in [LOAD_PARTIES, LOAD_MECHANISMS, LOAD_IDENTIFIERS]:
            cursor.execute(query % dict(values, start=start, stop=stop))
        print(f"loaded {stop - offset + 1} in "
            f"{time.monotonic() - started:.1f} s", file=sys.stderr)
    cursor.execute(
        "SELECT setval('party_party_id_seq', (SELECT MAX(id) "
        "FROM party_party))")
    # What the module's bulk import does after the rows it writes
    writer = BulkWriter()
    for table, count in [('party_party', size),
            ('party_contact_mechanism', 3 * size),
            ('party_identifier', size)]:
        writer.wrote(table, count)
    writer.analyze()
    # The loader must store what the module computes
    sample = Party.browse(range(offset, offset + size, max(size // 200, 1)))
    stored = {p.id: p.search_text for p in sample}
    Party.update_search_text(sample)
    wrong = [p.id for p in Party.browse(list(stored))
        if p.search_text != stored[p.id]]
    if wrong:
        sys.exit(f"the loaded search texts differ from the module's: {wrong}")
    return company, staff


def settle(database):
    "What autovacuum does to the base a while after the load"
    from trytond import backend, config
    config.update_etc()
    server = backend.Database(database).connect()
    connection = server.get_connection(autocommit=True)
    try:
        connection.cursor().execute('VACUUM ANALYZE')
    finally:
        server.put_connection(connection)


def timed(function, runs, warmup=3):
    "Median and 95th percentile in milliseconds of runs calls"
    for _ in range(warmup):
        function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


# Who looks at the list: the CRM manager where everyone sees everything
# (the default policy), and a CRM user where each sees only his own, his
# subordinates' and those he takes part in (the record rules apply)
SCENARIOS = [
    ("a CRM manager, everyone sees every counterparty", 'marina', 'all'),
    ("a CRM user who sees his own and those he takes part in", 'oleg',
        'involved'),
    ]


def measure(pool, transaction, size, runs, baseline_runs, login, policy):
    from trytond.modules.crm_counterparty.tests.tools import (
        web_client_search)
    from trytond.modules.party.party import Party as TrytonParty
    Party = pool.get('party.party')
    User = pool.get('res.user')
    Status = pool.get('crm.counterparty.status')
    ViewSearch = pool.get('ir.ui.view_search')
    ModelData = pool.get('ir.model.data')
    Configuration = pool.get('party.configuration')
    user, = User.search([('login', '=', login)])
    marina, = User.search([('login', '=', 'marina')])
    with transaction.set_context(company=user.company.id):
        configuration = Configuration(1)
        configuration.counterparty_visibility = policy
        configuration.save()
    tree = Party.fields_view_get(
        ModelData.get_id('party', 'party_view_tree'), 'tree')
    # What sao's list asks for: the names of links and the texts of
    # eagerly loaded selections with the values
    columns = list(tree['fields'])
    for name, field in tree['fields'].items():
        if field['type'] in {'many2one', 'one2one', 'reference'}:
            columns.append(name + '.rec_name')
        elif (field['type'] in {'selection', 'multiselection'}
                and field.get('loading', 'lazy') == 'eager'):
            columns.append(name + ':string')
    columns += ['rec_name', '_timestamp', '_write', '_delete']
    potential = Status(ModelData.get_id('crm_counterparty', 'status_potential'))
    saved, = ViewSearch.create([{
                'name': "Potential, new this month", 'model': 'party.party',
                'domain': '[["counterparty_status", "=", %d], '
                '["created_since", "=", "today - 30d"]]' % potential.id,
                'user': marina.id}])

    def page(domain, order=None, read=True):
        "What the web client does for the first page of the list"
        def call():
            with transaction.set_context(_check_access=True):
                ids = Party.search(domain, limit=80, order=order)
                if read:
                    Party.read([p.id for p in ids], columns)
            return len(ids)
        return call

    def tryton_box(typed):
        "The same first page with Tryton's own search of parties"
        clause = ('rec_name', 'ilike', typed)
        return page(TrytonParty.search_rec_name.__func__(
                Party, 'rec_name', clause))

    # Texts of a counterparty the loader made
    i = size // 3 + 17
    word = NOUNS[(i // 80) % 16]
    fragment = '%s %s' % (word, i // 10)
    phone = '916 %s-%s' % (str(i).zfill(7)[:3], str(i).zfill(7)[3:5])
    d1 = str(i).zfill(7)
    international = '+7 (916) %s-%s-%s' % (d1[:3], d1[3:5], d1[5:])
    inn = '77' + str(i).zfill(8)
    rows = [
        ("Search box, name fragment «%s»" % fragment,
            [('rec_name', 'ilike', '%' + fragment + '%')], None, True),
        ("Search box, a common word «%s»" % word,
            [('rec_name', 'ilike', '%' + word + '%')], None, True),
        ("Search box, phone fragment «%s»" % phone,
            [('rec_name', 'ilike', '%' + phone + '%')], None, True),
        ("Search box, whole phone «%s» as the web client sends it "
            "(words ANDed)" % international,
            web_client_search(international), None, False),
        ("Search box, INN %s" % inn,
            [('rec_name', 'ilike', '%' + inn + '%')], None, True),
        ("My clients, by name",
            [('my_client', '=', True)], [('name', 'ASC')], False),
        ("Saved filter: status and created within 30 days",
            eval_domain(saved.domain), None, False),
        ]
    results = []
    with transaction.set_user(user.id), \
            transaction.set_context(User.get_preferences(context_only=True)):
        for label, domain, order, compare in rows:
            ours = page(domain, order)
            theirs = tryton_box(domain[0][2]) if compare else None
            found = ours()
            median, p95 = timed(ours, runs)
            search_median, _ = timed(page(domain, order, read=False), runs)
            if theirs:
                # Seconds a call: its first call warms it up
                base = (theirs(), *timed(theirs, baseline_runs, warmup=0))
            else:
                base = None
            results.append((label, found, median, p95, search_median, base))
            print(label, f"{median:.1f}", f"{p95:.1f}", base,
                file=sys.stderr)
    return results


def eval_domain(text):
    from trytond.pyson import PYSONDecoder
    return PYSONDecoder().decode(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--database', default='bench_search')
    parser.add_argument('--size', type=int, default=100000)
    parser.add_argument('--runs', type=int, default=50)
    parser.add_argument('--baseline-runs', type=int, default=10)
    parser.add_argument(
        '--reuse', action='store_true',
        help="measure an already loaded database")
    parser.add_argument(
        '--settle', action='store_true',
        help="VACUUM ANALYZE the reused database first, as autovacuum would")
    args = parser.parse_args()
    os.environ.setdefault(
        'TRYTOND_DATABASE__URI', 'postgresql://127.0.0.1:5432/')
    if not args.reuse:
        create_database(args.database)
    elif args.settle:
        settle(args.database)

    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(args.database)
    pool.init()
    with Transaction().start(args.database, 0) as transaction:
        if not args.reuse:
            load(pool, transaction, args.size)
            transaction.commit()
    # Not read-only: the saved filter and the policy are made, then rolled
    # back
    tables = []
    for title, login, policy in SCENARIOS:
        # The policy is a singleton's value, which Tryton writes with its
        # table locked
        with Transaction().start(args.database, 0, _lock_tables=[
                    pool.get('party.configuration')._table]) as transaction:
            Party = pool.get('party.party')
            count = Party.search([], count=True)
            tables.append((title, measure(pool, transaction, count,
                        args.runs, args.baseline_runs, login, policy)))
            transaction.rollback()
    state = ("settled (VACUUM ANALYZE)" if args.settle
        else "reused" if args.reuse else "fresh (right after the load)")
    print(f"\n{count:,} counterparties, {state}; first page of 80 "
        f"(search + read of the list's columns), ms")
    for title, results in tables:
        print(f"\nAs {title}:\n")
        print("| Query | Rows | Median | 95th percentile "
            "| Search alone, median "
            "| Tryton's own search: rows, median | Ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for label, found, median, p95, search_median, base in results:
            if base:
                theirs = f"{base[0]}, {base[1]:.0f}"
                ratio = f"×{base[1] / median:.0f}"
            else:
                theirs = ratio = "—"
            print(f"| {label} | {found} | {median:.1f} | {p95:.1f} "
                f"| {search_median:.1f} | {theirs} | {ratio} |")


if __name__ == '__main__':
    main()
