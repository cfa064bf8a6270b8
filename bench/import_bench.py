#!/usr/bin/env python3
# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Import benchmark: a generated .xlsx of counterparties (company, INN, KPP,
two phones, an e-mail, a contact person with a phone) imported into a
PostgreSQL database already holding --existing counterparties, end to end
(`crm-counterparty import`: reading, duplicate matching, validation, the
report), against Tryton's own `import_data` loading the same rows into a copy
of the same database, in the same run.

    bench/import_bench.py --rows 100000 --existing 100000 \\
        --baseline-rows 5000 --database bench_import

import_data loads --baseline-rows rows (all by default): at its rate
100,000 rows take about half an hour.

The database is created (and dropped at the end unless --keep) under the
name given, with a copy named <database>_import_data: give a name of your
own, never another's."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
from stdnum.ru import inn as stdnum_inn

BIN = Path(sys.executable).parent
PG = ['-h', '127.0.0.1', '-p', '5432']
URI = 'postgresql://127.0.0.1:5432/'


def inn(number):
    "A valid 10-digit INN made of number"
    base = '7%08d' % number
    return next(base + d for d in '0123456789'
        if stdnum_inn.is_valid(base + d))


def company(i):
    return {
        'name': 'ООО «Компания %d»' % i,
        'inn': inn(i),
        'kpp': '77%02d01001' % (i % 100),
        'phone': '+7 495 %03d-%02d-%02d' % (i // 10000 % 1000,
            i // 100 % 100, i % 100),
        'mobile': '+7 916 %03d-%02d-%02d' % (i // 10000 % 1000,
            i // 100 % 100, i % 100),
        'email': 'info%d@company%d.ru' % (i, i),
        'contact': 'Иванов Иван %d' % i,
        'contact_phone': '+7 926 %03d-%02d-%02d' % (i // 10000 % 1000,
            i // 100 % 100, i % 100),
        }


def write_xlsx(path, first, count):
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(['Название', 'ИНН', 'КПП', 'Телефон', 'Моб. телефон',
            'E-mail', 'Контактное лицо', 'Телефон контакта'])
    for i in range(first, first + count):
        c = company(i)
        sheet.append([c['name'], c['inn'], c['kpp'], c['phone'],
                c['mobile'], c['email'], c['contact'], c['contact_phone']])
    workbook.save(path)


def psql(database, sql):
    subprocess.run(['psql', *PG, '-q', '-d', database, '-c', sql],
        check=True, capture_output=True)


def create_database(database, existing):
    "The database with the module and existing counterparties"
    subprocess.run(['createdb', *PG, database], check=True)
    with tempfile.NamedTemporaryFile('w') as password:
        password.write('admin')
        password.flush()
        subprocess.run([BIN / 'trytond-admin', '-d', database, '--all',
                '--activate-dependencies', '-u', 'crm_counterparty'],
            env=dict(os.environ, TRYTOND_DATABASE__URI=URI,
                TRYTONPASSFILE=password.name),
            input='\n', text=True, check=True, capture_output=True)
    # The existing card file is set up in SQL: it is the ground the
    # import matches against, not what is measured
    start = 10 ** 7
    psql(database, f"""
        INSERT INTO party_party (id, name, code, active, kind, create_uid,
            create_date)
        SELECT g, 'ООО «Существующая ' || g || '»', 'B' || g, true,
            'company', 0, now()
        FROM generate_series({start}, {start + existing - 1}) g;
        INSERT INTO party_contact_mechanism (party, type, value,
            value_compact, active, create_uid, create_date)
        SELECT g, 'email', 'old' || g || '@example.com',
            'old' || g || '@example.com', true, 0, now()
        FROM generate_series({start}, {start + existing - 1}) g;
        SELECT setval('party_party_id_seq', {start + existing});
        ANALYZE;
        """)


def _tree_rss(pid):
    "Resident memory of pid and its descendants, in MB (Linux /proc)"
    total = 0
    pids = [pid]
    while pids:
        pid = pids.pop()
        try:
            with open('/proc/%d/status' % pid) as status:
                for line in status:
                    if line.startswith('VmRSS:'):
                        total += int(line.split()[1])
            for task in os.listdir('/proc/%d/task' % pid):
                with open('/proc/%d/task/%s/children' % (pid, task)) as c:
                    pids.extend(int(p) for p in c.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1024


def measure(command, env):
    """Run command; return (seconds, peak resident memory in MB of it and
    its child processes together, sampled every 0.1 s, stdout)"""
    started = time.monotonic()
    peak = 0
    with tempfile.TemporaryFile('w+') as out, \
            tempfile.TemporaryFile('w+') as err:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err,
            text=True)
        while process.poll() is None:
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.1)
        seconds = time.monotonic() - started
        out.seek(0)
        output = out.read()
        if process.returncode not in {0, 1}:
            err.seek(0)
            raise SystemExit(err.read())
    return seconds, peak, output


IMPORT_DATA = r'''
import json, sys, time
from trytond.pool import Pool
from trytond.transaction import Transaction
database, path, first, count = sys.argv[1:5]
sys.path.insert(0, path)
from import_bench import company
Pool.start()
pool = Pool(database)
with Transaction().start(database, 0, readonly=True):
    pool.init()
# Tryton's import: a row per counterparty, and rows of its One2Many
fields = ['name', 'identifiers/type', 'identifiers/code',
    'contact_mechanisms/type', 'contact_mechanisms/value',
    'contact_persons/name', 'contact_persons/kind']
rows = []
for i in range(int(first), int(first) + int(count)):
    c = company(i)
    rows.append([c['name'], 'ru_vat', c['inn'], 'phone', c['phone'],
            c['contact'], 'person'])
    rows.append(['', 'ru_kpp', c['kpp'], 'mobile', c['mobile'], '', ''])
    rows.append(['', '', '', 'email', c['email'], '', ''])
with Transaction().start(database, 1) as transaction:
    Party = pool.get('party.party')
    started = time.monotonic()
    Party.import_data(fields, rows)
    print(json.dumps({'seconds': time.monotonic() - started}))
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rows', type=int, default=100000)
    parser.add_argument('--existing', type=int, default=100000)
    parser.add_argument('--database', default='bench_import')
    parser.add_argument('--baseline-rows', type=int,
        help="rows for import_data (default: --rows)")
    parser.add_argument('--keep', action='store_true')
    args = parser.parse_args()
    copy = args.database + '_import_data'
    env = dict(os.environ, TRYTOND_DATABASE__URI=URI)
    directory = tempfile.TemporaryDirectory()
    path = Path(directory.name) / 'counterparties.xlsx'
    try:
        create_database(args.database, args.existing)
        subprocess.run(['createdb', *PG, '-T', args.database, copy],
            check=True)
        write_xlsx(path, 1, args.rows)

        seconds, memory, output = measure([BIN / 'crm-counterparty',
                'import', str(path), '--database', args.database, '--json'],
            env)
        summary = json.loads(output)
        ours = {'seconds': seconds, 'memory': memory,
            'rows_per_second': args.rows / seconds,
            'created': summary['created'], 'failed': summary['failed']}

        baseline = args.baseline_rows or args.rows
        seconds, memory, output = measure([sys.executable, '-c',
                IMPORT_DATA, copy, str(Path(__file__).parent), '1',
                str(baseline)], env)
        theirs = {'rows': baseline, 'seconds': seconds, 'memory': memory,
            'rows_per_second': baseline / seconds,
            'import_data_seconds': json.loads(output)['seconds']}
        result = {'rows': args.rows, 'existing': args.existing,
            'crm_counterparty_import': ours, 'tryton_import_data': theirs,
            'ratio': ours['rows_per_second'] / theirs['rows_per_second']}
        print(json.dumps(result, indent=2))
    finally:
        directory.cleanup()
        if not args.keep:
            for name in [copy, args.database]:
                subprocess.run(['dropdb', *PG, '--if-exists', name])


if __name__ == '__main__':
    main()
