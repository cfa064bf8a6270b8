# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Events of a counterparty that automation acts on.

The interface, the whole of it: whatever happens to a counterparty that
automation may act on is raised with

    Event.raise_event(kind, party, record=None, **values)

(Event = pool.get('crm.counterparty.event')): it stores the event, with
the record it is about (the communication of a call …) and values (plain
JSON: the number, the result …), then calls Event.handle(events).  Here
handle does nothing; automation extends crm.counterparty.event with a
PoolMeta class, overrides handle (calling super) and reads the stored
events for what it missed.  The kinds are KINDS; a new source adds its
kind there.  The events are the administrator's to read, not the CRM
users' (they name counterparties one may not see).
"""
from trytond.model import Index, ModelSQL, ModelView, fields

KINDS = [
    ('call_received', "Call Received"),
    ('call_missed', "Call Missed"),
    ('email_received', "E-mail Received"),
    ('guest_message', "Guest Wrote on the Portal"),
    ('import_done', "Import Finished"),
    ]


class Event(ModelSQL, ModelView):
    "Something that happened to a counterparty, for automation"
    __name__ = 'crm.counterparty.event'
    __string__ = "Counterparty Event"

    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True)
    party = fields.Many2One(
        'party.party', "Counterparty", required=True, readonly=True,
        ondelete='CASCADE')
    record = fields.Reference(
        "Record", selection=[
            (None, ""),
            ('crm.communication', "Communication"),
            ], readonly=True)
    values = fields.Dict(None, "Values", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.kind, Index.Equality(cardinality='low')),
                (t.create_date, Index.Range())))
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def raise_event(cls, kind, party, record=None, **values):
        "Store the event kind of party and hand it to automation"
        event, = cls.raise_each(kind, [(party, record, values)])
        return event

    @classmethod
    def raise_events(cls, kind, parties, **values):
        "Store the event kind of each of parties, handed over at once"
        return cls.raise_each(kind, [(p, None, values) for p in parties])

    @classmethod
    def raise_each(cls, kind, raised):
        """Store the events kind of raised, (party, record, values) each, in
        one create and hand them over at once"""
        if not raised:
            return []
        events = cls.create([{
                    'kind': kind,
                    'party': int(party),
                    'record': str(record) if record else None,
                    'values': values,
                    } for party, record, values in raised])
        cls.handle(events)
        return events

    @classmethod
    def handle(cls, events):
        "Act on the events just raised: automation overrides it"
