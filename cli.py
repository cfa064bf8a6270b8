# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The command line of the Clients module, for scripts:

    crm-counterparty import PATH --database NAME [--dry-run] [--json] ...
    crm-counterparty export --database NAME --format xlsx|csv OUTPUT
    crm-counterparty split-names --database NAME [--dry-run]
    crm-counterparty listen-mail --database NAME
    crm-counterparty listen-asterisk --database NAME

import exits 0 when no row failed, 1 when some did, 2 when the file cannot
be used (the database untouched).  Run again on a file whose import was
interrupted (the process killed), it goes on with that import.  The
listeners run until they are stopped (Ctrl-C or SIGTERM)."""
import argparse
import json
import os
import signal
import sys

OK, ROWS_FAILED, UNUSABLE = 0, 1, 2
_ON_DUPLICATE = ['skip', 'update', 'overwrite', 'create']


def get_parser():
    parser = argparse.ArgumentParser(
        prog='crm-counterparty',
        description="Import and export counterparties of a Tryton database.")
    commands = parser.add_subparsers(dest='command', required=True)

    def common(command, user=True):
        command.add_argument(
            '--database', '-d', required=True, help="the database name")
        command.add_argument(
            '--config', '-c', default=os.environ.get('TRYTOND_CONFIG'),
            help="the trytond configuration file")
        # The listeners work as the scheduler does, for every mailbox and
        # connector: a letter or a call lands on its card whoever may see it
        if not user:
            return
        command.add_argument(
            '--user', '-u', default='admin',
            help="the login the work is done as, with its access rights "
            "(default: admin)")

    import_ = commands.add_parser(
        'import', help="import a file of counterparties",
        description="Import counterparties from an .xlsx, .xls, .ods, .csv "
        "or .vcf file, as the web client's import does.")
    import_.add_argument('path', help="the file to import")
    common(import_)
    import_.add_argument(
        '--dry-run', action='store_true',
        help="report what would happen without writing anything")
    import_.add_argument(
        '--on-duplicate', choices=_ON_DUPLICATE, default='skip',
        help="what to do with a row that is already a counterparty "
        "(default: skip)")
    import_.add_argument(
        '--kind', choices=['company', 'person'], default='company',
        help="what a row is when the file does not say (default: company)")
    import_.add_argument(
        '--json', action='store_true',
        help="print one JSON object: rows, created, updated, merged, skipped, "
        "failed and errors")

    export = commands.add_parser(
        'export', help="export counterparties with their contact persons")
    common(export)
    export.add_argument(
        '--format', choices=['xlsx', 'csv'], required=True)
    export.add_argument(
        '--encoding', choices=['utf-8-sig', 'cp1251'], default='utf-8-sig',
        help="the encoding of a CSV file (default: UTF-8 with BOM)")
    export.add_argument('output', help="the file to write")

    split = commands.add_parser(
        'split-names', help="fill the parts of the names of persons",
        description="Fill the last, first and middle name of the persons "
        "that have none where their name splits clearly, their names "
        "unchanged, and list the persons left.")
    common(split)
    split.add_argument(
        '--dry-run', action='store_true',
        help="report what would be split without writing anything")

    listen_mail = commands.add_parser(
        'listen-mail', help="read the mailboxes as mail comes",
        description="Read every active mailbox with an IMAP server as "
        "soon as a letter comes to one of its folders (IMAP IDLE; every "
        "25 minutes on a server without it); the mailboxes added, changed "
        "or removed are seen when they are read again.")
    common(listen_mail, user=False)
    listen_asterisk = commands.add_parser(
        'listen-asterisk', help="act on the calls of Asterisk",
        description="Listen to the AMI of every active Asterisk connector "
        "and act on its call events; the connectors added, changed or "
        "removed are seen when they are read again.")
    common(listen_asterisk, user=False)
    for listener, what in [
            (listen_mail, "mailboxes"), (listen_asterisk, "connectors")]:
        # A record added, changed or removed is listened to (or no more)
        # this much later
        listener.add_argument(
            '--reread', type=float, default=60, metavar='SECONDS',
            help="how often the %s are read again (default 60)" % what)
    return parser


def main(argv=None):
    args = get_parser().parse_args(argv)
    from trytond.config import config
    config.update_etc(args.config)
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    Pool.start()
    pool = Pool(args.database)
    with Transaction().start(args.database, 0, readonly=True):
        pool.init()
    listeners = {
        'listen-mail': _listen_mail,
        'listen-asterisk': _listen_asterisk,
        }
    if args.command in listeners:
        return listeners[args.command](args, pool)
    with Transaction().start(args.database, 0, readonly=True):
        User = pool.get('res.user')
        users = User.search([('login', '=', args.user)])
        if not users:
            print("No user %r in the database %r" % (
                    args.user, args.database), file=sys.stderr)
            return UNUSABLE
        user_id = users[0].id
        context = User.get_preferences(context_only=True)
    commands = {
        'import': _import,
        'export': _export,
        'split-names': _split_names,
        }
    return commands[args.command](args, pool, user_id, context)


def _import(args, pool, user_id, context):
    from trytond.i18n import gettext
    from trytond.transaction import Transaction

    from .importing import tabular
    from .importing.columns import open_table

    with open(args.path, 'rb') as file:
        data = file.read()
    with Transaction().start(
            args.database, user_id, readonly=True, context=context):
        try:
            table = open_table(data)
        except tabular.FileUnusable as e:
            message = e.translated()
            if args.json:
                print(json.dumps({'error': message}, ensure_ascii=False))
            else:
                print(message, file=sys.stderr)
            return UNUSABLE

    progress = _Progress(enabled=not args.json and sys.stderr.isatty())
    with Transaction().start(
            args.database, user_id, context=context) as transaction:
        Import = pool.get('crm.counterparty.import')
        values = {
            'file_name': os.path.basename(args.path),
            'on_duplicate': args.on_duplicate,
            'kind': args.kind,
            }
        batch = None if args.dry_run else _interrupted(Import, data, values)
        if batch:
            print(gettext('crm_counterparty.msg_import_resumed',
                    row=batch.last_row or 1), file=sys.stderr)
        else:
            batch, = Import.create([dict(values, file=data)])
            Import.read_columns([batch], tables={batch.id: table})
            Import.write([batch], {'state': 'waiting'})
        if not args.dry_run:
            transaction.commit()
        for _ in batch.process():
            if not args.dry_run:
                transaction.commit()
            batch = Import(batch.id)
            progress.show(
                (batch.last_row or 0) - (batch.header_row or 0),
                batch.rows_total)
        progress.done()
        batch = Import(batch.id)
        summary = {
            'rows': 0, 'created': 0, 'updated': 0, 'merged': 0,
            'skipped': 0, 'failed': 0, 'errors': [],
            }
        for row, outcome, reason in batch.report_lines(
                'row', 'outcome', 'reason'):
            summary['rows'] += 1
            if outcome == 'failed':
                summary['errors'].append({'row': row, 'message': reason})
            summary[outcome] += 1
        if batch.state == 'failed':
            summary['errors'].append({'row': None, 'message': batch.error})
        if args.dry_run:
            transaction.rollback()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print("%(rows)s rows: %(created)s created, %(updated)s updated, "
            "%(merged)s merged, %(skipped)s skipped, %(failed)s failed"
            % summary)
        for error in summary['errors']:
            print("row %(row)s: %(message)s" % error)
    if batch.state == 'failed':
        return UNUSABLE
    return ROWS_FAILED if summary['failed'] else OK


def _interrupted(Import, data, values):
    """The interrupted import of the same file with the same options, which
    a run again goes on with rather than import the file beside it"""
    from trytond.transaction import Transaction

    for batch in Import.search([
                ('status', '=', 'interrupted'),
                ('user', '=', Transaction().user),
                *[(n, '=', v) for n, v in values.items()],
                ], order=[('id', 'DESC')]):
        if batch.file == data:
            return batch


def _export(args, pool, user_id, context):
    from trytond.transaction import Transaction

    from . import export

    with Transaction().start(
            args.database, user_id, readonly=True,
            context=dict(context, _check_access=True)):
        Party = pool.get('party.party')
        parties = Party.search([], order=[('name', 'ASC')])
        data = export.export(parties, args.format, args.encoding)
    with open(args.output, 'wb') as file:
        file.write(data)
    return OK


def _split_names(args, pool, user_id, context):
    from trytond.transaction import Transaction

    from .access import allowed_ids

    with Transaction().start(args.database, user_id,
            context=dict(context, _check_access=True)) as transaction:
        Party = pool.get('party.party')
        persons = Party.search([('kind', '=', 'person')],
            order=[('name', 'ASC'), ('id', 'ASC')])
        editable = allowed_ids(Party, [p.id for p in persons], 'write')
        done, left = Party.split_names(
            [p for p in persons if p.id in editable])
        if args.dry_run:
            transaction.rollback()
        else:
            transaction.commit()
        print("%s persons split, %s left as they are, %s you may not edit"
            % (len(done), len(left), len(persons) - len(editable)))
        for person in left:
            print("left: %s [%s]" % (person.name, person.code))
    return OK


def _listen_mail(args, pool):
    from .mailbox import listen, listened
    return _listen(args, "mailboxes", lambda: listened(args.database),
        lambda id_, own: listen(args.database, id_, own))


def _listen_asterisk(args, pool):
    from .call import asterisk_listened, listen_asterisk_thread
    return _listen(args, "Asterisk connectors",
        lambda: asterisk_listened(args.database),
        lambda id_, own: listen_asterisk_thread(args.database, id_, own))


def _listen(args, what, wanted, listen):
    """Run a listener for each record wanted() names until SIGTERM or
    Ctrl-C (listening.supervise)"""
    import threading

    from .listening import supervise

    stop = threading.Event()
    for signum in [signal.SIGTERM, signal.SIGINT]:
        signal.signal(signum, lambda *_: stop.set())
    print("listening to %s %s, read again every %s s" % (
            len(wanted()), what, args.reread), file=sys.stderr)
    supervise(wanted, listen, stop, args.reread)
    return OK


class _Progress:
    "A progress bar on the terminal, written over itself"

    def __init__(self, enabled, width=40):
        self.enabled = enabled
        self.width = width

    def show(self, done, total):
        if not self.enabled:
            return
        if total:
            filled = int(self.width * min(done, total) / total)
            bar = '#' * filled + '.' * (self.width - filled)
            sys.stderr.write('\r[%s] %s/%s rows' % (bar, done, total))
        else:
            sys.stderr.write('\r%s rows' % done)
        sys.stderr.flush()

    def done(self):
        if self.enabled:
            sys.stderr.write('\n')


if __name__ == '__main__':
    sys.exit(main())
