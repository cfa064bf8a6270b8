# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The one search box of the counterparty list: a stored search text per
counterparty (see search_box), indexed by trigrams on PostgreSQL, plus the
user's visible tags."""
from sql import Union

from trytond import backend
from trytond.model import Index, fields
from trytond.model.modelstorage import is_leaf
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import (
    Transaction, inactive_records, record_cache_size, without_check_access)

from . import search_box
from .name_parts import PART_FIELDS
from .person_name import searched_parts
from .client_list import FIRST_CONTACT_TYPES, in_card_order

# Found by their digits as well as written
PHONE_TYPES = {'phone', 'mobile', 'fax', 'whatsapp'}


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    # Lazy: a long text that no one reads with the record
    search_text = fields.Char("Search Text", readonly=True, loading='lazy')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.search_text.search_unaccented = False
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.search_text, Index.Similarity())),
                # The list is sorted by name: a page of a large filter
                # reads the index rather than sorting every row
                Index(t, (t.name, Index.Range())),
                # "My clients" sorted by name
                Index(t, (t.responsible, Index.Range()),
                    (t.name, Index.Range())),
                })
        # The list shows these for a page of 80 at once: one query each
        # rather than Tryton's one per counterparty
        for name in FIRST_CONTACT_TYPES:
            getattr(cls, name).getter = 'get_first_contact_mechanism'
        cls.lang.getter = 'get_langs'

    @classmethod
    def __register__(cls, module):
        database = Transaction().database
        # Tryton makes the trigram index only where the extension is
        if (backend.name == 'postgresql'
                and not database.has_extension('pg_trgm')):
            cursor = Transaction().connection.cursor()
            cursor.execute(
                "SELECT 1 FROM pg_available_extensions "
                "WHERE name = 'pg_trgm'")
            if cursor.fetchone():
                cursor.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
                database._extensions[database.name].pop('pg_trgm', None)
        table_h = cls.__table_handler__(module)
        filled = table_h.column_exist('search_text')
        super().__register__(module)
        if not filled:
            cls.update_search_text(cls.search([]))

    @classmethod
    def get_first_contact_mechanism(cls, parties, names):
        pool = Pool()
        ContactMechanism = pool.get('party.contact_mechanism')
        if Transaction().context.get('party_contact_mechanism_usage'):
            # A usage chooses among them: Tryton's rule, party by party
            return {n: {p.id: p.get_contact_mechanism(n) for p in parties}
                for n in names}
        result = {n: {p.id: '' for p in parties} for n in names}
        for party, type_, value in in_card_order(
                ContactMechanism, [p.id for p in parties], names, 'value'):
            values = result[type_]
            if not values[party]:
                values[party] = value
        return result

    @classmethod
    def get_langs(cls, parties, name):
        pool = Pool()
        PartyLang = pool.get('party.party.lang')
        default = cls.default_lang()
        result = {}
        for value in PartyLang.search_read(
                [('party', 'in', [p.id for p in parties])],
                order=[('id', 'ASC')], fields_names=['party', 'lang']):
            result.setdefault(value['party'], value['lang'])
        return {p.id: result.get(p.id, default) for p in parties}

    @classmethod
    def search_rec_name(cls, name, clause):
        pool = Pool()
        Tag = pool.get('crm.counterparty.tag')
        _, operator, value, *extra = clause
        if (operator not in {'ilike', 'like'} or extra
                or not isinstance(value, str)):
            return super().search_rec_name(name, clause)
        pattern = search_box.pattern(value)
        tags = Tag.search([
                ('name', 'ilike', value),
                ('visible', '=', True),
                ], order=[], query=True)
        if not search_box.is_selective(value):
            # A word matching thousands: the database reads the names in
            # order and keeps the first that match
            return ['OR',
                ('search_text', 'like', pattern),
                ('tags', 'where', [('id', 'in', tags)]),
                ]
        # PostgreSQL overestimates how many rows a long LIKE matches and
        # would read the whole table in the order of names too: a union
        # makes it collect the few matches by the trigram index
        party = cls.__table__()
        tag_party = pool.get('crm.counterparty.tag-party.party').__table__()
        return [('id', 'in', Union(
                    party.select(party.id,
                        where=party.search_text.like(pattern)),
                    tag_party.select(
                        tag_party.party, where=tag_party.tag.in_(tags))))]

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        return super().search(cls._phone_words_joined(domain),
            offset=offset, limit=limit, order=order, count=count,
            query=query)

    @classmethod
    def _phone_words_joined(cls, domain):
        "The domain with the search box's words of one phone as one text"
        if is_leaf(domain) or not isinstance(domain, (list, tuple)):
            return domain
        clauses = list(domain)
        operator = clauses.pop(0) if clauses and isinstance(
            clauses[0], str) else 'AND'
        clauses = [cls._phone_words_joined(c) for c in clauses]
        if operator == 'AND':
            words = [_box_word(c) for c in clauses]
            for start, stop, text in reversed(search_box.phone_runs(words)):
                clauses[start:stop] = [('rec_name', 'ilike', text)]
        return [operator, *clauses]

    @classmethod
    def create(cls, vlist):
        # A card is created with its contact mechanisms, identifiers and
        # contact persons, each of which would store the search text again:
        # it is stored once, for all of them, when the card is made
        transaction = Transaction()
        if getattr(transaction, '_search_text_pending', None) is not None:
            return super().create(vlist)
        transaction._search_text_pending = pending = set()
        try:
            parties = super().create(vlist)
        finally:
            transaction._search_text_pending = None
        cls.update_search_text(pending)
        return parties

    @classmethod
    def update_search_text(cls, parties):
        "Store the search text of the parties"
        pool = Pool()
        ContactMechanism = pool.get('party.contact_mechanism')
        Identifier = pool.get('party.identifier')
        ids = {int(p) for p in parties}
        pending = getattr(Transaction(), '_search_text_pending', None)
        if pending is not None:
            pending.update(ids)
            return
        party_table = cls.__table__()
        cursor = Transaction().connection.cursor()
        # One read per kind of part for all the parties, each in the order
        # the card shows them
        with without_check_access(), inactive_records():
            for sub_ids in grouped_slice(
                    sorted(ids), record_cache_size(Transaction())):
                sub_ids = list(sub_ids)
                # Some may be gone with what was deleted
                parties = cls.search_read([('id', 'in', sub_ids)],
                    fields_names=['name', 'code', *PART_FIELDS.values()])
                names = {p['id']: [p['name'], p['code'], *searched_parts(p)]
                    for p in parties}
                contacts = {i: [] for i in names}
                phones = {i: [] for i in names}
                codes = {i: [] for i in names}
                for person in cls.search_read(
                        [('employer', 'in', sub_ids)],
                        fields_names=['employer', 'name']):
                    if person['employer'] in names:
                        names[person['employer']].append(person['name'])
                for mechanism in ContactMechanism.search_read(
                        [('party', 'in', sub_ids)],
                        fields_names=['party', 'type', 'value',
                            'value_compact']):
                    if mechanism['party'] in contacts:
                        contacts[mechanism['party']].append(
                            mechanism['value'])
                        if mechanism['type'] in PHONE_TYPES:
                            phones[mechanism['party']].append(
                                mechanism['value_compact'])
                for identifier in Identifier.search_read(
                        [('party', 'in', sub_ids)],
                        fields_names=['party', 'code', 'code_compact']):
                    if identifier['party'] in codes:
                        codes[identifier['party']].append(
                            identifier['code_compact'] or identifier['code'])
                for party_id in names:
                    text = search_box.search_text(
                        names[party_id], contacts=contacts[party_id],
                        phones=phones[party_id], codes=codes[party_id])
                    cursor.execute(*party_table.update(
                            [party_table.search_text], [text],
                            where=party_table.id == party_id))

    @classmethod
    def on_modification(cls, mode, parties, field_names=None):
        super().on_modification(mode, parties, field_names=field_names)
        if mode == 'create':
            cls.update_search_text(cls._with_employers(parties))

    @classmethod
    def on_write(cls, parties, values):
        callbacks = super().on_write(parties, values)
        if values.keys() & {'name', 'code', 'employer', 'contact_persons',
                'contact_mechanisms', 'identifiers', *PART_FIELDS.values()}:
            # Before the write: a person may leave a company
            touched = cls._with_employers(parties)
            callbacks.append(lambda: cls.update_search_text(
                    cls._with_employers(touched)))
        return callbacks

    @classmethod
    def on_delete(cls, parties):
        callbacks = super().on_delete(parties)
        employers = {p.employer for p in parties if p.employer} - set(parties)
        if employers:
            callbacks.append(lambda: cls.update_search_text(employers))
        return callbacks

    @staticmethod
    def _with_employers(parties):
        return list({
                q for p in parties for q in [p, p.employer] if q})


def _box_word(clause):
    "The word the search box looks for in clause, or None"
    # A word in brackets comes as a domain of its own
    while (isinstance(clause, (list, tuple)) and len(clause) == 1
            and not is_leaf(clause)):
        clause, = clause
    if (is_leaf(clause) and len(clause) == 3
            and tuple(clause[:2]) == ('rec_name', 'ilike')
            and isinstance(clause[2], str)):
        return clause[2]


class _PartyPart:
    "A record of a counterparty that its search text includes"
    __slots__ = ()

    @classmethod
    def _touched_parties(cls, records):
        return {r.party for r in records if r.party}

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        pool = Pool()
        Party = pool.get('party.party')
        super().on_modification(mode, records, field_names=field_names)
        if mode in {'create', 'write'}:
            Party.update_search_text(cls._touched_parties(records))

    @classmethod
    def on_write(cls, records, values):
        pool = Pool()
        Party = pool.get('party.party')
        callbacks = super().on_write(records, values)
        if 'party' in values:
            # The record may move away from its counterparty
            before = cls._touched_parties(records)
            callbacks.append(lambda: Party.update_search_text(before))
        return callbacks

    @classmethod
    def on_delete(cls, records):
        pool = Pool()
        Party = pool.get('party.party')
        callbacks = super().on_delete(records)
        parties = cls._touched_parties(records)
        callbacks.append(lambda: Party.update_search_text(parties))
        return callbacks


class ContactMechanism(_PartyPart, metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'


class Identifier(_PartyPart, metaclass=PoolMeta):
    __name__ = 'party.identifier'
