#!/usr/bin/env python3
# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Automation benchmark, on PostgreSQL.

1. An inactivity scenario ("no contact for 30 days: set a status") over
   --cards counterparties, --due-percent of them silent for 40 days (the
   others spoke yesterday): the time of one scheduler run
   (``crm.automation|run_scheduled``: one search, the keys already acted on
   left out, the tasks queued), then of the actions (the queued tasks run
   one by one, each committed, as Tryton's worker runs them), and the peak
   resident memory of the process.
2. A record-event scenario ("a counterparty created: set a status") on an
   import of --rows rows (`crm-counterparty import`, the bulk path): the
   import's time without any scenario and with it, on two copies of one
   database, then the time of the actions it queued.

The actions of a large run take long (each a card's write, with its
history, journal and search text): --max-tasks times them on a sample.

    bench/automation_bench.py --cards 1000000 --rows 10000 \\
        --database bench_automation

The databases are created (and dropped at the end unless --keep) under the
name given and <name>_import, <name>_import_with: give names of your own."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from import_bench import (  # noqa: E402
    BIN, PG, URI, create_database, measure, psql, write_xlsx)

SETUP = r'''
import json, resource, sys, time
from decimal import Decimal
from trytond.pool import Pool
from trytond.transaction import Transaction
database, kind, max_tasks = sys.argv[1:4]
max_tasks = int(max_tasks)
Pool.start()
pool = Pool(database)
with Transaction().start(database, 0, readonly=True):
    pool.init()

def setup():
    "Our company, the admin its employee, and the scenario of kind"
    Currency = pool.get('currency.currency')
    Party = pool.get('party.party')
    Company = pool.get('company.company')
    Employee = pool.get('company.employee')
    User = pool.get('res.user')
    Status = pool.get('crm.counterparty.status')
    Automation = pool.get('crm.automation')
    rub, = Currency.create([{'name': 'Рубль', 'code': 'RUB',
                'symbol': '₽', 'rounding': Decimal('0.01')}])
    party, = Party.create([{'name': 'ООО «Мы»'}])
    company, = Company.create([{'party': party.id, 'currency': rub.id}])
    person, = Party.create([{'name': 'Администратор'}])
    employee, = Employee.create([{'party': person.id,
                'company': company.id}])
    admin, = User.search([('login', '=', 'admin')])
    User.write([admin], {'companies': [('add', [company.id])],
            'company': company.id,
            'employees': [('add', [employee.id])],
            'employee': employee.id})
    if kind == 'none':
        return
    status, = Status.create([{'name': 'Напомнить'}])
    values = {'name': kind, 'company': company.id, 'owner': admin.id,
        'trigger_kind': kind,
        'actions': [('create', [{'kind': 'set_status',
                            'status': status.id}])]}
    if kind == 'inactive':
        values['days'] = 30
    Automation.create([values])

def run_tasks():
    "Run the queued tasks one by one, each committed, as the worker does"
    Queue = pool.get('ir.queue')
    count = 0
    while not max_tasks or count < max_tasks:
        with Transaction().start(database, 0) as transaction:
            tasks = Queue.search([('dequeued_at', '=', None)], limit=1,
                order=[('id', 'ASC')])
            if not tasks:
                return count
            tasks[0].run()
            count += 1
    return count

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

result = {}
if kind in {'inactive', 'created', 'none'}:
    with Transaction().start(database, 0):
        setup()
if kind == 'inactive':
    with Transaction().start(database, 0) as transaction:
        Automation = pool.get('crm.automation')
        started = time.monotonic()
        Automation.run_scheduled()
        transaction.commit()
        result['scheduler_seconds'] = time.monotonic() - started
        result['scheduler_peak_mb'] = peak()
if kind in {'inactive', 'actions'}:
    started = time.monotonic()
    result['tasks'] = run_tasks()
    result['actions_seconds'] = time.monotonic() - started
    with Transaction().start(database, 0, readonly=True):
        Run = pool.get('crm.automation.run')
        result['runs'] = Run.search_count([('state', '=', 'done')])
    result['ms_per_action'] = 1000 * result['actions_seconds'] / max(
        result['runs'], 1)
    result['peak_mb'] = peak()
print(json.dumps(result))
'''


def inactivity(database, cards, percent, env, max_tasks):
    "Scheduler and actions times of the inactivity scenario over cards"
    create_database(database, cards)
    due = cards * percent // 100
    # 1 in 100/percent silent for 40 days, the others spoke yesterday
    psql(database, f"""
        UPDATE party_party SET last_contact = CURRENT_DATE - (CASE
            WHEN id % {cards} < {due} THEN 40 ELSE 1 END);
        ANALYZE party_party;""")
    seconds, memory, output = measure(
        [sys.executable, '-c', SETUP, database, 'inactive',
            str(max_tasks)], env)
    result = json.loads(output)
    result.update(cards=cards, due=due, process_seconds=seconds,
        process_peak_mb=memory)
    return result


def import_overhead(database, rows, env, path, max_tasks):
    """The import of rows without a scenario and with a record-event one,
    on two copies of one database; then the actions it queued"""
    with_ = database + '_with'
    create_database(database, 1000)
    subprocess.run([sys.executable, '-c', SETUP, database, 'none', '0'],
        env=env, check=True, capture_output=True)
    subprocess.run(['createdb', *PG, '-T', database, with_], check=True)
    subprocess.run([sys.executable, '-c', SETUP, with_, 'created', '0'],
        env=env, check=True, capture_output=True)
    write_xlsx(path, 1, rows)
    result = {'rows': rows}
    for name, base in [('without', database), ('with', with_)]:
        seconds, memory, output = measure([BIN / 'crm-counterparty',
                'import', str(path), '--database', base, '--json'], env)
        result[name] = {'seconds': seconds, 'peak_mb': memory,
            'created': json.loads(output)['created']}
    seconds, memory, output = measure(
        [sys.executable, '-c', SETUP, with_, 'actions', str(max_tasks)], env)
    result['actions'] = dict(json.loads(output), process_seconds=seconds)
    result['overhead'] = (result['with']['seconds']
        / result['without']['seconds'] - 1)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--cards', type=int, default=1000000)
    parser.add_argument('--due-percent', type=int, default=5)
    parser.add_argument('--rows', type=int, default=10000)
    parser.add_argument('--database', default='bench_automation')
    parser.add_argument('--max-tasks', type=int, default=0,
        help="run at most this many queued tasks of actions (of 200 "
        "each; 0: all), to time the actions on a sample")
    parser.add_argument('--keep', action='store_true')
    args = parser.parse_args()
    env = dict(os.environ, TRYTOND_DATABASE__URI=URI)
    directory = tempfile.TemporaryDirectory()
    names = [args.database, args.database + '_import',
        args.database + '_import_with']
    try:
        result = {
            'inactivity': inactivity(
                args.database, args.cards, args.due_percent, env,
                args.max_tasks),
            'import': import_overhead(names[1], args.rows, env,
                Path(directory.name) / 'counterparties.xlsx',
                args.max_tasks),
            }
        print(json.dumps(result, indent=2))
    finally:
        directory.cleanup()
        if not args.keep:
            for name in names:
                subprocess.run(['dropdb', *PG, '--if-exists', name])


if __name__ == '__main__':
    main()
