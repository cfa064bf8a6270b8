# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Mailings to counterparties by e-mail, SMS, Telegram and XMPP (Jabber).

A mailing names its recipients (counterparties and contact persons picked
by hand, a group, a saved filter of the client list); they are resolved
when it is sent, as its author sees them (the rules of access.py), so a
user mails only whom he may see.  Sending runs in Tryton's queue
(``deliver``) a chunk at a time, each chunk committed:

1. ``_plan`` writes a result row per recipient, channel and address, the
   unique key (mailing, channel, address): a run again adds none twice;
2. ``_send`` claims rows before it sends them (``Result.claim``, an
   update from *queued* to *sending* committed first) and writes what the
   server said after: a row is sent by the run that claimed it only;
   ``help_deliver`` sends beside it, in another process of the queue
   (``[crm_counterparty] mailing_processes``, 2 by default), claiming
   other rows the same way;
3. a run finds the rows a dead run left *sending* and marks them
   *interrupted*, never sends them again: when it starts if no helper
   runs, else once the helpers ended (a lock a run, running.py).

Each channel sends at most ``[crm_counterparty] mailing_rate_<channel>``
messages a second (``mailing_rules.Pace``), all processes together.  An
e-mail's links and an image go through the module's pages (routes.py),
which count its opening and clicks on its result; what comes back to its
return address is mailing_reply.py's.  The results are on the recipients'
cards (*Mailings Sent*), seen by whoever sees the counterparty.

The channels are adapters of the ``channels`` package; the texts' rules
are ``channels.placeholders`` and ``channels.sms``, the tracking's and the
pace's ``mailing_rules``."""
import base64
import datetime
import hashlib
import secrets
import time
from collections import defaultdict

from sql import Column, Conflict, Literal, Null, NullsFirst
from sql.aggregate import Max
from sql.conditionals import Case, Coalesce
from sql.functions import CurrentTimestamp

import trytond.config as config
from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If, PYSONDecoder
from trytond.report import html_to_text
from trytond.tools import escape_wildcard
from trytond.transaction import (
    Transaction, check_access, without_check_access)
from trytond.url import http_base

from . import mailing_rules, running
from .exceptions import MailingError
from .channels import (
    ChannelError, Message, channel, placeholders, sms, telegram)
from .channels.telegram import MAX_LENGTH as TELEGRAM_MAX_LENGTH
from .sharing import check_chosen

CHUNK = 100
# The recipients found by a query, then handled a chunk at a time
PAGE = 10000
# How long a gateway is asked about the delivery of an SMS
SMS_DELIVERY_ASKED = datetime.timedelta(days=3)
# The states of a message that went out (or may have): the card shows them
SENT_STATES = ['sent', 'delivered', 'failed', 'interrupted']
# Seconds between two looks at whether the helpers of a run have ended
WAIT = 0.5
# What stands for a message's token in a mailing's template: a token is of
# the characters of secrets.token_urlsafe, never of "!"
TOKEN = '!token!'
# The channels, with the contact mechanisms they send to, by preference
CHANNELS = {
    'email': ['email'],
    'sms': ['mobile', 'phone'],
    'telegram': ['telegram'],
    'xmpp': ['jabber'],
    }
_DRAFT = {'readonly': Eval('state') != 'draft'}


class Mailing(Workflow, ModelSQL, ModelView):
    "A message sent to counterparties by e-mail, SMS, Telegram and XMPP"
    __name__ = 'crm.counterparty.mailing'
    __string__ = "Mailing"

    name = fields.Char("Name", required=True, states=_DRAFT)
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_DRAFT)
    user = fields.Many2One(
        'res.user', "Author", readonly=True, required=True,
        help="The user as whom the recipients are chosen: "
        "only the counterparties he sees are mailed.")
    sender = fields.Many2One(
        'company.employee', "Sender", required=True, states=_DRAFT,
        domain=[('company', '=', Eval('company', -1))],
        help="The employee in whose name the mailing is sent.")
    parties = fields.Many2Many(
        'crm.counterparty.mailing-party.party', 'mailing', 'party',
        "Counterparties", states=_DRAFT,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="Counterparties and contact persons picked by hand.")
    group = fields.Many2One(
        'crm.counterparty.group', "Group", states=_DRAFT,
        domain=[('visible', '=', True)],
        help="Every counterparty of the group when it is sent.")
    filter = fields.Many2One(
        'ir.ui.view_search', "Filter", states=_DRAFT,
        domain=[('model', '=', 'party.party')],
        help="Every counterparty the saved filter finds when it is sent.")
    recipient_count = fields.Function(
        fields.Integer("Recipients",
            help="The counterparties it goes to if sent now."),
        'get_recipient_count')
    send_at = fields.DateTime(
        "Send At", states=_DRAFT,
        help="When to send it; empty to send it at once.")
    subject = fields.Char(
        "Subject", states={
            'readonly': _DRAFT['readonly'],
            'required': Bool(Eval('email_html')),
            },
        help="The subject of the e-mail; {{name}} and {{company}} "
        "are the recipient's.")
    email_html = fields.Text(
        "E-mail", states=_DRAFT,
        help="The e-mail's text, with formatting; no text, no e-mail. "
        "{{name}} and {{company}} are the recipient's.")
    sms_text = fields.Text(
        "SMS", states=_DRAFT, help="No text, no SMS.")
    sms_parts = fields.Function(
        fields.Integer("SMS Parts",
            help="How many SMS each recipient gets."),
        'on_change_with_sms_parts')
    telegram_text = fields.Text(
        "Telegram", states=_DRAFT, help="No text, no Telegram message.")
    telegram_length = fields.Function(
        fields.Integer("Telegram Length",
            help="Of %s characters at most." % TELEGRAM_MAX_LENGTH),
        'on_change_with_telegram_length')
    xmpp_text = fields.Text(
        "XMPP", states=_DRAFT,
        help="The message to the recipients' Jabber (XMPP) addresses; "
        "no text, no XMPP message.")
    parent = fields.Many2One(
        'crm.counterparty.mailing', "Resent From", readonly=True,
        ondelete='SET NULL')
    resends = fields.One2Many(
        'crm.counterparty.mailing', 'parent', "Resends", readonly=True)
    results = fields.One2Many(
        'crm.counterparty.mailing.result', 'mailing', "Results",
        readonly=True)
    sent = fields.Function(fields.Integer("Sent"), 'get_totals')
    delivered = fields.Function(fields.Integer("Delivered",
            help="As the channels report it: SMS only."), 'get_totals')
    failed = fields.Function(fields.Integer("Failed"), 'get_totals')
    opened = fields.Function(fields.Integer("Opened",
            help="The e-mails opened (their images shown) or clicked."),
        'get_totals')
    clicked = fields.Function(fields.Integer("Clicked",
            help="The e-mails with a link clicked."), 'get_totals')
    state = fields.Selection([
            ('draft', "Draft"),
            ('scheduled', "Scheduled"),
            ('sending', "Sending"),
            ('done', "Done"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.state, Index.Equality())))
        cls._order = [('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'scheduled'), ('draft', 'sending'),
            ('scheduled', 'sending'), ('sending', 'done'),
            ('draft', 'cancelled'), ('scheduled', 'cancelled'),
            ('sending', 'cancelled'), ('scheduled', 'draft'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'send': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'send_test': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'scheduled', 'sending']),
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': ~Eval('state').in_(
                        ['scheduled', 'cancelled']),
                    'icon': If(Eval('state') == 'cancelled',
                        'tryton-undo', 'tryton-back'),
                    'depends': ['state'],
                    },
                'resend': {
                    'invisible': Eval('state') != 'done',
                    'readonly': ~Eval('failed', 0),
                    'depends': ['state', 'failed'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_user():
        return Transaction().user or None

    @staticmethod
    def default_sender():
        return Transaction().context.get('employee')

    @staticmethod
    def default_state():
        return 'draft'

    @classmethod
    def copy(cls, mailings, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', 'draft')
        default.setdefault('results')
        default.setdefault('resends')
        default.setdefault('parent')
        return super().copy(mailings, default=default)

    @fields.depends('sms_text')
    def on_change_with_sms_parts(self, name=None):
        return sms.parts(self.sms_text or '')

    @fields.depends('telegram_text')
    def on_change_with_telegram_length(self, name=None):
        return len(self.telegram_text or '')

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        # The author is who makes it, never a value given
        if mode == 'create':
            values['user'] = Transaction().user or values.get('user')
        else:
            values.pop('user', None)
        return values

    @classmethod
    def validate_fields(cls, mailings, field_names):
        super().validate_fields(mailings, field_names)
        for mailing in mailings:
            for field in ['subject', 'email_html', 'sms_text',
                    'telegram_text', 'xmpp_text']:
                if names := placeholders.unknown(getattr(mailing, field)):
                    raise MailingError(gettext(
                            'crm_counterparty.msg_mailing_placeholder',
                            mailing=mailing.rec_name,
                            placeholder='{{%s}}' % names[0],
                            known=', '.join(
                                '{{%s}}' % n for n in placeholders.NAMES)))
            if (mailing.telegram_text
                    and len(mailing.telegram_text) > TELEGRAM_MAX_LENGTH):
                raise MailingError(gettext(
                        'crm_counterparty.msg_mailing_telegram_length',
                        mailing=mailing.rec_name,
                        length=len(mailing.telegram_text),
                        max=TELEGRAM_MAX_LENGTH))

    @property
    def channels(self):
        "The channels with a text: a channel without one is not used"
        return [c for c, text in [
                ('email', self.email_html), ('sms', self.sms_text),
                ('telegram', self.telegram_text), ('xmpp', self.xmpp_text),
                ] if text and text.strip()]

    @classmethod
    def get_totals(cls, mailings, names):
        pool = Pool()
        Result = pool.get('crm.counterparty.mailing.result')
        result = {n: {m.id: 0 for m in mailings} for n in names}
        domains = {
            'sent': [('state', 'in', ['sent', 'delivered'])],
            'delivered': [('state', '=', 'delivered')],
            'failed': [('state', '=', 'failed')],
            'opened': [('opened_at', '!=', None)],
            'clicked': [('clicked_at', '!=', None)],
            }
        with without_check_access():
            for name in names:
                for mailing in mailings:
                    result[name][mailing.id] = Result.search_count([
                            ('mailing', '=', mailing.id),
                            domains[name],
                            ])
        return result

    def get_recipient_count(self, name):
        return sum(len(c) for c in self.recipients())

    def _recipient_domain(self):
        domain = ['OR', [('id', 'in', [p.id for p in self.parties])]]
        if self.group:
            domain.append([('counterparty_groups', '=', self.group.id)])
        if self.filter:
            search = PYSONDecoder({}).decode(self.filter.domain)
            domain.append(search)
        return domain

    def recipients(self):
        """The counterparties it goes to, as its author sees them, a chunk
        at a time: never all of them at once"""
        Party = Pool().get('party.party')
        cursor = Transaction().connection.cursor()
        for query in self.recipient_pages():
            cursor.execute(*query)
            # Browsing many at once costs their square
            page = sorted(i for i, in cursor)
            for start in range(0, len(page), CHUNK):
                yield Party.browse(page[start:start + CHUNK])

    def recipient_pages(self):
        """The queries of the ids of the counterparties it goes to, as its
        author sees them, PAGE at a time in the order of their ids"""
        last = 0
        while page := self._recipient_page(last):
            query, last = page
            yield query

    def _recipient_page(self, last):
        """The query of the ids of the next PAGE recipients after id last,
        with the last of them; None when there are no more"""
        pool = Pool()
        Party = pool.get('party.party')
        User = pool.get('res.user')
        transaction = Transaction()
        domain = self._recipient_domain()
        with transaction.set_user(self.user.id), \
                transaction.set_context(
                    User.get_preferences(context_only=True)), \
                check_access():
            for chosen in filter(None, [self.group, self.filter]):
                check_chosen([chosen])
            # The whole group or filter is read by each page's query (a
            # hashed subquery): pages of PAGE keep the count of them small
            page = Party.search([('id', '>', last), domain],
                order=[('id', 'ASC')], limit=PAGE, query=True)
            cursor = transaction.connection.cursor()
            cursor.execute(*page.select(Max(page.id)))
            bound, = cursor.fetchone()
            if bound is None:
                return None
            return Party.search(
                [('id', '>', last), ('id', '<=', bound), domain],
                order=[], query=True), bound

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, mailings):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, mailings):
        "Cancel; a mailing being sent stops after the chunk in hand"
        pass

    @classmethod
    @ModelView.button
    def send(cls, mailings):
        "Send now, or at its time"
        now = datetime.datetime.now()
        for mailing in mailings:
            mailing.check_sendable()
        cls.schedule([m for m in mailings if m.send_at and m.send_at > now])
        cls.start([m for m in mailings if not m.send_at or m.send_at <= now])

    def check_sendable(self):
        if not self.channels:
            raise MailingError(gettext(
                    'crm_counterparty.msg_mailing_no_text',
                    mailing=self.rec_name))

    @classmethod
    @Workflow.transition('scheduled')
    def schedule(cls, mailings):
        pass

    @classmethod
    @Workflow.transition('sending')
    def start(cls, mailings):
        if mailings:
            cls.__queue__.deliver(mailings)

    @classmethod
    def send_scheduled(cls):
        """Start the scheduled mailings whose time has come, and queue again
        those being sent that no process sends: their worker died (a
        cron's)"""
        sending = cls.search([('state', '=', 'sending')])
        alive = running.held([m.id for m in sending], cls.__name__)
        # A run still queued is not held either: the second finds it done
        if orphans := [m for m in sending if m.id not in alive]:
            cls.__queue__.deliver(orphans)
        cls.start(cls.search([
                    ('state', '=', 'scheduled'),
                    ('send_at', '<=', datetime.datetime.now()),
                    ]))

    @classmethod
    def deliver(cls, mailings):
        """Send the mailings, committing a chunk at a time; run again, it
        goes on where a run stopped, and sends nobody twice"""
        transaction = Transaction()
        for mailing in mailings:
            with running.hold(mailing.id, cls.__name__) as held:
                # Another process sends it already
                if not held:
                    continue
                for _ in cls(mailing.id)._deliver():
                    transaction.commit()

    @classmethod
    def help_deliver(cls, mailings, lock):
        """Send the queued rows of the mailings beside the run of deliver,
        holding lock (one of _helpers) while it does"""
        transaction = Transaction()
        for mailing in mailings:
            with running.hold(mailing.id, lock) as held:
                if not held:
                    continue
                mailing = cls(mailing.id)
                for name in mailing.channels:
                    for _ in mailing._send(name, last=True):
                        transaction.commit()

    @classmethod
    def _helpers(cls):
        """The locks of the runs of help_deliver that send a mailing beside
        deliver's: so many processes send it at once"""
        count = config.getint(
            'crm_counterparty', 'mailing_processes', default=2)
        return [f'{cls.__name__}.helper{n}' for n in range(1, count)]

    def _helped(self):
        "Whether a run of help_deliver sends the mailing"
        return any(running.held([self.id], lock)
            for lock in self._helpers())

    def _deliver(self):
        pool = Pool()
        Result = pool.get('crm.counterparty.mailing.result')
        if self.state != 'sending':
            return
        # A helper of a dead run still sends its rows: they are marked at
        # the end
        if not self._helped():
            Result.interrupt(self)
        yield
        for _ in self._plan():
            yield
        for lock in self._helpers():
            self.__class__.__queue__.help_deliver([self], lock)
        for name in self.channels:
            for _ in self._send(name):
                yield
        while self._helped():
            time.sleep(WAIT)
        # A snapshot that sees what the helpers wrote
        yield
        Result.interrupt(self)
        if self.__class__(self.id).state == 'sending':
            self.__class__.done([self])
            yield

    @classmethod
    @Workflow.transition('done')
    def done(cls, mailings):
        pass

    def _plan(self):
        """Add a result row for each address of the recipients, once: a
        query a page of them and channel"""
        pool = Pool()
        Result = pool.get('crm.counterparty.mailing.result')
        for parties in self.recipient_pages():
            for name in self.channels:
                Result.add(self, name, parties)
            yield

    def _send(self, name, last=False):
        """Send the rows of channel name still queued, a chunk at a time, the
        last ones first if last (a helper's: the runs meet at the end)"""
        pool = Pool()
        Result = pool.get('crm.counterparty.mailing.result')
        try:
            connection = channel(name)
        except ChannelError as e:
            Result.fail_queued(self, name, str(e))
            yield
            return
        # Every process sending the channel takes its turns
        pace = mailing_rules.Pace(_rate(name), lock=lambda: running.exclusive(
                name, 'crm.counterparty.mailing.rate'))
        with connection, without_check_access():
            attachments = self.attachment_files() if name == 'email' else []
            template = self.template(name)
            # A claim is the first query of its transaction (claim says why)
            yield
            while (claimed := Result.claim(self, name, CHUNK, last)) != {}:
                # The claim is committed before anything is sent
                yield
                if claimed is None:
                    continue
                values = Result.values_of(list(claimed))
                for result, token in claimed.items():
                    with pace.turn():
                        result.send(connection, self.message(
                                result, token, attachments, template,
                                values[result]))
                Result.keep(list(claimed))
                Result.refused(self, name, connection.refused())
                yield
            Result.refused(self, name, connection.refused(wait=True))
            yield

    def attachment_files(self):
        "The (name, data) of the files attached to the mailing"
        Attachment = Pool().get('ir.attachment')
        return [(a.name, a.data) for a in Attachment.search([
                    ('resource', '=', str(self)), ('type', '=', 'data'),
                    ])]

    def template(self, name):
        """The text of channel name with the tracking of its e-mail in place,
        TOKEN standing for each message's token: made once for the mailing,
        filled for each message by message()"""
        if name != 'email':
            return getattr(self, f'{name}_text'), None
        html = mailing_rules.track_links(
            self.email_html, lambda n: click_url(TOKEN, n))
        # The plain part without the image
        text = html_to_text(html)
        return html + mailing_rules.pixel(open_url(TOKEN)), text

    def message(self, result, token, attachments=(), template=None,
            values=None):
        """The Message of result, written for its counterparty from the
        template of its channel; without a token, nothing is tracked"""
        if values is None:
            values = result.values()
        if result.channel != 'email':
            text = template[0] if template else getattr(
                self, f'{result.channel}_text')
            return Message(
                address=result.address,
                text=placeholders.render(text, values),
                report_url=token and report_url(token))
        if token:
            html, text = template or self.template('email')
            html = placeholders.render(
                html.replace(TOKEN, token), values, markup=True)
            text = placeholders.render(text.replace(TOKEN, token), values)
        else:
            html = placeholders.render(self.email_html, values, markup=True)
            text = None
        return Message(
            address=result.address, text=text,
            subject=placeholders.render(self.subject, values),
            html=html,
            attachments=list(attachments),
            unsubscribe_url=token and unsubscribe_url(token),
            from_=self.sender.party.rec_name if self.sender else None)

    @classmethod
    @ModelView.button
    def send_test(cls, mailings):
        "Send each channel's message to oneself, at once"
        pool = Pool()
        Result = pool.get('crm.counterparty.mailing.result')
        User = pool.get('res.user')
        user = User(Transaction().user)
        for mailing in mailings:
            mailing.check_sendable()
            for name in mailing.channels:
                address = Result.own_address(user, name)
                if not address:
                    raise MailingError(gettext(
                            'crm_counterparty.msg_mailing_test_no_address',
                            channel=name))
                result = Result(mailing=mailing, channel=name,
                    address=address,
                    party=user.employee.party if user.employee else None)
                try:
                    with channel(name) as connection:
                        connection.send(mailing.message(
                                result, None, mailing.attachment_files()))
                except ChannelError as e:
                    raise MailingError(gettext(
                            'crm_counterparty.msg_mailing_test_failed',
                            channel=name, error=str(e))) from e

    @classmethod
    def read_replies(cls):
        """Keep the messages written back to the company's XMPP account and
        Telegram bot on the counterparty they answer and tell the sender
        (a cron's)"""
        Result = Pool().get('crm.counterparty.mailing.result')
        try:
            with channel('xmpp') as connection:
                replies = connection.receive()
        except ChannelError:
            # Not configured, or its server away: the next run reads them
            replies = []
        for address, text in replies:
            Result.reply('xmpp', address, text)
        cls._read_telegram()
        Result.ask_sms_delivery()

    @classmethod
    def _read_telegram(cls):
        """Learn the chats of those who started the bot and keep what they
        write; the next update is stored with them, so that each is read
        once even if the run stops"""
        pool = Pool()
        Configuration = pool.get('party.configuration')
        ContactMechanism = pool.get('party.contact_mechanism')
        Result = pool.get('crm.counterparty.mailing.result')
        configuration = Configuration(1)
        try:
            with channel('telegram') as bot:
                updates = bot.receive(configuration.telegram_update or 0)
        except ChannelError:
            return
        for update in updates:
            if not update.chat:
                continue
            ContactMechanism.learn_telegram_chat(update.username, update.chat)
            if update.text and not update.text.startswith('/start'):
                Result.reply('telegram', update.chat, update.text)
        if updates:
            with without_check_access():
                Configuration.write([configuration], {
                        'telegram_update': updates[-1].update_id + 1})

    @classmethod
    @ModelView.button_action('crm_counterparty.act_mailing_form')
    def resend(cls, mailings):
        "A new mailing to those the mailing failed to reach"
        pool = Pool()
        Result = pool.get('crm.counterparty.mailing.result')
        resends = []
        for mailing in mailings:
            failed = Result.search([
                    ('mailing', '=', mailing.id),
                    ('state', '=', 'failed'),
                    ('party', '!=', None),
                    ])
            resend, = cls.copy([mailing], default={
                    'parent': mailing.id,
                    'group': None, 'filter': None, 'send_at': None,
                    'parties': sorted({r.party.id for r in failed}),
                    })
            resends.append(resend)
        return {'res_id': [r.id for r in resends]}


def _rate(name):
    "The most messages a second channel name sends, 0 for no limit"
    return config.getfloat(
        'crm_counterparty', 'mailing_rate_' + name, default=0)


def _base():
    "Where recipients and gateways reach the module's pages"
    # Tryton's base ends with a slash: a double one is matched by no route
    return config.get(
        'crm_counterparty', 'mailing_base', default=http_base()).rstrip('/')


def _database():
    name = Transaction().database.name
    return base64.urlsafe_b64encode(name.encode()).decode()


def unsubscribe_url(token):
    "The page that unsubscribes the address of a message (routes.py)"
    return f'{_base()}/{_database()}/crm_counterparty/unsubscribe/{token}'


def report_url(token):
    "Where the SMS gateway reports the delivery of a message (routes.py)"
    return (f'{_base()}/{_database()}/crm_counterparty/delivery'
        f'?token={token}')


def open_url(token):
    "The image whose loading tells the e-mail was opened (routes.py)"
    return (f'{_base()}/{_database()}/crm_counterparty/open/{token}.gif')


def click_url(token, number):
    "The page that counts a click on link number, then goes there"
    return (f'{_base()}/{_database()}/crm_counterparty/click/{token}'
        f'/{number}')


def token_hash(token):
    "What is stored of a message's token: the link is its only copy"
    return hashlib.sha256(token.encode()).hexdigest()


class MailingParty(ModelSQL):
    "Mailing - Counterparty"
    __name__ = 'crm.counterparty.mailing-party.party'
    __string__ = "Counterparty of a Mailing"

    mailing = fields.Many2One(
        'crm.counterparty.mailing', "Mailing", required=True,
        ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Counterparty", required=True, ondelete='CASCADE')


class Result(ModelSQL, ModelView):
    "What became of a mailing's message to one address"
    __name__ = 'crm.counterparty.mailing.result'
    __string__ = "Mailing Result"

    mailing = fields.Many2One(
        'crm.counterparty.mailing', "Mailing", required=True,
        ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Counterparty", ondelete='SET NULL')
    channel = fields.Selection([
            ('email', "E-mail"),
            ('sms', "SMS"),
            ('telegram', "Telegram"),
            ('xmpp', "XMPP"),
            ], "Channel", required=True)
    address = fields.Char("Address", required=True)
    state = fields.Selection([
            ('queued', "Queued"),
            ('sending', "Sending"),
            ('sent', "Sent"),
            ('delivered', "Delivered"),
            ('failed', "Failed"),
            ('interrupted', "Interrupted"),
            ], "State", required=True, sort=False,
        help="Interrupted: the sending stopped while the message was "
        "handed to its server; it is not sent again.")
    error = fields.Char("Error")
    sent_at = fields.DateTime("Sent At")
    message_id = fields.Char("Message ID")
    token_hash = fields.Char("Token Hash")
    opened_at = fields.DateTime("Opened At", readonly=True,
        help="When the e-mail was first opened (its images shown) "
        "or clicked.")
    opens = fields.Integer("Opens", readonly=True)
    clicked_at = fields.DateTime("Clicked At", readonly=True,
        help="When a link of the e-mail was first clicked.")
    clicks = fields.Integer("Clicks", readonly=True)
    mailing_name = fields.Function(
        fields.Char("Mailing"), 'get_mailing_fields')
    subject = fields.Function(
        fields.Char("Subject"), 'get_mailing_fields')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('address_unique', Unique(t, t.mailing, t.channel, t.address),
                'crm_counterparty.msg_mailing_result_unique'),
            ]
        cls._sql_indexes.update({
                # The claim's, its rows in order (a chunk costs the same at
                # the end of a big mailing), and the totals': one index, as
                # the planner, before the planned rows are analyzed, took
                # (mailing, state) and sorted every queued row
                Index(t, (t.mailing, Index.Range()),
                    (t.state, Index.Equality()),
                    (t.channel, Index.Equality()), (t.id, Index.Range())),
                Index(t, (t.token_hash, Index.Equality())),
                })
        cls._order = [('id', 'ASC')]

    @classmethod
    def default_opens(cls):
        return 0

    @classmethod
    def default_clicks(cls):
        return 0

    @classmethod
    def get_mailing_fields(cls, results, names):
        "The name and subject of the mailing, shown on the recipient's card"
        values = {n: {} for n in names}
        with without_check_access():
            for result in cls.browse(results):
                mailing = result.mailing
                values_of = {
                    'mailing_name': mailing.name,
                    'subject': mailing.subject
                    if result.channel == 'email' else None,
                    }
                for name in names:
                    values[name][result.id] = values_of[name]
        return values

    @classmethod
    def add(cls, mailing, name, parties):
        """Add a queued row for each address in channel name of parties (the
        query of their ids) not yet in mailing, in one query: an address
        several of them share goes to the first"""
        table = cls.__table__()
        transaction = Transaction()
        found = first_addresses(parties, name)
        # Not Tryton's create, which checks and reads back each row; the
        # unique key skips an address already planned, the rows going in
        # the order of their counterparties (SQLite parses the SELECT of an
        # upsert only with a WHERE)
        transaction.connection.cursor().execute(*table.insert(
                [table.mailing, table.party, table.channel, table.address,
                    table.state, table.opens, table.clicks, table.create_uid,
                    table.create_date],
                found.select(Literal(mailing.id), found.party, Literal(name),
                    found.address, Literal('queued'), Literal(0), Literal(0),
                    Literal(transaction.user), CurrentTimestamp(),
                    where=Literal(True), order_by=[found.party]),
                on_conflict=Conflict(table, indexed_columns=[
                        table.mailing, table.channel, table.address])))

    @classmethod
    def claim(cls, mailing, name, limit, last=False):
        """The {result: token} of at most limit rows of channel name of
        mailing, while it is being sent, that this run takes from queued to
        sending (the last ones first if last): a row another run took is not
        among them; None when it met the claim of another run committed
        since its snapshot: claim again in a new transaction.

        On PostgreSQL the rows are locked as they are chosen, skipping those
        another run is claiming; the first query of its transaction, the
        claim sees every claim committed before it."""
        Mailing = Pool().get('crm.counterparty.mailing')
        table = cls.__table__()
        mailing_t = Mailing.__table__()
        transaction = Transaction()
        database = transaction.database
        cursor = transaction.connection.cursor()
        query = table.select(table.id,
            where=(table.mailing == mailing.id) & (table.channel == name)
            & (table.state == 'queued')
            & table.mailing.in_(mailing_t.select(mailing_t.id,
                    where=(mailing_t.id == mailing.id)
                    & (mailing_t.state == 'sending'))),
            order_by=[table.id.desc if last else table.id.asc], limit=limit)
        if database.has_select_for():
            query.for_ = database.get_select_for_skip_locked()('UPDATE')
            cursor.execute('SAVEPOINT claim')
        try:
            cursor.execute(*query)
        except backend.DatabaseOperationalError:
            # A row changed since the snapshot (repeatable read)
            cursor.execute('ROLLBACK TO SAVEPOINT claim')
            return None
        tokens = {id_: secrets.token_urlsafe(24) for id_, in cursor}
        if not tokens:
            return {}
        hashes = {i: token_hash(t) for i, t in tokens.items()}
        cursor.execute(*table.update(
                [table.state, table.token_hash, table.write_uid,
                    table.write_date],
                ['sending', _by_id(table, 'token_hash', hashes),
                    transaction.user,
                    CurrentTimestamp()],
                where=table.id.in_(list(tokens)) & (table.state == 'queued')))
        if cursor.rowcount != len(tokens):
            # Another run took some: ours are those with our hashes
            cursor.execute(*table.select(table.id, table.token_hash,
                    where=table.id.in_(list(tokens))))
            taken = {i for i, h in cursor if h == hashes[i]}
            tokens = {i: t for i, t in tokens.items() if i in taken}
        return {cls(i): t for i, t in tokens.items()}

    @classmethod
    def values_of(cls, results):
        "The placeholders' values of each of results, their rows read at once"
        return {r: r.values() for r in cls.browse([r.id for r in results])}

    @classmethod
    def keep(cls, results):
        "Write what the server said of each of results, in one update"
        table = cls.__table__()
        transaction = Transaction()
        columns, values = [table.write_uid, table.write_date], [
            transaction.user, CurrentTimestamp()]
        for name in ['state', 'error', 'sent_at', 'message_id']:
            columns.append(Column(table, name))
            values.append(_by_id(
                    table, name, {r.id: getattr(r, name) for r in results}))
        transaction.connection.cursor().execute(*table.update(
                columns, values,
                where=table.id.in_([r.id for r in results])))

    @classmethod
    def interrupt(cls, mailing):
        """Mark the rows a dead run left sending: whether their server got
        them is unknown, and a second message is worse than none"""
        with without_check_access():
            cls.write(cls.search([
                        ('mailing', '=', mailing.id),
                        ('state', '=', 'sending'),
                        ]), {'state': 'interrupted'})

    @classmethod
    def refused(cls, mailing, name, reasons):
        """Fail the rows of channel name of mailing sent as the messages of
        the ids of reasons, which their server refused after"""
        if not reasons:
            return
        with without_check_access():
            for result in cls.search([
                        ('mailing', '=', mailing.id),
                        ('channel', '=', name),
                        ('message_id', 'in', list(reasons)),
                        ]):
                cls.write([result], {'state': 'failed',
                        'error': reasons[result.message_id][:500]})

    @classmethod
    def fail_queued(cls, mailing, name, error):
        with without_check_access():
            cls.write(cls.search([
                        ('mailing', '=', mailing.id),
                        ('channel', '=', name),
                        ('state', '=', 'queued'),
                        ]), {'state': 'failed', 'error': error})

    def send(self, connection, message):
        "Send message through connection, keeping what the server said"
        try:
            self.message_id = connection.send(message)
        except ChannelError as e:
            self.state, self.error = 'failed', str(e)[:500]
        else:
            self.state = 'sent'
            self.sent_at = datetime.datetime.now()

    @classmethod
    def reply(cls, name, address, text):
        """Keep text, sent from address of channel name, on the counterparty
        the last message to address went to, and tell its sender"""
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        with without_check_access():
            results = cls.search([
                    ('channel', '=', name),
                    ('address', '=', address.lower()),
                    ('state', 'in', ['sent', 'delivered']),
                    ('party', '!=', None),
                    ], order=[('id', 'DESC')], limit=1)
            if not results:
                return
            result, = results
            mailing, party = result.mailing, result.party
            Channel.post(party, gettext(
                    'crm_counterparty.msg_mailing_reply',
                    mailing=mailing.rec_name, text=text))
            users = User.search([('employees', '=', mailing.sender.id)])
            for user in users or [mailing.user]:
                Party.notify_user([party], 'tryton-notification',
                    gettext('crm_counterparty.msg_mailing_reply_label',
                        party=party.rec_name, mailing=mailing.rec_name),
                    description=text, user=user.id)

    @classmethod
    def ask_sms_delivery(cls):
        """Ask the SMS gateway what became of the messages sent in the last
        days it has not reported on by itself"""
        since = datetime.datetime.now() - SMS_DELIVERY_ASKED
        with without_check_access():
            results = cls.search([
                    ('channel', '=', 'sms'),
                    ('state', '=', 'sent'),
                    ('message_id', '!=', None),
                    ('sent_at', '>=', since),
                    ])
        if not results:
            return
        try:
            with channel('sms') as gateway:
                reports = gateway.delivery([r.message_id for r in results])
        except ChannelError:
            # Not configured, or its server away: the next run asks again
            return
        args = []
        for result in results:
            delivered, reason = reports.get(result.message_id, (None, None))
            if delivered is not None:
                args.extend(([result], cls._reported(delivered, reason)))
        if args:
            with without_check_access():
                cls.write(*args)

    def report(self, delivered, reason=None):
        "Keep the gateway's report of the delivery"
        with without_check_access():
            self.write([self], self._reported(delivered, reason))

    @staticmethod
    def _reported(delivered, reason=None):
        "The values of a result the gateway reported on"
        return {
            'state': 'delivered' if delivered else 'failed',
            'error': None if delivered else reason or gettext(
                'crm_counterparty.msg_mailing_not_delivered'),
            }

    def values(self):
        "The placeholders' values for the counterparty of the row"
        party = self.party
        if not party:
            return {}
        company = party.employer or (party if party.kind != 'person' else None)
        return {
            'name': party.rec_name,
            'company': company.rec_name if company else '',
            }

    @classmethod
    def own_address(cls, user, name):
        "The address of the user in channel name, to send him a test"
        if name == 'email' and user.email:
            return user.email
        if user.employee:
            return addresses([user.employee.party], name).get(
                user.employee.party)

    def track(self, clicked):
        """Count an opening, or a click (which opened it as well), keeping
        the first time of each"""
        table = self.__table__()
        cursor = Transaction().connection.cursor()
        now = datetime.datetime.now()
        columns = [table.opened_at]
        values = [Coalesce(table.opened_at, now)]
        if clicked:
            columns += [table.clicked_at, table.clicks]
            values += [
                Coalesce(table.clicked_at, now), Coalesce(table.clicks, 0) + 1]
        else:
            columns.append(table.opens)
            values.append(Coalesce(table.opens, 0) + 1)
        # One update: two openings at once both count
        cursor.execute(*table.update(
                columns, values, where=table.id == self.id))

    def link(self, number):
        "The link number of the e-mail as its recipient got it, or None"
        mailing = self.mailing
        found = mailing_rules.links(placeholders.render(
                mailing.email_html, self.values(), markup=True))
        return found[number] if 0 <= number < len(found) else None

    @classmethod
    def bounced(cls, message_id, failures):
        """Mark failed the results of message_id a bounce names, with the
        server's reason; whether any was found"""
        with without_check_access():
            results = cls.search([('message_id', '=', message_id)])
            reasons = {a.lower(): r for a, r in failures}
            results = [r for r in results
                if r.address.lower() in reasons]
            for result in results:
                cls.write([result], {'state': 'failed', 'error': gettext(
                            'crm_counterparty.msg_mailing_bounced',
                            reason=reasons[result.address.lower()])[:500]})
        return bool(results)

    @classmethod
    def by_token(cls, token):
        "The row of token, or None"
        with without_check_access():
            results = cls.search([('token_hash', '=', token_hash(token))])
        return results[0] if results else None


def _by_id(table, name, values):
    """The SQL expression of the new value of column name, that of values
    for each id in it"""
    # Its ELSE gives the type of the column to values that are all NULL
    return Case(*((table.id == i, v) for i, v in values.items()),
        else_=Column(table, name))


def addresses(parties, name):
    """The address of each of parties in channel name: its first contact
    of the channel's kinds that has not unsubscribed"""
    Party = Pool().get('party.party')
    table = Party.__table__()
    if not parties:
        return {}
    cursor = Transaction().connection.cursor()
    cursor.execute(*first_addresses(table.select(table.id,
                where=table.id.in_([p.id for p in parties])), name))
    return {Party(p): a for p, a in cursor}


def first_addresses(parties, name):
    """The query of the (party, address) of each of parties (the query of
    their ids) in channel name: its first contact of the channel's kinds,
    in their order then the contacts', that has not unsubscribed"""
    ContactMechanism = Pool().get('party.contact_mechanism')
    mechanism = ContactMechanism.__table__()
    kinds = CHANNELS[name]
    # A phone in E.164, as gateways take it; the card shows it national
    address = Column(mechanism, {
            'telegram': 'telegram_chat', 'sms': 'value_compact',
            'xmpp': 'value_compact',
            }.get(name, 'value'))
    # A subquery a counterparty, which reads its contacts through their
    # index whatever the planner's statistics say of their number
    first = mechanism.select(address,
        where=(mechanism.party == parties.id)
        & mechanism.type.in_(kinds)
        & (mechanism.active == Literal(True))
        & (Coalesce(mechanism.unsubscribed, False) == Literal(False))
        & (address != ''),
        order_by=[
            Case(*((mechanism.type == k, i) for i, k in enumerate(kinds))),
            NullsFirst(mechanism.sequence), mechanism.id],
        limit=1)
    found = parties.select(parties.id.as_('party'), first.as_('address'))
    return found.select(found.party, found.address,
        where=found.address != Null)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    mailings_sent = fields.Function(
        fields.Many2Many(
            'crm.counterparty.mailing.result', None, None, "Mailings Sent",
            readonly=True,
            help="The messages of mailings sent to the counterparty and "
            "its contact persons, the newest first."),
        'get_mailings_sent')

    @classmethod
    def get_mailings_sent(cls, parties, name):
        Result = Pool().get('crm.counterparty.mailing.result')
        # A contact person read with his company is on both cards
        cards = defaultdict(list)
        for party, members in cls._members(parties).items():
            for member in members:
                cards[member].append(party.id)
        sent = {p.id: [] for p in parties}
        for result in Result.search([
                    ('party', 'in', list(cards)),
                    ('state', 'in', SENT_STATES),
                    ], order=[('id', 'DESC')]):
            for card in cards[result.party.id]:
                sent[card].append(result.id)
        return sent


class Configuration(metaclass=PoolMeta):
    __name__ = 'party.configuration'

    telegram_update = fields.Integer(
        "Next Telegram Update", readonly=True,
        help="The first update of the Telegram bot not read yet.")


class ContactMechanism(metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'

    unsubscribed = fields.Boolean(
        "Unsubscribed",
        help="Mailings are not sent to this address: "
        "its owner asked not to get them.")
    telegram_chat = fields.Char(
        "Telegram Chat",
        states={'invisible': Eval('type') != 'telegram'},
        help="The chat of the company's bot with this person, "
        "known once the person started the bot.")

    @classmethod
    def default_unsubscribed(cls):
        return False

    @classmethod
    def learn_telegram_chat(cls, name, chat):
        "Keep chat on the Telegram contacts of user name, who wrote the bot"
        if not name:
            return
        with without_check_access():
            mechanisms = [m for m in cls.search([
                        ('type', '=', 'telegram'),
                        ('value', 'ilike', '%' + escape_wildcard(name)),
                        ])
                if telegram.username(m.value) == name.lower()
                and m.telegram_chat != chat]
            if mechanisms:
                cls.write(mechanisms, {'telegram_chat': chat})

    @classmethod
    def unsubscribe(cls, channel_name, address):
        "Unsubscribe every contact of address from channel_name's mailings"
        field = {
            'telegram': 'telegram_chat', 'sms': 'value_compact',
            'xmpp': 'value_compact',
            }.get(channel_name, 'value')
        with without_check_access():
            mechanisms = cls.search([
                    ('type', 'in', CHANNELS[channel_name]),
                    (field, '=', address),
                    ])
            cls.write(mechanisms, {'unsubscribed': True})


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('crm.counterparty.mailing|send_scheduled',
                    "Send Scheduled Mailings"),
                ('crm.counterparty.mailing|read_replies',
                    "Read the Replies to Mailings"),
                ])
