# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Letters on the cards: what a mailbox (mailbox.py) reads lands here.

A letter from or to a known address (an e-mail of a counterparty or of a
contact person, in any case) is a held communication of category Letter
on that card (and on a contact person's company's), with its direction,
sender and recipients, subject, text, sanitised HTML (mail_message.py)
and attachments (ir.attachment on the communication); its Message-ID and
In-Reply-To are kept, and an answer follows (`previous`) the letter it
answers.  An incoming one raises the automation's *e-mail received*
(event.py).  A letter from an unknown address is kept as an unmatched
letter (crm.mail.unmatched), listed to the mailbox's user, with *Create a
Client* (the sender and his signature read by mail_signature.py) and
*Attach to* a counterparty."""
import datetime as dt
from email.utils import formataddr

from sql.functions import Lower

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import SQLConstraintError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from . import schedule
from .importing.importer import savepoint
from .mail_message import normalise, parse
from .mail_signature import read_sender
from .unmatched import UnmatchedMixin

INCOMING, OUTGOING = 'incoming', 'outgoing'


def _now():
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def parties_by_address(addresses):
    """The counterparties with an e-mail of each of addresses (in any
    case), by the address normalised: one query for many letters"""
    pool = Pool()
    Mechanism = pool.get('party.contact_mechanism')
    Party = pool.get('party.party')
    addresses = sorted({normalise(a) for a in addresses if a})
    if not addresses:
        return {}
    table = Mechanism.__table__()
    cursor = Transaction().connection.cursor()
    value = Lower(table.value_compact)
    # Lower(value_compact) is indexed (contact_mechanism.py)
    cursor.execute(*table.select(value, table.party,
            where=value.in_(addresses)
            & (table.type == 'email') & (table.active == True)))  # noqa: E712
    ids = {}
    for address, party in cursor:
        ids.setdefault(address, set()).add(party)
    with without_check_access():
        # Searched at once: their employers are read at once too
        parties = {p.id: p for p in Party.search([
                    ('id', 'in', list(set().union(*ids.values()))),
                    ])}
    return {a: [parties[i] for i in found if i in parties]
        for a, found in ids.items()}


def parties_of_addresses(addresses, by_address):
    """The counterparties with an e-mail of addresses (in any case), with
    the companies of the persons; by_address is parties_by_address of
    them (or of more)"""
    parties = sorted({p for a in addresses if a
            for p in by_address.get(normalise(a), [])}, key=lambda p: p.id)
    with without_check_access():
        return list(dict.fromkeys(q for p in parties
                for q in [p, p.employer] if q))


class Communication(metaclass=PoolMeta):
    __name__ = 'crm.communication'

    letter_direction = fields.Selection([
            (None, ""),
            (INCOMING, "Incoming"),
            (OUTGOING, "Outgoing"),
            ], "Letter Direction", readonly=True)
    message_id = fields.Char("Message-ID", readonly=True)
    in_reply_to = fields.Char("In-Reply-To", readonly=True)
    letter_from = fields.Char("From", readonly=True)
    letter_to = fields.Char("To", readonly=True)
    letter_text = fields.Text("Text", readonly=True)
    letter_html = fields.Text("HTML", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.message_id, Index.Equality()),
                where=t.message_id != None))  # noqa: E711
        # A letter is one communication of its company, however many cards
        # it is on: the same one landed by two transactions at once is
        # refused to the second (letters without a Message-ID are NULL,
        # never equal)
        cls._sql_constraints += [
            ('letter_unique', Unique(t, t.company, t.message_id),
                'crm_counterparty.msg_letter_unique'),
            ]

    @classmethod
    def copy(cls, communications, default=None):
        default = default.copy() if default is not None else {}
        # A copy (the next one planned on completing) is not the letter
        default.setdefault('message_id', None)
        return super().copy(communications, default=default)

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//page[@id="letter"]', 'states', {
                    'invisible': ~Eval('letter_direction'),
                    }),
            ]

    @classmethod
    def known_letters(cls, company, message_ids):
        "Those of message_ids landed already in company, on a card or not"
        Unmatched = Pool().get('crm.mail.unmatched')
        message_ids = sorted({i for i in message_ids if i})
        if not message_ids:
            return set()
        with without_check_access():
            return {r['message_id'] for r in cls.search_read([
                        ('company', '=', int(company)),
                        ('message_id', 'in', message_ids),
                        ], fields_names=['message_id'])} | {
                r['message_id'] for r in Unmatched.search_read([
                        ('mailbox.company', '=', int(company)),
                        ('message_id', 'in', message_ids),
                        ], fields_names=['message_id'])}

    @classmethod
    def land(cls, mailbox, raw, parties=None):
        """Land the letter raw (bytes) read from mailbox: on the cards of
        parties, else of its addresses, else kept as unmatched"""
        communications = cls.land_all(mailbox, [raw], parties=parties)
        return communications[0] if communications else None

    @classmethod
    def land_all(cls, mailbox, raws, parties=None):
        """Land the letters raws as land does, their communications created
        at once; the same letter twice lands once, also when another
        transaction lands it at the same time"""
        try:
            with savepoint():
                return cls._land_all(mailbox, raws, parties)
        except SQLConstraintError:
            if len(raws) > 1:
                return [c for raw in raws
                    for c in cls.land_all(mailbox, [raw], parties)]
            # Landed by a transaction that committed after this one began:
            # only a new transaction sees it
            message_id = parse(raws[0]).message_id
            with Transaction().new_transaction():
                if cls.known_letters(mailbox.company, [message_id]):
                    return []
            raise

    @classmethod
    def _land_all(cls, mailbox, raws, parties):
        letters = [parse(raw) for raw in raws]
        seen, by_address = set(), {}
        # The Message-IDs and the addresses of the batch, each looked up once
        if parties is None:
            seen = cls.known_letters(
                mailbox.company, [letter.message_id for letter in letters])
            by_address = parties_by_address([a for letter in letters
                    for a in [letter.sender_address] + letter.recipients])
        to_log = []
        for letter, raw in zip(letters, raws):
            if letter.message_id in seen:
                continue
            if letter.message_id:
                seen.add(letter.message_id)
            sorted_ = cls._sort_letter(
                mailbox, letter, raw, parties, by_address)
            if sorted_:
                to_log.append(sorted_)
        return cls.log_letters(mailbox, to_log) if to_log else []

    @classmethod
    def _sort_letter(cls, mailbox, letter, raw, parties, by_address):
        """The (letter, parties, direction) of the letter (parsed from raw)
        to log, or None when it is kept as unmatched; by_address has the
        counterparties of its addresses"""
        Unmatched = Pool().get('crm.mail.unmatched')
        outgoing = letter.sender_address == normalise(mailbox.address)
        if parties is None:
            parties = parties_of_addresses(
                letter.recipients if outgoing else [letter.sender_address],
                by_address)
        if not parties:
            if not outgoing:
                Unmatched.keep(mailbox, letter, raw)
            return None
        return letter, parties, OUTGOING if outgoing else INCOMING

    @classmethod
    def log_letter(cls, mailbox, letter, parties, direction):
        """The communication of letter (a mail_message.Letter) on parties;
        mailbox (or a user) gives its company and organiser"""
        communication, = cls.log_letters(
            mailbox, [(letter, parties, direction)])
        return communication

    @classmethod
    def log_letters(cls, mailbox, letters):
        """The communications of letters, (letter, parties, direction) each,
        created in one call"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Event = pool.get('crm.counterparty.event')
        communications = cls.create([cls._letter_values(mailbox, *values)
                for values in letters])
        cls._thread_in_batch([l for l, _, _ in letters], communications)
        attachments = [{
                'name': name, 'data': data, 'resource': str(communication),
                } for (letter, _, _), communication in zip(
                letters, communications)
            for name, data in letter.attachments]
        if attachments:
            Attachment.create(attachments)
        # The events are the administrators' (event.py)
        with without_check_access():
            Event.raise_each('email_received', [
                    (parties[0], communication, {
                            'address': letter.sender_address,
                            'employee': mailbox.employee.id})
                    for (letter, parties, direction), communication in zip(
                        letters, communications)
                    if direction == INCOMING])
        return communications

    @classmethod
    def _letter_values(cls, mailbox, letter, parties, direction):
        ModelData = Pool().get('ir.model.data')
        start = schedule.to_minute(letter.date or _now())
        return {
            'company': mailbox.company.id,
            'subject': letter.subject or gettext(
                'crm_counterparty.msg_letter_no_subject'),
            'category': ModelData.get_id(
                'crm_counterparty', 'communication_category_letter'),
            'start': start,
            'end': start,
            'held': start,
            'state': 'done',
            'organiser': mailbox.employee.id,
            'employees': [('add', [mailbox.employee.id])],
            'parties': [('add', [int(p) for p in parties])],
            'previous': cls._thread_of(letter),
            'letter_direction': direction,
            'message_id': letter.message_id or None,
            'in_reply_to': letter.in_reply_to or None,
            'letter_from': formataddr(letter.sender),
            'letter_to': ', '.join(letter.recipients),
            'letter_text': letter.text,
            'letter_html': letter.html or None,
            }

    @classmethod
    def _thread_in_batch(cls, letters, communications):
        """An answer follows the letter it answers when both were created
        at once (_thread_of found none before)"""
        landed = {l.message_id: c for l, c in zip(letters, communications)
            if l.message_id}
        to_write = []
        for letter, communication in zip(letters, communications):
            ids = [i for i in [letter.in_reply_to] + letter.references[::-1]
                if i in landed and landed[i] != communication]
            if not communication.previous and ids:
                to_write.extend(
                    ([communication], {'previous': landed[ids[0]].id}))
        if to_write:
            cls.write(*to_write)

    @classmethod
    def _thread_of(cls, letter):
        "The letter it answers, by In-Reply-To, else by its References"
        ids = [i for i in [letter.in_reply_to] + letter.references[::-1]
            if i]
        if not ids:
            return None
        with without_check_access():
            for message_id in ids:
                previous = cls.search(
                    [('message_id', '=', message_id)], limit=1)
                if previous:
                    return previous[0].id
        return None


class Unmatched(UnmatchedMixin, ModelSQL, ModelView):
    "A letter from an address no card has"
    __name__ = 'crm.mail.unmatched'
    __string__ = "Unmatched Letter"
    _rec_name = 'subject'

    mailbox = fields.Many2One(
        'crm.mailbox', "Mailbox", required=True, readonly=True,
        ondelete='CASCADE')
    message_id = fields.Char("Message-ID", readonly=True)
    sender_name = fields.Char("Sender", readonly=True)
    sender_email = fields.Char("Sender's E-mail", readonly=True)
    subject = fields.Char("Subject", readonly=True)
    date = fields.DateTime("Date", readonly=True)
    text = fields.Text("Text", readonly=True)
    raw = fields.Binary("Message", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.message_id, Index.Equality()),
                where=t.message_id != None))  # noqa: E711
        # Kept once for its mailbox's user, even pushed twice at once
        cls._sql_constraints += [
            ('letter_unique', Unique(t, t.mailbox, t.message_id),
                'crm_counterparty.msg_unmatched_letter_unique'),
            ]
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'create_client': {},
                'attach': {},
                })

    @classmethod
    def keep(cls, mailbox, letter, raw):
        cls.create([{
                    'mailbox': mailbox.id,
                    'message_id': letter.message_id or None,
                    'sender_name': letter.sender[0],
                    'sender_email': letter.sender_address,
                    'subject': letter.subject,
                    'date': letter.date or _now(),
                    'text': letter.text,
                    'raw': raw,
                    }])

    def unmatched_sender(self):
        "The sender as the signature tells him (mail_signature.Sender)"
        return read_sender(self.sender_name, self.sender_email, self.text)

    def unmatched_contact(self):
        return 'email', self.sender_email

    @classmethod
    @ModelView.button_action('crm_counterparty.wizard_mail_attach')
    def attach(cls, letters):
        pass

    def land_on(self, parties):
        "Land the letter on parties and forget it here"
        Communication = Pool().get('crm.communication')
        parties = list(dict.fromkeys(q for p in parties
                for q in [p, p.employer] if q))
        with Transaction().set_context(company=self.mailbox.company.id):
            communication = Communication.land(
                self.mailbox, self.raw, parties=parties)
        self.__class__.delete([self])
        return communication
