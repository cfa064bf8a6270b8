# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""New counterparties of an import written with set-based SQL, row for row
as ``Party.create`` writes them.

The import's pure rules (rules.py) have already accepted every value of
the rows given here; what Tryton's create does with such values is mirrored
below and proven equal, column by column, by tests/test_import_bulk.py (on
SQLite and PostgreSQL): a new column or a new override that changes what a
created card holds makes that test fail.

What ``Party.create`` of an imported card does, and what is done here:

- ``ModelStorage._before_create`` of each model: ``ModelAccess.check``
  (create) and ``ModelFieldAccess.check`` (write) of the fields given: called
  the same, raising the same errors; ``preprocess_values``: party (party
  module) takes its code from the party sequence (``get_many`` here, one
  query a chunk) and sets no address (``addresses`` None: a card created by
  code has no empty address, unlike one made in the client); identifier
  (party module) fills ``code_compact``: called as is; trash only acts on
  write.
- ``ModelSQL.create``: the defaults of the fields not given, by
  ``default_get`` once per model (as create caches them), ``create_uid``,
  ``create_date``; multi-row INSERTs with ids from ``nextid(count=n)`` as
  Tryton does on PostgreSQL (one by one on SQLite).
- The fields with a setter: ``lang`` (a MultiValue of the party module) makes
  a ``party.party.lang`` row of the default language for the user's company;
  identifiers, contact mechanisms and contact persons are rows of their own;
  the others that have a default (the requisites, the contact fields, the
  favourite star) set nothing for an empty value: ``_SETTERS_EMPTY``.  Any
  other setter with a default stops the bulk path (``unavailable``).
- ``_insert_history`` (party.party has ``_history``; identifiers and contact
  mechanisms too, for the card's journal; languages do not): the row of a
  party as inserted, then the row as ``_compute_fields`` wrote it
  (``code_alnum``, ``code_digit``, with ``write_uid``/``write_date``): the
  ORM writes every new party once more; the identifiers and contact
  mechanisms once, by Tryton's own ``_insert_history``.
- ``__check_domain_rule(ids, 'create')``: the create rules of the user are
  evaluated over the new ids with one search; any refused id raises
  ``BulkRefused``, and the caller undoes the chunk and takes the ORM path.
- ``_after_create``: ``_validate``: the values are those the pure rules
  accepted (INN/KPP/OGRN by python-stdnum and requisites, the phones valid
  for the same regions as ``_parse_phonenumber``, the e-mails by
  email-validator as ``check_valid_email``, a name), and the INN uniqueness
  (``check_duplicate_tax_identifier``, the only validation across records)
  runs over the chunk's new parties whenever one query finds another
  active holder of one of their INNs (the only case it refuses);
  ``compute_fields``: the party's
  (``code_alnum``/``code_digit``) and the identifiers' are called as they
  are; the contact mechanisms' value and compact value are computed from one
  parse of each phone, only for phones without extension and e-mails that
  Tryton keeps as written, so that Tryton would find nothing to rewrite;
  ``on_modification``: the search text (search.py) is computed with
  search_box.search_text from the same parts in the same order (a company
  with several contact persons has it stored by ``update_search_text``
  itself, as their order is the database's sorting of names); the INN rule
  of identifiers is deferred during ``Party.create`` anyway; triggers: none
  may exist on create (nor on write of parties, for the second write) of the
  models written, else ``unavailable``, but those of automation scenarios,
  which are queued for the chunk's new parties at once as
  ``_after_create`` queues them (``_queue_triggers``);
  ``transaction.create_records`` and the counter are kept as create keeps
  them.

The import's report lines are inserted the same way (``create_lines``),
with their defaults, as they have no history, setter or trigger.

What the ORM does not do: after each chunk, the tables filled past the
threshold of autovacuum are analyzed on PostgreSQL and Tryton's counts of
rows forgotten (``analyze``), so that a base just imported is searched as
fast as one that has settled.
"""

from dataclasses import dataclass

from sql import Cast, Column, Literal, Select
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.model import fields
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

from .. import requisites, search_box
from ..party import REQUISITE_TYPES
from ..person_name import searched_parts
from ..search import PHONE_TYPES
from . import rules

# The models written, each by its own INSERTs
# The action of the triggers of automation scenarios (automation.py)
AUTOMATION_ACTION = 'crm.automation|trigger_action'
MODELS = ['party.party', 'party.party.lang', 'party.identifier',
    'party.contact_mechanism']
# Setters of party.party that do nothing for an empty value on a new card
_SETTERS_EMPTY = {
    'inn', 'kpp', 'ogrn', 'phone', 'mobile', 'fax', 'email', 'website',
    'favorite', 'categories', 'addresses', 'identifiers',
    'contact_mechanisms', 'contact_persons', 'langs',
    }
_PHONE_TYPES = {'phone', 'mobile'}
_EMPTY = (None, [], (), False, '')
# A table is analyzed once rows are written into it past these, as
# PostgreSQL's autovacuum does by default (autovacuum_analyze_threshold and
# autovacuum_analyze_scale_factor)
ANALYZE_THRESHOLD = 50
ANALYZE_SCALE_FACTOR = 0.1


class _Formatted:
    "The values of a column as sql_format gives them, each computed once"

    def __init__(self, sql_format):
        self.sql_format = sql_format
        self.known = {}

    def __call__(self, value):
        # Tryton formats no empty value (every backend gives None back)
        if value is None:
            return None
        try:
            return self.known[value]
        except KeyError:
            formatted = self.known[value] = self.sql_format(value)
            return formatted
        except TypeError:
            # Not hashable: formatted each time
            return self.sql_format(value)


def requisites_of(record, kind):
    "The (identifier type, code) of the requisites record gives a kind"
    return [(type_, getattr(record, name))
        for name, type_ in REQUISITE_TYPES.items()
        if getattr(record, name) and (name != 'kpp' or kind == 'company')]


@dataclass
class Card:
    """A new counterparty as the bulk path writes it: the values of the
    party, its identifiers, its contact mechanisms, each (type, value,
    value_compact) as vouch gives them, and its contact persons, each
    (values, contact mechanisms)"""
    values: dict
    identifiers: list
    mechanisms: list
    persons: list


@dataclass
class _Rows:
    """The rows that cards make: the values of the companies (and persons)
    and of their contact persons, each knowing its own (_persons) or its
    employer (_employer), and the identifiers and contact mechanisms, each
    (party, values)"""
    companies: list
    persons: list
    identifiers: list
    mechanisms: list

    @classmethod
    def of(cls, cards):
        rows = cls([], [], [], [])
        for card in cards:
            company = dict(card.values, _persons=[])
            rows.companies.append(company)
            rows.identifiers.extend((company, v) for v in card.identifiers)
            rows.add_mechanisms(company, card.mechanisms)
            for person_values, person_mechanisms in card.persons:
                person = dict(person_values, _employer=company)
                company['_persons'].append(person)
                rows.persons.append(person)
                rows.add_mechanisms(person, person_mechanisms)
        return rows

    def add_mechanisms(self, party, mechanisms):
        self.mechanisms.extend((party, {'type': t, 'value': v,
                    'value_compact': c}) for t, v, c in mechanisms)

    @property
    def parties(self):
        return self.companies + self.persons


class BulkRefused(Exception):
    "The chunk cannot be written as the ORM would: take the ORM path"


def _foreign_triggers(model, mode):
    """The triggers on mode of model but automation's: those take the
    records in batch after their creation (queued by _queue_triggers), and
    one on write of parties is met by no second write of the path (its
    condition was true on create already, or the computed fields do not
    change it)"""
    Trigger = Pool().get('ir.trigger')
    return [t for t in Trigger.get_triggers(model, mode)
        if t.action != AUTOMATION_ACTION]


class BulkWriter:
    """Writes the new counterparties of an import's chunks; ``unavailable``
    says why it cannot (None when it can)"""

    def __init__(self):
        pool = Pool()
        self.Party = pool.get('party.party')
        self.Lang = pool.get('party.party.lang')
        self.Identifier = pool.get('party.identifier')
        self.Mechanism = pool.get('party.contact_mechanism')
        self.regions = None
        # Rows written since the last ANALYZE and the rows then, by table
        self.written = {}
        self.analyzed = {}
        self.unavailable = self._unavailable()
        if self.unavailable:
            return
        # The regions a phone of a card without address is read in, as
        # _parse_phonenumber tries them (company's country, Russia, none)
        self.regions = tuple(self.Mechanism()._phone_country_codes())
        self.defaults = {}
        # The sequence of each table written, by name (PostgreSQL)
        self.sequences = {}
        self.instances = {}
        self.created = {}
        # The last history revision of the parties written, by id
        self.stamps = {}
        for Model in [self.Party, self.Lang, self.Identifier,
                self.Mechanism]:
            self._defaults(Model)
        for name, value in self.defaults['party.party'].items():
            field = self.Party._fields[name]
            if (hasattr(field, 'set') and name != 'lang'
                    and not (name in _SETTERS_EMPTY and value in _EMPTY)):
                self.unavailable = 'setter %s' % name
        for Model in [self.Lang, self.Identifier, self.Mechanism]:
            for name, value in self.defaults[Model.__name__].items():
                if hasattr(Model._fields[name], 'set') and value not in _EMPTY:
                    self.unavailable = 'setter %s.%s' % (Model.__name__, name)

    def _defaults(self, Model):
        "The default values of Model, computed once as create caches them"
        if Model.__name__ not in self.defaults:
            names = [n for n, f in Model._fields.items()
                if n not in {'id', 'create_uid', 'create_date',
                    'write_uid', 'write_date'}
                and not (isinstance(f, fields.Function) and not f.setter)]
            self.defaults[Model.__name__] = Model._clean_defaults(
                Model.default_get(names, with_rec_name=False))
        return self.defaults[Model.__name__]

    def create_lines(self, Line, vlist):
        """Create the import's report lines (written with the root's rights:
        no access or rule to check), as Line.create would, unless
        something on their creation needs the ORM"""
        pool = Pool()
        Trigger = pool.get('ir.trigger')
        if (self.unavailable or Line._history
                or Trigger.get_triggers(Line.__name__, 'create')
                or any(hasattr(Line._fields[n], 'set')
                    for n in self._defaults(Line))):
            Line.create(vlist)
            return
        self.created = {Line.__name__: []}
        self._insert(Line, vlist)
        self.analyze()

    def _unavailable(self):
        "Why the ORM must write (triggers, rules the path cannot keep)"
        with without_check_access():
            for name in MODELS:
                if _foreign_triggers(name, 'create'):
                    return 'trigger on create of %s' % name
            # Each new party is written once more by _compute_fields
            if _foreign_triggers('party.party', 'write'):
                return 'trigger on write of party.party'
        if self.Party._history is not True:
            return 'history'
        return None

    # What the pure rules vouch for

    def vouch(self, record):
        """The identifiers [values] and contact mechanisms [(type, value,
        value_compact)] of record and of each of its contact persons as
        Tryton stores them, or None when a value is one the ORM must judge"""
        if (record.failed or record.tags or record.address
                or (record.contacts and record.kind != 'company')):
            return None
        identifiers = []
        for type_, code in requisites_of(record, record.kind):
            values = self.Identifier.preprocess_values(
                'create', {'type': type_, 'code': code})
            # Tryton would write it again after the creation
            if self._computed(self.Identifier, values):
                return None
            identifiers.append(values)
        mechanisms = []
        for holder in [record] + list(record.contacts):
            holder_mechanisms = self._mechanisms(record, holder)
            if holder_mechanisms is None:
                return None
            mechanisms.append(holder_mechanisms)
        return identifiers, mechanisms

    def _mechanisms(self, record, holder):
        """[(type, value, value_compact)] of holder (record or one of its
        contacts) as Tryton stores them, or None"""
        known = set()
        result = []
        for type_, attribute in rules.MECHANISM_LISTS.items():
            for raw in getattr(holder, attribute, []):
                if type_ in _PHONE_TYPES:
                    stored = record.check(
                        rules.stored_phone, raw, self.regions)
                    if stored is None:
                        return None
                    value, compact = stored
                    # Read already: the key is its E.164 form
                    key = ('phone', compact)
                elif type_ == 'email':
                    normalised = record.check(
                        rules.normalised_email, raw)
                    if normalised != raw:
                        # Tryton would rewrite its compact value after
                        return None
                    key = ('email', rules.email_key(normalised))
                    value = compact = raw
                else:
                    key = rules.mechanism_key(type_, raw)
                    value = compact = raw
                if key in known:
                    continue
                known.add(key)
                result.append((type_, value, compact))
        return result

    # The writing

    def write(self, cards):
        """Create the counterparties of cards (Card); return [(party id,
        [contact person ids])].  Raises BulkRefused
        (or the ORM's own errors) when the ORM must write the chunk."""
        Party = self.Party
        self.created = {n: [] for n in MODELS}
        self.stamps = {}
        rows = _Rows.of(cards)
        self._check_access(rows)
        sequence = Party._code_sequence()
        codes = (list(sequence.get_many(len(rows.parties))) if sequence
            else [None] * len(rows.parties))
        for party, code in zip(rows.parties, codes):
            party['code'] = code
        to_update = self._search_texts(
            rows.parties, rows.identifiers, rows.mechanisms)
        self._insert_rows_of(rows)
        self._history(self.created['party.party'])
        self._parts_history()
        if to_update:
            Party.update_search_text([p['id'] for p in to_update])
        self._check_rules()
        self._queue_triggers(self.created['party.party'])
        if self._inns_shared(rows.identifiers):
            with without_check_access():
                Party.check_duplicate_tax_identifier(
                    Party.browse([p['id'] for p in rows.companies]), None)
        self.analyze()
        return [(p['id'], [q['id'] for q in p['_persons']])
            for p in rows.companies]

    def _queue_triggers(self, ids):
        """Queue the triggers on create of parties as _after_create does
        (only automation's, which take the records in batch, may exist)"""
        pool = Pool()
        Trigger = pool.get('ir.trigger')
        with without_check_access():
            triggers = Trigger.get_triggers('party.party', 'create')
            for sub_ids in grouped_slice(ids, 1000):
                records = self.Party.browse(list(sub_ids))
                for trigger in triggers:
                    trigger.queue_trigger_action(records)

    def _check_access(self, rows):
        "What _before_create checks, model by model, with the fields given"
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        FieldAccess = pool.get('ir.model.field.access')
        party_fields = {k for p in rows.parties for k in p if k[0] != '_'}
        party_fields.update(['identifiers', 'contact_mechanisms'])
        if rows.persons:
            party_fields.update(['contact_persons', 'employer'])
        checks = [(self.Party, party_fields)]
        if rows.identifiers:
            checks.append((self.Identifier, {'type', 'code', 'party'}))
        if rows.mechanisms:
            checks.append((self.Mechanism,
                    {'type', 'value', 'value_compact', 'party'}))
        checks.append((self.Lang, {'party', 'lang', 'company'}))
        for Model, names in checks:
            ModelAccess.check(Model.__name__, 'create')
            FieldAccess.check(Model.__name__, sorted(names), 'write')

    def _insert_rows_of(self, rows):
        "Insert the rows, each model's in the order the ORM creates them"
        for party, id_ in zip(rows.companies, self._insert(
                    self.Party, rows.companies, computed=True)):
            party['id'] = id_
        for person in rows.persons:
            person['employer'] = person['_employer']['id']
        for person, id_ in zip(rows.persons, self._insert(
                    self.Party, rows.persons, computed=True)):
            person['id'] = id_
        self._insert(self.Identifier, [dict(v, party=p['id'])
                for p, v in rows.identifiers])
        # The companies' first, as the ORM creates them
        self._insert(self.Mechanism, [dict(v, party=p['id'])
                for p, v in rows.mechanisms if p['kind'] == 'company']
            + [dict(v, party=p['id'])
                for p, v in rows.mechanisms if p['kind'] != 'company'])
        company = Transaction().context.get('company')
        lang = self.defaults['party.party'].get('lang')
        self._insert(self.Lang, [{'party': p['id'], 'lang': lang,
                    'company': company}
                for p in rows.persons + rows.companies])

    def _insert(self, Model, vlist, computed=False):
        """Insert the rows of vlist with the defaults, returning their ids;
        computed: with what compute_fields gives, written by the user"""
        if not vlist:
            return []
        transaction = Transaction()
        defaults = self._defaults(Model)
        rows = []
        for values in vlist:
            row = {k: v for k, v in values.items() if k[0] != '_'}
            if computed:
                row.update(self._computed(Model, {'code': row['code']}))
            rows.append(row)
        names = sorted(n for n in set(defaults).union(*rows)
            if not hasattr(Model._fields[n], 'set') and n != 'id')
        stamps = ['create_uid', 'create_date']
        if computed:
            # _compute_fields wrote the party: who and when
            stamps += ['write_uid', 'write_date']
        # Each value formatted once per column (most repeat from row to
        # row: the defaults, the type, the status, the language...)
        columns = {n: _Formatted(Model._fields[n].sql_format) for n in names}
        # Made as they are written: PostgreSQL takes in the rows sent while
        # the next ones are made
        values = ([columns[n](r.get(n, defaults.get(n))) for n in names]
            for r in rows)
        if backend.name == 'postgresql':
            ids = self._copy(Model, stamps, names, values, len(rows))
        else:
            ids = self._insert_rows(Model, stamps, names, values)
        # As ModelStorage._before_create and _after_create keep them
        transaction.counter += 1
        transaction.create_records[Model.__name__].extend(ids)
        self.created[Model.__name__].extend(ids)
        count = Model._count_cache.get(Model.__name__)
        if count is not None:
            Model._count_cache.set(Model.__name__, count + len(ids))
        self.wrote(Model._table, len(ids))
        return ids

    def _copy(self, Model, stamps, names, values, count):
        """COPY the count rows of values into the columns names of Model's
        table, with the stamps (who and when: the user, now); their ids.
        COPY spares the parsing of a statement per row or of a long one."""
        # The PostgreSQL backend's own driver
        from psycopg import sql as pgsql
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        ids = self._next_ids(Model._table, count)
        cursor.execute(*Select([Cast(CurrentTimestamp(), 'TIMESTAMP')]))
        now, = cursor.fetchone()
        head = [transaction.user, now] * (len(stamps) // 2)
        statement = pgsql.SQL(
            'COPY {} ({}) FROM STDIN').format(
            pgsql.Identifier(Model._table),
            pgsql.SQL(', ').join(map(pgsql.Identifier,
                    stamps + names + ['id'])))
        with cursor.copy(statement) as copy:
            for value, id_ in zip(values, ids):
                copy.write_row(head + value + [id_])
        return ids

    def _insert_rows(self, Model, stamps, names, values):
        """INSERT the rows of values into the columns names of Model's
        table, with the stamps (who and when: the user, now), one at a time
        as Tryton does on SQLite; their ids"""
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = Model.__table__()
        sql_columns = [Column(table, n) for n in stamps + names]
        head = [transaction.user, CurrentTimestamp()] * (len(stamps) // 2)
        ids = []
        for value in values:
            if transaction.database.has_returning():
                cursor.execute(*table.insert(
                        sql_columns, [head + value], [table.id]))
                ids.append(cursor.fetchone()[0])
            else:
                cursor.execute(*table.insert(
                        sql_columns, [head + value]))
                ids.append(transaction.database.lastid(cursor))
        return ids

    def wrote(self, table, count):
        "Count count rows written into table in SQL, for analyze"
        self.written[table] = self.written.get(table, 0) + count

    def analyze(self):
        """ANALYZE the tables filled past autovacuum's threshold (PostgreSQL):
        rows written in SQL leave the planner, until autovacuum comes, with
        the statistics of the table before them, and Tryton with its count
        of rows (in every process) for a day"""
        if backend.name != 'postgresql':
            return
        from psycopg import sql as pgsql
        cursor = Transaction().connection.cursor()
        analyzed = False
        for table, count in self.written.items():
            if table not in self.analyzed:
                cursor.execute(
                    'SELECT GREATEST(reltuples, 0) FROM pg_class '
                    'WHERE relname = %s', (table,))
                self.analyzed[table], = cursor.fetchone()
            if count > (ANALYZE_THRESHOLD
                    + ANALYZE_SCALE_FACTOR * self.analyzed[table]):
                cursor.execute(pgsql.SQL('ANALYZE {}').format(
                        pgsql.Identifier(table)))
                self.analyzed[table] += count
                self.written[table] = 0
                analyzed = True
        if analyzed:
            # Each process counts again the rows of every model
            self.Party._count_cache.clear()

    def _computed(self, Model, values):
        """What Model's compute_fields gives for a new record of values, on
        one instance per model kept for all (making one is most of the
        cost)"""
        key = (Model.__name__, frozenset(values))
        record = self.instances.get(key)
        if record is None:
            record = self.instances[key] = Model(**values)
        else:
            for name, value in values.items():
                setattr(record, name, value)
        return record.compute_fields()

    def _next_ids(self, table, count):
        """count new ids of table on PostgreSQL, as the backend's nextid
        gives them but naming the sequence once (it names it for each id)"""
        cursor = Transaction().connection.cursor()
        if table not in self.sequences:
            cursor.execute(
                'SELECT pg_get_serial_sequence(format(%s, %s::text), %s)',
                ('%I', table, 'id'))
            self.sequences[table], = cursor.fetchone()
        cursor.execute(
            'SELECT nextval(%s::regclass) FROM generate_series(1, %s)',
            (self.sequences[table], count))
        return [i for i, in cursor]

    def _history(self, ids):
        """The history rows of the parties: as inserted, then as
        _compute_fields wrote them"""
        Party = self.Party
        cursor = Transaction().connection.cursor()
        table = Party.__table__()
        history = Party.__table_history__()
        names = [n for n, f in sorted(Party._fields.items())
            if f.sql_type() and not isinstance(f, fields.Function)]
        # The search text is stored after the history rows, by SQL
        later = {'search_text'}
        written = {'code_alnum', 'code_digit', 'write_uid', 'write_date'}
        returning = Transaction().database.has_returning()
        for sub in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            sub = list(sub)
            for unset in [later | written, later]:
                self.wrote(history._name, len(sub))
                cursor.execute(*history.insert(
                        [Column(history, n) for n in names],
                        table.select(*[
                                Column(table, n) if n not in unset
                                else Literal(None) for n in names],
                            where=table.id.in_(sub)),
                        returning=[history.id, Column(history, '__id')]
                        if returning else None))
                if returning:
                    # The last revision of each (the import's stamp), which
                    # a query would read back from a growing table
                    for id_, revision in cursor:
                        self.stamps[id_] = max(
                            revision, self.stamps.get(id_, revision))

    def _parts_history(self):
        "The history rows of the new parts whose model keeps history"
        pool = Pool()
        for name in MODELS[1:]:
            Model = pool.get(name)
            if Model._history and self.created[name]:
                self.wrote(Model._table + '__history', len(self.created[name]))
                Model._insert_history(self.created[name])

    def _inns_shared(self, identifiers):
        """Whether the INN rule may refuse one of the new parties: only when
        another active party holds its INN, as the rule searches them
        (search_requisite: the compact code of a "ru_vat" identifier), or
        two new ones share one; it is one query, the rule reads each party"""
        new = {p['id']: requisites.compact(v['code'])
            for p, v in identifiers if v['type'] == 'ru_vat'}
        if len(set(new.values())) != len(new):
            return True
        identifier = self.Identifier.__table__()
        party = self.Party.__table__()
        cursor = Transaction().connection.cursor()
        for sub in grouped_slice(sorted(set(new.values())),
                backend.MAX_QUERY_PARAMS):
            cursor.execute(*identifier.join(party,
                    condition=identifier.party == party.id).select(
                    identifier.party,
                    where=(identifier.type == 'ru_vat')
                    & identifier.code_compact.in_(list(sub))
                    & (party.active == Literal(True))))
            if any(p not in new for p, in cursor):
                return True
        return False

    def _check_rules(self):
        "Refuse the chunk when a create rule of the user refuses a record"
        pool = Pool()
        Rule = pool.get('ir.rule')
        for name in MODELS:
            domain = Rule.domain_get(name, mode='create')
            if not domain or not self.created[name]:
                continue
            Model = pool.get(name)
            with without_check_access(), inactive_records():
                for sub in grouped_slice(self.created[name],
                        backend.MAX_QUERY_PARAMS):
                    sub = list(sub)
                    if Model.search([('id', 'in', sub), domain],
                            count=True) != len(sub):
                        raise BulkRefused(name)

    def _search_texts(self, parties, identifiers, mechanisms):
        """Put the search text of the parties in their values as search.py
        computes it; return the parties whose text it must store itself"""
        codes, contacts, phones = {}, {}, {}
        for party, values in identifiers:
            codes.setdefault(id(party), []).append(
                values.get('code_compact') or values.get('code'))
        for party, values in mechanisms:
            contacts.setdefault(id(party), []).append(values['value'])
            if values['type'] in PHONE_TYPES:
                phones.setdefault(id(party), []).append(
                    values['value_compact'])
        to_update = []
        for party in parties:
            persons = party.get('_persons', [])
            if len(persons) > 1:
                # The names of the persons in the database's order
                to_update.append(party)
                continue
            party['search_text'] = search_box.search_text(
                [party['name'], party['code'], *searched_parts(party)]
                + [p['name'] for p in persons],
                contacts=contacts.get(id(party), []),
                phones=phones.get(id(party), []),
                codes=codes.get(id(party), []))
        return to_update
