#!/usr/bin/env python3
# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Speed of the journal of a card with many revisions (journal.py).

Activates the module in a database of Tryton's test machinery (SQLite in
memory unless TRYTOND_DATABASE__URI and DB_NAME say otherwise), makes one
card and gives it REVISIONS revisions straight in SQL, as the ORM writes
them (a copy of the card's row into its history table): every second one
changes the status and the line of business, the others change nothing one
reads (a star, a saved comment box), which the journal must skip; and
COMMENTS comments in its chat.  Then times, the way the web client asks:
opening the card (the journal field: its newest entries), reading those
entries (their texts in the reader's language), and a page of the whole
journal far down (offset 2,000).  Prints the median and the slowest run.

    .venv/bin/python bench/journal_bench.py --revisions 10000
"""
import argparse
import datetime as dt
import os
import statistics
import tempfile
import time

os.environ.setdefault('TRYTOND_DATABASE__URI', 'sqlite://')
os.environ.setdefault('DB_NAME', ':memory:')
os.environ.setdefault('DB_CACHE', tempfile.mkdtemp(prefix='journal-bench-'))

from sql import Column, Literal  # noqa: E402

from trytond.tests.test_tryton import (  # noqa: E402
    DB_NAME, USER, activate_module)
from trytond.transaction import Transaction  # noqa: E402


def load(revisions, comments):
    "The card, its revisions and its comments; its id"
    from trytond.model import fields
    from trytond.modules.company.tests import create_company, set_company
    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    Status = pool.get('crm.counterparty.status')
    Message = pool.get('ir.chat.message')
    Channel = pool.get('ir.chat.channel')
    company = create_company()
    with set_company(company):
        party, = Party.create([{'name': "ООО «Журнал»"}])
    statuses = [s.id for s in Status.search([])]
    table = Party.__table__()
    history = Party.__table_history__()
    names = [n for n, f in sorted(Party._fields.items())
        if f.sql_type() and not isinstance(f, fields.Function)
        and n not in {'write_date', 'industry', 'counterparty_status'}]
    cursor = Transaction().connection.cursor()
    # After the card's creation, as the ORM would stamp them
    start = dt.datetime.now()
    for i in range(revisions):
        changed = i // 2
        cursor.execute(*history.insert(
                [Column(history, n) for n in names]
                + [history.write_date, history.industry,
                    history.counterparty_status],
                table.select(*[Column(table, n) for n in names],
                    Literal(start + dt.timedelta(minutes=i)),
                    Literal('Отрасль %d' % changed),
                    Literal(statuses[changed % len(statuses)]),
                    where=table.id == party.id)))
    channel, = Channel.create([{'resource': str(party)}])
    messages = Message.create([{'channel': channel.id, 'user': USER,
                'content': "Комментарий %d" % i, 'audience': 'internal'}
            for i in range(comments)])
    # Spread among the revisions
    message = Message.__table__()
    step = revisions / max(comments, 1)
    for i, record in enumerate(messages):
        cursor.execute(*message.update([message.create_date],
                [start + dt.timedelta(minutes=i * step, seconds=30)],
                where=message.id == record.id))
    return party.id


def timed(func, runs):
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - begin)
    return result, statistics.median(times), max(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--revisions', type=int, default=10000)
    parser.add_argument('--comments', type=int, default=1000)
    parser.add_argument('--runs', type=int, default=10)
    args = parser.parse_args()

    activate_module('crm_counterparty')
    from trytond.pool import Pool
    with Transaction().start(DB_NAME, USER, context={'language': 'ru'}):
        begin = time.perf_counter()
        party_id = load(args.revisions, args.comments)
        print('loaded %d revisions, %d comments in %.1f s' % (
                args.revisions, args.comments, time.perf_counter() - begin))
        pool = Pool()
        Party = pool.get('party.party')
        Entry = pool.get('crm.counterparty.journal.entry')

        ids, open_median, open_max = timed(
            lambda: Party.read([party_id], ['journal'])[0]['journal'],
            args.runs)
        rows, read_median, read_max = timed(
            lambda: Entry.read(ids, ['date', 'author', 'kind', 'text']),
            args.runs)
        page, page_median, page_max = timed(
            lambda: Entry.search(
                [('party', '=', party_id)], offset=2000, limit=50),
            args.runs)
        print('| step | entries | median | slowest |')
        print('|---|---|---|---|')
        for step, count, median, slowest in [
                ("open the card (newest entries)", len(ids),
                    open_median, open_max),
                ("read them (their texts)", len(rows),
                    read_median, read_max),
                ("whole journal, page at 2,000", len(page),
                    page_median, page_max),
                ]:
            print('| %s | %d | %.3f s | %.3f s |' % (
                    step, count, median, slowest))
        print('first entries:', [r['text'] for r in rows[:3]])
        Transaction().rollback()


if __name__ == '__main__':
    main()
