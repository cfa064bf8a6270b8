# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Likely duplicates of a card, shown while it is typed, and the pairs the
users said are not one.  The rules of what a duplicate is are in
duplicate_keys.py; here only which cards are looked at: those the user may
see (``allowed_ids``), never the card itself, its company or its contact
persons, nor a pair marked "not a duplicate"."""
from collections import defaultdict

from sql import Literal, Union
from sql.functions import Lower
from sql.operators import And, Like, Or

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Check, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from . import duplicate_keys
from .access import as_rule_checks, rules_domain
from .client_list import in_card_order
from .exceptions import NotDuplicateError
from .party import REQUISITE_TYPES

# At most this many cards are compared by name while a card is typed
NAME_CANDIDATES = 200
# At most this many duplicates are shown on a card
SHOWN = 10
# The words of a name looked for, the longest first
NAME_WORDS = 2
# The cards holding a word of the name read before the rules keep those the
# user sees: one who sees fewer than one in this many of them gets a query
# with the rules in it (slower: planned each time)
OVERREAD = 2
# The contact mechanisms whose values are phones of a card
PHONE_MECHANISMS = {'phone', 'mobile'}


class NotDuplicate(ModelSQL, ModelView):
    """Two counterparties a user said are not one: never proposed again,
    to anyone; who said it and when are its creator and creation date"""
    __name__ = 'crm.counterparty.not_duplicate'
    __string__ = "Not Duplicate Counterparties"

    party = fields.Many2One(
        'party.party', "Counterparty", required=True, ondelete='CASCADE')
    other = fields.Many2One(
        'party.party', "Other Counterparty", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # A pair is stored once, its lower id first
        cls._sql_constraints += [
            ('pair_unique', Unique(t, t.party, t.other),
                'crm_counterparty.msg_not_duplicate_unique'),
            ('pair_order', Check(t, t.party < t.other),
                'crm_counterparty.msg_not_duplicate_order'),
            ]

    @classmethod
    def mark(cls, party, others):
        "Remember that party is none of others"
        pairs = {tuple(sorted((party.id, o.id))) for o in others
            if o.id != party.id}
        known = cls.pairs_of([party])
        cls.create([{'party': a, 'other': b}
                for a, b in sorted(pairs - known)])

    @classmethod
    def pairs_of(cls, parties):
        "The pairs, as (lower id, higher id), that name one of parties"
        ids = [p.id for p in parties if p.id is not None and p.id >= 0]
        if not ids:
            return set()
        pairs = cls.search(['OR',
                ('party', 'in', ids),
                ('other', 'in', ids),
                ])
        return {(p.party.id, p.other.id) for p in pairs}


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    duplicates = fields.Function(fields.Many2Many(
            'party.party', None, None, "Likely Duplicates",
            context={
                'duplicate_of': Eval('id', -1),
                },
            states={
                'invisible': ~Eval('duplicates', []),
                },
            help="Counterparties that may be this one: open one instead of "
            "making a new card, or say it is not a duplicate."),
        'on_change_with_duplicates')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'open_duplicate': {},
                'not_duplicate': {},
                })

    @fields.depends('id', 'name', 'kind', 'inn', 'kpp', 'employer',
        '_parent_employer.id', 'contact_persons', 'contact_mechanisms')
    def on_change_with_duplicates(self, name=None):
        pool = Pool()
        NotDuplicate = pool.get('crm.counterparty.not_duplicate')
        keys = self.duplicate_keys()
        excluded = {r.id for r in self.contact_persons or []}
        excluded.update({self.id, getattr(self.employer, 'id', None)})
        unwanted = NotDuplicate.pairs_of([self])
        threshold = _name_threshold()
        matches = {}
        for other, other_keys in self._duplicate_candidates(keys).items():
            if (other in excluded
                    or tuple(sorted((self.id or -1, other))) in unwanted):
                continue
            pair = duplicate_keys.compare(keys, other_keys, threshold)
            if pair:
                matches[other] = other_keys, pair
        outranked = duplicate_keys.outranked(keys, matches)
        found = sorted((-p.score, i) for i, (_, p) in matches.items()
            if i not in outranked)
        return [i for _, i in found[:SHOWN]]

    def duplicate_keys(self):
        "The CardKeys of the card as it is (perhaps not saved yet)"
        return _card_keys(self.name, getattr(self, 'kind', None),
            self.inn, self.kpp,
            [(m.type, m.value) for m in self.contact_mechanisms or []
                if getattr(m, 'value', None)])

    @classmethod
    def _duplicate_candidates(cls, keys):
        """{id: CardKeys} of the active cards the user may see that hold a
        key of keys, or the words of its name, whether or not the caller
        checks access (_candidates); their keys in up to two more queries,
        only those of the kinds keys has"""
        pool = Pool()
        ContactMechanism = pool.get('party.contact_mechanism')
        Identifier = pool.get('party.identifier')
        cards = {i: (name, kind, {}, [])
            for i, (name, kind) in cls._candidates(keys).items()}
        # Only the kinds of keys the card has count (duplicate_keys.compare),
        # and the INN of any (a match by name outranked by one of another
        # INN): the others are neither read nor parsed
        if keys.inn or keys.name:
            # The first of each type, as the card shows them
            for i, type_, code in in_card_order(Identifier, list(cards),
                    [REQUISITE_TYPES['inn'], REQUISITE_TYPES['kpp']],
                    'code'):
                cards[i][2].setdefault(type_, code)
        types = ((PHONE_MECHANISMS if keys.phones else set())
            | ({'email'} if keys.emails else set()))
        if types:
            for i, type_, value in in_card_order(
                    ContactMechanism, list(cards), types, 'value'):
                cards[i][3].append((type_, value))
        return {i: _card_keys(name, kind, codes.get(REQUISITE_TYPES['inn']),
                codes.get(REQUISITE_TYPES['kpp']), mechanisms)
            for i, (name, kind, codes, mechanisms) in cards.items()}

    @classmethod
    def _candidates(cls, keys):
        """{id: (name, kind)} of the candidates: found without the rules (a
        query planned for the words typed), then those the user sees kept
        (a query PostgreSQL plans once for the rules)"""
        visible = rules_domain(cls)
        size = NAME_CANDIDATES * (OVERREAD if visible else 1)
        holders = _key_holders(keys)
        party = cls.__table__()
        names = _name_conditions(party, keys.name)
        tagged = ([(0, holders)] if holders else []) + [
            (tag, party.select(party.id,
                    where=where & (party.active == Literal(True)),
                    order_by=[party.id.asc], limit=size))
            for tag, where in enumerate(names, 1)]
        if not tagged:
            return {}
        cursor = Transaction().connection.cursor()
        _execute_unprepared(cursor, Union(*(
                    q.select(Literal(t), q.id) for t, q in tagged),
                all_=True))
        found = defaultdict(list)
        for tag, id_ in cursor:
            found[tag].append(id_)
        seen = cls._seen(set().union(*found.values()), visible)
        kept = {i for i in found[0] if i in seen}
        for tag, where in enumerate(names, 1):
            ids = [i for i in sorted(found[tag]) if i in seen]
            if len(found[tag]) == size and len(ids) < NAME_CANDIDATES:
                # He sees few of the first found: the first he sees
                first = cls._first_seen(
                    party.select(party.id, where=where), visible)
                seen.update(first)
                ids = sorted(first)
            kept.update(ids[:NAME_CANDIDATES])
        return {i: seen[i] for i in kept}

    @classmethod
    def _seen(cls, ids, visible):
        "{id: (name, kind)} of the active cards of ids the user sees"
        if not ids:
            return {}
        party = cls.__table__()
        with as_rule_checks():
            query = cls.search(
                [('id', 'in', sorted(ids)), visible], order=[], query=True)
        cursor = Transaction().connection.cursor()
        cursor.execute(*party.select(party.id, party.name, party.kind,
                where=party.id.in_(query)))
        return {i: (name, kind) for i, name, kind in cursor}

    @classmethod
    def _first_seen(cls, holders, visible):
        """{id: (name, kind)} of the first active cards of the query holders
        that the user sees, the rules in the query (planned each time)"""
        party = cls.__table__()
        with as_rule_checks():
            query = cls.search([('id', 'in', holders), visible],
                limit=NAME_CANDIDATES, order=[], query=True)
        cursor = Transaction().connection.cursor()
        _execute_unprepared(cursor, party.select(
                party.id, party.name, party.kind, where=party.id.in_(query)))
        return {i: (name, kind) for i, name, kind in cursor}

    @classmethod
    @ModelView.button_action('crm_counterparty.act_duplicate_open')
    def open_duplicate(cls, parties):
        pass

    @classmethod
    @ModelView.button
    def not_duplicate(cls, parties):
        "Remember that the card being typed is none of parties"
        pool = Pool()
        NotDuplicate = pool.get('crm.counterparty.not_duplicate')
        card = Transaction().context.get('duplicate_of')
        if card is None or card < 0:
            raise NotDuplicateError(gettext(
                    'crm_counterparty.msg_not_duplicate_unsaved'))
        NotDuplicate.mark(cls(card), parties)


def _card_keys(name, kind, inn, kpp, mechanisms):
    "The CardKeys of a card of these values, mechanisms as (type, value)"
    return duplicate_keys.CardKeys.of(
        name, inn or '', kpp or '' if kind != 'person' else '',
        emails=[v for t, v in mechanisms if t == 'email'],
        phones=[v for t, v in mechanisms if t in PHONE_MECHANISMS])


def _key_holders(keys):
    """The query of the ids (as id) of the cards (active or not) that hold
    the INN, an e-mail or a phone of keys, by the indexes of the codes and
    the compact values; None without such a key"""
    pool = Pool()
    identifier = pool.get('party.identifier').__table__()
    mechanism = pool.get('party.contact_mechanism').__table__()
    queries = []
    if keys.inn:
        queries.append(identifier.select(identifier.party.as_('id'),
                where=(identifier.code_compact == keys.inn)
                & (identifier.type == REQUISITE_TYPES['inn'])
                & (identifier.active == Literal(True))))
    # E-mail keys are in lower case, phones in E.164 (lower as they are)
    for types, values in [(['email'], keys.emails),
            (sorted(PHONE_MECHANISMS), keys.phones)]:
        if values:
            queries.append(mechanism.select(mechanism.party.as_('id'),
                    where=mechanism.type.in_(types)
                    & (Lower(mechanism.value_compact).in_(sorted(values)))
                    & (mechanism.active == Literal(True))))
    return Union(*queries) if len(queries) > 1 else (
        queries[0] if queries else None)


def _name_conditions(party, name):
    """The conditions on party (the table) of the cards whose search text
    holds all the words of name, and one of its two longest; by the
    trigram index, which Tryton's LIKE of a COALESCE does not use"""
    likes = [Like(party.search_text, '%' + _escaped(w) + '%', escape='\\')
        for w in duplicate_keys.name_words(name)]
    if not likes:
        return []
    return [And(likes), Or(likes[:NAME_WORDS])]


def _execute_unprepared(cursor, query):
    """Execute query planned for its values: the plan PostgreSQL keeps for
    a query prepared (psycopg prepares one run five times) knows no
    pattern, and reads the whole table in the order of ids for a word
    nobody has"""
    kwargs = {'prepare': False} if backend.name == 'postgresql' else {}
    cursor.execute(*query, **kwargs)


def _name_threshold():
    "The similarity of names the administrator set (Party Configuration)"
    Configuration = Pool().get('party.configuration')
    return (Configuration(1).duplicate_name_threshold
        or duplicate_keys.DEFAULT_NAME_THRESHOLD)


def _escaped(value):
    "value for a LIKE pattern, its wildcards taken literally"
    return (value.replace('\\', '\\\\').replace('%', '\\%')
        .replace('_', '\\_'))
