#!/usr/bin/env python3
# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Speed of a mailing by e-mail (mailing.py) to a local SMTP server.

Activates the module in a database of Tryton's test machinery (SQLite in
memory unless TRYTOND_DATABASE__URI and DB_NAME say otherwise), makes SIZE
counterparties with an e-mail each and a mailing to their group, and sends
it the way the module does: ``send`` pushes the task to Tryton's queue,
whose task (``ir.queue.run``) resolves the recipients, claims and sends
them a chunk at a time, committing each.  The SMTP server (aiosmtpd,
tests/smtp_server.py) counts what it receives; exactly-once is checked by
the count of distinct recipients and of Message-IDs.  Then, for the same
recipients, the way Tryton's marketing_email sends (its ``process``): every
message built and handed to ``send_message_transactional`` in one
transaction, sent through one connection when it commits, nothing kept of
who got what.  Prints the messages a second of each and the peak memory.

    .venv/bin/python bench/mailing_bench.py --size 10000
"""
import argparse
import os
import resource
import sys
import tempfile
import time

os.environ.setdefault('TRYTOND_DATABASE__URI', 'sqlite://')
os.environ.setdefault('DB_NAME', ':memory:')
os.environ.setdefault('DB_CACHE', tempfile.mkdtemp(prefix='mailing-bench-'))

from trytond.tests.test_tryton import (  # noqa: E402
    DB_NAME, USER, activate_module)
from trytond.transaction import Transaction  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from tests.smtp_server import smtp_server  # noqa: E402

BATCH = 1000


def load(size):
    "SIZE counterparties with an e-mail, in a group; the mailing to it"
    from trytond.modules.company.tests import (
        create_company, create_employee, set_company)
    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    Group = pool.get('crm.counterparty.group')
    Mailing = pool.get('crm.counterparty.mailing')
    company = create_company()
    with set_company(company):
        employee = create_employee(company, "Марина Соколова")
        group, = Group.create([{'name': "Все"}])
        for start in range(0, size, BATCH):
            Party.create([{
                        'name': "ООО «Клиент %d»" % i,
                        'contact_mechanisms': [('create', [{
                                        'type': 'email',
                                        'value': 'client%d@example.com' % i,
                                        }])],
                        'counterparty_groups': [('add', [group.id])],
                        } for i in range(start, min(start + BATCH, size))])
        mailing, = Mailing.create([{
                    'name': "Весенняя скидка", 'company': company.id,
                    'sender': employee.id, 'group': group.id,
                    'subject': "Скидка для {{company}}",
                    'email_html': '<p>Здравствуйте, {{name}}!</p>'
                    '<p>Скидка <b>10%</b> до мая.</p>',
                    }])
    return mailing


def ours(mailing, mailbox):
    "Send through the queue; seconds"
    from trytond.pool import Pool
    pool = Pool()
    Mailing = pool.get('crm.counterparty.mailing')
    Queue = pool.get('ir.queue')
    transaction = Transaction()
    start = time.perf_counter()
    Mailing.send([mailing])
    task_id, = transaction.tasks
    transaction.tasks.clear()
    Queue(task_id).run()
    transaction.commit()
    return time.perf_counter() - start


def tryton_way(mailing):
    """Send as marketing_email's process does: each message to the
    transaction's SMTP data manager, all sent at the commit; seconds"""
    from email.message import EmailMessage

    import trytond.config as config
    from trytond.pool import Pool
    from trytond.report import html_to_text
    from trytond.sendmail import (
        SMTPDataManager, send_message_transactional)
    from trytond.modules.crm_counterparty.channels import placeholders
    Result = Pool().get('crm.counterparty.mailing.result')
    transaction = Transaction()
    start = time.perf_counter()
    datamanager = SMTPDataManager()
    for parties in mailing.recipients():
        for result in Result.search([
                    ('mailing', '=', mailing.id),
                    ('party', 'in', [p.id for p in parties])]):
            values = result.values()
            content = placeholders.render(
                mailing.email_html, values, markup=True)
            msg = EmailMessage()
            msg['From'] = config.get('email', 'from')
            msg['To'] = result.address
            msg['Subject'] = placeholders.render(mailing.subject, values)
            msg.set_content(html_to_text(content))
            msg.add_alternative(content, subtype='html')
            send_message_transactional(msg, datamanager=datamanager)
    transaction.commit()
    return time.perf_counter() - start


def check(mailbox, size):
    "Exactly once: as many messages as distinct recipients and ids"
    recipients = [a for m in mailbox.messages for a in m.envelope_to]
    ids = {m['Message-ID'] for m in mailbox.messages}
    assert len(recipients) == len(set(recipients)) == len(ids) == size, (
        len(recipients), len(set(recipients)), len(ids), size)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, default=10000)
    args = parser.parse_args()
    activate_module('crm_counterparty')
    with smtp_server() as mailbox, \
            Transaction().start(DB_NAME, USER, readonly=False) as t:
        start = time.perf_counter()
        mailing = load(args.size)
        t.commit()
        print(f"Loaded {args.size} counterparties in "
            f"{time.perf_counter() - start:.0f} s")
        seconds = ours(mailing, mailbox)
        check(mailbox, args.size)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"Module, through the queue: {args.size} in {seconds:.1f} s, "
            f"{args.size / seconds:.0f} a second, exactly once; "
            f"peak memory of the process so far {rss:.0f} MB")
        mailbox.clear()
        seconds = tryton_way(mailing.__class__(mailing.id))
        check(mailbox, args.size)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"marketing_email's way (one transaction): {args.size} in "
            f"{seconds:.1f} s, {args.size / seconds:.0f} a second; "
            f"peak memory of the process {rss:.0f} MB")


if __name__ == '__main__':
    main()
