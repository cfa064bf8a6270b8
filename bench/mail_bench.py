#!/usr/bin/env python3
# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Reading a mailbox into a base of many counterparties, on PostgreSQL.

Creates (or reuses) a PostgreSQL database with SIZE counterparties loaded
as search_bench.py loads them (each with an e-mail info<i>@firma<j>.ru),
starts a Dovecot of its own (tests/imap_server.py) and puts COUNT letters
into its INBOX: nine in ten from counterparties' addresses (written in
upper case one time in three), one in ten from unknown ones, a third with
an HTML part, one in twenty with a 20 kB attachment.  Then reads the
mailbox as the scheduler does (Mailbox.read_mail: a transaction committed
per batch of 20) and prints letters a second and the process's memory: its
peak resident size before and after the read, and the peak of what
Python allocated during it (tracemalloc, with --tracemalloc: slower).

--way push lands the same kind of letters the platform's way instead:
Tryton's inbound_email (activated in the database the bench creates), each
letter POSTed raw to its inbox's webhook (trytond's WSGI application in
this process, werkzeug's test client: no network), which keeps it as an
inbound.email and runs the inbox's rule, *Land on the Cards* of a mailbox
without IMAP (inbound_mail.py): a transaction a letter.

    .venv/bin/python bench/mail_bench.py --size 100000 --count 2000
    .venv/bin/python bench/mail_bench.py --reuse --count 2000
    .venv/bin/python bench/mail_bench.py --reuse --count 1000 --way push
    .venv/bin/python bench/mail_bench.py --reuse --count 100 --profile read.prof

--profile runs the read under cProfile (its statistics written to the
file, the functions of most cumulative time printed) and counts the SQL
queries it sends: slower, for where the time goes, not for the rate.
"""
import argparse
import cProfile
import logging
import os
import pstats
import random
import resource
import subprocess
import sys
import time
import tracemalloc
import uuid
from contextlib import nullcontext
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import search_bench  # noqa: E402

LOGIN, PASSWORD = 'bench', 'bench-app-password'
OWN = 'marina@example.com'
# The letters of this run, told from those of a run before (--reuse)
RUN = uuid.uuid4().hex[:8]


def letter(rng, i, offset, size, run=RUN):
    message = EmailMessage()
    if i % 10 == 9:
        sender = 'stranger%d@unknown%d.org' % (i, i % 50)
    else:
        n = rng.randrange(offset, offset + size)
        # search_bench: counterparty n's e-mail
        sender = 'info%d@firma%d.ru' % (n, n % 1000)
        if i % 3 == 0:
            sender = sender.upper()
    message['From'] = sender
    message['To'] = OWN
    message['Subject'] = "Заказ №%d" % i
    message['Date'] = formatdate(localtime=True)
    message['Message-ID'] = '<%s@%s.bench>' % (uuid.uuid4().hex, run)
    text = "Добрый день!\n\nПрошу выставить счёт.\n\nС уважением,\n" \
        "Иванов Иван\nменеджер\nООО «Фирма»\n+7 916 123-45-67\n" * 3
    message.set_content(text)
    if i % 3 == 1:
        message.add_alternative('<p>%s</p><script>x()</script>' % text,
            subtype='html')
    if i % 20 == 2:
        message.add_attachment(rng.randbytes(20000), maintype='application',
            subtype='pdf', filename='счёт.pdf')
    return message.as_bytes()


def fill(server, count, offset, size):
    rng = random.Random(1)
    started = time.monotonic()
    with server.client(LOGIN) as client:
        batch = []
        for i in range(count):
            batch.append(letter(rng, i, offset, size))
            if len(batch) == 100 or i == count - 1:
                client.multiappend('INBOX', batch)
                batch = []
    return time.monotonic() - started


def activate_inbound_email(database):
    "inbound_email activated in database, as an administrator would"
    subprocess.run([Path(sys.executable).with_name('trytond-admin'),
            '-d', database, '--activate-dependencies', '-u', 'inbound_email'],
        check=True)


def push(pool, database, mailbox, count, offset, size):
    """POST count letters to an inbox whose rule lands them as mailbox's;
    the seconds it took"""
    from werkzeug.test import Client

    from trytond.modules.crm_counterparty.inbound_mail import ACTION
    from trytond.transaction import Transaction
    from trytond.wsgi import app
    Inbox = pool.get('inbound.email.inbox')
    with Transaction().start(database, 0) as transaction:
        Mailbox = pool.get('crm.mailbox')
        Mailbox.write([Mailbox(mailbox.id)], {'imap_host': None})
        inbox, = Inbox.create([{'name': "Bench", 'rules': [('create', [{
                                'action': ACTION,
                                'crm_mailbox': mailbox.id}])]}])
        Inbox.new_identifier([inbox])
        url = '/%s/inbound_email/inbox/%s' % (database, inbox.identifier)
        transaction.commit()
    rng, client = random.Random(1), Client(app)
    letters = [letter(rng, i, offset, size) for i in range(count)]
    started = time.monotonic()
    for raw in letters:
        response = client.post(url, data=raw)
        assert response.status_code == 204, response.status_code
    return time.monotonic() - started


def read(pool, database, mailbox_id, profile, queries):
    "Read the mailbox as the scheduler does; the seconds it took"
    from trytond.transaction import Transaction
    started = time.monotonic()
    with Transaction().start(database, 0) as transaction:
        mailbox = pool.get('crm.mailbox')(mailbox_id)
        if profile:
            with queries:
                profile.runcall(mailbox.read_mail)
        else:
            mailbox.read_mail()
        transaction.commit()
    return time.monotonic() - started


def setup(pool, transaction, size):
    Mailbox = pool.get('crm.mailbox')
    User = pool.get('res.user')
    Party = pool.get('party.party')
    if not User.search([('login', '=', 'marina')]):
        search_bench.load(pool, transaction, size)
    marina, = User.search([('login', '=', 'marina')])
    # The inboxes of a push run before: their rules name its mailbox
    if 'inbound.email.inbox' in dict(pool.iterobject()):
        Inbox = pool.get('inbound.email.inbox')
        Inbox.delete(Inbox.search([]))
    Mailbox.delete(Mailbox.search([]))
    first, = Party.search(
        [('code', 'like', 'B%')], order=[('id', 'ASC')], limit=1)
    return marina, first.id


class QueryCount(logging.Handler):
    "Counts the queries trytond's PostgreSQL cursor logs at DEBUG level"

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.count = 0
        self.logger = logging.getLogger(
            'trytond.backend.postgresql.database')

    def emit(self, record):
        if record.levelno == logging.DEBUG:
            self.count += 1

    def __enter__(self):
        self.logger.addHandler(self)
        self.logger.setLevel(logging.DEBUG)
        self.logger.propagate = False
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self)
        self.logger.setLevel(logging.NOTSET)
        self.logger.propagate = True


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--database', default='bench_mail')
    parser.add_argument('--size', type=int, default=100000)
    parser.add_argument('--count', type=int, default=2000)
    parser.add_argument('--way', choices=['imap', 'push'], default='imap',
        help="read from Dovecot as the scheduler does, or push to "
        "inbound_email's webhook (default: imap)")
    parser.add_argument('--tracemalloc', action='store_true')
    parser.add_argument('--profile', metavar='FILE',
        help="profile the read and count its queries")
    parser.add_argument('--reuse', action='store_true',
        help="use the database made before (loaded unless it was)")
    args = parser.parse_args()
    os.environ.setdefault(
        'TRYTOND_DATABASE__URI', 'postgresql://127.0.0.1:5432/')
    from cryptography.fernet import Fernet

    import trytond.config as config
    if not args.reuse:
        search_bench.create_database(args.database)
        activate_inbound_email(args.database)
    if not config.has_section('crm_counterparty'):
        config.add_section('crm_counterparty')
    config.set('crm_counterparty', 'mailbox_key',
        Fernet.generate_key().decode())
    from trytond.modules.crm_counterparty.tests.imap_server import (
        imap_server)
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(args.database)
    pool.init()
    with imap_server({LOGIN: PASSWORD}) as server:
        with Transaction().start(args.database, 0) as transaction:
            marina, offset = setup(pool, transaction, args.size)
            count = pool.get('party.party').search([], count=True)
            Mailbox = pool.get('crm.mailbox')
            mailbox, = Mailbox.create([{
                        'user': marina.id, 'company': marina.company.id,
                        'employee': marina.employee.id, 'address': OWN,
                        'imap_host': server.host, 'imap_port': server.port,
                        'imap_security': 'none', 'login': LOGIN,
                        'password': PASSWORD, 'folders': 'INBOX'}])
            transaction.commit()
        if args.way == 'imap':
            filled = fill(server, args.count, offset, args.size)
            print(f"{count:,} counterparties; {args.count} letters put "
                f"into Dovecot in {filled:.1f} s", file=sys.stderr)
        before = rss_mb()
        if args.tracemalloc:
            tracemalloc.start()
        profile = cProfile.Profile() if args.profile else None
        queries = QueryCount() if args.profile else None
        if args.way == 'push':
            run = profile.runcall if profile else (lambda f, *a: f(*a))
            with queries or nullcontext():
                took = run(push, pool, args.database, mailbox, args.count,
                    offset, args.size)
        else:
            took = read(pool, args.database, mailbox.id, profile, queries)
        traced = tracemalloc.get_traced_memory()[1] / 2 ** 20 \
            if args.tracemalloc else None
    with Transaction().start(args.database, 0, readonly=True):
        Communication = pool.get('crm.communication')
        Unmatched = pool.get('crm.mail.unmatched')
        mine = [('message_id', 'like', '%%@%s.bench>' % RUN)]
        landed = Communication.search(mine, count=True)
        unmatched = Unmatched.search(mine, count=True)
    print(f"\n{count:,} counterparties, {args.count} letters "
        f"{'read' if args.way == 'imap' else 'pushed'} in "
        f"{took:.1f} s: {args.count / took:.1f} letters/s; "
        f"{landed} on cards, {unmatched} unmatched")
    print(f"Peak resident memory: {before:.0f} MB before the read, "
        f"{rss_mb():.0f} MB after it")
    if profile:
        profile.dump_stats(args.profile)
        print(f"{queries.count} SQL queries: "
            f"{queries.count / args.count:.1f} a letter")
        pstats.Stats(profile).sort_stats('cumulative').print_stats(25)
    if traced is not None:
        print(f"Peak of Python's allocations during the read: "
            f"{traced:.1f} MB")


if __name__ == '__main__':
    main()
