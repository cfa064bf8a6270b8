# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Calls of IP telephony: a connector per PBX account, whose webhook
(routes.py) receives the provider's call events (or whose Asterisk it
listens to).  The provider's shape and signature
are read by the telephony/ package; here each CallEvent is acted on: a
ringing phone tells the employee of its extension whose card calls (or
offers to create one), an ended call is logged on the card as a
communication of category Call, a missed one plans a call back, and both
raise the automation's events (event.py)."""
import asyncio
import datetime as dt
import json
import logging
import uuid

import phonenumbers
from sql import Conflict

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, PYSONEncoder
from trytond.transaction import Transaction, without_check_access

from . import schedule
from . import telephony as engine
from .exceptions import CallError
from .mail_signature import Sender
from .phone import DEFAULT_REGION
from .search import PHONE_TYPES
from .telephony import (
    ANSWERED_RESULT, ENDED, INCOMING, MISSED_RESULT, OUTGOING, RECORDED,
    RINGING, Refused, ami, api, asterisk)
from .unmatched import UnmatchedMixin

PROVIDERS = [
    ('mango', "Mango Office"),
    ('zadarma', "Zadarma"),
    ('sipuni', "Sipuni"),
    ('generic', "Generic JSON"),
    ('asterisk', "Asterisk (AMI)"),
    ]
_ASTERISK = {
    'invisible': Eval('provider') != 'asterisk',
    'required': Eval('provider') == 'asterisk',
    }
# The providers whose API click-to-call asks (telephony/api.py)
_CALLBACK_PROVIDERS = ['mango', 'zadarma', 'sipuni']
_CALLBACK = {
    'invisible': ~Eval('provider').in_(_CALLBACK_PROVIDERS),
    }
# How long the ids of the events received are kept: a shape that tells no
# time of sending (Zadarma's) has a replay refused by its id alone
RECEIVED_KEPT = dt.timedelta(days=30)
logger = logging.getLogger(__name__)
# What an Asterisk listener connects with: a change of these starts it again
_AMI_LISTENED = ['ami_host', 'ami_port', 'ami_username', 'secret']
# How often, in seconds, an Asterisk listener looks whether to stop
_AMI_STEP = 0.5
# The communications named in the notification of a call
LAST_COMMUNICATIONS = 3


class Connector(DeactivableMixin, ModelSQL, ModelView):
    "A PBX account whose calls reach the cards"
    __name__ = 'crm.telephony.connector'
    __string__ = "Telephony Connector"

    name = fields.Char("Name", required=True)
    company = fields.Many2One('company.company', "Company", required=True)
    provider = fields.Selection(PROVIDERS, "Provider", required=True)
    secret = fields.Char(
        "Secret", required=True, strip=False,
        help="What the provider signs its requests with: Mango's API salt, "
        "Zadarma's API secret, the token of Sipuni's address, the key of "
        "the generic shape.")
    employee = fields.Many2One(
        'company.employee', "Employee", required=True,
        domain=[('company', '=', Eval('company', -1))],
        help="Who has the calls of no extension below.")
    extensions = fields.One2Many(
        'crm.telephony.extension', 'connector', "Extensions")
    api_key = fields.Char("API Key", states=_CALLBACK,
        help="Mango's vpbx_api_key, Zadarma's key, Sipuni's account number: "
        "with the secret, click-to-call asks the provider's API to ring the "
        "employee's extension, then dial the number. Empty: no "
        "click-to-call.")
    api_secret = fields.Char("API Secret", strip=False,
        states={
            'invisible': Eval('provider') != 'sipuni',
            'required': (Eval('provider') == 'sipuni') & Bool(Eval('api_key')),
            },
        help="Sipuni's integration key (Settings › API), which signs "
        "click-to-call; its events are told by the token above.")
    api_url = fields.Char("API Address", states=_CALLBACK,
        help="Empty for the provider's own.")
    ami_host = fields.Char("AMI Host", states=_ASTERISK)
    ami_port = fields.Integer("AMI Port", states=_ASTERISK)
    ami_username = fields.Char("AMI User", states=_ASTERISK)
    ami_channel = fields.Char(
        "Channel", states=_ASTERISK,
        help="The device of an extension, that click-to-call rings first; "
        "{extension} is replaced by the employee's extension.")
    ami_context = fields.Char(
        "Context", states=_ASTERISK,
        help="The dialplan context click-to-call dials the number from.")

    @classmethod
    def default_provider(cls):
        return 'generic'

    @classmethod
    def default_ami_port(cls):
        return 5038

    @classmethod
    def default_ami_channel(cls):
        return 'PJSIP/{extension}'

    @classmethod
    def default_ami_context(cls):
        return 'from-internal'

    def receive(self, delivery, now=None):
        "Act on the call events of a webhook's delivery; how many were new"
        module = engine.providers().get(self.provider)
        if module is None or not module.verify(self.secret, delivery):
            raise Refused('signature')
        return self._take(module.events(delivery), now)

    def receive_ami(self, message, now=None):
        "Act on the call events of an AMI message; how many were new"
        return self._take(asterisk.events(
                message, {e.extension for e in self.extensions}), now)

    def _take(self, events, now):
        if now is None:
            now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        for event in events:
            engine.check_window(event, now)
        fresh = [e for e in events if self._first_time(e, now)]
        with Transaction().set_context(company=self.company.id):
            for event in fresh:
                self._act(event, now)
        return len(fresh)

    @property
    def ami_address(self):
        return (self.ami_host, self.ami_port)

    def originate(self, extension, number):
        "Ask the PBX to ring extension and then dial number (E.164)"
        if self.provider == 'asterisk':
            ami.send(self.ami_address, self.ami_username, self.secret,
                asterisk.originate(
                    self.ami_channel, self.ami_context, extension, number))
            return
        module = engine.providers()[self.provider]
        # Sipuni's API is signed with a key of its own, not its events' token
        secret = self.api_secret if self.provider == 'sipuni' else self.secret
        request = module.callback_request(self.api_key, secret,
            extension, number.lstrip('+'), uuid.uuid4().hex)
        module.callback_result(
            api.ask(self.api_url or module.API_URL, request))

    @classmethod
    def click_to_call_domain(cls, prefix=''):
        "The domain of the connectors that click-to-call may ask"
        return ['OR',
            (prefix + 'provider', '=', 'asterisk'),
            [(prefix + 'provider', 'in', _CALLBACK_PROVIDERS),
                (prefix + 'api_key', '!=', None)],
            ]

    def _first_time(self, event, now):
        """Whether the event is received for the first time: its id is kept,
        a second delivery (a replay, or the same sent twice at once) is
        not inserted and waits for the first one's transaction"""
        Received = Pool().get('crm.telephony.received')
        table = Received.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.insert(
                [table.connector, table.event_id, table.create_uid,
                    table.create_date],
                [[self.id, event.event_id, 0, now]],
                on_conflict=Conflict(
                    table, indexed_columns=[table.connector, table.event_id])))
        return cursor.rowcount == 1

    def _act(self, event, now):
        if event.kind == RINGING and event.direction == INCOMING:
            self.tell_ringing(event)
        elif event.kind == ENDED:
            self.log_call(event, now)
        elif event.kind == RECORDED:
            self.attach_recording(event)

    def employee_of(self, extension):
        "The employee whose extension it is, else the connector's"
        for line in self.extensions:
            if extension and line.extension == extension:
                return line.employee
        return self.employee

    @staticmethod
    def parties_of(number):
        """The counterparties whose phone number is, written in any way,
        with the companies of the persons"""
        Party = Pool().get('party.party')
        try:
            parsed = phonenumbers.parse(number, DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            return []
        e164 = phonenumbers.format_number(
            parsed, phonenumbers.PhoneNumberFormat.E164)
        # As the search box finds it: by the digits of the phones, through
        # the trigram index
        parties = Party.search([
                ('rec_name', 'ilike', e164),
                ], order=[('id', 'ASC')])
        return list(dict.fromkeys(q for p in parties
                for q in [p, p.employer] if q))

    def tell_ringing(self, event):
        "Tell the users of the called employee who calls"
        pool = Pool()
        User = pool.get('res.user')
        employee = self.employee_of(event.extension)
        parties = self.parties_of(event.number)
        for user in User.search([('employees', '=', employee.id)]):
            language = user.language.code if user.language else None
            with Transaction().set_context(language=language):
                if parties:
                    _tell_card(user, parties[0], event.number)
                else:
                    _offer_create(user, event.number)

    def log_call(self, event, now):
        "Log the ended call on its counterparties' cards, or on none"
        Communication = Pool().get('crm.communication')
        if self._logged(event):
            return
        # A number no card has is logged too: it waits in Unmatched Calls
        parties = self.parties_of(event.number)
        communication, = Communication.create(
            [self._call_values(event, parties, now)])
        if parties:
            communication.raise_call_event(parties[0])
        if event.direction == INCOMING and event.result == MISSED_RESULT:
            self.plan_call_back(communication)

    def _logged(self, event):
        Communication = Pool().get('crm.communication')
        return bool(Communication.search([
                    ('call_connector', '=', self.id),
                    ('call_id', '=', event.call_id),
                    ], limit=1))

    def _call_values(self, event, parties, now):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        duration = event.duration or dt.timedelta()
        start = event.start or (now - duration)
        employee = self.employee_of(event.extension)
        message = ('crm_counterparty.msg_call_incoming'
            if event.direction == INCOMING
            else 'crm_counterparty.msg_call_outgoing')
        return {
            'company': self.company.id,
            'subject': gettext(message, number=event.number),
            'category': ModelData.get_id(
                'crm_counterparty', 'communication_category_call'),
            'start': schedule.to_minute(start),
            'end': schedule.to_minute(start + duration),
            'held': schedule.to_minute(start),
            'state': 'done',
            'organiser': employee.id,
            'employees': [('add', [employee.id])],
            'parties': [('add', [p.id for p in parties])],
            'place': event.number,
            'call_connector': self.id,
            'call_id': event.call_id,
            'call_direction': event.direction,
            'call_result': event.result,
            'call_duration': duration,
            'recording': event.recording or None,
            }

    @staticmethod
    def plan_call_back(missed):
        "Plan calling back who called and was not answered"
        Communication = Pool().get('crm.communication')
        start = missed.planned_start(None)
        Communication.create([{
                    'company': missed.company.id,
                    'subject': gettext('crm_counterparty.msg_call_back',
                        number=missed.place),
                    'category': missed.category.id,
                    'start': start,
                    'end': schedule.end_of(start, schedule.DEFAULT_DURATION),
                    'place': missed.place,
                    'organiser': missed.organiser.id,
                    'employees': [('add', [missed.organiser.id])],
                    'parties': [('add', [p.id for p in missed.parties])],
                    'previous': missed.id,
                    }])

    def attach_recording(self, event):
        "The recording of a logged call, when it comes after its end"
        Communication = Pool().get('crm.communication')
        Communication.write(Communication.search([
                    ('call_connector', '=', self.id),
                    ('call_id', '=', event.call_id),
                    ]), {'recording': event.recording})


def _tell_card(user, party, number):
    "Notify user of a call from party, naming its last communications"
    pool = Pool()
    Communication = pool.get('crm.communication')
    Party = pool.get('party.party')
    last = Communication.search([
            ('parties', '=', party.id),
            ('state', '=', 'done'),
            ], order=[('start', 'DESC')], limit=LAST_COMMUNICATIONS)
    Party.notify_user([party], 'tryton-notification',
        gettext('crm_counterparty.msg_call_ringing',
            number=number, party=party.rec_name),
        description='; '.join(c.subject for c in last) or None,
        user=user.id)


def _offer_create(user, number):
    "Notify user of a call from an unknown number, offering its card"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    Notification = pool.get('res.notification')
    Notification.create([{
                'user': user.id,
                'icon': 'tryton-notification',
                'label': gettext(
                    'crm_counterparty.msg_call_unknown', number=number),
                'action': ModelData.get_id(
                    'crm_counterparty', 'act_party_from_call'),
                'action_value': json.dumps({
                        'pyson_context': PYSONEncoder().encode(
                            {'crm_call_number': number}),
                        }),
                }])


class Extension(ModelSQL, ModelView):
    "The extension of an employee on a PBX"
    __name__ = 'crm.telephony.extension'
    __string__ = "Telephony Extension"

    connector = fields.Many2One(
        'crm.telephony.connector', "Connector", required=True,
        ondelete='CASCADE')
    extension = fields.Char("Extension", required=True)
    employee = fields.Many2One('company.employee', "Employee", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('extension_unique', Unique(t, t.connector, t.extension),
                'crm_counterparty.msg_telephony_extension_unique'),
            ]


class Received(ModelSQL):
    "The id of a call event received, so that it is acted on once"
    __name__ = 'crm.telephony.received'
    __string__ = "Telephony Event Received"

    connector = fields.Many2One(
        'crm.telephony.connector', "Connector", required=True,
        ondelete='CASCADE')
    event_id = fields.Char("Event ID", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('event_unique', Unique(t, t.connector, t.event_id),
                'crm_counterparty.msg_telephony_event_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.create_date, Index.Range())))

    @classmethod
    def purge(cls, now=None):
        "Forget the ids of the events received longer ago than RECEIVED_KEPT"
        if now is None:
            now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.delete(
                where=table.create_date < now - RECEIVED_KEPT))


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(('crm.telephony.received|purge',
                "Forget the Telephony Events Received Long Ago"))


class Communication(UnmatchedMixin, metaclass=PoolMeta):
    __name__ = 'crm.communication'

    call_connector = fields.Many2One(
        'crm.telephony.connector', "Telephony Connector", readonly=True,
        ondelete='SET NULL')
    call_id = fields.Char("Call ID", readonly=True)
    call_direction = fields.Selection([
            (None, ""),
            (INCOMING, "Incoming"),
            (OUTGOING, "Outgoing"),
            ], "Call Direction", readonly=True)
    call_result = fields.Selection([
            (None, ""),
            (ANSWERED_RESULT, "Answered"),
            (MISSED_RESULT, "Missed"),
            ], "Call Result", readonly=True)
    call_duration = fields.TimeDelta("Call Duration", readonly=True)
    recording = fields.Char("Recording", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.call_connector, Index.Equality()),
                (t.call_id, Index.Equality()),
                where=t.call_id != None))  # noqa: E711
        unmatched = {
            'invisible': Bool(Eval('parties')) | (Eval('id', -1) < 0),
            'depends': ['parties'],
            }
        cls._buttons.update({
                'create_client': unmatched,
                'attach': unmatched,
                })

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//page[@id="call"]', 'states', {
                    'invisible': ~Eval('call_direction'),
                    }),
            ]

    def needs_parties(self):
        # A call of a number no card has waits in Unmatched Calls
        ModelData = Pool().get('ir.model.data')
        return super().needs_parties() and not (self.place
            and self.category.id == ModelData.get_id(
                'crm_counterparty', 'communication_category_call'))

    def unmatched_sender(self):
        return Sender(phone=self.place)

    def unmatched_contact(self):
        return 'phone', self.place

    @classmethod
    @ModelView.button_action('crm_counterparty.wizard_call_attach')
    def attach(cls, communications):
        pass

    def land_on(self, parties):
        """Put the call and the calls back that follow it on parties (with
        the companies of the persons)"""
        chosen = parties[0]
        parties = {q for p in parties for q in [p, p.employer] if q}
        calls = [self] + self.__class__.search([
                ('previous', '=', self.id),
                ('parties', '=', None),
                ])
        self.__class__.write(calls, {
                'parties': [('add', [p.id for p in parties])],
                })
        # Automation hears of the call once it knows whose it was
        self.raise_call_event(chosen)

    def raise_call_event(self, party):
        "Tell automation of party's incoming call, answered or missed"
        Event = Pool().get('crm.counterparty.event')
        if not self.call_connector or self.call_direction != INCOMING:
            return
        kind = ('call_received' if self.call_result == ANSWERED_RESULT
            else 'call_missed')
        # The events are the administrators' (event.py)
        with without_check_access():
            Event.raise_event(kind, party, self,
                number=self.place, employee=self.organiser.id)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def default_contact_mechanisms(cls):
        "A card created from a call's notification has its number"
        number = Transaction().context.get('crm_call_number')
        if number:
            return [{'type': 'phone', 'value': number}]
        return []


class ContactMechanism(metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'call': {
                    'invisible': ~Eval('type').in_(sorted(PHONE_TYPES)),
                    'depends': ['type'],
                    },
                })

    @classmethod
    @ModelView.button
    def call(cls, mechanisms):
        "Ring the user's extension, then dial the phone (click-to-call)"
        pool = Pool()
        Connector = pool.get('crm.telephony.connector')
        Extension = pool.get('crm.telephony.extension')
        User = pool.get('res.user')
        employee = User(Transaction().user).employee
        # The user's own extension, on a connector only administrators see
        with without_check_access():
            extensions = Extension.search([
                    ('employee', '=', employee.id if employee else None),
                    Connector.click_to_call_domain('connector.'),
                    ('connector.active', '=', True),
                    ], order=[('connector', 'ASC'), ('id', 'ASC')], limit=1)
            if not extensions:
                raise CallError(
                    gettext('crm_counterparty.msg_call_no_extension'))
            extension, = extensions
            for mechanism in mechanisms:
                try:
                    extension.connector.originate(extension.extension,
                        mechanism.value_compact or mechanism.value)
                except (Refused, OSError) as exception:
                    raise CallError(gettext(
                            'crm_counterparty.msg_call_refused',
                            number=mechanism.value,
                            reason=str(exception))) from exception


async def listen_asterisk(database_name, connector_id, stop):
    """Act on the call events of the connector's Asterisk until the asyncio
    event stop is set, each message in a transaction of its own"""
    with Transaction().start(database_name, 0, readonly=True):
        Connector = Pool().get('crm.telephony.connector')
        connector = Connector(connector_id)
        address, username, secret = (
            connector.ami_address, connector.ami_username, connector.secret)

    def on_message(message):
        with Transaction().start(database_name, 0) as transaction:
            try:
                Connector = Pool().get('crm.telephony.connector')
                Connector(connector_id).receive_ami(message)
            except Refused:
                logger.warning("AMI message refused: %s", message)
                transaction.rollback()
            else:
                transaction.commit()
    await ami.listen(address, username, secret, on_message, stop)


def asterisk_listened(database_name):
    "What each active Asterisk connector is listened to with, by its id"
    with Transaction().start(database_name, 0, readonly=True):
        Connector = Pool().get('crm.telephony.connector')
        return {c.id: tuple(getattr(c, f) for f in _AMI_LISTENED)
            for c in Connector.search([
                    ('provider', '=', 'asterisk'), ('active', '=', True)])}


def listen_asterisk_thread(database_name, connector_id, own):
    """Listen to the connector's Asterisk in an event loop of this thread
    until the threading event own is set (listening.supervise starts it
    again if it ends before)"""
    async def run():
        stop = asyncio.Event()
        listening = asyncio.create_task(
            listen_asterisk(database_name, connector_id, stop))
        # A threading event cannot be awaited: it is looked at each step
        while not own.is_set() and not listening.done():
            await asyncio.sleep(_AMI_STEP)
        stop.set()
        await listening
    try:
        asyncio.run(run())
    except Exception:
        logger.warning("Asterisk of connector %s not listened to",
            connector_id, exc_info=True)
