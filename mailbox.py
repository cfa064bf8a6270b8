# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The employees' mailboxes: IMAP to read the letters of the cards, SMTP to
send from them.  The application password is stored encrypted (Fernet,
with the key of trytond's `[crm_counterparty] mailbox_key`) and never
read back: `password` is a write-only field, the encrypted column is
closed to every user by a field access (mailbox.xml).

The scheduler reads each active mailbox's folders (`Mailbox.read_mail`):
per folder the UIDVALIDITY and the last UID landed are kept
(crm.mailbox.folder) and committed with each batch of letters fetched
(landed at once; a batch that fails is landed letter by letter, each
committed), so that a read broken off goes on after its last batch, none
twice, none skipped; a
changed UIDVALIDITY (the folder recreated) reads the folder again from its
start, the letters already landed being known by their Message-ID.  What a
letter becomes on the cards is letter.py's."""
import logging
import smtplib
import ssl
from contextlib import ExitStack, contextmanager

from cryptography.fernet import Fernet, InvalidToken
from imapclient import IMAPClient
from sql import For

import trytond.config as config
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import MailboxError

logger = logging.getLogger(__name__)
# The letters fetched from the server at once: the memory a read takes
BATCH = 20
SECURITY = [
    ('ssl', "SSL/TLS"),
    ('starttls', "STARTTLS"),
    ('none', "None"),
    ]
TIMEOUT = 60
# IDLE is renewed before the 29 minutes after which RFC 2177 lets a server
# end it; a server without IDLE is read as often
IDLE_RENEW = 25 * 60
# How long an IDLE waits at once: how soon a listener sees it must stop
IDLE_STEP = 1
# After a failed read, a listener tries again this much later
RETRY = 60
# What a reader connects and waits with: a change of these starts it again
_LISTENED = ['imap_host', 'imap_port', 'imap_security', 'login',
    'password_encrypted', 'folders']


def _fernet():
    key = config.get('crm_counterparty', 'mailbox_key', default=None)
    if not key:
        raise MailboxError(gettext('crm_counterparty.msg_mailbox_no_key'))
    return Fernet(key.encode())


def encrypt(password):
    return _fernet().encrypt(password.encode()).decode()


def decrypt(token):
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exception:
        raise MailboxError(gettext(
                'crm_counterparty.msg_mailbox_bad_key')) from exception


class Mailbox(DeactivableMixin, ModelSQL, ModelView):
    "The mailbox of an employee, read and sent from by the CRM"
    __name__ = 'crm.mailbox'
    __string__ = "Mailbox"
    _rec_name = 'address'

    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
    company = fields.Many2One('company.company', "Company", required=True)
    employee = fields.Many2One(
        'company.employee', "Employee", required=True,
        domain=[('company', '=', Eval('company', -1))],
        help="The organiser of the letters on the cards.")
    address = fields.Char(
        "E-mail", required=True,
        help="The mailbox's own address: a letter from it is outgoing.")
    imap_host = fields.Char(
        "IMAP Host", help="Empty: the mailbox is not read, its letters are "
        "pushed by the mail provider (Inbound Email).")
    imap_port = fields.Integer("IMAP Port", required=True)
    imap_security = fields.Selection(SECURITY, "IMAP Security", required=True)
    login = fields.Char("Login",
        states={
            'required': Bool(Eval('imap_host')) | Bool(Eval('smtp_host')),
            })
    password = fields.Function(fields.Char(
            "Application Password", strip=False,
            help="For Yandex, Mail.ru and Gmail with two-factor sign-in: "
            "an application password made in the account's security "
            "settings. Stored encrypted, never shown."),
        'get_password', setter='set_password')
    password_encrypted = fields.Char("Encrypted Password", readonly=True)
    folders = fields.Char(
        "Folders", required=True,
        help="The IMAP folders read, separated by commas "
        "(e.g. INBOX, Sent).")
    smtp_host = fields.Char(
        "SMTP Host", help="Empty: sent through the server's own mail.")
    smtp_port = fields.Integer("SMTP Port")
    smtp_security = fields.Selection(SECURITY, "SMTP Security")
    folder_states = fields.One2Many(
        'crm.mailbox.folder', 'mailbox', "Folders Read", readonly=True)
    last_error = fields.Char("Last Error", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'read_now': {
                    'invisible': ~Eval('imap_host'),
                    'depends': ['imap_host'],
                    },
                })

    @staticmethod
    def default_user():
        return Transaction().user

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_employee():
        return Transaction().context.get('employee')

    @staticmethod
    def default_imap_port():
        return 993

    @staticmethod
    def default_imap_security():
        return 'ssl'

    @staticmethod
    def default_folders():
        return 'INBOX'

    @staticmethod
    def default_smtp_port():
        return 465

    @staticmethod
    def default_smtp_security():
        return 'ssl'

    def get_password(self, name):
        # Write-only: what is stored is never sent back
        return None

    @classmethod
    def set_password(cls, mailboxes, name, value):
        if not value:
            return
        cls.write(mailboxes, {'password_encrypted': encrypt(value)})

    @property
    def secret(self):
        "The application password, decrypted"
        if not self.password_encrypted:
            raise MailboxError(gettext(
                    'crm_counterparty.msg_mailbox_no_password',
                    mailbox=self.rec_name))
        return decrypt(self.password_encrypted)

    @property
    def folder_names(self):
        return [f.strip() for f in (self.folders or '').split(',')
            if f.strip()]

    def imap(self):
        "An IMAP connection, logged in"
        security = self.imap_security
        client = IMAPClient(self.imap_host, port=self.imap_port,
            ssl=security == 'ssl', timeout=TIMEOUT)
        if security == 'starttls':
            client.starttls(ssl.create_default_context())
        client.login(self.login, self.secret)
        return client

    @classmethod
    @ModelView.button
    def read_now(cls, mailboxes):
        "Read the new letters of the mailboxes now"
        # The user's own mailboxes (read under his rules), read as the
        # scheduler reads them: a letter lands on the cards of its
        # addresses, whoever may see them
        cls.read([m.id for m in mailboxes], ['id'])
        with without_check_access():
            for mailbox in cls.browse(mailboxes):
                with Transaction().set_context(company=mailbox.company.id):
                    mailbox.read_mail()

    @classmethod
    def read_all(cls):
        "Read the new letters of every active mailbox (the scheduler's)"
        for mailbox in cls.search(cls.read_domain()):
            try:
                mailbox.read_mail()
            # Whatever stops one mailbox (the server, a letter that does
            # not land) is its own: the others are read
            except Exception as exception:
                cls.failed(mailbox.id, exception)

    @classmethod
    def read_domain(cls):
        "The mailboxes read: active, with an IMAP server"
        return [('active', '=', True), ('imap_host', '!=', None)]

    @classmethod
    def failed(cls, mailbox_id, exception):
        "Keep why the mailbox was not read, in a transaction of its own"
        logger.warning("mailbox %s not read: %s", mailbox_id,
            exception, exc_info=not isinstance(exception, (
                    OSError, MailboxError, IMAPClient.Error)))
        Transaction().rollback()
        cls.write([cls(mailbox_id)], {'last_error': str(exception)})
        Transaction().commit()

    def read_mail(self):
        "Land the new letters of the mailbox's folders, committing each batch"
        if not self.imap_host:
            return
        missing = []
        with self.imap() as client:
            for name in self.folder_names:
                if client.folder_exists(name):
                    self._read_folder(client, name)
                else:
                    missing.append(name)
        # The folders there were read: a missing one is told, not fatal
        error = gettext('crm_counterparty.msg_mailbox_folder_missing',
            folders=', '.join(missing)) if missing else None
        if self.last_error != error:
            self.__class__.write([self], {'last_error': error})

    def _read_folder(self, client, name):
        Folder = Pool().get('crm.mailbox.folder')
        info = client.select_folder(name, readonly=True)
        folder = Folder.of(self, name, info[b'UIDVALIDITY'])
        # "n:*" names the last letter even when its UID is below n
        uids = sorted(u for u in client.search(
                ['UID', '%d:*' % (folder.last_uid + 1)])
            if u > folder.last_uid)
        for start in range(0, len(uids), BATCH):
            batch = uids[start:start + BATCH]
            # PEEK: reading does not mark the letters as seen
            fetched = client.fetch(batch, ['BODY.PEEK[]'])
            self._take(folder, [(uid, fetched[uid][b'BODY[]'])
                    for uid in batch if uid in fetched])
            del fetched

    def _take(self, folder, letters):
        """Land the fetched letters, (uid, raw) each, with the last UID in
        one transaction; when they fail, letter by letter, each committed
        with its UID, so that the read stops at the letter that fails"""
        transaction = Transaction()
        try:
            self._land(folder, letters)
        except Exception:
            transaction.rollback()
            if len(letters) == 1:
                raise
            for letter in letters:
                self._land(folder, [letter])

    def _land(self, folder, letters):
        Letter = Pool().get('crm.communication')
        transaction = Transaction()
        last_uid = folder.claim()
        letters = [(u, r) for u, r in letters if u > last_uid]
        if letters:
            with transaction.set_context(company=self.company.id):
                Letter.land_all(self, [r for _, r in letters])
            folder.done(letters[-1][0])
        transaction.commit()

    def wait_for_mail(self, stop, renew):
        """Wait with IDLE on each folder, a connection each, until a letter
        comes to one of them, renew seconds pass or stop (a threading
        event) is set; without IDLE, wait renew seconds"""
        with ExitStack() as stack:
            idling = []
            for name in self.folder_names:
                client = stack.enter_context(self.imap())
                if not client.has_capability('IDLE'):
                    break
                if not client.folder_exists(name):
                    continue
                # What came between the read and now is not told by IDLE
                if self._unread(client, name):
                    return
                idling.append(stack.enter_context(_idle(client)))
            if not idling:
                stop.wait(renew)
                return
            waited = 0
            while not stop.is_set() and waited < renew:
                if any(c.idle_check(timeout=IDLE_STEP / len(idling))
                        for c in idling):
                    return
                waited += IDLE_STEP

    def _unread(self, client, name):
        "Whether the folder name holds a letter after the last one landed"
        Folder = Pool().get('crm.mailbox.folder')
        info = client.select_folder(name, readonly=True)
        last_uid = Folder.of(self, name, info[b'UIDVALIDITY']).last_uid
        return any(u > last_uid
            for u in client.search(['UID', '%d:*' % (last_uid + 1)]))

    def smtp_send(self, message, to_addrs):
        "Send message (an email.message) through the mailbox's SMTP"
        security = self.smtp_security or 'ssl'
        if security == 'ssl':
            server = smtplib.SMTP_SSL(self.smtp_host, self.smtp_port,
                timeout=TIMEOUT, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(self.smtp_host, self.smtp_port,
                timeout=TIMEOUT)
        with server:
            if security == 'starttls':
                server.starttls(context=ssl.create_default_context())
            server.login(self.login, self.secret)
            server.send_message(message, self.address, to_addrs)


class MailboxFolder(ModelSQL, ModelView):
    "How far a folder of a mailbox is read"
    __name__ = 'crm.mailbox.folder'
    __string__ = "Mailbox Folder"

    mailbox = fields.Many2One(
        'crm.mailbox', "Mailbox", required=True, ondelete='CASCADE')
    name = fields.Char("Folder", required=True, readonly=True)
    # A 32-bit unsigned number: more than an SQL integer holds
    uidvalidity = fields.Char("UIDVALIDITY", readonly=True)
    last_uid = fields.Integer("Last UID", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('folder_unique', Unique(t, t.mailbox, t.name),
                'crm_counterparty.msg_mailbox_folder_unique'),
            ]

    @staticmethod
    def default_last_uid():
        return 0

    @classmethod
    def of(cls, mailbox, name, uidvalidity):
        """The state of the folder name of mailbox, started again from its
        first letter when its UIDVALIDITY is not the one kept"""
        uidvalidity = str(uidvalidity)
        folders = cls.search([
                ('mailbox', '=', mailbox.id), ('name', '=', name)])
        if folders:
            folder, = folders
        else:
            folder, = cls.create([{
                        'mailbox': mailbox.id, 'name': name,
                        'uidvalidity': uidvalidity}])
        if folder.uidvalidity != uidvalidity:
            logger.info("mailbox %s folder %s: UIDVALIDITY changed, "
                "read again", mailbox.id, name)
            cls.write([folder], {'uidvalidity': uidvalidity, 'last_uid': 0})
        Transaction().commit()
        return cls(folder.id)

    def claim(self):
        """Lock the folder's state and return the last UID landed: a read
        running at once waits here, then skips what this one landed"""
        transaction = Transaction()
        table = self.__table__()
        cursor = transaction.connection.cursor()
        # From the table, locked (SQLite locks the whole base as it writes)
        query = table.select(table.last_uid, where=table.id == self.id)
        if transaction.database.has_select_for():
            query.for_ = For('UPDATE')
        cursor.execute(*query)
        last_uid, = cursor.fetchone()
        return last_uid

    def done(self, uid):
        self.__class__.write([self], {'last_uid': uid})


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('crm.mailbox|read_all', "Read the Mailboxes"))


@contextmanager
def _idle(client):
    "The client in IDLE until the block ends"
    client.idle()
    try:
        yield client
    finally:
        client.idle_done()


def listen(database_name, mailbox_id, stop, renew=IDLE_RENEW):
    """Read the mailbox as soon as a letter comes, until the threading
    event stop is set: a long-running reader, each batch committed as the
    scheduler's read commits it"""
    while not stop.is_set():
        with Transaction().start(database_name, 0) as transaction:
            Mailbox = Pool().get('crm.mailbox')
            mailbox = Mailbox(mailbox_id)
            if not mailbox.active:
                return
            try:
                with transaction.set_context(company=mailbox.company.id):
                    mailbox.read_mail()
                    transaction.commit()
                    mailbox.wait_for_mail(stop, renew)
            # A reader that stops would leave the mailbox unread until it
            # is started again: it keeps the error and tries again later
            except Exception as exception:
                Mailbox.failed(mailbox_id, exception)
                stop.wait(RETRY)


def listened(database_name):
    "What each mailbox read connects with, by its id"
    with Transaction().start(database_name, 0, readonly=True):
        Mailbox = Pool().get('crm.mailbox')
        return {m.id: tuple(getattr(m, f) for f in _LISTENED)
            for m in Mailbox.search(Mailbox.read_domain())}
