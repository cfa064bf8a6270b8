# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The mailboxes against a real Dovecot (tests/imap_server.py): letters
landing on the cards, read again without duplicates, resumed after an
interruption, a folder's UIDVALIDITY changed, unknown senders kept and
turned into cards, the password and the mailboxes closed to other users.
Each read runs, as the scheduler's, in transactions that commit."""
import uuid
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate
from unittest.mock import patch

from cryptography.fernet import Fernet

import trytond.config as config
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, create_employee
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, _DBTestCase
from trytond.transaction import Transaction

from trytond.modules.crm_counterparty.tests.imap_server import imap_server
from trytond.modules.crm_counterparty.tests.tools import create_user

ANNA = 'anna@crm.example.com'
CLIENT = 'info@veter.ru'
DIRECTOR = 'Ivanov@Veter.ru'
USERS = {login: 'app-pass-%s' % login for login in [
        'land', 'again', 'resume', 'validity', 'unknown', 'attach']}
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
        "A second read lands only what came since"
        ids = ['<again-%s@veter.ru>' % i for i in range(3)]
        for message_id in ids[:2]:
            self.server.append('again', letter(
                    CLIENT, ANNA, message_id, message_id=message_id))
        self.read_mail('again')
        self.read_mail('again')
        self.assertEqual(len(self.letters(*ids)), 2)
        self.server.append('again', letter(
                CLIENT, ANNA, ids[2], message_id=ids[2]))
        self.read_mail('again')
        self.assertEqual(
            [s for s, _, _ in self.letters(*ids)], ids)

    def test_resume_after_interruption(self):
        """A read broken off after two letters keeps them; the next one
        lands the rest, none twice"""
        ids = ['<resume-%s@veter.ru>' % i for i in range(5)]
        for message_id in ids:
            self.server.append('resume', letter(
                    CLIENT, ANNA, message_id, message_id=message_id))
        Communication = Pool(DB_NAME).get('crm.communication')
        land = Communication.land.__func__
        calls = []

        def broken(cls, mailbox, raw, parties=None):
            calls.append(raw)
            if len(calls) == 3:
                raise ConnectionResetError("the connection dropped")
            return land(cls, mailbox, raw, parties=parties)
        with patch.object(Communication, 'land', classmethod(broken)):
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
            sorted(self.mailboxes.values()))

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
