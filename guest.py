# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Guest access: a contact person's login to the portal (routes.py).

A guest is a Tryton ``web.user`` linked to a person (never a company), never
a back-office ``res.user``: giving, suspending and revoking access touch no
back-office account or group.  A CRM user gives access only to the persons
he may edit (``access.check_editable``); the web users are then written as
the system, as CRM users have no access to ``web.user`` themselves.

What a guest reaches is decided here, in ``WebUser.guest_parties``: his
person and its company; the portal reads every record through
``guest_communications`` and ``guest_tasks``, which search only among the
records that name one of them.
"""
import datetime as dt

from trytond.i18n import gettext
from trytond.ir.chat import InvalidEMailError
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.web_user.exceptions import UserValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import timezone as tz
from trytond.transaction import Transaction, without_check_access
from trytond.url import http_host
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import schedule
from .access import check_editable
from .contact_mechanism import MESSENGERS, check_email_syntax
from .exceptions import GuestAccessError
from .journal import shown_value
from .mail import send_text
from .user import dummy_hash

GUEST_STATES = [
    (None, ""),
    ('invited', "Invited"),
    ('active', "Active"),
    ('suspended', "Suspended"),
    ('revoked', "Revoked"),
    ]

# The contact data a guest edits on the portal, in the form's order
GUEST_CONTACT_TYPES = ('phone', 'email', *(t for t, _ in MESSENGERS))

# How long a meeting or call a guest proposes lasts until the manager says
PROPOSED_DURATION = dt.timedelta(minutes=30)

# The comments a page of a chat shows, the latest; a link shows the earlier
CHAT_PAGE = 20


def _now():
    # Tryton stores UTC without a zone
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def portal_url(path=''):
    "The address of the portal's page path in the current database"
    return '%s/%s/portal/%s' % (
        http_host(), Transaction().database.name, path)


class WebUser(metaclass=PoolMeta):
    __name__ = 'web.user'

    guest_state = fields.Selection(
        GUEST_STATES, "Guest Access", readonly=True)
    guest_granted_by = fields.Many2One(
        'res.user', "Access Given By", readonly=True, ondelete='SET NULL')
    guest_granted_at = fields.Timestamp("Access Given At", readonly=True)
    guest_last_login = fields.Timestamp("Last Login", readonly=True)

    @classmethod
    def check_valid_email(cls, users, fields_names=None):
        # The syntax only, as the card checks it (contact_mechanism.py):
        # web_user asks DNS whether the domain takes mail, which refuses
        # every address on a server without DNS
        if fields_names and 'email' not in fields_names:
            return
        for user in users:
            check_email_syntax(user.email,
                lambda reason: UserValidationError(gettext(
                        'web_user.msg_user_email_invalid',
                        user=user.rec_name, email=user.email), reason))

    @property
    def may_log_in(self):
        "Whether the guest may open the portal"
        return bool(self.active and self.party
            and self.guest_state in {'invited', 'active'})

    @classmethod
    def give_access(cls, parties):
        """Give each person of parties a guest login and invite him; refuse
        companies, persons without an e-mail and those the user may not
        edit"""
        for party in parties:
            if party.kind != 'person':
                raise GuestAccessError(gettext(
                        'crm_counterparty.msg_guest_not_person',
                        party=party.rec_name))
            if not party.email:
                raise GuestAccessError(gettext(
                        'crm_counterparty.msg_guest_no_email',
                        party=party.rec_name))
        check_editable(parties)
        values = {
            'guest_state': 'invited',
            'guest_granted_by': Transaction().user,
            'guest_granted_at': _now(),
            'active': True,
            }
        with without_check_access():
            existing = {u.party: u for u in cls.search([
                        ('party', 'in', [p.id for p in parties]),
                        ('active', 'in', [True, False]),
                        ])}
            users = []
            for party in parties:
                user = existing.get(party)
                if user and user.guest_state in {'invited', 'active'}:
                    continue
                if user:
                    cls.write([user], {**values, 'email': party.email})
                else:
                    user, = cls.create([{
                                **values, 'party': party.id,
                                'email': party.email}])
                users.append(user)
            cls.invite(users)
        return users

    @classmethod
    def authenticate(cls, email, password):
        # An unknown address costs the time of a wrong password: the
        # refusal's time tells nobody's login
        if not cls.search([('email', '=', email.lower())], limit=1):
            cls.check_password(password, None)
        return super().authenticate(email, password)

    @classmethod
    def check_password(cls, password, hash_):
        if not hash_:
            # A guest invited but without a password yet: web_user's hasher
            # fails on an empty hash, and the time must be a wrong one's
            super().check_password(password, dummy_hash())
            return False, None
        return super().check_password(password, hash_)

    @classmethod
    def request_reset(cls, email):
        """Send the guest of email a link to set a new password; whether
        there is one or not, nothing tells, and asking too often is refused
        (RateLimitException)"""
        pool = Pool()
        Request = pool.get('crm.portal.reset_request')
        email = email.strip().lower()
        Request.check(email)
        for user in cls.search([('email', '=', email)]):
            if user.may_log_in:
                # By the queue: with a worker the page does not wait for
                # the mail server, whose time would tell a guest's address
                cls.__queue__.send_token(user, 'reset')

    @classmethod
    def invite(cls, users):
        "E-mail each guest the link that sets his password"
        for user in users:
            user.send_token('invitation')

    def send_token(self, purpose):
        "E-mail the guest a new link of purpose (invitation or reset)"
        pool = Pool()
        Token = pool.get('crm.portal.token')
        secret = Token.issue(self, purpose)
        language = self.party.lang.code if self.party.lang else None
        with Transaction().set_context(language=language):
            subject = gettext(
                'crm_counterparty.msg_guest_%s_subject' % purpose)
            body = gettext(
                'crm_counterparty.msg_guest_%s_body' % purpose,
                name=self.party.rec_name,
                url=portal_url('password/%s?token=%s' % (purpose, secret)))
        send_text(self.party.rec_name, self.email, subject, body)

    @classmethod
    def suspend_access(cls, users):
        "The guests cannot log in until resumed; their sessions end now"
        cls.write(users, {'guest_state': 'suspended'})
        cls.end_sessions(users)

    @classmethod
    def resume_access(cls, users):
        cls.write(users, {'guest_state': 'active'})

    @classmethod
    def revoke_access(cls, users):
        """The guests' logins end: sessions, links and password; giving
        access again invites them anew"""
        cls.write(users, {
                'guest_state': 'revoked',
                'active': False,
                'password_hash': None,
                })
        cls.end_sessions(users)

    @classmethod
    def end_sessions(cls, users):
        pool = Pool()
        Session = pool.get('web.user.session')
        Token = pool.get('crm.portal.token')
        Session.delete(Session.search([
                    ('user', 'in', [u.id for u in users]),
                    ]))
        Token.revoke(users)

    def guest_parties(self):
        "The counterparties whose records the guest sees: his and his company"
        return [p for p in [self.party, self.party.employer] if p]

    def guest_communications(self, domain=None):
        "The communications of the guest's counterparties within domain"
        Communication = Pool().get('crm.communication')
        return Communication.search([
                ('parties', 'in', [p.id for p in self.guest_parties()]),
                domain or [],
                ])

    def guest_tasks(self, domain=None):
        "The tasks of the guest's counterparties (project activated)"
        pool = Pool()
        try:
            Work = pool.get('project.work')
        except KeyError:
            return []
        return Work.search([
                ('type', '=', 'task'),
                ('party', 'in', [p.id for p in self.guest_parties()]),
                domain or [],
                ])

    def sees_deals(self):
        "Whether the guest reads deals (guest_deal.py, sale_opportunity)"
        return False

    def guest_record(self, model, record_id):
        """The communication or task record_id that the guest sees, else
        None"""
        finders = {
            'crm.communication': self.guest_communications,
            'project.work': self.guest_tasks,
            }
        found = finders[model]([('id', '=', record_id)])
        return found[0] if found else None

    @staticmethod
    def public_messages(record, before=None, count=CHAT_PAGE):
        """The latest count messages of record's chat meant for the guests
        (those before the message of id before, when given), the oldest
        first, and whether there are earlier ones"""
        Message = Pool().get('ir.chat.message')
        domain = [
            ('channel.resource', '=', str(record)),
            ('audience', '=', 'public'),
            ]
        if before is not None:
            domain.append(('id', '<', before))
        # One more than shown tells whether there are earlier ones
        messages = Message.search(
            domain, order=[('id', 'DESC')], limit=count + 1)
        return list(reversed(messages[:count])), len(messages) > count

    def comment(self, record, content):
        """Post content in record's chat as the guest: its followers are
        told, and the guest follows it by e-mail from now on"""
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        Follower = pool.get('ir.chat.follower')
        Message = pool.get('ir.chat.message')
        channel = Channel._get_channel(record)
        Follower.add_email(channel, self.email)
        message = Message(
            channel=channel, email=self.email, content=content,
            audience='public')
        message.save()
        Channel.dispatch_message(message, lambda f: f == self.email)
        self._raise_written(record)
        return message

    def _raise_written(self, record):
        "Tell automation the guest wrote (about record)"
        Event = Pool().get('crm.counterparty.event')
        if not self.party:
            return
        with without_check_access():
            Event.raise_event('guest_message', self.party,
                record if record.__name__ == 'crm.communication' else None,
                email=self.email)

    def managers(self):
        """The users who look after the guest: those of his counterparty's
        responsible and of the employees of his communications"""
        Communication = Pool().get('crm.communication')
        employees = {p.responsible for p in self.guest_parties()
            if p.responsible}
        for communication in self.guest_communications():
            employees.update(communication.employees)
        users = Communication._users_of(employees)
        return {u for e in employees for u in users.get(e, [])}

    def write_to_managers(self, content):
        """Post content in the chat of the guest's card, which his managers
        follow: they are notified and e-mailed, their public answers reach
        him"""
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        Follower = pool.get('ir.chat.follower')
        channel = Channel._get_channel(self.party)
        for user in self.managers():
            Follower.add_user(channel, user)
        return self.comment(self.party, content)

    def manager(self):
        "The employee responsible for the guest, or for his company"
        for party in self.guest_parties():
            if party.responsible:
                return party.responsible

    def propose(self, subject, start, category, note=None):
        """A communication planned for the guest's manager at start (on the
        manager's company's clock), marked as proposed by the guest"""
        pool = Pool()
        Communication = pool.get('crm.communication')
        manager = self.manager()
        if not manager:
            raise GuestAccessError(gettext(
                    'crm_counterparty.msg_portal_no_manager'))
        zone = manager.company.timezone
        if zone:
            start = schedule.stored(start, tz.get_tzinfo(zone))
        communication, = Communication.create([{
                    'company': manager.company.id,
                    'subject': subject,
                    'purpose': note,
                    'category': category.id if category else None,
                    'start': start,
                    'end': start + PROPOSED_DURATION,
                    'organiser': manager.id,
                    'employees': [('add', [manager.id])],
                    'parties': [('add', [self.party.id])],
                    'proposed_by': self.id,
                    }])
        return communication

    def company_card(self):
        """The fields of his company's card the guest may read, as (label,
        text) pairs, or None when he may not read it"""
        pool = Pool()
        Configuration = pool.get('party.configuration')
        Party = pool.get('party.party')
        company = self.party.employer
        if not company or not self.party.guest_sees_company:
            return None
        names = [f.name for f in Configuration(1).guest_company_fields
            if f.name in Party._fields]
        labels = Party.fields_get(names)
        values, = Party.read([company.id], names)
        return [(labels[n]['string'], shown_value(Party, n, values[n]))
            for n in names]

    def contact_values(self):
        "The guest's first value of each kind of GUEST_CONTACT_TYPES"
        values = dict.fromkeys(GUEST_CONTACT_TYPES, '')
        for mechanism in reversed(self.party.contact_mechanisms):
            if mechanism.type in values:
                values[mechanism.type] = mechanism.value
        return values

    def update_contact(self, values):
        """Set the guest's first value of each kind of contact of values on
        his card, validated as the card validates them; an empty value
        removes none"""
        ContactMechanism = Pool().get('party.contact_mechanism')
        mechanisms = {m.type: m for m in reversed(
                self.party.contact_mechanisms)}
        # The change is the guest's in the card's journal
        with Transaction().set_context(_portal_guest=self.id):
            for type_ in GUEST_CONTACT_TYPES:
                value, mechanism = values.get(type_), mechanisms.get(type_)
                if not value or (mechanism and mechanism.value == value):
                    continue
                if mechanism:
                    ContactMechanism.write([mechanism], {'value': value})
                else:
                    ContactMechanism.create([{
                                'party': self.party.id, 'type': type_,
                                'value': value}])


class ContactMechanism(metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'

    # Kept with each revision, so that the card's journal names the guest;
    # set from a context key no client can send (RPC drops those with "_")
    guest_author = fields.Many2One(
        'web.user', "Changed by Guest", readonly=True, ondelete='SET NULL')

    @classmethod
    def create(cls, vlist):
        guest = Transaction().context.get('_portal_guest')
        return super().create([{**v, 'guest_author': guest} for v in vlist])

    @classmethod
    def write(cls, *args):
        guest = Transaction().context.get('_portal_guest')
        actions = iter(args)
        args = []
        for records, values in zip(actions, actions):
            args.extend((records, {**values, 'guest_author': guest}))
        super().write(*args)


class Communication(metaclass=PoolMeta):
    __name__ = 'crm.communication'

    proposed_by = fields.Many2One(
        'web.user', "Proposed by Guest", readonly=True, ondelete='SET NULL',
        help="The guest who proposed it on the portal.")

    def guests(self):
        "The guests who take part, who may open the portal"
        WebUser = Pool().get('web.user')
        return [u for u in WebUser.search([
                    ('party', 'in', [p.id for p in self.parties]),
                    ]) if u.may_log_in]

    @classmethod
    def follow(cls, communications):
        "The guests taking part follow its public talk by e-mail"
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        Follower = pool.get('ir.chat.follower')
        super().follow(communications)
        for communication in communications:
            guests = communication.guests()
            if guests:
                channel = Channel._get_channel(communication)
                for guest in guests:
                    Follower.add_email(channel, guest.email)

    @classmethod
    def tell_participants(cls, communications, kind, employees=None):
        """The guests taking part are told too, by e-mail with the link of
        its page on the portal"""
        super().tell_participants(communications, kind, employees=employees)
        if (employees is not None or not Transaction().context.get(
                    'communication_notify', True)):
            return
        for communication in communications:
            for guest in communication.guests():
                communication.email_guest(guest, kind)

    def email_guest(self, guest, kind):
        language = guest.party.lang.code if guest.party.lang else None
        zone = self.zone(None)
        with Transaction().set_context(language=language):
            label, body = self._message(kind, zone)
            body += '\n\n' + gettext(
                'crm_counterparty.msg_portal_mail_link',
                url=portal_url('communication/%s' % self.id))
        send_text(guest.party.rec_name, guest.email, label, body)


class ChatAuthorEmail:
    """The e-mail of a chat's author (a guest) checked for its syntax only,
    as the card checks it"""
    __slots__ = ()

    @classmethod
    def check_valid_email(cls, authors, field_names=None):
        # Tryton asks DNS whether the domain takes mail, which refuses
        # every guest on a server without DNS
        if field_names and 'email' not in field_names:
            return
        for author in authors:
            check_email_syntax(author.email,
                lambda reason: InvalidEMailError(gettext(
                        'ir.msg_chat_author_email_invalid',
                        email=author.email), reason))


class ChatFollower(ChatAuthorEmail, metaclass=PoolMeta):
    __name__ = 'ir.chat.follower'

    def notify(self, message):
        "The managers following a guest's card get his messages by e-mail"
        super().notify(message)
        resource = message.channel.resource
        if (getattr(resource, '__name__', None) == 'party.party'
                and message.email and self.user and self.user.email):
            # By the queue: with a worker the guest's page does not wait
            # for the e-mail to be written and sent
            self.__class__.__queue__.email_guest_message(self, message.id)

    def email_guest_message(self, message_id):
        "E-mail the following manager the guest's message message_id"
        # His address may be gone by the time the queue runs
        if not self.user.email:
            return
        message = Pool().get('ir.chat.message')(message_id)
        language = self.user.language.code if self.user.language else None
        with Transaction().set_context(language=language):
            subject = gettext('crm_counterparty.msg_portal_guest_wrote',
                guest=message.channel.resource.rec_name)
        send_text(self.user.rec_name, self.user.email, subject,
            message.content)


class ChatMessage(ChatAuthorEmail, metaclass=PoolMeta):
    __name__ = 'ir.chat.message'

    guest_name = fields.Function(fields.Char("Guest"), 'get_guest_name')

    def as_dict(self):
        """A message written by e-mail (a guest's, a letter's) is a person's:
        the back office's chat shows its author, a guest by his name"""
        values = super().as_dict()
        if not self.user and self.email:
            values['by_email'] = True
            if self.guest_name:
                values['author'] = '%s <%s>' % (self.guest_name, self.email)
        return values

    @classmethod
    def get_guest_name(cls, messages, name):
        """The name of the guest of each message's e-mail, searched once for
        the messages read together (a channel's, as the chat reads them)"""
        WebUser = Pool().get('web.user')
        emails = {m.email for m in messages if m.email}
        guests = {}
        with without_check_access():
            users = WebUser.search([
                    ('email', 'in', list(emails)),
                    ('active', 'in', [True, False]),
                    ]) if emails else []
            # The first of an address, as a search of it alone finds it
            for user in users:
                guests.setdefault(user.email, user)
            names = {e: g.party.rec_name for e, g in guests.items()
                if g.party}
        return {m.id: names.get(m.email) for m in messages}


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    guest = fields.Function(
        fields.Many2One('web.user', "Guest Login"), 'get_guest')
    guest_state = fields.Function(
        fields.Selection(GUEST_STATES, "Guest Access"), 'get_guest_field')
    guest_granted_by = fields.Function(
        fields.Many2One('res.user', "Access Given By"), 'get_guest_field')
    guest_granted_at = fields.Function(
        fields.Timestamp("Access Given At"), 'get_guest_field')
    guest_last_login = fields.Function(
        fields.Timestamp("Last Login"), 'get_guest_field')
    guest_sees_company = fields.Boolean("Sees Company Card",
        states={
            'invisible': (Eval('kind') != 'person') | ~Eval('employer'),
            },
        help="The guest also reads his company's card on the portal: the "
        "fields the configuration shows to guests.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        person = Eval('kind') == 'person'
        state = Eval('guest_state')
        cls._buttons.update({
                'give_guest_access': {
                    'invisible': ~person | state.in_(['invited', 'active']),
                    'depends': ['kind', 'guest_state'],
                    },
                'suspend_guest_access': {
                    'invisible': ~state.in_(['invited', 'active']),
                    'depends': ['guest_state'],
                    },
                'resume_guest_access': {
                    'invisible': state != 'suspended',
                    'depends': ['guest_state'],
                    },
                'revoke_guest_access': {
                    'invisible': ~state.in_(
                        ['invited', 'active', 'suspended']),
                    'depends': ['guest_state'],
                    },
                })

    @classmethod
    def get_guest(cls, parties, name):
        WebUser = Pool().get('web.user')
        result = {p.id: None for p in parties}
        with without_check_access():
            for user in WebUser.search([
                        ('party', 'in', [p.id for p in parties]),
                        ('active', 'in', [True, False]),
                        ], order=[('id', 'ASC')]):
                result[user.party.id] = user.id
        return result

    @classmethod
    def get_guest_field(cls, parties, names):
        WebUser = Pool().get('web.user')
        guests = cls.get_guest(parties, 'guest')
        result = {n: {p.id: None for p in parties} for n in names}
        with without_check_access():
            for party_id, user_id in guests.items():
                if user_id is None:
                    continue
                user = WebUser(user_id)
                for name in names:
                    value = getattr(user, name)
                    result[name][party_id] = getattr(value, 'id', value)
        return result

    @classmethod
    @ModelView.button_action('crm_counterparty.wizard_give_guest_access')
    def give_guest_access(cls, parties):
        pass

    @classmethod
    @ModelView.button
    def suspend_guest_access(cls, parties):
        cls._guests_of(parties, 'suspend_access')

    @classmethod
    @ModelView.button
    def resume_guest_access(cls, parties):
        cls._guests_of(parties, 'resume_access')

    @classmethod
    @ModelView.button
    def revoke_guest_access(cls, parties):
        cls._guests_of(parties, 'revoke_access')

    @classmethod
    def _guests_of(cls, parties, method):
        "Call method of web.user on the guests of parties the user may edit"
        WebUser = Pool().get('web.user')
        check_editable(parties)
        users = [p.guest for p in parties if p.guest]
        with without_check_access():
            getattr(WebUser, method)(WebUser.browse(users))


class Configuration(metaclass=PoolMeta):
    __name__ = 'party.configuration'

    guest_company_fields = fields.Many2Many(
        'party.configuration.guest_company_field', 'configuration', 'field',
        "Company Fields Shown to Guests",
        domain=[
            ('model', '=', 'party.party'),
            ('ttype', 'not in', ['one2many', 'many2many', 'binary']),
            ],
        help="The fields of a company's card that its contact persons read "
        "on the portal when they may see it.")


class ConfigurationGuestCompanyField(ModelSQL):
    "A field of a company's card shown to its guests"
    __name__ = 'party.configuration.guest_company_field'
    __string__ = "Company Field Shown to Guests"

    configuration = fields.Many2One(
        'party.configuration', "Configuration", required=True,
        ondelete='CASCADE')
    field = fields.Many2One(
        'ir.model.field', "Field", required=True, ondelete='CASCADE')


class GiveAccessStart(ModelView):
    __name__ = 'crm.portal.give.start'
    __string__ = "Give Guest Access"

    count = fields.Integer("Persons", readonly=True)


class GiveAccess(Wizard):
    "Give the selected persons a login to the portal and invite them"
    __name__ = 'crm.portal.give'
    __string__ = "Give Guest Access"

    start = StateView(
        'crm.portal.give.start',
        'crm_counterparty.portal_give_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Invite", 'give', 'tryton-ok', default=True),
            ])
    give = StateTransition()

    def default_start(self, fields):
        return {'count': len(self.records)}

    def transition_give(self):
        WebUser = Pool().get('web.user')
        WebUser.give_access(list(self.records))
        return 'end'

    def end(self):
        return 'reload'
