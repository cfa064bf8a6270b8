#!/usr/bin/env python3
# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Upload benchmark: the request that uploads a file and shows its preview
(the import wizard's "Next": the file checked, the batch and its columns
made, the first rows imported and undone), timed over a generated .xlsx,
with how many times the file was opened (its workbook loaded) and read
whole (its sheet parsed by python-calamine) on the way.

    bench/upload_bench.py --rows 20000 --runs 5

It runs on SQLite in memory (DB_CACHE keeps the activated database in a
directory of its own between runs), as the tests do."""
import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from unittest.mock import patch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from import_bench import write_xlsx  # noqa: E402


def xlsx(count):
    data = io.BytesIO()
    write_xlsx(data, 1, count)
    return data.getvalue()


def tabular_module():
    "The module reading tables, where this version of the module has it"
    try:
        from trytond.modules.crm_counterparty.importing import tabular
    except ImportError:
        from trytond.modules.crm_counterparty import tabular
    return tabular


def upload(data, counts):
    "The wizard's Next on data, as the client calls it; its seconds"
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    tabular = tabular_module()
    load_xlsx, calamine_rows = tabular._load_xlsx, tabular._calamine_rows

    def counted(name, function):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return function(*args, **kwargs)
        return wrapper
    with Transaction().start(os.environ['DB_NAME'], 0) as transaction, \
            patch.object(tabular, '_load_xlsx',
                counted('opened', load_xlsx)), \
            patch.object(tabular, '_calamine_rows',
                counted('parsed', calamine_rows)):
        Wizard = Pool().get('crm.counterparty.import.wizard', type='wizard')
        session_id, _, _ = Wizard.create()
        start = time.perf_counter()
        Wizard.execute(session_id, {'start': {
                    'source': 'file', 'file': data,
                    'file_name': 'clients.xlsx'}}, 'open_')
        seconds = time.perf_counter() - start
        Wizard.delete(session_id)
        transaction.rollback()
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rows', type=int, default=20000)
    parser.add_argument('--runs', type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault('TRYTOND_DATABASE__URI', 'sqlite://')
    os.environ.setdefault('DB_NAME', ':memory:')
    cache = tempfile.TemporaryDirectory()
    os.environ.setdefault('DB_CACHE', cache.name)
    from trytond.tests.test_tryton import activate_module
    activate_module('crm_counterparty')
    data = xlsx(args.rows)
    seconds, counts = [], {}
    for _ in range(args.runs):
        counts = {'opened': 0, 'parsed': 0}
        seconds.append(upload(data, counts))
    print(json.dumps({
                'rows': args.rows, 'bytes': len(data), 'runs': args.runs,
                'seconds_median': round(statistics.median(seconds), 3),
                'seconds': [round(s, 3) for s in seconds],
                'workbook_loaded': counts['opened'],
                'sheet_parsed': counts['parsed'],
                }, indent=2))
    cache.cleanup()


if __name__ == '__main__':
    main()
