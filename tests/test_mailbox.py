# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The mailboxes against a real Dovecot (tests/imap_server.py): letters
landing on the cards, read again without duplicates, resumed after an
interruption, a folder's UIDVALIDITY changed, unknown senders kept and
turned into cards, the password and the mailboxes closed to other users.
Each read runs, as the scheduler's, in transactions that commit."""
import threading
import uuid
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate
from unittest.mock import patch

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography.fernet import Fernet

import trytond.config as config
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, create_employee
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, _DBTestCase
from trytond.transaction import Transaction

from trytond.modules.crm_counterparty.mailbox import listen
from trytond.modules.crm_counterparty.tests.imap_server import imap_server
from trytond.modules.crm_counterparty.tests.smtp_server import (
    Mailbox, _free_port, smtp_server)
from trytond.modules.crm_counterparty.tests.tools import create_user

ANNA = 'anna@crm.example.com'
CLIENT = 'info@veter.ru'
DIRECTOR = 'Ivanov@Veter.ru'
USERS = {login: 'app-pass-%s' % login for login in [
        'land', 'again', 'resume', 'validity', 'unknown', 'attach', 'idle',
        'vera']}
VERA = 'vera@crm.example.com'
SIGNED = (
    "Добрый день!\n\nХотим заказать 20 столов.\n\n"
    "С уважением,\nКотова Мария Ивановна\nНачальник отдела закупок\n"
    "АО «Лесная мебель»\nтел. +7 (812) 555-12-34\n")


def letter(sender, to, subject, body='Текст', html=None, message_id=None,
        in_reply_to=None, attachment=None):
    "The bytes of a letter"
    message = EmailMessage()
    message['From'] = sender
    message['To'] = to
    message['Subject'] = subject
    message['Date'] = formatdate(localtime=True)
    message['Message-ID'] = message_id or '<%s@test>' % uuid.uuid4().hex
    if in_reply_to:
        message['In-Reply-To'] = in_reply_to
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype='html')
    if attachment:
        name, data = attachment
        message.add_attachment(data, maintype='application',
            subtype='octet-stream', filename=name)
    return message.as_bytes()


@contextmanager
def mailbox_key():
    "Tryton's configuration with a mailbox key, as before after"
    if not config.has_section('crm_counterparty'):
        config.add_section('crm_counterparty')
    old = config.get('crm_counterparty', 'mailbox_key')
    config.set('crm_counterparty', 'mailbox_key',
        Fernet.generate_key().decode())
    try:
        yield
    finally:
        config.set('crm_counterparty', 'mailbox_key', old or '')


class SMTPServer:
    "aiosmtpd asking for a login, keeping what it receives"

    def __init__(self):
        self.mailbox = Mailbox()
        self.logins = []
        self.controller = Controller(self.mailbox, hostname='127.0.0.1',
            port=_free_port(), auth_require_tls=False,
            authenticator=self.authenticate)
        self.controller.start()
        self.port = self.controller.port

    def authenticate(self, server, session, envelope, mechanism, data):
        self.logins.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=data.password.decode() == USERS['vera'])

    def stop(self):
        self.controller.stop()


def sending_server():
    server = SMTPServer()
    MailboxTestCase.addClassCleanup(server.stop)
    return server


class MailboxTestCase(_DBTestCase):
    "Test the mailboxes against Dovecot"
    module = 'crm_counterparty'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        key = mailbox_key()
        key.__enter__()
        cls.addClassCleanup(key.__exit__, None, None, None)
        server = imap_server(USERS)
        cls.server = server.__enter__()
        cls.addClassCleanup(server.__exit__, None, None, None)
        with Transaction().start(DB_NAME, 0) as transaction:
            cls.setup_office()
            transaction.commit()

    @classmethod
    def setup_office(cls):
        pool = Pool()
        Mailbox = pool.get('crm.mailbox')
        Party = pool.get('party.party')
        company = create_company()
        anna = create_employee(company, "Анна Морозова")
        boris = create_employee(company, "Борис Орлов")
        cls.anna_user = create_user('anna', anna).id
        cls.boris_user = create_user('boris', boris).id
        cls.anna_id, cls.company_id = anna.id, company.id
        client, = Party.create([{
                    'name': "ООО «Северный ветер»",
                    'contact_mechanisms': [('create', [
                                {'type': 'email', 'value': CLIENT}])],
                    }])
        director, = Party.create([{
                    'name': "Иванов Иван", 'kind': 'person',
                    'employer': client.id,
                    'contact_mechanisms': [('create', [
                                {'type': 'email', 'value': DIRECTOR}])],
                    }])
        cls.client_id, cls.director_id = client.id, director.id
        cls.mailboxes = {}
        for login, password in USERS.items():
            if login == 'vera':
                continue
            mailbox, = Mailbox.create([{
                        'user': cls.anna_user, 'company': company.id,
                        'employee': anna.id, 'address': ANNA,
                        'imap_host': cls.server.host,
                        'imap_port': cls.server.port,
                        'imap_security': 'none',
                        'login': login, 'password': password,
                        'folders': 'INBOX, Clients',
                        }])
            cls.mailboxes[login] = mailbox.id
        # Vera sends through her mailbox's SMTP (the test's own server)
        vera = create_employee(company, "Вера Соколова")
        cls.vera_user = create_user('vera', vera).id
        cls.vera_id = vera.id
        cls.smtp = sending_server()
        mailbox, = Mailbox.create([{
                    'user': cls.vera_user, 'company': company.id,
                    'employee': vera.id, 'address': VERA,
                    'imap_host': cls.server.host,
                    'imap_port': cls.server.port, 'imap_security': 'none',
                    'login': 'vera', 'password': USERS['vera'],
                    'folders': 'INBOX',
                    'smtp_host': '127.0.0.1', 'smtp_port': cls.smtp.port,
                    'smtp_security': 'none',
                    }])
        cls.mailboxes['vera'] = mailbox.id

    def read_mail(self, login):
        "Read the mailbox of login as the scheduler does"
        with Transaction().start(DB_NAME, 0) as transaction:
            Mailbox = Pool().get('crm.mailbox')
            Mailbox(self.mailboxes[login]).read_mail()
            transaction.commit()

    def context(self):
        "As the client calls: the access of the user checked"
        return {'company': self.company_id, '_check_access': True}

    def read(self, function, user=0):
        with Transaction().start(DB_NAME, user, readonly=True,
                context=self.context()):
            return function(Pool())

    def letters(self, *message_ids):
        "The letters of message_ids on cards: (subject, direction, parties)"
        def read(pool):
            Communication = pool.get('crm.communication')
            return [(c.subject, c.letter_direction,
                    sorted(p.id for p in c.parties))
                for c in Communication.search(
                    [('message_id', 'in', message_ids)],
                    order=[('id', 'ASC')])]
        return self.read(read)

    def folder(self, login, name):
        def read(pool):
            Folder = pool.get('crm.mailbox.folder')
            folder, = Folder.search([
                    ('mailbox', '=', self.mailboxes[login]),
                    ('name', '=', name)])
            return folder.uidvalidity, folder.last_uid
        return self.read(read)

    def test_letters_land(self):
        """Incoming letters from the card's addresses in any case, with
        sanitised HTML and attachments, an answer in its thread, an
        outgoing letter, e-mail received raised"""
        first = '<order-1@veter.ru>'
        self.server.append('land', letter(
                'Иван Иванов <%s>' % DIRECTOR.upper(), ANNA, "Заказ",
                body="Нужен счёт", message_id=first,
                html='<p>Нужен <b>счёт</b><script>alert(1)</script></p>',
                attachment=('заказ.pdf', b'%PDF-1.4')))
        self.server.append('land', letter(ANNA, CLIENT, "Re: Заказ",
                message_id='<answer-1@crm>', in_reply_to=first))
        self.server.append('land', letter(CLIENT, ANNA, "Новости",
                message_id='<news-1@veter.ru>'), folder='Clients')
        self.read_mail('land')

        self.assertEqual(self.letters(
                first, '<answer-1@crm>', '<news-1@veter.ru>'), [
                ("Заказ", 'incoming', sorted([self.client_id,
                            self.director_id])),
                ("Re: Заказ", 'outgoing', [self.client_id]),
                ("Новости", 'incoming', [self.client_id]),
                ])

        def details(pool):
            Communication = pool.get('crm.communication')
            Attachment = pool.get('ir.attachment')
            Event = pool.get('crm.counterparty.event')
            order, = Communication.search([('message_id', '=', first)])
            answer, = Communication.search(
                [('message_id', '=', '<answer-1@crm>')])
            return {
                'html': order.letter_html, 'text': order.letter_text,
                'category': order.category.name, 'state': order.state,
                'organiser': order.organiser.id,
                'attachments': [(a.name, a.data) for a in Attachment.search(
                        [('resource', '=', str(order))])],
                'thread': answer.previous.id if answer.previous else None,
                'order': order.id,
                'events': [(e.kind, e.party.id, e.values['address'])
                    for e in Event.search([('record', '=', str(order))])],
                }
        got = self.read(details)
        self.assertEqual(got['html'], '<p>Нужен <b>счёт</b></p>')
        self.assertNotIn('script', got['html'])
        self.assertEqual(got['text'], "Нужен счёт")
        self.assertEqual((got['category'], got['state'], got['organiser']),
            ("Letter", 'done', self.anna_id))
        self.assertEqual(got['attachments'], [('заказ.pdf', b'%PDF-1.4')])
        self.assertEqual(got['thread'], got['order'])
        self.assertEqual(got['events'], [
                ('email_received', self.director_id, DIRECTOR.lower())])
        self.assertEqual(self.folder('land', 'INBOX')[1], 2)
        self.assertEqual(self.folder('land', 'Clients')[1], 1)

    def test_read_again_no_duplicate(self):
        """A letter copied twice into the folder (both fetched at once)
        lands once; a second read lands only what came since"""
        ids = ['<again-%s@veter.ru>' % i for i in range(3)]
        for message_id in ids[:2] + ids[:1]:
            self.server.append('again', letter(
                    CLIENT, ANNA, message_id, message_id=message_id))
        self.read_mail('again')
        self.read_mail('again')
        self.assertEqual(len(self.letters(*ids)), 2)
        self.server.append('again', letter(
                CLIENT, ANNA, ids[2], message_id=ids[2]))
        # Read Now, by the mailbox's user
        with Transaction().start(DB_NAME, self.anna_user,
                context=self.context()) as transaction:
            Mailbox = Pool().get('crm.mailbox')
            Mailbox.read_now([Mailbox(self.mailboxes['again'])])
            transaction.commit()
        self.assertEqual(
            [s for s, _, _ in self.letters(*ids)], ids)

    def test_resume_after_interruption(self):
        """A letter that cannot land breaks its batch, landed then letter
        by letter: the two before it are kept, the read stops at it; the
        next read lands the rest, none twice"""
        ids = ['<resume-%s@veter.ru>' % i for i in range(5)]
        for message_id in ids:
            self.server.append('resume', letter(
                    CLIENT, ANNA, message_id, message_id=message_id))
        Communication = Pool(DB_NAME).get('crm.communication')
        sort_letter = Communication._sort_letter.__func__

        def broken(cls, mailbox, letter, raw, *args):
            if ids[2].encode() in raw:
                raise ConnectionResetError("the connection dropped")
            return sort_letter(cls, mailbox, letter, raw, *args)
        with patch.object(Communication, '_sort_letter', classmethod(broken)):
            with self.assertRaises(ConnectionResetError):
                self.read_mail('resume')
        self.assertEqual(
            [s for s, _, _ in self.letters(*ids)], ids[:2])
        self.assertEqual(self.folder('resume', 'INBOX')[1], 2)

        self.read_mail('resume')
        self.assertEqual([s for s, _, _ in self.letters(*ids)], ids)
        self.assertEqual(self.folder('resume', 'INBOX')[1], 5)

    def test_uidvalidity_change(self):
        """A folder made again (a new UIDVALIDITY) is read from its start:
        its new letter lands, the old ones are not landed twice"""
        old = ['<validity-%s@veter.ru>' % i for i in range(2)]
        for message_id in old:
            self.server.append('validity', letter(
                    CLIENT, ANNA, message_id, message_id=message_id),
                folder='Clients')
        self.read_mail('validity')
        validity, last_uid = self.folder('validity', 'Clients')
        self.assertEqual(last_uid, 2)

        with self.server.client('validity') as client:
            client.delete_folder('Clients')
            client.create_folder('Clients')
        new = '<validity-new@veter.ru>'
        for message_id in old + [new]:
            self.server.append('validity', letter(
                    CLIENT, ANNA, message_id, message_id=message_id),
                folder='Clients')
        self.read_mail('validity')
        new_validity, last_uid = self.folder('validity', 'Clients')
        self.assertNotEqual(new_validity, validity)
        self.assertEqual(last_uid, 3)
        self.assertEqual(
            [s for s, _, _ in self.letters(*old, new)], old + [new])

    def unmatched(self, message_id, user=0):
        def read(pool):
            Unmatched = pool.get('crm.mail.unmatched')
            return [u.id for u in Unmatched.search(
                    [('message_id', '=', message_id)])]
        return self.read(read, user=user)

    def test_unknown_sender_create_client(self):
        """A letter from an unknown address is kept for the mailbox's
        user, not for another; Create a Client makes the card from its
        signature and lands the letter on it"""
        message_id = '<unknown-1@les.ru>'
        self.server.append('unknown', letter(
                'Мария <kotova@les.ru>', ANNA, "Столы", body=SIGNED,
                message_id=message_id))
        self.read_mail('unknown')
        self.assertEqual(self.letters(message_id), [])
        unmatched, = self.unmatched(message_id, user=self.anna_user)
        self.assertEqual(self.unmatched(message_id, user=self.boris_user), [])

        with Transaction().start(DB_NAME, self.boris_user,
                context=self.context()):
            Unmatched = Pool().get('crm.mail.unmatched')
            with self.assertRaises(AccessError):
                Unmatched.create_client([Unmatched(unmatched)])

        with Transaction().start(DB_NAME, self.anna_user,
                context=self.context()) as transaction:
            Unmatched = Pool().get('crm.mail.unmatched')
            Unmatched.create_client([Unmatched(unmatched)])
            transaction.commit()
        (subject, direction, parties), = self.letters(message_id)
        self.assertEqual((subject, direction), ("Столы", 'incoming'))
        self.assertEqual(self.unmatched(message_id), [])

        def cards(pool):
            Party = pool.get('party.party')
            return [(p.name, p.kind, p.position,
                    p.employer.name if p.employer else None,
                    sorted((m.type, m.value) for m in p.contact_mechanisms))
                for p in Party.browse(parties)]
        kinds = {card[1]: card for card in self.read(cards)}
        person, company = kinds['person'], kinds['company']
        self.assertEqual(person, ("Котова Мария Ивановна", 'person',
                "Начальник отдела закупок", "АО «Лесная мебель»",
                [('email', 'kotova@les.ru'), ('phone', '8 (812) 555-12-34')]))
        self.assertEqual(company[0], "АО «Лесная мебель»")

    def test_unknown_sender_attach(self):
        """Attach to puts the letter on a card the user chose and adds the
        sender's e-mail to it: his next letter lands by itself"""
        first, second = '<attach-1@home.ru>', '<attach-2@home.ru>'
        self.server.append('attach', letter(
                'Пётр <petr@home.ru>', ANNA, "Вопрос", message_id=first))
        self.read_mail('attach')
        unmatched, = self.unmatched(first, user=self.anna_user)
        with Transaction().start(DB_NAME, self.anna_user,
                context={**self.context(),
                    'active_model': 'crm.mail.unmatched',
                    'active_id': unmatched, 'active_ids': [unmatched]}
                ) as transaction:
            Attach = Pool().get('crm.mail.attach', type='wizard')
            session_id, _, _ = Attach.create()
            Attach.execute(session_id, {
                    'start': {'party': self.client_id, 'add_email': True},
                    }, 'attach')
            transaction.commit()
        self.assertEqual(self.letters(first),
            [("Вопрос", 'incoming', [self.client_id])])
        self.server.append('attach', letter(
                'Пётр <PETR@home.ru>', ANNA, "Ещё вопрос", message_id=second))
        self.read_mail('attach')
        self.assertEqual(self.letters(second),
            [("Ещё вопрос", 'incoming', [self.client_id])])

    def test_listen_idle(self):
        """The long-running reader lands what is there, then a letter as
        soon as it comes (IDLE: its renewal is ten minutes away), and
        stops when told"""
        first, second = '<idle-1@veter.ru>', '<idle-2@veter.ru>'
        self.server.append('idle', letter(
                CLIENT, ANNA, "Первое", message_id=first))
        Communication = Pool(DB_NAME).get('crm.communication')
        land_all = Communication.land_all.__func__
        landed = {first: threading.Event(), second: threading.Event()}
        stop = threading.Event()

        def seen(cls, mailbox, raws, parties=None):
            communications = land_all(cls, mailbox, raws, parties=parties)
            for communication in communications:
                landed[communication.message_id].set()
            return communications

        def mail_comes():
            # The reader runs in the test's thread: SQLite's test database
            # is its connection
            if landed[first].wait(30):
                self.server.append('idle', letter(
                        CLIENT, ANNA, "Второе", message_id=second))
                landed[second].wait(30)
            stop.set()
        sender = threading.Thread(target=mail_comes)
        sender.start()
        with patch.object(Communication, 'land_all', classmethod(seen)):
            listen(DB_NAME, self.mailboxes['idle'], stop, 600)
        sender.join()
        self.assertEqual(self.letters(first, second), [
                ("Первое", 'incoming', [self.client_id]),
                ("Второе", 'incoming', [self.client_id])])
        self.assertEqual(self.folder('idle', 'INBOX')[1], 2)

    def test_password_never_read_back(self):
        """The password is stored encrypted, reads back empty, and its
        encrypted form is nobody's to read but the server's"""
        login = 'land'

        def as_anna(pool):
            Mailbox = pool.get('crm.mailbox')
            mailbox = Mailbox(self.mailboxes[login])
            password = Mailbox.read([mailbox.id], ['password'])[0]['password']
            with self.assertRaises(AccessError):
                Mailbox.read([mailbox.id], ['password_encrypted'])
            with self.assertRaises(AccessError):
                Mailbox.search([('password_encrypted', '!=', None)])
            return password
        self.assertIsNone(self.read(as_anna, user=self.anna_user))

        def stored(pool):
            Mailbox = pool.get('crm.mailbox')
            mailbox = Mailbox(self.mailboxes[login])
            return mailbox.password_encrypted, mailbox.secret
        token, secret = self.read(stored)
        self.assertEqual(secret, USERS[login])
        self.assertNotIn(USERS[login], token)
        self.assertNotIn(USERS[login].encode('utf-8').hex(), token)

    def test_mailbox_of_another(self):
        "Boris neither lists, reads, changes nor reads Anna's mailbox"
        mailbox_id = self.mailboxes['land']

        def as_boris(pool):
            Mailbox = pool.get('crm.mailbox')
            Folder = pool.get('crm.mailbox.folder')
            self.assertEqual(Mailbox.search([]), [])
            self.assertEqual(
                Folder.search([('mailbox', '=', mailbox_id)]), [])
            with self.assertRaises(AccessError):
                Mailbox.read([mailbox_id], ['address'])
            with self.assertRaises(AccessError):
                Mailbox.write([Mailbox(mailbox_id)], {'imap_host': 'evil'})
            with self.assertRaises(AccessError):
                Mailbox.read_now([Mailbox(mailbox_id)])
            return True
        self.assertTrue(self.read(as_boris, user=self.boris_user))

        def as_anna(pool):
            return [m.id for m in pool.get('crm.mailbox').search([])]
        self.assertEqual(sorted(self.read(as_anna, user=self.anna_user)),
            sorted(i for l, i in self.mailboxes.items() if l != 'vera'))
        self.assertEqual(self.read(as_anna, user=self.vera_user),
            [self.mailboxes['vera']])

    def test_scheduler_goes_on(self):
        """A mailbox whose password is refused keeps the error and the
        scheduler goes on with the others"""
        with Transaction().start(DB_NAME, 0) as transaction:
            Mailbox = Pool().get('crm.mailbox')
            wrong, = Mailbox.create([{
                        'user': self.anna_user, 'company': self.company_id,
                        'employee': self.anna_id, 'address': ANNA,
                        'imap_host': self.server.host,
                        'imap_port': self.server.port,
                        'imap_security': 'none', 'login': 'again',
                        'password': 'wrong', 'folders': 'INBOX'}])
            transaction.commit()
        message_id = '<cron-1@veter.ru>'
        self.server.append('again', letter(
                CLIENT, ANNA, "По расписанию", message_id=message_id))
        with Transaction().start(DB_NAME, 0) as transaction:
            Mailbox = Pool().get('crm.mailbox')
            Mailbox.read_all()
            transaction.commit()
        self.assertEqual(self.letters(message_id),
            [("По расписанию", 'incoming', [self.client_id])])
        error = self.read(lambda pool: pool.get('crm.mailbox')(
                wrong.id).last_error)
        self.assertIn('AUTHENTICATIONFAILED', error)
        with Transaction().start(DB_NAME, 0) as transaction:
            Mailbox = Pool().get('crm.mailbox')
            Mailbox.write([Mailbox(wrong.id)], {'active': False})
            transaction.commit()

    def write(self, user, model, record_id, **values):
        "Run Write an E-mail as user from the record, sending values"
        with Transaction().start(DB_NAME, user, context={
                    **self.context(), 'active_model': model,
                    'active_id': record_id, 'active_ids': [record_id]},
                ) as transaction:
            Write = Pool().get('crm.mail.write', type='wizard')
            session_id, _, _ = Write.create()
            start = {k: v for k, v in Write.execute(session_id, {}, 'start')[
                    'view']['defaults'].items() if '.' not in k}
            Write.execute(session_id, {'start': {**start, **values}},
                'send')
            transaction.commit()
        return start

    def test_write_email_and_reply_thread(self):
        """Write an E-mail sends through the user's mailbox's SMTP with his
        application password, logs the letter on the card; the answer read
        from the mailbox follows it in its thread"""
        start = self.write(self.vera_user, 'party.party', self.client_id,
            subject="Предложение", body="Цены во вложении.")
        self.assertEqual(start['to'], CLIENT)
        sent, = self.smtp.mailbox.to(CLIENT)
        self.assertEqual(self.smtp.logins, [('vera', USERS['vera'])])
        self.assertEqual(sent['Subject'], "Предложение")
        self.assertIn(VERA, sent['From'])
        message_id = sent['Message-ID']
        self.assertEqual(self.letters(message_id),
            [("Предложение", 'outgoing', [self.client_id])])

        self.server.append('vera', letter(CLIENT, VERA, "Re: Предложение",
                message_id='<reply-1@veter.ru>', in_reply_to=message_id))
        self.read_mail('vera')

        def thread(pool):
            Communication = pool.get('crm.communication')
            reply, = Communication.search(
                [('message_id', '=', '<reply-1@veter.ru>')])
            return (reply.previous.message_id, reply.organiser.id,
                reply.letter_direction)
        self.assertEqual(self.read(thread),
            (message_id, self.vera_id, 'incoming'))

        # Reply on the answer: to its sender, in its thread
        def answer(pool):
            return pool.get('crm.communication').search(
                [('message_id', '=', '<reply-1@veter.ru>')])[0].id
        start = self.write(self.vera_user, 'crm.communication',
            self.read(answer), body="Спасибо!")
        self.assertEqual((start['to'], start['subject'],
                start['in_reply_to']),
            (CLIENT, "Re: Предложение", '<reply-1@veter.ru>'))
        second = self.smtp.mailbox.to(CLIENT)[-1]
        self.assertEqual(second['In-Reply-To'], '<reply-1@veter.ru>')

    def test_write_email_server_mail(self):
        """Without a mailbox of his own a user sends through the server's
        mail ([email] uri), the letter logged with him as organiser; a
        template fills subject and text"""
        with smtp_server('crm@example.com') as received:
            self.write(self.boris_user, 'party.party', self.client_id,
                subject="Счёт", body="Счёт во вложении.")
        sent, = received.to(CLIENT)
        self.assertEqual(sent['Subject'], "Счёт")

        def logged(pool):
            Communication = pool.get('crm.communication')
            letter, = Communication.search(
                [('message_id', '=', sent['Message-ID'])])
            return letter.letter_direction, letter.organiser.rec_name
        self.assertEqual(self.read(logged), ('outgoing', "Борис Орлов"))

        with Transaction().start(DB_NAME, 0, context=self.context()):
            pool = Pool()
            Template = pool.get('crm.mail.template')
            WriteStart = pool.get('crm.mail.write.start')
            Party = pool.get('party.party')
            template, = Template.create([{'name': "Счёт",
                        'subject': "Счёт для {{name}}",
                        'body': "{{name}}, счёт во вложении."}])
            start = WriteStart(party=Party(self.client_id),
                template=template, subject=None, body=None)
            start.on_change_template()
            self.assertEqual((start.subject, start.body), (
                    "Счёт для ООО «Северный ветер»",
                    "ООО «Северный ветер», счёт во вложении."))
