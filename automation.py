# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Automation scenarios: "when this happens to a counterparty, do that",
built by an administrator without code (Clients › Configuration ›
Automation).

A scenario (``crm.automation``) says when (``trigger_kind``), for which
counterparties (``domain``, as the list's filters) and what to do (its
``actions``, in order).  It is set off by Tryton's own machinery:

- a card created, a field changed to a value, a communication planned or
  held: an ``ir.trigger`` that the scenario keeps (``_sync_triggers``),
  whose action ``trigger_action`` runs in the queue; a field changed to
  any value: ``Party.on_write`` below;
- a date arriving, no contact for N days, a communication overdue: the
  scheduler (``run_scheduled``), one search (SQL) a scenario;
- a call, an e-mail, a guest's message, an import finished: the events of
  event.py (``Event.handle`` below).

``act`` does the work, in the queue: once by event (a run's key is unique
by scenario, ``automation_rules.event_key``), as the scenario's owner with
his rights, each action in a savepoint (a failed one is logged with its
reason, the others go on), and not deeper than
``automation_rules.DEPTH_LIMIT`` scenarios set off by one another (the
context key ``automation_depth``).  The log is ``crm.automation.run``.  The
pure rules (dates, round robin, templates, depth) are automation_rules.py.
"""
import datetime as dt
from collections import defaultdict

from sql import Literal
from sql.aggregate import Count
from sql.functions import Extract

from trytond import backend
from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields,
    sequence_ordered)
from trytond.model.modelsql import SQLConstraintError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If, PYSONDecoder, PYSONEncoder
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateView, Wizard

from . import automation_rules as rules
from .channels import ChannelError, Message, channel
from .event import KINDS as EVENT_KINDS
from .exceptions import AutomationError
from .importing.importer import savepoint
from .mail import send_text
from .mailing import addresses

TRIGGER_ACTION = 'crm.automation|trigger_action'
# A run of the same scenario and key made meanwhile
_DUPLICATE = (backend.DatabaseIntegrityError, SQLConstraintError)
# Items a queued task acts on
CHUNK = 200
RECORD_KINDS = {
    # kind: (model, on create, on write, the state the record reaches)
    'created': ('party.party', True, False, None),
    'field_changed': ('party.party', False, True, None),
    'communication_planned': ('crm.communication', True, False, 'planned'),
    'communication_held': ('crm.communication', False, True, 'done'),
    }
SCHEDULED_KINDS = {'date', 'inactive', 'communication_overdue'}
TRIGGER_KINDS = [
    ('created', "Counterparty created"),
    ('field_changed', "Field changed"),
    ('date', "Date arrives"),
    ('inactive', "No contact for N days"),
    ('communication_planned', "Communication planned"),
    ('communication_held', "Communication held"),
    ('communication_overdue', "Communication overdue"),
    ] + EVENT_KINDS
ACTION_KINDS = [
    ('plan_communication', "Plan a communication"),
    ('assign_responsible', "Assign the responsible"),
    ('set_status', "Set the status"),
    ('set_type', "Set the type"),
    ('add_tag', "Add a tag"),
    ('add_group', "Add to a group"),
    ('notify', "Notify employees"),
    ('send_email', "Send an e-mail"),
    ('send_sms', "Send an SMS"),
    ('start_mailing', "Start a mailing"),
    ('post_comment', "Post a comment in the journal"),
    ]


def _kind_is(*kinds):
    return {'invisible': ~Eval('trigger_kind').in_(list(kinds))}


def _action_is(*kinds):
    return {'invisible': ~Eval('kind').in_(list(kinds))}


class Automation(DeactivableMixin, ModelSQL, ModelView):
    "A rule: when this happens to a counterparty, do that"
    __name__ = 'crm.automation'
    __string__ = "Automation Scenario"

    name = fields.Char("Name", required=True)
    company = fields.Many2One('company.company', "Company", required=True)
    owner = fields.Many2One(
        'res.user', "Owner", required=True, ondelete='RESTRICT',
        help="The user as whom the actions run, with his access rights.")
    trigger_kind = fields.Selection(
        TRIGGER_KINDS, "When", required=True, sort=False)
    field = fields.Many2One(
        'ir.model.field', "Field", ondelete='CASCADE',
        domain=[
            ('model', '=', 'party.party'),
            If(Eval('trigger_kind') == 'date',
                ('ttype', '=', 'date'), ()),
            ],
        states={
            'invisible': ~Eval('trigger_kind').in_(['field_changed', 'date']),
            'required': Eval('trigger_kind').in_(['field_changed', 'date']),
            },
        help="The card's field that changes or whose date arrives.")
    value = fields.Char(
        "Value", states=_kind_is('field_changed'),
        help="The value the field changes to (a record's id for a link); "
        "empty for any change.")
    days = fields.Integer(
        "Days", states=_kind_is('date', 'inactive'),
        help="The days before or after the date, or without contact.")
    direction = fields.Selection([
            ('on', "On the day"),
            ('before', "Days before"),
            ('after', "Days after"),
            ], "Direction", states=_kind_is('date'))
    yearly = fields.Boolean(
        "Every Year", states=_kind_is('date'),
        help="The day and month only, as a birthday.")
    domain = fields.Char(
        "Counterparties",
        help="The counterparties it acts on, as the list's filters; "
        "empty for all.")
    filter = fields.Many2One(
        'ir.ui.view_search', "Saved Filter", ondelete='RESTRICT',
        domain=[('model', '=', 'party.party')],
        help="Only the counterparties this saved filter of the list finds "
        "when the scenario acts (its relative dates counted from that day).")
    trigger = fields.Many2One(
        'ir.trigger', "Trigger", readonly=True, ondelete='SET NULL')
    actions = fields.One2Many(
        'crm.automation.action', 'automation', "Actions")
    runs = fields.One2Many(
        'crm.automation.run', 'automation', "Runs", readonly=True)

    _watched_cache = Cache('crm.automation.watched', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'test': {},
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_owner():
        return Transaction().user or None

    @staticmethod
    def default_trigger_kind():
        return 'created'

    @staticmethod
    def default_direction():
        return 'on'

    @staticmethod
    def default_yearly():
        return False

    @classmethod
    @ModelView.button_action('crm_counterparty.wizard_automation_test')
    def test(cls, scenarios):
        pass

    @classmethod
    def copy(cls, scenarios, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('trigger')
        default.setdefault('runs')
        return super().copy(scenarios, default=default)

    # Keeping the ir.trigger of each scenario

    @classmethod
    def on_modification(cls, mode, scenarios, field_names=None):
        super().on_modification(mode, scenarios, field_names=field_names)
        cls._watched_cache.clear()
        if mode != 'delete' and not Transaction().context.get(
                '_automation_sync'):
            cls._sync_triggers(scenarios)

    @classmethod
    def on_delete(cls, scenarios):
        callbacks = super().on_delete(scenarios)
        triggers = [s.trigger for s in scenarios if s.trigger]
        if triggers:
            callbacks.append(lambda: cls._delete_triggers(triggers))
        return callbacks

    @staticmethod
    def _delete_triggers(triggers):
        with without_check_access():
            Pool().get('ir.trigger').delete(triggers)

    def _trigger_values(self):
        "The values of the ir.trigger the scenario needs, else None"
        Model = Pool().get('ir.model')
        spec = RECORD_KINDS.get(self.trigger_kind)
        if not spec:
            return None
        model, on_create, on_write, state = spec
        record = Eval('self', {})
        if state:
            condition = record.get('state') == state
        elif self.trigger_kind == 'field_changed':
            if not self.field or self.value in {None, ''}:
                # Any change is seen by Party.on_write
                return None
            value = rules.typed_value(self.field.ttype, self.value)
            # PYSON compares values of one type: the default's
            condition = record.get(
                self.field.name, type(value)()) == value
        else:
            condition = True
        return {
            'name': self.name,
            'model': Model.search([('name', '=', model)])[0].id,
            'on_create_': on_create,
            'on_write_': on_write,
            'condition': PYSONEncoder().encode(condition),
            'action': TRIGGER_ACTION,
            'limit_number': 0,
            'active': self.active,
            }

    @classmethod
    def _sync_triggers(cls, scenarios):
        "Make, change or delete the ir.trigger of each scenario"
        Trigger = Pool().get('ir.trigger')
        with without_check_access(), Transaction().set_context(
                _automation_sync=True, active_test=False):
            for scenario in cls.browse(scenarios):
                values = scenario._trigger_values()
                if values and scenario.trigger:
                    Trigger.write([scenario.trigger], values)
                elif values:
                    trigger, = Trigger.create([values])
                    cls.write([scenario], {'trigger': trigger.id})
                elif scenario.trigger:
                    trigger = scenario.trigger
                    cls.write([scenario], {'trigger': None})
                    Trigger.delete([trigger])

    # What sets a scenario off

    @classmethod
    def trigger_action(cls, records, trigger):
        "Act on the records of the ir.trigger of scenarios (in the queue)"
        with without_check_access():
            scenarios = cls.search([('trigger', '=', trigger.id)])
        for scenario in scenarios:
            items = scenario._record_items(records)
            if items:
                scenario.act(items)

    def _record_items(self, records):
        "The (party, key, record) of what happened to records"
        kind = self.trigger_kind
        depth = Transaction().context.get('automation_depth') or 0
        items = []
        for record in records:
            if record.__name__ == 'crm.communication':
                items.extend(
                    (p.id, rules.event_key(kind, p.id, record.id),
                        str(record))
                    for p in record.parties)
            elif kind == 'field_changed':
                # A change made by a scenario is another event than the
                # user's at the same time (one transaction in a test)
                items.append((record.id, rules.event_key(
                            kind, record.id, self.field.name,
                            record.write_date, depth), None))
            else:
                items.append((record.id, rules.event_key(kind, record.id),
                        None))
        return items

    @classmethod
    def watched_fields(cls):
        "{field name: [scenario id]} of the scenarios on any change"
        watched = cls._watched_cache.get(None)
        if watched is None:
            watched = defaultdict(list)
            with without_check_access():
                for scenario in cls.search([
                            ('trigger_kind', '=', 'field_changed'),
                            ('value', 'in', [None, '']),
                            ]):
                    if scenario.field:
                        watched[scenario.field.name].append(scenario.id)
            watched = dict(watched)
            cls._watched_cache.set(None, watched)
        return watched

    @classmethod
    def fields_changed(cls, before, names):
        "Act on the cards whose watched field names changed from before"
        pool = Pool()
        Party = pool.get('party.party')
        watched = cls.watched_fields()
        with without_check_access():
            parties = Party.browse(list(before))
            for name in names:
                changed = [p for p in parties
                    if _plain(getattr(p, name)) != before[p.id][name]]
                for scenario in cls.browse(watched.get(name, [])):
                    items = scenario._record_items(changed)
                    if items:
                        cls.__queue__.act_items([scenario], items)

    @classmethod
    def handle_events(cls, events):
        "Queue the scenarios of the kinds of events"
        by_kind = defaultdict(list)
        for event in events:
            by_kind[event.kind].append(event)
        with without_check_access():
            scenarios = cls.search([('trigger_kind', 'in', list(by_kind))])
        for scenario in scenarios:
            items = [(e.party.id,
                    rules.event_key(e.kind, e.party.id, e.id),
                    str(e.record) if e.record else None)
                for e in by_kind[scenario.trigger_kind]]
            cls.__queue__.act_items([scenario], items)

    @classmethod
    def run_scheduled(cls, today=None):
        """Queue the scenarios of dates, silence and overdue communications
        for the cards due today (ir.cron)"""
        with without_check_access():
            scenarios = cls.search([
                    ('trigger_kind', 'in', list(SCHEDULED_KINDS)),
                    ])
        for scenario in scenarios:
            items = scenario._new(scenario.due(today))
            for i in range(0, len(items), CHUNK):
                cls.__queue__.act_items([scenario], items[i:i + CHUNK])

    def due(self, today=None, limit=None):
        "The (party, key, record) due today, searched as the owner"
        today = today or dt.date.today()
        with self._as_owner():
            if self.trigger_kind == 'communication_overdue':
                return self._overdue(limit)
            return self._due_parties(today, limit)

    def _due_parties(self, today, limit):
        pool = Pool()
        Party = pool.get('party.party')
        party = Party.__table__()
        cursor = Transaction().connection.cursor()
        if self.trigger_kind == 'inactive':
            cutoff = rules.silent_since(today, self.days)
            domain = ['OR',
                ('last_contact', '<', cutoff),
                [('last_contact', '=', None),
                    ('create_date', '<', dt.datetime.combine(
                            cutoff, dt.time()))],
                ]
            column, tag = party.last_contact, 'inactive'
        else:
            target = rules.date_due(today, self.days, self.direction)
            column = getattr(party, self.field.name)
            tag = 'date'
            if self.yearly:
                where = Literal(False)
                for month, day in rules.anniversary_days(target):
                    where |= ((Extract('MONTH', column) == month)
                        & (Extract('DAY', column) == day))
                domain = [('id', 'in', party.select(party.id, where=where))]
            else:
                domain = [(self.field.name, '=', target)]
        query = Party.search(domain + self.parsed_domain(), query=True,
            order=[], limit=limit)
        cursor.execute(*party.select(party.id, column,
                where=party.id.in_(query)))
        return [(i, rules.event_key(tag, i, v), None) for i, v in cursor]

    def _overdue(self, limit):
        pool = Pool()
        Communication = pool.get('crm.communication')
        items = []
        for communication in Communication.search([
                    ('state', '=', 'planned'),
                    ('start', '<', dt.datetime.now()),
                    ], limit=limit):
            items.extend((p.id,
                    rules.event_key('overdue', p.id, communication.id),
                    str(communication))
                for p in communication.parties)
        return items

    def _new(self, items):
        "items but those the scenario acted on already (by their keys)"
        Run = Pool().get('crm.automation.run')
        run = Run.__table__()
        cursor = Transaction().connection.cursor()
        keys = [k for _, k, _ in items]
        done = set()
        for i in range(0, len(keys), 1000):
            cursor.execute(*run.select(run.event_key,
                    where=(run.automation == self.id)
                    & run.event_key.in_(keys[i:i + 1000])))
            done.update(k for k, in cursor)
        return [list(i) for i in items if i[1] not in done]

    def parsed_domain(self):
        "The scenario's domain of counterparties and its filter's, decoded"
        texts = [self.domain, self.filter.domain if self.filter else None]
        return [PYSONDecoder({}).decode(t) for t in texts if t]

    # Acting

    def _as_owner(self, context=None):
        """The transaction as the owner: his rights, companies and employee
        (context: his preferences, read once by the caller of many)"""
        return _Owner(self.owner.id, dict(context or self.owner_context()))

    def owner_context(self):
        "The context of the owner's preferences in the scenario's company"
        User = Pool().get('res.user')
        with Transaction().set_user(self.owner.id):
            context = User.get_preferences(context_only=True)
        context['company'] = self.company.id
        return context

    @classmethod
    def act_items(cls, scenarios, items):
        "Act on items (queued)"
        for scenario in scenarios:
            scenario.act(items)

    def act(self, items):
        """Do the actions on each (party, key, record) of items matching
        the scenario's counterparties, once by key, as the owner"""
        Run = Pool().get('crm.automation.run')
        depth = Transaction().context.get('automation_depth') or 0
        items = self._new(items)
        # The owner's preferences cost: read once for all the items
        context = self.owner_context()
        with self._as_owner(context):
            matching = self._matching([i[0] for i in items])
        runs = Run.start(self, [i for i in items if i[0] in matching],
            depth)
        results = []
        for run in runs:
            if not rules.may_act(depth):
                results.append((run, 'skipped', [gettext(
                                'crm_counterparty.msg_automation_depth',
                                limit=rules.DEPTH_LIMIT)], []))
            else:
                results.append((run,) + self._perform(
                        run.party.id, run.record, depth, context))
        Run.finish(results)
        return runs

    def retry(self, run):
        "Do again the actions of run that failed, as the scenario acts"
        Run = Pool().get('crm.automation.run')
        state, lines, failed = self._perform(run.party.id, run.record,
            run.depth or 0, actions=list(run.failed_actions))
        Run.finish([(run, state, [run.description or '', gettext(
                            'crm_counterparty.msg_automation_retried',
                            number=run.retries + 1)] + lines, failed)],
            retried=True)

    def _matching(self, party_ids):
        "The ids of party_ids the owner sees that match the domain"
        Party = Pool().get('party.party')
        found = set()
        for i in range(0, len(party_ids), 1000):
            found.update(map(int, Party.search(
                        [('id', 'in', party_ids[i:i + 1000])]
                        + self.parsed_domain(), order=[])))
        return found

    def _perform(self, party_id, record, depth, context=None, actions=None):
        """Do each action (of actions, else all) on the party, each in a
        savepoint: (state, the lines of what was done or why not, the
        actions that failed)"""
        Party = Pool().get('party.party')
        lines, failed = [], []
        with self._as_owner(context), Transaction().set_context(
                automation_depth=depth + 1):
            for action in self.actions:
                if actions is not None and action not in actions:
                    continue
                try:
                    with savepoint():
                        done = action.perform(Party(party_id), record)
                # Whatever stops one action (a refusal, a server down, a
                # bug) is its reason in the log; the others go on
                except Exception as exception:
                    failed.append(action)
                    lines.append(gettext(
                            'crm_counterparty.msg_automation_action_failed',
                            action=action.rec_name,
                            reason=_reason(exception)))
                else:
                    lines.append('%s: %s' % (action.rec_name, done))
        return ('failed' if failed else 'done'), lines, failed

    def preview(self, limit=50):
        """The (party, [what each action would do]) the scenario would act
        on now, without doing it, and their count"""
        Party = Pool().get('party.party')
        with self._as_owner():
            if self.trigger_kind in SCHEDULED_KINDS:
                items = self._new(self.due())
                ids = [i[0] for i in items]
                count = len(ids)
            else:
                # Any of them may be next: the first ones and their count
                domain = self.parsed_domain()
                ids = list(map(int, Party.search(domain, limit=limit)))
                count = Party.search_count(domain)
            shown = ids[:limit]
            picked = {a.id: a.pick_employees(len(shown))
                for a in self.actions if a.kind == 'assign_responsible'}
            result = []
            for index, party in enumerate(Party.browse(shown)):
                result.append((party, [a.describe(
                                party, picked.get(a.id), index)
                            for a in self.actions]))
        return result, count


class _Owner:
    "The transaction as a user, with his context and rights"

    def __init__(self, user_id, context):
        self.user_id = user_id
        self.context = context

    def __enter__(self):
        transaction = Transaction()
        self._user = transaction.set_user(self.user_id)
        self._user.__enter__()
        self._context = transaction.set_context(
            self.context, _check_access=True)
        self._context.__enter__()
        return self

    def __exit__(self, *exc):
        self._context.__exit__(*exc)
        self._user.__exit__(*exc)


def _plain(value):
    "A field's value as compared before and after a write"
    return value.id if hasattr(value, 'id') else value


def _reason(exception):
    "What went wrong, as the user would read it"
    message = getattr(exception, 'message', None) or str(exception)
    return message or exception.__class__.__name__


class AutomationAction(sequence_ordered(), ModelSQL, ModelView):
    "What a scenario does, one of its steps"
    __name__ = 'crm.automation.action'
    __string__ = "Automation Action"

    automation = fields.Many2One(
        'crm.automation', "Scenario", required=True, ondelete='CASCADE')
    kind = fields.Selection(ACTION_KINDS, "Do", required=True, sort=False)
    kind_string = kind.translated('kind')
    days = fields.Integer(
        "In Days", states=_action_is('plan_communication'),
        help="The communication is planned this many days ahead.")
    subject = fields.Char(
        "Subject",
        states=_action_is('plan_communication', 'notify', 'send_email'),
        help="{{name}}, {{company}}, {{responsible}}, {{date}} and "
        "{{scenario}} are replaced by their values.")
    text = fields.Text(
        "Text",
        states=_action_is('notify', 'send_email', 'send_sms', 'post_comment',
            'plan_communication'),
        help="{{name}}, {{company}}, {{responsible}}, {{date}} and "
        "{{scenario}} are replaced by their values.")
    to_responsible = fields.Boolean(
        "Responsible", states=_action_is('plan_communication', 'notify'),
        help="With or to the counterparty's responsible.")
    employees = fields.Many2Many(
        'crm.automation.action-company.employee', 'action', 'employee',
        "Employees",
        states=_action_is('plan_communication', 'notify',
            'assign_responsible'),
        help="Who takes part, is notified or is chosen among.")
    method = fields.Selection([
            ('round_robin', "Round robin"),
            ('least_loaded', "Least loaded"),
            ], "Method", states=_action_is('assign_responsible'))
    last_employee = fields.Many2One(
        'company.employee', "Last Chosen", readonly=True,
        ondelete='SET NULL', states=_action_is('assign_responsible'))
    status = fields.Many2One(
        'crm.counterparty.status', "Status", ondelete='RESTRICT',
        states=_action_is('set_status'))
    counterparty_type = fields.Many2One(
        'crm.counterparty.type', "Type", ondelete='RESTRICT',
        states=_action_is('set_type'))
    tag = fields.Many2One(
        'crm.counterparty.tag', "Tag", ondelete='RESTRICT',
        states=_action_is('add_tag'))
    group = fields.Many2One(
        'crm.counterparty.group', "Group", ondelete='RESTRICT',
        states=_action_is('add_group'))
    mailing = fields.Many2One(
        'crm.counterparty.mailing', "Mailing", ondelete='RESTRICT',
        states=_action_is('start_mailing'),
        help="A mailing whose copy is sent to the counterparty.")

    @staticmethod
    def default_method():
        return 'round_robin'

    @staticmethod
    def default_days():
        return 1

    @staticmethod
    def default_to_responsible():
        return True

    def get_rec_name(self, name):
        return self.kind_string if self.kind else ''

    @classmethod
    def validate_fields(cls, actions, field_names):
        super().validate_fields(actions, field_names)
        if field_names is None or field_names & {'subject', 'text'}:
            cls.check_placeholders(actions)

    @classmethod
    def check_placeholders(cls, actions):
        "A template names only the values it may name"
        for action in actions:
            for text in [action.subject, action.text]:
                for name in rules.unknown(text):
                    raise AutomationError(gettext(
                            'crm_counterparty.msg_automation_placeholder',
                            name=name))

    # Each kind: perform it (returns what was done) or describe it

    def _template_values(self, party):
        "The values of a template for party"
        employer = getattr(party, 'employer', None)
        return {
            'name': party.rec_name,
            'company': employer.rec_name if employer else '',
            'responsible': (party.responsible.rec_name
                if party.responsible else ''),
            'date': dt.date.today().isoformat(),
            'scenario': self.automation.name,
            }

    def render(self, text, party, markup=False):
        return rules.render(text, self._template_values(party), markup=markup)

    def perform(self, party, record=None):
        return getattr(self, '_do_%s' % self.kind)(party)

    def describe(self, party, picked=None, index=0):
        "What the action would do to party, in words"
        if self.kind == 'assign_responsible':
            employee = picked[index] if picked else None
            return '%s: %s' % (self.rec_name,
                employee.rec_name if employee else '-')
        target = {
            'plan_communication': lambda: self.render(self.subject, party),
            'set_status': lambda: self.status.rec_name,
            'set_type': lambda: self.counterparty_type.rec_name,
            'add_tag': lambda: self.tag.rec_name,
            'add_group': lambda: self.group.rec_name,
            'notify': lambda: ', '.join(
                e.rec_name for e in self._people(party)),
            'send_email': lambda: self._address(party, 'email') or '-',
            'send_sms': lambda: self._address(party, 'sms') or '-',
            'start_mailing': lambda: self.mailing.rec_name,
            'post_comment': lambda: self.render(self.text, party)[:80],
            }[self.kind]
        try:
            return '%s: %s' % (self.rec_name, target())
        except AttributeError:
            return '%s: -' % self.rec_name

    def _people(self, party):
        "The employees it is about: the responsible and those listed"
        people = list(self.employees)
        if self.to_responsible and party.responsible:
            people.insert(0, party.responsible)
        return list(dict.fromkeys(people))

    def _do_plan_communication(self, party):
        pool = Pool()
        Communication = pool.get('crm.communication')
        people = self._people(party) or [
            pool.get('company.employee')(
                Transaction().context['employee'])]
        start = Communication.default_start() + dt.timedelta(
            days=self.days or 0)
        communication, = Communication.create([{
                    'subject': self.render(self.subject, party) or '-',
                    'purpose': self.render(self.text, party) or None,
                    'start': start,
                    'end': start + dt.timedelta(minutes=30),
                    'organiser': people[0].id,
                    'employees': [('add', [e.id for e in people])],
                    'parties': [('add', [party.id])],
                    }])
        return communication.rec_name

    def pick_employees(self, count):
        "The employees given to count counterparties in turn, not saved"
        candidates = list(self.employees)
        loads = {}
        if self.method == 'least_loaded' and candidates:
            loads = _loads(candidates)
        chosen, _ = rules.spread(
            candidates, count, self.last_employee, loads, self.method)
        return chosen

    def _do_assign_responsible(self, party):
        Party = Pool().get('party.party')
        Action = self.__class__
        with without_check_access():
            # Read again: another party of the same run moved it on
            self = Action(self.id)
            candidates = list(self.employees)
            loads = (_loads(candidates) if self.method == 'least_loaded'
                else {})
            chosen, last = rules.spread(
                candidates, 1, self.last_employee, loads, self.method)
            if not chosen or chosen[0] is None:
                return '-'
            Action.write([self], {'last_employee': last.id})
        Party.write([party], {'responsible': chosen[0].id})
        return chosen[0].rec_name

    def _write(self, party, values, shown):
        Pool().get('party.party').write([party], values)
        return shown.rec_name

    def _do_set_status(self, party):
        return self._write(
            party, {'counterparty_status': self.status.id}, self.status)

    def _do_set_type(self, party):
        return self._write(party,
            {'counterparty_type': self.counterparty_type.id},
            self.counterparty_type)

    def _do_add_tag(self, party):
        return self._write(
            party, {'tags': [('add', [self.tag.id])]}, self.tag)

    def _do_add_group(self, party):
        return self._write(party,
            {'counterparty_groups': [('add', [self.group.id])]}, self.group)

    def _do_notify(self, party):
        pool = Pool()
        Communication = pool.get('crm.communication')
        Party = pool.get('party.party')
        subject = self.render(self.subject, party) or party.rec_name
        text = self.render(self.text, party)
        told = []
        users = Communication._users_of(self._people(party))
        for employee, employee_users in users.items():
            for user in employee_users:
                with without_check_access():
                    Party.notify_user([party], 'tryton-notification',
                        subject, description=text or None, user=user.id)
                if user.email:
                    send_text(user.rec_name, user.email, subject, text)
                told.append(user.rec_name)
        return ', '.join(told) or '-'

    @staticmethod
    def _address(party, name):
        "The party's address in channel name, as a mailing would reach it"
        return addresses([party], name).get(party)

    def _send(self, party, name):
        address = self._address(party, name)
        if not address:
            raise AutomationError(gettext(
                    'crm_counterparty.msg_automation_no_address',
                    party=party.rec_name))
        message = Message(address=address,
            text=self.render(self.text, party),
            subject=self.render(self.subject, party))
        try:
            with channel(name) as connection:
                connection.send(message)
        except ChannelError as e:
            raise AutomationError(str(e))
        return address

    def _do_send_email(self, party):
        return self._send(party, 'email')

    def _do_send_sms(self, party):
        return self._send(party, 'sms')

    def _do_start_mailing(self, party):
        Mailing = Pool().get('crm.counterparty.mailing')
        mailing, = Mailing.copy([self.mailing], default={
                'name': '%s: %s' % (self.mailing.name, party.rec_name),
                'parties': [party.id],
                'group': None,
                'filter': None,
                'send_at': None,
                'user': Transaction().user,
                })
        Mailing.send([mailing])
        return mailing.rec_name

    def _do_post_comment(self, party):
        Channel = Pool().get('ir.chat.channel')
        text = self.render(self.text, party)
        # As the client posts: the owner must read the card, the channel
        # itself is the core's to find or make
        Channel.check_access(party)
        with without_check_access():
            Channel.post(party, text)
        return text[:80]


def _loads(employees):
    "The number of counterparties of which each employee is responsible"
    pool = Pool()
    Party = pool.get('party.party')
    party = Party.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*party.select(party.responsible, Count(party.id),
            where=party.responsible.in_([e.id for e in employees])
            & (party.active == Literal(True)),
            group_by=[party.responsible]))
    by_id = dict(cursor)
    return {e: by_id.get(e.id, 0) for e in employees}


class AutomationActionEmployee(ModelSQL):
    "An employee an action names"
    __name__ = 'crm.automation.action-company.employee'
    __string__ = "Automation Action Employee"

    action = fields.Many2One(
        'crm.automation.action', "Action", required=True,
        ondelete='CASCADE')
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')


class AutomationRunAction(ModelSQL):
    "An action of a run that failed"
    __name__ = 'crm.automation.run-crm.automation.action'
    __string__ = "Automation Run Failed Action"

    run = fields.Many2One(
        'crm.automation.run', "Run", required=True, ondelete='CASCADE')
    action = fields.Many2One(
        'crm.automation.action', "Action", required=True,
        ondelete='CASCADE')


class AutomationRun(ModelSQL, ModelView):
    "What a scenario did to a counterparty, or why not"
    __name__ = 'crm.automation.run'
    __string__ = "Automation Run"

    automation = fields.Many2One(
        'crm.automation', "Scenario", required=True, readonly=True,
        ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Counterparty", required=True, readonly=True,
        ondelete='CASCADE')
    event_key = fields.Char("Event", required=True, readonly=True)
    record = fields.Char("Record", readonly=True)
    depth = fields.Integer("Depth", readonly=True)
    state = fields.Selection([
            ('running', "Running"),
            ('done', "Done"),
            ('failed', "Failed"),
            ('skipped', "Skipped"),
            ], "State", required=True, readonly=True)
    description = fields.Text("What Was Done", readonly=True)
    failed_actions = fields.Many2Many(
        'crm.automation.run-crm.automation.action', 'run', 'action',
        "Failed Actions", readonly=True,
        help="The actions that failed: Retry and the scheduler do them "
        "again, not those that were done.")
    retries = fields.Integer("Retries", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('event_unique', Unique(t, t.automation, t.event_key),
                'crm_counterparty.msg_automation_run_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.party, Index.Range())))
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'retry': {
                    'invisible': Eval('state') != 'failed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_retries(cls):
        return 0

    @classmethod
    def start(cls, scenario, items, depth):
        """The runs of scenario on the (party, key, record) of items, made
        now, but of the keys another run has (the scenario acts once on an
        event): all at once, else one by one"""
        def values(party_id, key, record):
            return {
                'automation': scenario.id,
                'party': party_id,
                'event_key': key,
                'record': record,
                'depth': depth,
                'state': 'running',
                }
        # Those already run are left out by a query; a run made meanwhile
        # by another worker breaks the unique key (PostgreSQL)
        items = scenario._new(items)
        with without_check_access():
            try:
                with savepoint():
                    return cls.create([values(*i) for i in items])
            except _DUPLICATE:
                pass
            runs = []
            for item in items:
                try:
                    with savepoint():
                        runs.extend(cls.create([values(*item)]))
                except _DUPLICATE:
                    continue
            return runs

    @classmethod
    def finish(cls, results, retried=False):
        "Write the (run, state, lines, failed actions) of results"
        args = []
        for run, state, lines, failed in results:
            values = {
                'state': state,
                'description': '\n'.join(lines),
                }
            # A new run has no failed action yet: not read for each run
            actions = []
            if retried:
                values['retries'] = run.retries + 1
                actions.append(
                    ('remove', [a.id for a in run.failed_actions]))
            if failed:
                actions.append(('add', [a.id for a in failed]))
            if actions:
                values['failed_actions'] = actions
            args.extend(([run], values))
        if args:
            with without_check_access():
                cls.write(*args)

    @classmethod
    @ModelView.button
    def retry(cls, runs):
        "Do again the actions of the runs that failed"
        for run in runs:
            if run.state == 'failed':
                run.automation.retry(run)

    @classmethod
    def retry_due(cls):
        """Queue again the failed runs whose delay has passed, each later
        than the one before, RETRIES times at most (ir.cron)"""
        now = dt.datetime.now()
        with without_check_access():
            runs = [r for r in cls.search([
                        ('state', '=', 'failed'),
                        ('retries', '<', rules.RETRIES),
                        ('failed_actions', '!=', None),
                        ])
                if rules.retry_due(
                    r.write_date or r.create_date, r.retries, now)]
        for i in range(0, len(runs), CHUNK):
            cls.__queue__.retry(runs[i:i + CHUNK])


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    automation_runs = fields.Function(
        fields.Many2Many('crm.automation.run', None, None, "Automation",
            readonly=True,
            help="What the automation scenarios did to the counterparty."),
        'get_automation_runs')

    def get_automation_runs(self, name):
        Run = Pool().get('crm.automation.run')
        with without_check_access():
            return list(map(int, Run.search(
                        [('party', '=', self.id)], limit=100)))

    @classmethod
    def on_write(cls, parties, values):
        callbacks = super().on_write(parties, values)
        Automation = Pool().get('crm.automation')
        names = set(values) & set(Automation.watched_fields())
        if names:
            before = {p.id: {n: _plain(getattr(p, n)) for n in names}
                for p in parties}
            callbacks.append(
                lambda: Automation.fields_changed(before, names))
        return callbacks


class Event(metaclass=PoolMeta):
    __name__ = 'crm.counterparty.event'

    @classmethod
    def handle(cls, events):
        super().handle(events)
        Pool().get('crm.automation').handle_events(events)


class Trigger(metaclass=PoolMeta):
    __name__ = 'ir.trigger'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.action.selection.append((TRIGGER_ACTION, "Automation Scenario"))


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('crm.automation|run_scheduled', "Run Automation Scenarios"),
                ('crm.automation.run|retry_due',
                    "Retry Failed Automation Actions"),
                ])


class AutomationTestStart(ModelView):
    "What a scenario would do now"
    __name__ = 'crm.automation.test.start'
    __string__ = "Scenario Test"

    count = fields.Integer("Counterparties", readonly=True)
    preview = fields.Text("It Would Do", readonly=True)


class AutomationTest(Wizard):
    "Show on which counterparties and how a scenario would act now"
    __name__ = 'crm.automation.test'

    start = StateView('crm.automation.test.start',
        'crm_counterparty.automation_test_start_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        result, count = self.record.preview()
        lines = []
        for party, effects in result:
            lines.append(party.rec_name)
            lines.extend('    ' + e for e in effects)
        return {
            'count': count,
            'preview': '\n'.join(lines),
            }
