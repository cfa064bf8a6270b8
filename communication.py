# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Communications with counterparties: meetings, calls, letters … planned
and held by employees, and the activity they make on the card."""
import datetime as dt
from collections import defaultdict

import trytond.config as config
from trytond.i18n import gettext
from trytond.model import (
    ChatMixin, DeactivableMixin, Index, ModelSQL, ModelView, Unique,
    Workflow, fields, sequence_ordered)
from trytond.model.exceptions import AccessError
from trytond.modules.company.company import TIMEZONES
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If, PYSONEncoder
from trytond.tools import timezone as tz
from trytond.transaction import (
    Transaction, check_access, without_check_access)
from trytond.url import host
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from . import schedule
from .access import allowed_ids, new_ids_above, policy_company
from .exceptions import (
    CommunicationOverlapWarning, InvalidCommunication)
from .invitation import build_ics
from .mail import send_text

STATES = [
    ('planned', "Planned"),
    ('done', "Done"),
    ('cancelled', "Cancelled"),
    ]
# What the participants are told again about when it changes
_SCHEDULE_FIELDS = {'subject', 'start', 'end', 'place', 'parties'}
# The lists of names shown for the participants, by field
_NAMED = {'party_names': 'parties', 'employee_names': 'employees'}


def _touches(field_names, names):
    "Whether a check of names has to run after a change of field_names"
    return field_names is None or bool(field_names & names)


class Category(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "The kind of a communication (meeting, call, letter …)"
    __name__ = 'crm.communication.category'
    __string__ = "Communication Category"

    name = fields.Char("Name", required=True, translate=True)
    color = fields.Char(
        "Color", help="The colour of its communications in the calendar, "
        "as a CSS colour.")


class Communication(Workflow, ChatMixin, ModelSQL, ModelView):
    "A meeting, call, letter … with counterparties"
    __name__ = 'crm.communication'
    __string__ = "Communication"
    _rec_name = 'subject'
    # It is exported as a part of its counterparties' cards
    _card_part_of = {'parties'}

    _states = {
        'readonly': Eval('state') != 'planned',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    subject = fields.Char("Subject", required=True, states=_states)
    purpose = fields.Text(
        "Purpose", states=_states, help="What the communication is for.")
    category = fields.Many2One(
        'crm.communication.category', "Category", ondelete='RESTRICT',
        states=_states)
    start = fields.DateTime(
        "Start", required=True, format=schedule.TIME_FORMAT,
        states=_states)
    duration = fields.Function(
        fields.TimeDelta("Duration", states=_states),
        'on_change_with_duration', setter='set_duration')
    end = fields.DateTime(
        "End", required=True, format=schedule.TIME_FORMAT,
        states=_states)
    place = fields.Char(
        "Place or Link", states=_states,
        help="Where it takes place: an address, a phone number "
        "or the link of a video call.")
    organiser = fields.Many2One(
        'company.employee', "Organiser", required=True, ondelete='RESTRICT',
        states=_states,
        domain=[('company', '=', Eval('company', -1))],
        help="The employee who organises the communication.")
    employees = fields.Many2Many(
        'crm.communication-company.employee', 'communication', 'employee',
        "Employees", states=_states,
        domain=[('company', '=', Eval('company', -1))],
        help="The employees who take part.")
    parties = fields.Many2Many(
        'crm.communication-party.party', 'communication', 'party',
        "Counterparties and Contact Persons", states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The counterparties and their contact persons who take part.")
    # The list names them: a Many2Many column shows only a count
    party_names = fields.Function(
        fields.Char("Counterparties and Contact Persons"),
        'get_names', searcher='search_names')
    employee_names = fields.Function(
        fields.Char("Employees"), 'get_names', searcher='search_names')
    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)
    result = fields.Text(
        "Result", states={
            'readonly': Eval('state') == 'cancelled',
            },
        help="What came out of the communication.")
    held = fields.DateTime(
        "Held", readonly=True, format=schedule.TIME_FORMAT,
        help="When it took place: its start, or when it was marked done "
        "if that was earlier.")
    previous = fields.Many2One(
        'crm.communication', "Follows", readonly=True, ondelete='SET NULL',
        help="The communication this one continues.")
    sequence = fields.Integer(
        "Revision", readonly=True,
        help="How many times the participants were told of a change.")
    mine = fields.Function(
        fields.Boolean("Mine", help="You take part in it."),
        'get_mine', searcher='search_mine')
    # Eager: the calendar draws with what its first read gives
    color = fields.Function(
        fields.Char("Color"), 'get_color', loading='eager')
    week = fields.Function(fields.Char("Week"), 'get_week')
    count = fields.Function(
        fields.Integer("Communications"), 'get_count')
    reminders = fields.One2Many(
        'crm.communication.reminder', 'communication', "Reminders",
        readonly=True)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.start, Index.Range())),
                Index(t, (t.state, Index.Equality(cardinality='low'))),
                })
        cls._order = [
            ('start', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('planned', 'done'),
            ('planned', 'cancelled'),
            ('cancelled', 'planned'),
            ('done', 'planned'),
            }
        cls._buttons.update({
                'complete': {
                    'invisible': Eval('state') != 'planned',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') != 'planned',
                    'depends': ['state'],
                    },
                'plan': {
                    'invisible': Eval('state') == 'planned',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def __register__(cls, module):
        table_h = cls.__table_handler__(module)
        fill_held = not table_h.column_exist('held')
        super().__register__(module)
        # Migration: what was held before the column took place at its start
        if fill_held:
            table = cls.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.update(
                    [table.held], [table.start],
                    where=table.state == 'done'))

    @classmethod
    def default_company(cls):
        # The client may name a company that is none of the user's
        return policy_company()

    @classmethod
    def default_start(cls):
        return cls(company=cls.default_company()).planned_start(None)

    def planned_start(self, clicked):
        """The start (UTC) of a new communication planned at clicked (UTC,
        as the calendar gives it), on the user's clock"""
        pool = Pool()
        User = pool.get('res.user')
        zone = tz.get_tzinfo(self.zone(User(Transaction().user)))
        now = dt.datetime.now(zone).replace(tzinfo=None)
        if clicked is not None:
            clicked = schedule.on_clock(clicked, zone).replace(tzinfo=None)
        return schedule.stored(schedule.planned_start(clicked, now), zone)

    @classmethod
    def default_state(cls):
        return 'planned'

    @classmethod
    def default_sequence(cls):
        return 0

    @classmethod
    def default_organiser(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_employees(cls):
        employee = Transaction().context.get('employee')
        return [employee] if employee else []

    @classmethod
    def default_parties(cls):
        "The counterparty of the card it is planned from, with its person"
        pool = Pool()
        Party = pool.get('party.party')
        party_id = Transaction().context.get('communication_party')
        if not party_id or party_id < 0:
            return []
        party = Party(party_id)
        if party.kind == 'person' and party.employer:
            return [party.employer.id, party.id]
        return [party.id]

    @classmethod
    def default_category(cls):
        pool = Pool()
        Category = pool.get('crm.communication.category')
        categories = Category.search([], limit=1)
        return categories[0].id if categories else None

    @fields.depends('start', 'end')
    def on_change_with_duration(self, name=None):
        return schedule.duration_of(self.start, self.end)

    @classmethod
    def set_duration(cls, communications, name, value):
        # preprocess_values made the end when the start came with it
        if value is None:
            return
        for communication in communications:
            end = schedule.end_of(communication.start, value)
            if end != communication.end:
                cls.write([communication], {'end': end})

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('duration') is not None and values.get('start'):
            values['end'] = schedule.end_of(
                values['start'], values['duration'])
        # Kept to the minute (TIME_FORMAT): the client may send seconds
        for name in ['start', 'end']:
            if values.get(name):
                values[name] = schedule.to_minute(values[name])
        return values

    @fields.depends('start', 'end', 'duration', 'id', 'company')
    def on_change_start(self):
        # A new one takes the day or time clicked in the calendar
        if self.start and (self.id is None or self.id < 0):
            self.start = self.planned_start(self.start)
        duration = self.duration
        if duration is None:
            duration = schedule.DEFAULT_DURATION
        self.end = schedule.end_of(self.start, duration)

    @fields.depends('start', 'duration')
    def on_change_duration(self):
        if self.duration is not None:
            self.end = schedule.end_of(self.start, self.duration)

    @fields.depends('organiser', 'employees')
    def on_change_organiser(self):
        if self.organiser and self.organiser not in self.employees:
            self.employees = [*self.employees, self.organiser]

    @classmethod
    def get_mine(cls, communications, name):
        employees = set(cls._my_employees())
        return {c.id: bool(employees & {e.id for e in c.employees})
            for c in communications}

    @classmethod
    def search_mine(cls, name, clause):
        _, operator, value = clause
        if operator not in {'=', '!='}:
            return []
        operator = 'in' if (operator == '=') == bool(value) else 'not in'
        return [('employees', operator, cls._my_employees())]

    @staticmethod
    def _my_employees():
        pool = Pool()
        User = pool.get('res.user')
        context = Transaction().context
        if context.get('employees') is not None:
            return list(context['employees'])
        user = User(Transaction().user)
        return [e.id for e in user.employees]

    @classmethod
    def get_names(cls, communications, names):
        # Only those the user may read: a communication seen for one
        # counterparty must not name the others
        result = {}
        for name in names:
            field = _NAMED[name]
            Target = cls._fields[field].get_target()
            shown = allowed_ids(Target, {r.id
                    for c in communications for r in getattr(c, field)})
            result[name] = {c.id: ', '.join(
                    r.rec_name for r in getattr(c, field) if r.id in shown)
                for c in communications}
        return result

    @classmethod
    def search_names(cls, name, clause):
        pool = Pool()
        Rule = pool.get('ir.rule')
        field = _NAMED[name]
        Target = cls._fields[field].get_target()
        # The rules do not apply to the records searched through a field
        with check_access():
            rules = Rule.domain_get(Target.__name__, mode='read')
        domain = [('rec_name',) + tuple(clause[1:])]
        if rules:
            domain.append(rules)
        return [(field, 'where', domain)]

    def get_color(self, name):
        if self.category:
            return self.category.color

    def get_week(self, name):
        return schedule.week_of(self.start)

    def get_count(self, name):
        "What the graphs add up: one communication each"
        return 1

    def get_rec_name(self, name):
        return self.subject

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('state') == 'cancelled', 'muted', '')),
            ]

    @classmethod
    def create(cls, vlist):
        # Its participants come with a new communication
        with new_ids_above(cls, '_communication_new_above'):
            return super().create(vlist)

    @classmethod
    def copy(cls, communications, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', 'planned')
        default.setdefault('result', None)
        default.setdefault('held', None)
        default.setdefault('sequence', 0)
        default.setdefault('reminders', None)
        return super().copy(communications, default=default)

    @classmethod
    @ModelView.button_action('crm_counterparty.wizard_communication_complete')
    def complete(cls, communications):
        pass

    @classmethod
    @Workflow.transition('done')
    def do(cls, communications):
        # Marked done before its start: it took place now
        now = schedule.to_minute(
            dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
        for communication in communications:
            communication.held = min(communication.start, now)
        cls.save(communications)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, communications):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('planned')
    def plan(cls, communications):
        cls.write(communications, {'held': None})

    # Validation

    @classmethod
    def validate_fields(cls, communications, field_names):
        super().validate_fields(communications, field_names)
        cls.check_participants(communications, field_names)
        cls.check_overlap(communications, field_names)

    @classmethod
    def check_participants(cls, communications, field_names=None):
        if not _touches(field_names, {'start', 'end', 'parties', 'employees'}):
            return
        for communication in communications:
            if communication.end < communication.start:
                raise InvalidCommunication(gettext(
                        'crm_counterparty.msg_communication_end_before_start',
                        communication=communication.rec_name,
                        start=communication.format_datetime(
                            communication.start),
                        end=communication.format_datetime(
                            communication.end)))
            if not communication.parties and communication.needs_parties():
                raise InvalidCommunication(gettext(
                        'crm_counterparty.msg_communication_no_counterparty',
                        communication=communication.rec_name))
            if not communication.employees:
                raise InvalidCommunication(gettext(
                        'crm_counterparty.msg_communication_no_employee',
                        communication=communication.rec_name))

    def needs_parties(self):
        "Whether the communication must have a counterparty"
        return True

    @classmethod
    def check_overlap(cls, communications, field_names=None):
        "Warn when an employee has two communications at the same time"
        pool = Pool()
        Warning = pool.get('res.user.warning')
        if not _touches(field_names, {'start', 'end', 'employees', 'state'}):
            return
        for communication in communications:
            # What is held or cancelled needs nobody's time any more
            if communication.state != 'planned':
                continue
            for employee in communication.employees:
                others = cls.search([
                        ('id', '!=', communication.id),
                        ('employees', '=', employee.id),
                        ('state', '!=', 'cancelled'),
                        ('start', '<=', communication.end),
                        ('end', '>=', communication.start),
                        ], order=[('start', 'ASC')])
                others = [o for o in others if schedule.overlaps(
                        communication.start, communication.end,
                        o.start, o.end)]
                if not others:
                    continue
                other = others[0]
                # Keyed by what the user accepts, so a retried creation
                # (with a new id) passes
                key = Warning.format(
                    'crm_communication_overlap_%s_%s' % (
                        communication.start.isoformat(),
                        communication.end.isoformat()), [employee])
                if Warning.check(key):
                    raise CommunicationOverlapWarning(key, gettext(
                            'crm_counterparty.msg_communication_overlap',
                            employee=employee.rec_name,
                            communication=communication.rec_name,
                            other=other.rec_name,
                            start=other.format_datetime(other.start),
                            end=other.format_datetime(other.end)))

    # Formatting for people

    def zone(self, user):
        "The clock of user (or of who has none): his own, else the company's"
        return ((user.timezone if user else None)
            or (self.company.timezone if self.company else None) or 'UTC')

    def format_datetime(self, value, zone=None):
        """value (UTC) on the clock of zone (the user's when None), in the
        user's language, the zone named"""
        pool = Pool()
        Lang = pool.get('ir.lang')
        User = pool.get('res.user')
        lang = Lang.get()
        if zone is None:
            zone = self.zone(User(Transaction().user))
        value = schedule.on_clock(value, tz.get_tzinfo(zone))
        return '%s (%s)' % (lang.strftime(value, lang.date + ' %H:%M'), zone)

    def local_date(self, value):
        "The day of value (UTC) on the company's clock"
        timezone = self.company.timezone if self.company else None
        if timezone:
            value = schedule.on_clock(value, tz.get_tzinfo(timezone))
        return value.date()

    # Participants: their users, e-mails and notifications

    @staticmethod
    def _users_of(employees):
        "The active users of each employee"
        pool = Pool()
        User = pool.get('res.user')
        employees = set(employees)
        result = defaultdict(list)
        if not employees:
            return result
        for user in User.search([
                    ('employees', 'in', [e.id for e in employees]),
                    ]):
            for employee in user.employees:
                if employee in employees:
                    result[employee].append(user)
        return result

    def _addressees(self, employees=None):
        """The (employee, user or None, name, e-mail or None) of each
        participating employee, or of employees"""
        if employees is None:
            employees = self.employees
        users = self._users_of(employees)
        for employee in employees:
            employee_users = users.get(employee) or [None]
            for user in employee_users:
                email = (user.email if user else None) or employee.party.email
                yield employee, user, employee.party.rec_name, email

    def _organiser_address(self):
        email = None
        users = self._users_of([self.organiser]).get(self.organiser)
        if users:
            email = users[0].email
        email = email or self.organiser.party.email or config.get(
            'email', 'from')
        return self.organiser.party.rec_name, email

    @property
    def uid(self):
        return f'crm-communication-{self.id}@{host()}'

    def invitation_ics(self, method='REQUEST', zone=None):
        return build_ics(
            self.uid, self.sequence or 0, self.start, self.end,
            self.subject, method=method, description=self.purpose,
            location=self.place, organizer=self._organiser_address(),
            attendees=[(n, e) for _, _, n, e in self._addressees() if e],
            timezone=zone)

    @classmethod
    def tell_participants(cls, communications, kind, employees=None):
        """Tell the participating employees (or those of employees, by
        communication) in the web client and by e-mail with an invitation
        that the communication is new, changed or cancelled"""
        transaction = Transaction()
        # Loading history (the demo, an import) tells nobody
        if not transaction.context.get('communication_notify', True):
            return
        method = 'CANCEL' if kind == 'cancelled' else 'REQUEST'
        for communication in communications:
            for employee, user, name, email in communication._addressees(
                    employees.get(communication) if employees else None):
                language = user.language.code if user and user.language \
                    else None
                zone = communication.zone(user)
                ics = communication.invitation_ics(method, zone)
                with transaction.set_context(language=language):
                    label, body = communication._message(kind, zone)
                if user and user.id != transaction.user:
                    cls.notify_user(
                        [communication], 'tryton-calendar', label,
                        description=communication.subject, user=user.id)
                if email:
                    communication._send_email(
                        name, email, label, body, ics, method)

    def _message(self, kind, zone):
        """The subject and text of what the participants are told, the times
        on the clock of zone"""
        pool = Pool()
        Communication = pool.get('crm.communication')
        Employee = pool.get('company.employee')
        # Read again in the recipient's language
        with Transaction().set_context(
                language=Transaction().context.get('language')):
            self = Communication(self.id)
            organiser = Employee(self.organiser.id)
        values = {
            'subject': self.subject,
            'start': self.format_datetime(self.start, zone),
            'end': self.format_datetime(self.end, zone),
            'category': self.category.name if self.category else '',
            'place': self.place or '',
            'organiser': organiser.rec_name,
            'parties': ', '.join(p.rec_name for p in self.parties),
            'purpose': self.purpose or '',
            }
        label = gettext(
            'crm_counterparty.msg_communication_%s_subject' % kind, **values)
        body = gettext('crm_counterparty.msg_communication_body', **values)
        return label, body

    def _send_email(self, name, email, subject, body, ics=None, method=None):
        send_text(name, email, subject, body, ics, method)

    @classmethod
    def send_reminders(cls, now=None):
        """Remind each participating user of a planned communication his
        own delay before it starts, once for each start"""
        pool = Pool()
        Reminder = pool.get('crm.communication.reminder')
        User = pool.get('res.user')
        transaction = Transaction()
        if now is None:
            # Tryton stores UTC without a zone
            now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        longest = User.search(
            [('communication_reminder', '!=', None)],
            order=[('communication_reminder', 'DESC')], limit=1)
        if not longest:
            return
        communications = cls.search([
                ('state', '=', 'planned'),
                ('start', '>', now),
                ('start', '<=', now + longest[0].communication_reminder),
                ])
        sent = {(r.communication.id, r.user.id) for r in Reminder.search([
                    ('communication', 'in', [c.id for c in communications]),
                    ])
            if r.start == r.communication.start}
        reminders = []
        for communication in communications:
            for _, user, name, email in communication._addressees():
                if (not user or (communication.id, user.id) in sent
                        or user.communication_reminder is None
                        or not schedule.reminder_due(
                            communication.start,
                            user.communication_reminder, now)):
                    continue
                sent.add((communication.id, user.id))
                language = user.language.code if user.language else None
                with transaction.set_context(language=language):
                    label, body = communication._message(
                        'reminder', communication.zone(user))
                cls.notify_user(
                    [communication], 'tryton-calendar', label,
                    description=communication.subject, user=user.id)
                if email:
                    communication._send_email(name, email, label, body)
                reminders.append(Reminder(
                        communication=communication, user=user,
                        start=communication.start))
        Reminder.save(reminders)

    def email_comment(self, user, message):
        "E-mail a comment on the communication to a following user"
        transaction = Transaction()
        if message.user == user:
            return
        language = user.language.code if user.language else None
        with transaction.set_context(language=language):
            label, _ = self._message('comment', self.zone(user))
        body = '%s:\n\n%s' % (message.author, message.content)
        self._send_email(user.rec_name, user.email, label, body)

    # Keeping the participants, the followers and the card up to date

    @classmethod
    def on_modification(cls, mode, communications, field_names=None):
        super().on_modification(
            mode, communications, field_names=field_names)
        if mode == 'create':
            cls.follow(communications)
            cls.tell_participants(
                [c for c in communications if c.state == 'planned'], 'new')
            cls._update_last_contact(communications)

    @classmethod
    def on_write(cls, communications, values):
        callbacks = super().on_write(communications, values)
        fields = set(values)
        before = {c: (c.state, set(c.employees), set(c.parties))
            for c in communications}
        # When it was held sets the last contact of its counterparties
        if fields & (_SCHEDULE_FIELDS | {'state', 'employees', 'held'}):
            callbacks.append(
                lambda: cls._tell_changes(before, fields))
        return callbacks

    @classmethod
    def _tell_changes(cls, before, fields):
        communications = cls.browse([c.id for c in before])
        changed, cancelled, planned = [], [], []
        for communication in communications:
            state, employees, _ = before[communication]
            if state != communication.state:
                if communication.state == 'cancelled':
                    cancelled.append(communication)
                elif communication.state == 'planned':
                    planned.append(communication)
            elif communication.state == 'planned' and (
                    fields & _SCHEDULE_FIELDS
                    or employees != set(communication.employees)):
                changed.append(communication)
        cls._next_revision(changed + cancelled + planned)
        if 'employees' in fields:
            cls.follow(communications)
        cls.tell_participants(
            [c for c in communications if c in changed + planned], 'changed')
        cls.tell_participants(
            [c for c in communications if c in cancelled], 'cancelled')
        # Who no longer takes part has it cancelled in his calendar
        removed = {c: before[c][1] - set(c.employees)
            for c in communications if c.state == 'planned'}
        removed = {c: list(e) for c, e in removed.items() if e}
        cls.tell_participants(list(removed), 'cancelled', employees=removed)
        if fields & {'state', 'held', 'parties'}:
            Party = Pool().get('party.party')
            parties = {p for _, _, ps in before.values() for p in ps}
            Party.update_last_contact(
                cls._parties_with_employers(parties)
                | cls._parties_with_employers(
                    {p for c in communications for p in c.parties}))

    @classmethod
    def _next_revision(cls, communications):
        "A later revision of the invitation replaces the earlier ones"
        to_write = []
        for communication in communications:
            to_write.extend((
                    [communication],
                    {'sequence': (communication.sequence or 0) + 1}))
        if to_write:
            cls.write(*to_write)

    @classmethod
    def on_delete(cls, communications):
        pool = Pool()
        Party = pool.get('party.party')
        callbacks = super().on_delete(communications)
        parties = cls._parties_with_employers(
            {p for c in communications for p in c.parties})
        if parties:
            callbacks.append(
                lambda: Party.update_last_contact(Party.browse(parties)))
        return callbacks

    @classmethod
    def _update_last_contact(cls, communications):
        pool = Pool()
        Party = pool.get('party.party')
        done = [c for c in communications if c.state == 'done']
        if done:
            Party.update_last_contact(cls._parties_with_employers(
                    {p for c in done for p in c.parties}))

    @staticmethod
    def _parties_with_employers(parties):
        "A contact with a person is a contact with its company too"
        return set(parties) | {p.employer for p in parties if p.employer}

    @classmethod
    def follow(cls, communications):
        "The participating employees' users follow the discussion"
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        Follower = pool.get('ir.chat.follower')
        users = cls._users_of({
                e for c in communications for e in c.employees})
        # The channels and followers of many at once (a mailbox's batch of
        # letters), as Channel._get_channel and Follower.add_user make them
        resources = [str(c) for c in communications]
        channels = {str(c.resource): c for c in Channel.search(
                [('resource', 'in', resources)])}
        new = [Channel(resource=r) for r in resources if r not in channels]
        Channel.save(new)
        channels.update((str(c.resource), c) for c in new)
        followed = {(f.channel.id, f.user.id) for f in Follower.search([
                    ('channel', 'in', [c.id for c in channels.values()]),
                    ('user', '!=', None),
                    ])}
        wanted = {(channels[str(c)].id, user.id)
            for c in communications for e in c.employees
            for user in users.get(e, [])}
        if wanted - followed:
            Follower.create([{'channel': channel, 'user': user}
                    for channel, user in sorted(wanted - followed)])


class _Participation(ModelSQL):
    "Who takes part in a communication: found from either side"
    __slots__ = ()
    _participant = None

    communication = fields.Many2One(
        'crm.communication', "Communication", required=True,
        ondelete='CASCADE')

    @classmethod
    def _before_create(cls, vlist):
        vlist = super()._before_create(vlist)
        # Before the rows exist: taking part would itself show it
        if Transaction().check_access:
            cls._check_communications(
                {v.get('communication') for v in vlist})
        return vlist

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode == 'write' and external and 'communication' in values:
            cls._check_communications({values['communication']})

    @classmethod
    def _check_communications(cls, ids):
        "Refuse joining a communication the user may not edit"
        pool = Pool()
        Communication = pool.get('crm.communication')
        new_above = Transaction().context.get('_communication_new_above')
        ids = {int(i) for i in ids if i is not None
            and (new_above is None or int(i) <= new_above)}
        if ids - allowed_ids(Communication, ids, 'write'):
            raise AccessError(gettext(
                    'crm_counterparty.msg_communication_participation_refused',
                    model=cls.__names__()['model']))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('communication')
        t = cls.__table__()
        participant = getattr(t, cls._participant)
        cls._sql_indexes.update({
                Index(t, (participant, Index.Range()),
                    (t.communication, Index.Range())),
                Index(t, (t.communication, Index.Range())),
                })


class CommunicationEmployee(_Participation, ModelView):
    "An employee taking part in a communication"
    __name__ = 'crm.communication-company.employee'
    __string__ = "Communication Employee"
    _participant = 'employee'

    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')
    count = fields.Function(
        fields.Integer("Communications"), 'get_count')

    def get_count(self, name):
        "What the graph adds up: one participation each"
        return 1


class CommunicationParty(_Participation):
    "A counterparty or contact person taking part in a communication"
    __name__ = 'crm.communication-party.party'
    __string__ = "Communication Counterparty"
    _participant = 'party'

    party = fields.Many2One(
        'party.party', "Counterparty", required=True, ondelete='CASCADE')


class Reminder(ModelSQL):
    "A reminder sent to a user before a communication"
    __name__ = 'crm.communication.reminder'
    __string__ = "Communication Reminder"

    communication = fields.Many2One(
        'crm.communication', "Communication", required=True,
        ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
    # A rescheduled communication is reminded of again
    start = fields.DateTime("Start", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('communication')
        t = cls.__table__()
        cls._sql_constraints += [
            ('communication_user_start_unique',
                Unique(t, t.communication, t.user, t.start),
                'crm_counterparty.msg_communication_reminder_unique'),
            ]


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    communications = fields.Many2Many(
        'crm.communication-party.party', 'party', 'communication',
        "Communications", readonly=True,
        help="The communications the counterparty takes part in.")
    # A One2Many: its "New" plans a communication right from the card
    activity = fields.Function(
        fields.One2Many(
            'crm.communication', None, "Communications",
            context={
                'communication_party': Eval('id', -1),
                },
            depends={'id'},
            help="The communications of the counterparty and of its "
            "contact persons, the newest first."),
        'get_activity', setter='set_activity')
    last_contact = fields.Date(
        "Last Contact", readonly=True,
        help="The day of the last communication held with the "
        "counterparty or its contact persons.")
    last_contact_since = fields.Function(
        fields.Char(
            "Last Contact Since",
            help="A date or a formula such as \"today - 30d\", evaluated "
            "when the filter runs; \"not\" finds those not contacted "
            "since, never contacted included."),
        'get_date_formula', searcher='search_date_formula')
    planned_communication = fields.Function(
        fields.Boolean(
            "Planned Communication",
            help="A communication is planned with the counterparty or one "
            "of its contact persons."),
        'get_planned_communication',
        searcher='search_planned_communication')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.last_contact, Index.Range())))

    @classmethod
    def _members(cls, parties):
        "Each party with its contact persons"
        return {p: [p.id] + [c.id for c in getattr(p, 'contact_persons', [])]
            for p in parties}

    @classmethod
    def get_activity(cls, parties, name):
        pool = Pool()
        Communication = pool.get('crm.communication')
        result = {}
        for party, members in cls._members(parties).items():
            result[party.id] = [c.id for c in Communication.search([
                        ('parties', 'in', members),
                        ], order=[('start', 'DESC'), ('id', 'DESC')])]
        return result

    @classmethod
    def _date_formulas(cls):
        return {**super()._date_formulas(),
            'last_contact_since': ('last_contact', True)}

    @classmethod
    def get_planned_communication(cls, parties, name):
        planned = cls.search([
                ('id', 'in', [p.id for p in parties]),
                ('planned_communication', '=', True),
                ], order=[])
        planned = set(planned)
        return {p.id: p in planned for p in parties}

    @classmethod
    def search_planned_communication(cls, name, clause):
        _, operator, value = clause
        planned = [('state', '=', 'planned')]
        domain = ['OR',
            ('communications', 'where', planned),
            ('contact_persons', 'where', [
                    ('communications', 'where', planned)]),
            ]
        if (operator == '=') != bool(value):
            domain = [('id', 'not in', cls.search(
                        domain, order=[], query=True))]
        return domain

    @classmethod
    def set_activity(cls, parties, name, value):
        """Plan, change and delete communications from the card.  "add",
        "remove" and "copy" are left out on purpose: the card's list has no
        add_remove, so the client never sends them, and who takes part in a
        communication is changed on the communication, where its own checks
        run; sent by hand, they change nothing."""
        pool = Pool()
        Communication = pool.get('crm.communication')
        for action, *args in value:
            if action == 'create':
                Communication.create(args[0])
            elif action == 'write':
                actions = iter(args)
                for ids, values in zip(actions, actions):
                    Communication.write(Communication.browse(ids), values)
            elif action == 'delete':
                Communication.delete(Communication.browse(args[0]))

    @classmethod
    def update_last_contact(cls, parties):
        "Set the day of the last communication held with each party"
        pool = Pool()
        Communication = pool.get('crm.communication')
        with without_check_access():
            parties = cls.browse(parties)
            to_write = []
            for party, members in cls._members(parties).items():
                last = Communication.search([
                        ('parties', 'in', members),
                        ('state', '=', 'done'),
                        ('held', '!=', None),
                        ], order=[('held', 'DESC')], limit=1)
                day = last[0].local_date(last[0].held) if last else None
                if party.last_contact != day:
                    to_write.extend(([party], {'last_contact': day}))
            if to_write:
                cls.write(*to_write)

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('communications', None)
        default.setdefault('last_contact', None)
        return super().copy(parties, default=default)


class PartyReplace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('crm.communication-party.party', 'party'),
            ]

    def transition_replace(self):
        pool = Pool()
        Party = pool.get('party.party')
        state = super().transition_replace()
        # The communications moved, and the last contact with them
        Party.update_last_contact(
            [self.ask.source, self.ask.destination])
        return state


class CompleteStart(ModelView):
    "What came out of a communication, and what comes next"
    __name__ = 'crm.communication.complete.start'
    __string__ = "Complete Communication"

    result = fields.Text("Result", required=True)
    plan_next = fields.Boolean(
        "Plan the Next One",
        help="Plan the next communication with the same people.")
    next_subject = fields.Char(
        "Next Subject",
        states={
            'invisible': ~Eval('plan_next'),
            'required': Bool(Eval('plan_next')),
            })
    next_start = fields.DateTime(
        "Next Start", format=schedule.TIME_FORMAT,
        states={
            'invisible': ~Eval('plan_next'),
            'required': Bool(Eval('plan_next')),
            })
    next_communication = fields.Many2One(
        'crm.communication', "Next Communication", readonly=True)


class Complete(Wizard):
    "Mark a communication done with its result and plan the next one"
    __name__ = 'crm.communication.complete'
    __string__ = "Complete Communication"

    start = StateView(
        'crm.communication.complete.start',
        'crm_counterparty.communication_complete_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Done", 'complete', 'tryton-ok', default=True),
            ])
    complete = StateTransition()
    open_next = StateAction('crm_counterparty.act_communication_form')

    def default_start(self, fields):
        return {
            'result': self.record.result,
            'plan_next': False,
            'next_subject': self.record.subject,
            # The same time a week later is the usual next step
            'next_start': self.record.start + dt.timedelta(days=7),
            }

    def transition_complete(self):
        pool = Pool()
        Communication = pool.get('crm.communication')
        communication = self.record
        communication.result = self.start.result
        # A wizard runs without the access checks of RPC (Wizard.__rpc__):
        # its writes are checked as the user's own
        with check_access():
            communication.save()
            Communication.do([communication])
            if not self.start.plan_next:
                return 'end'
            next_, = Communication.copy([communication], default={
                    'subject': self.start.next_subject,
                    'start': self.start.next_start,
                    'end': schedule.end_of(
                        self.start.next_start, communication.duration),
                    'previous': communication.id,
                    })
        self.start.next_communication = next_
        return 'open_next'

    def do_open_next(self, action):
        # A tab of the new one alone, not of every communication
        next_id = self.start.next_communication.id
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', '=', next_id)])
        return action, {'res_id': [next_id]}

    def end(self):
        return 'reload'


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    communication_reminder = fields.TimeDelta(
        "Communication Reminder",
        help="How long before a communication you are reminded of it.")
    timezone = fields.Selection(
        [(None, "")] + TIMEZONES, "Timezone", translate=False,
        help="The clock of the times in your notifications, e-mails and "
        "invitations; the company's when empty.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._preferences_fields.extend(['communication_reminder', 'timezone'])

    @classmethod
    def default_communication_reminder(cls):
        return dt.timedelta(minutes=15)


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('crm.communication|send_reminders',
                "Remind of Communications"))


class ChatFollower(metaclass=PoolMeta):
    __name__ = 'ir.chat.follower'

    def notify(self, message):
        "The participants of a communication get its comments by e-mail"
        super().notify(message)
        resource = message.channel.resource
        if (getattr(resource, '__name__', None) == 'crm.communication'
                and self.user and self.user.email):
            # By the queue: with a worker the request that wrote the
            # comment does not wait for its e-mail to be written and sent
            self.__class__.__queue__.email_comment(self, message.id)

    def email_comment(self, message_id):
        "E-mail the following user, if he still has an address, the comment"
        message = Pool().get('ir.chat.message')(message_id)
        if self.user.email:
            message.channel.resource.email_comment(self.user, message)
