# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Which records a user may link to a counterparty.

The rules of party.party decide which counterparties a user reads and
edits, but not which ids he may write into another record's field: a
record that points at a hidden counterparty reveals it (its name comes
back with the record, a shared group shows it to everyone), and one that
is a part of a counterparty's card (a phone, a payer, a relation, the
groups and tags it is in) changes it.  So CounterpartyLinkMixin, which
tryton.cfg mixes into every stored model (of any module, activated before
or after this one), finds the Many2One and Reference fields that may hold
a counterparty and checks each create a user makes before the records
exist (one that
names a counterparty in a communication he takes part in or in a shared
group would show it to him), and each write and delete
(``check_modification`` with ``external``):

- a plain link (a communication's counterparty, a task's, a favourite,
  whose star only its user sees, a card's replacement): the user must see
  the counterparty it is set to;
- a child link, named in ``CHILDREN`` (contact data,
  identifiers, payers, relations, group and tag memberships, categories,
  languages, a contact person's employer, the party of a company or an
  employee, attachments, notes, avatars, e-mails): the record belongs to
  the card, so the user must edit the counterparty it leaves, joins or is
  deleted from.

A card created in the same call is its creator's to fill in (the form
creates its phones and contact persons with it).  One2Many and Many2Many
fields write through these models; a table query is written through the
models it reads.  tests/test_counterparty_link.py reads the pool for every
field that points at party.party and fails on one that is neither checked
here nor listed there with the reason it needs no check, and on a checked
one that is neither in ``CHILDREN`` nor listed there as a plain link with
its reason."""
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

from .access import allowed_ids, may_hold_counterparty, new_ids_above
from .exceptions import CounterpartyLinkError


# The fields that make a record a part of a counterparty's card, by model:
# who adds, changes or removes one must edit the card
CHILDREN = {
    # A contact person is listed on its company's card
    'party.party': {'employer'},
    'party.party.lang': {'party'},
    'party.party-party.category': {'party'},
    'party.identifier': {'party'},
    'party.address': {'party'},
    'party.contact_mechanism': {'party'},
    # The reverse relation is shown on the other card
    'party.relation': {'from_', 'to'},
    # The party of a company or an employee is seen by everyone
    'company.company': {'party'},
    'company.employee': {'party'},
    'crm.counterparty.payer': {'party'},
    'crm.counterparty.tag-party.party': {'party'},
    # A shared group shows its counterparties to everyone
    'crm.counterparty.group-party.party': {'party'},
    'ir.attachment': {'resource'},
    'ir.note': {'resource'},
    'ir.avatar': {'resource'},
    'ir.email': {'resource'},
    }


class CounterpartyLinkMixin:
    "Links to counterparties only to those the user sees or edits"
    __slots__ = ()

    @classmethod
    def counterparty_links(cls):
        "The names of the stored fields that may hold a counterparty"
        # Found once, not at each write (a mixin comes after the setup)
        links = cls.__dict__.get('_counterparty_links')
        if links is None:
            links = cls._counterparty_links = [] if cls._is_table_query() \
                else [name for name, field in cls._fields.items()
                    if may_hold_counterparty(field)]
        return links

    @classmethod
    def _counterparty_child(cls, name):
        "Whether the field name makes the record a part of the card"
        return name in CHILDREN.get(cls.__name__, ())

    @classmethod
    def _before_create(cls, vlist):
        vlist = super()._before_create(vlist)
        links = cls.counterparty_links()
        if Transaction().check_access and links:
            # Before the records exist: a link to a communication one takes
            # part in or to a shared group would itself show the
            # counterparty
            defaults = cls.default_get(links, with_rec_name=False)
            for name in links:
                cls._check_counterparties(name, _party_ids(
                        v.get(name, defaults.get(name)) for v in vlist),
                    cls._counterparty_child(name))
        return vlist

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if not external or mode == 'create':
            return
        for name in cls.counterparty_links():
            child = cls._counterparty_child(name)
            linked = []
            if mode == 'write' and name in values:
                linked = [values[name]]
                if child:
                    linked += [getattr(r, name) for r in records]
            elif mode == 'delete' and child:
                linked = [getattr(r, name) for r in records]
            cls._check_counterparties(name, _party_ids(linked), child)

    @classmethod
    def _check_counterparties(cls, name, ids, child):
        "Raise unless the user sees (and for a child edits) the ids"
        pool = Pool()
        Party = pool.get('party.party')
        new_above = Transaction().context.get('_counterparty_new_above')
        new = {i for i in ids if new_above is not None and i > new_above}
        if new:
            # The cards this transaction made: one that another made since
            # is not in its snapshot
            with without_check_access(), inactive_records():
                ids -= set(map(int, Party.search(
                                [('id', 'in', list(new))], order=[])))
        if not ids:
            return
        # Editing is within what one sees (ir.py): one query when it passes
        refused = _forbidden(ids, 'write' if child else 'read')
        if not refused:
            return
        if not child or _forbidden(set(refused), 'read'):
            raise CounterpartyLinkError(gettext(
                    'crm_counterparty.msg_counterparty_link_hidden',
                    **cls.__names__(name)))
        raise CounterpartyLinkError(gettext(
                'crm_counterparty.msg_counterparty_link_not_editable',
                party=Party(refused[0]).rec_name, **cls.__names__(name)))


def _party_ids(values):
    "The ids of the counterparties among field values"
    ids = set()
    for value in values:
        if isinstance(value, str):
            model, _, id_ = value.partition(',')
            value = (model, id_)
        if isinstance(value, (list, tuple)):
            model, id_ = value
            if model == 'party.party' and str(id_).lstrip('-').isdigit():
                ids.add(int(id_))
        elif isinstance(value, int):
            ids.add(value)
        elif getattr(value, '__name__', None) == 'party.party':
            ids.add(value.id)
    return {i for i in ids if i is not None and i >= 0}


def _forbidden(ids, mode):
    "The ids of the counterparties the rules of mode keep from the user"
    Party = Pool().get('party.party')
    return sorted(ids - allowed_ids(Party, ids, mode))


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def create(cls, vlist):
        # The form creates a card with its contact data and contact persons
        # in one call: a new card is its creator's to fill in
        with new_ids_above(cls, '_counterparty_new_above'):
            return super().create(vlist)
