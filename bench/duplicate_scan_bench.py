#!/usr/bin/env python3
# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Speed, memory, precision and recall of the duplicate scan on PostgreSQL.

Loads SIZE counterparties straight in SQL (as search_bench.py does): 98 %
originals (companies with an INN, a phone and an e-mail; one in five a
contact person of the company before it, with a mobile and an e-mail) and
2 % planted duplicates of an original, in five kinds: the same INN under
another spelling of the name, the same phone typed another way (and a
name with a word more), the legal form moved to the end, a letter of the
name typed wrong, the same person under another company (the mobile typed
another way).  The names are made of syllables (1.7 million words) and
16 common nouns, so that most are unlike and some alike, as in a real base.

Then runs a scan as the administrator (who sees every counterparty) in a
child process, the way the queue runs it (a chunk committed at a time),
and prints its time, the child's peak memory (ru_maxrss, which includes
the Tryton pool it starts with) and the precision and recall of the pairs
found against the planted truth (an original with its copies are all one
counterparty: each pair of them is a true pair).  For comparison, the
same cards' duplicates as the card shows them while typed (duplicate.py),
timed on a sample and multiplied out to the whole base.

    .venv/bin/python bench/duplicate_scan_bench.py --size 100000
    .venv/bin/python bench/duplicate_scan_bench.py --size 100000 --reuse
"""
import argparse
import cProfile
import os
import resource
import sys
import time
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_bench import STAFF, demo, open_database, sql_array  # noqa: E402

CONSONANTS = 'бвгдзклмнпрстфхцчшжщ'
VOWELS = 'аеиоуя'
SYLLABLES = [c + v for c in CONSONANTS for v in VOWELS]
NOUNS = ['сервис', 'строй', 'торг', 'инвест', 'групп', 'трейд', 'снаб',
    'проект', 'маркет', 'логистик', 'альянс', 'капитал', 'системс',
    'технолоджи', 'девелопмент', 'консалт']
FORMS = ['ООО', 'АО', 'ПАО', 'ЗАО', 'ИП']
FIRST = ['Иван', 'Пётр', 'Анна', 'Мария', 'Олег', 'Ольга', 'Сергей',
    'Елена', 'Андрей', 'Наталья', 'Дмитрий', 'Ирина', 'Алексей', 'Татьяна',
    'Михаил', 'Светлана', 'Николай', 'Юлия', 'Павел', 'Галина', 'Виктор',
    'Людмила', 'Юрий', 'Вера', 'Борис', 'Нина', 'Роман', 'Лариса', 'Егор',
    'Зоя']
MIDDLE = ['Иванович', 'Петрович', 'Сергеевич', 'Андреевич', 'Олегович',
    'Павлович', 'Юрьевич', 'Борисович', 'Романович', 'Викторович',
    'Ивановна', 'Петровна', 'Сергеевна', 'Андреевна', 'Олеговна',
    'Павловна', 'Юрьевна', 'Борисовна', 'Романовна', 'Викторовна']
KINDS = ['same INN, another spelling', 'phone typed another way',
    'legal form moved', 'a letter typed wrong',
    'the same person under another company']
BATCH = 100000

# A word of three syllables made of the number n
WORD = """(%(syl)s)[1 + (hashtext({n}::text) & 2147483647) %% 120]
    || (%(syl)s)[1 + (hashtext({n}::text) & 2147483647) / 120 %% 120]
    || (%(syl)s)[1 + (hashtext({n}::text) & 2147483647) / 14400 %% 120]"""
ORIGINALS = """
INSERT INTO party_party (id, name, code, kind, employer, active,
    counterparty_type, create_uid, create_date, search_text)
SELECT %(offset)s + i, n.name, 'D' || i,
    CASE WHEN i %% 5 = 0 THEN 'person' ELSE 'company' END,
    CASE WHEN i %% 5 = 0 THEN %(offset)s + i - 1 END, true, %(type)s, 0,
    now() - interval '30 day', lower(n.name)
FROM generate_series(%(start)s, %(stop)s) AS i,
    LATERAL (SELECT CASE WHEN i %% 5 = 0
        THEN initcap(""" + WORD.format(n="('p' || i)") + """) || 'ов '
            || (%(first)s)[1 + i %% 30] || ' ' || (%(middle)s)[1 + i / 30 %% 20]
        ELSE (%(forms)s)[1 + i %% 5] || ' «' || initcap(""" + WORD.format(
    n='i') + """) || ' ' || initcap((%(nouns)s)[1 + i / 7 %% 16]) || '»'
        END AS name) AS n
"""
ORIGINAL_KEYS = """
INSERT INTO party_contact_mechanism (party, type, value, value_compact,
    active, sequence, create_uid, create_date)
SELECT %(offset)s + i, m.type, m.value, m.compact, true, m.seq, 0,
    now() - interval '30 day'
FROM generate_series(%(start)s, %(stop)s) AS i,
    LATERAL (VALUES
        (1, CASE WHEN i %% 5 = 0 THEN 'mobile' ELSE 'phone' END,
            '+7 916 ' || lpad(i::text, 7, '0'),
            '+7916' || lpad(i::text, 7, '0')),
        (2, 'email', 'info' || i || '@firma' || (i %% 1000) || '.ru',
            'info' || i || '@firma' || (i %% 1000) || '.ru')
        ) AS m(seq, type, value, compact);
INSERT INTO party_identifier (party, type, code, code_compact, active,
    sequence, create_uid, create_date)
SELECT %(offset)s + i, 'ru_vat', '77' || lpad(i::text, 8, '0'),
    '77' || lpad(i::text, 8, '0'), true, 1, 0, now() - interval '30 day'
FROM generate_series(%(start)s, %(stop)s) AS i WHERE i %% 5 <> 0
"""


def original(j, kind, originals):
    "The number of the original the j-th copy copies (a person for kind 4)"
    persons = originals // 5
    if kind == 4:
        return 5 * (1 + (j * 7919) % (persons - 1))
    return 5 * ((j * 7919) % persons) + 1 + j % 4


# The copy of its original o, by kind: (name, employer, INN, phone, e-mail)
COPIES = """
INSERT INTO party_party (id, name, code, kind, employer, active,
    counterparty_type, create_uid, create_date, search_text)
SELECT %(offset)s + c.id, c.name, 'D' || c.id, p.kind,
    CASE WHEN c.kind = 4 THEN p.employer + 5 END, true, %(type)s, 0,
    now() - interval '30 day', lower(c.name)
FROM (SELECT c.id, c.kind, c.o, CASE c.kind
        WHEN 0 THEN 'ТД ' || replace(replace(p.name, ' «', ' '), '»', '')
            || '-Опт'
        WHEN 1 THEN p.name || ' Москва'
        WHEN 2 THEN replace(substr(p.name, strpos(p.name, '«') + 1), '»', '')
            || ', ' || split_part(p.name, ' ', 1)
        WHEN 3 THEN overlay(p.name placing 'ъ'
            from strpos(p.name, '«') + 3 for 1)
        ELSE p.name END AS name
    FROM unnest(%(ids)s::int[], %(kinds)s::int[], %(originals)s::int[])
        AS c(id, kind, o)
    JOIN party_party AS p ON p.id = %(offset)s + c.o) AS c
JOIN party_party AS p ON p.id = %(offset)s + c.o;
INSERT INTO party_identifier (party, type, code, code_compact, active,
    sequence, create_uid, create_date)
SELECT %(offset)s + c.id, 'ru_vat', '77' || lpad(c.o::text, 8, '0'),
    '77' || lpad(c.o::text, 8, '0'), true, 1, 0, now() - interval '30 day'
FROM unnest(%(ids)s::int[], %(kinds)s::int[], %(originals)s::int[])
    AS c(id, kind, o) WHERE c.kind = 0;
INSERT INTO party_contact_mechanism (party, type, value, value_compact,
    active, sequence, create_uid, create_date)
SELECT %(offset)s + c.id, CASE c.kind WHEN 4 THEN 'mobile' ELSE 'phone' END,
    '8 (916) ' || substr(lpad(c.o::text, 7, '0'), 1, 3) || '-'
        || substr(lpad(c.o::text, 7, '0'), 4, 2) || '-'
        || substr(lpad(c.o::text, 7, '0'), 6, 2),
    '+7916' || lpad(c.o::text, 7, '0'), true, 1, 0, now() - interval '30 day'
FROM unnest(%(ids)s::int[], %(kinds)s::int[], %(originals)s::int[])
    AS c(id, kind, o) WHERE c.kind IN (1, 4)
"""


def load(pool, transaction, size):
    "Our company, the originals and their copies; the planted truth"
    from trytond.modules.crm_counterparty.importing.bulk import BulkWriter
    ModelData = pool.get('ir.model.data')
    demo.setup_company(pool, STAFF)
    cursor = transaction.connection.cursor()
    cursor.execute('SELECT COALESCE(MAX(id), 0) FROM party_party')
    offset, = cursor.fetchone()
    copies = size * 2 // 100
    originals = size - copies
    values = {
        'offset': offset, 'syl': sql_array(SYLLABLES),
        'type': ModelData.get_id('crm_counterparty', 'type_client'),
        'forms': sql_array(FORMS), 'nouns': sql_array(NOUNS),
        'first': sql_array(FIRST), 'middle': sql_array(MIDDLE),
        }
    for start in range(1, originals + 1, BATCH):
        stop = min(start + BATCH - 1, originals)
        for query in [ORIGINALS] + ORIGINAL_KEYS.split(';\n'):
            cursor.execute(query % dict(values, start=start, stop=stop))
        print(f"loaded {stop}", file=sys.stderr)
    planted = [(originals + j, j % 5, original(j, j % 5, originals))
        for j in range(1, copies + 1)]
    ids, kinds, origins = zip(*planted)
    copies = COPIES % dict(values, ids='%(ids)s', kinds='%(kinds)s',
        originals='%(originals)s')
    for query in copies.split(';\n'):
        cursor.execute(query, {'ids': list(ids), 'kinds': list(kinds),
                'originals': list(origins)})
    cursor.execute("SELECT setval('party_party_id_seq', "
        "(SELECT MAX(id) FROM party_party))")
    writer = BulkWriter()
    for table in ['party_party', 'party_contact_mechanism',
            'party_identifier']:
        writer.wrote(table, size)
    writer.analyze()
    return offset, planted


def truth(offset, planted):
    "The true pairs: an original and its copies, each pair of them"
    entities = {}
    for copy, kind, origin in planted:
        entities.setdefault(origin, [offset + origin]).append(offset + copy)
    return {tuple(sorted(p)) for members in entities.values()
        for p in combinations(members, 2)}, {
        tuple(sorted((offset + o, offset + c))): k for c, k, o in planted}


def scan(database, profile=None):
    """Run a scan as the administrator in a child process; its seconds,
    peak memory (MB) and the seconds of processor it used (on a shared
    machine the fairer time); with profile, the cProfile statistics of the
    scan are written to that file"""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        pool = Pool(database)
        Scan = pool.get('crm.counterparty.duplicate_scan')
        with Transaction().start(database, 1) as transaction:
            # A scan of every card, not of those changed since the last
            Scan.delete(Scan.search([]))
            scan, = Scan.create([{}])
            Scan.start([scan])
            transaction.commit()
        profiler = cProfile.Profile() if profile else None
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_before = usage.ru_utime + usage.ru_stime
        started = time.monotonic()
        with Transaction().start(database, 1) as transaction:
            if profiler:
                profiler.runcall(Scan.run, [Scan(scan.id)])
            else:
                Scan.run([Scan(scan.id)])
            transaction.commit()
        elapsed = time.monotonic() - started
        if profiler:
            profiler.dump_stats(profile)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        peak = usage.ru_maxrss / 1024
        cpu = usage.ru_utime + usage.ru_stime - cpu_before
        os.write(write, f"{scan.id} {elapsed} {peak} {cpu}".encode())
        os._exit(0)
    os.close(write)
    answer = os.read(read, 200).decode()
    os.waitpid(pid, 0)
    scan_id, elapsed, peak, cpu = answer.split()
    return int(scan_id), float(elapsed), float(peak), float(cpu)


def typed_way(pool, database, sample=20):
    """Seconds of the card's own duplicates (duplicate.py) per card,
    sampled (none: not timed), and the count of active cards"""
    from trytond.transaction import Transaction
    Party = pool.get('party.party')
    with Transaction().start(database, 1, readonly=True) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute('SELECT id FROM party_party WHERE active '
            'ORDER BY id')
        ids = [i for i, in cursor]
        count = len(ids)
        if not sample:
            return None, count
        ids = ids[::max(count // sample, 1)][:sample]
        started = time.monotonic()
        for party in Party.browse(ids):
            party.on_change_with_duplicates()
        return (time.monotonic() - started) / len(ids), count


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--database', default='bench_dupscan')
    parser.add_argument('--size', type=int, default=100000)
    parser.add_argument('--reuse', action='store_true',
        help="scan an already loaded database (its truth is made again)")
    parser.add_argument('--profile', metavar='FILE',
        help="write the cProfile statistics of the scan to FILE")
    parser.add_argument('--load-only', action='store_true',
        help="load the database and stop, to scan it later with --reuse")
    parser.add_argument('--no-typed', action='store_true',
        help="skip the comparison with the duplicates shown while typing")
    args = parser.parse_args()
    pool = open_database(args.database, args.reuse)
    from trytond.transaction import Transaction
    with Transaction().start(args.database, 0) as transaction:
        if args.reuse:
            cursor = transaction.connection.cursor()
            cursor.execute("SELECT MIN(id) - 1 FROM party_party "
                "WHERE code = 'D1'")
            offset, = cursor.fetchone()
            copies = args.size * 2 // 100
            originals = args.size - copies
            planted = [(originals + j, j % 5, original(j, j % 5, originals))
                for j in range(1, copies + 1)]
        else:
            started = time.monotonic()
            offset, planted = load(pool, transaction, args.size)
            transaction.commit()
            print(f"loaded in {time.monotonic() - started:.0f} s",
                file=sys.stderr)
    if args.load_only:
        return
    true_pairs, kind_of = truth(offset, planted)
    scan_id, elapsed, peak, cpu = scan(args.database, args.profile)
    with Transaction().start(args.database, 0, readonly=True) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute('SELECT party, other FROM '
            '"crm_counterparty_duplicate_scan_pair" WHERE scan = %s',
            (scan_id,))
        found = set(cursor)
    per_card, count = typed_way(
        pool, args.database, 0 if args.no_typed else 20)
    right = found & true_pairs
    print(f"\n{count:,} counterparties, {len(planted):,} planted copies "
        f"({len(true_pairs):,} true pairs), scan {scan_id}\n")
    print("| Counterparties | Scan, s | Its processor time, s "
        "| Peak memory, MB | Pairs found "
        "| Precision | Recall | Card's own duplicates × all cards, s "
        "| Ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    typed, ratio = '–', '–'
    if per_card is not None:
        typed = f"{per_card * count:.0f}"
        ratio = f"×{per_card * count / elapsed:.0f}"
    print(f"| {count:,} | {elapsed:.1f} | {cpu:.1f} | {peak:.0f} "
        f"| {len(found):,} "
        f"| {len(right) / max(len(found), 1):.3f} "
        f"| {len(right) / len(true_pairs):.3f} | {typed} | {ratio} |")
    print("\nRecall by kind:\n\n| Kind | Planted | Found |\n|---|---:|---:|")
    for k, name in enumerate(KINDS):
        kind_pairs = {p for p, v in kind_of.items() if v == k}
        print(f"| {name} | {len(kind_pairs)} "
            f"| {len(kind_pairs & found)} |")
    wrong = sorted(found - true_pairs)[:10]
    if wrong:
        print("\nSome pairs found not planted:", wrong, file=sys.stderr)


if __name__ == '__main__':
    main()
