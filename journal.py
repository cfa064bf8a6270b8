# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The journal of a card: its comments and every change of it, newest
first, in the reader's language.

Nothing is stored for it: an entry is a row Tryton keeps anyway, read when
shown (``JournalEntry``, a view model whose ids encode the source and the
row): a comment of the card's chat (``ir.chat.message``), a revision of the
card, of a contact person's link to it, of its contact data, requisites,
addresses, tags and groups (their ``__history`` tables, historized here),
and a line of an import that met it.  A revision is compared with the one
before of the same record (the pure rules are in journal_diff.py), and
rendered with the fields' labels and formatting of the reader's language.
A card's feed reads each source newest first in chunks and stops once it
has enough entries, so that a card with thousands of revisions opens as
fast as a new one."""
import contextvars
import datetime as dt
from dataclasses import dataclass

from sql import Column, Null
from sql.aggregate import Max

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.rpc import RPC
from trytond.tools import timezone as tz
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

from . import journal_diff, schedule
from .access import allowed_ids
from .party import REQUISITE_TYPES

# The entries the card shows; Whole Journal pages through the rest
CARD_SIZE = 50
# The rows of a source read at once
CHUNK = 200
# Columns that are the ORM's bookkeeping, not something a person changed
_BOOKKEEPING = {
    'search_text', 'code_alnum', 'code_digit', 'code_compact',
    'value_compact', 'sequence', 'trash_date', 'trashed_by', 'guest_author'}


@dataclass
class Entry:
    "What the journal shows of a row"
    party: int
    date: dt.datetime
    user: int
    kind: str
    text: str
    # The guest of the portal who made the change, when one did
    guest: int = None


# What a page of entries looked up, by key: its entries name the same
# employees, statuses and labels again and again
_looked_up = contextvars.ContextVar('journal_looked_up', default=None)


def _once(key, compute):
    "compute(), once per page of entries"
    looked_up = _looked_up.get()
    if looked_up is None:
        return compute()
    if key not in looked_up:
        looked_up[key] = compute()
    return looked_up[key]


def _label(Model, name):
    "The label of the field name in the reader's language"
    return _once(('label', Model.__name__, name),
        lambda: Model.fields_get([name])[name]['string'])


def _datetime(value):
    # SQLite gives back a timestamp column read through a sub-query as text
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


class _Source:
    "A kind of row that makes journal entries"
    model = None

    @classmethod
    def stream(cls, party_id):
        """The entries of the card, newest first, as (date, row id, source,
        row), read lazily"""
        before = None
        while True:
            rows = cls.rows(party_id, before, CHUNK)
            if not rows:
                return
            previous = cls.previous(rows, consecutive=True)
            hidden = cls.hidden(rows, previous)
            for row in rows:
                if (row['__id'] not in hidden
                        and cls.shown(row, previous[row['__id']], party_id)):
                    yield (cls.date(row), row['__id'], cls, row)
            if len(rows) < CHUNK:
                return
            before = rows[-1]['__id']

    @classmethod
    def rows(cls, party_id, before, limit):
        raise NotImplementedError

    @classmethod
    def load(cls, row_ids):
        "The rows of row_ids"
        raise NotImplementedError

    @classmethod
    def previous(cls, rows, consecutive=False):
        """The row each of rows follows (None for a comment or an import);
        consecutive: rows are all the rows of the card between the first
        and the last"""
        return {r['__id']: None for r in rows}

    @classmethod
    def hidden(cls, rows, previous):
        "The rows the reader may not see though he reads the card"
        return set()

    @classmethod
    def shown(cls, row, previous, party_id):
        return True

    @classmethod
    def owner(cls, row, previous):
        "The card the reader must read to read the row"
        return row['party']

    @classmethod
    def date(cls, row):
        return _datetime(row['create_date'])


class _History(_Source):
    "The revisions of a historized model whose rows belong to a card"
    link = 'party'
    tracked_exclude = frozenset({'party'})

    @classmethod
    def _table(cls):
        return Pool().get(cls.model).__table_history__()

    @classmethod
    def columns(cls):
        Model = Pool().get(cls.model)
        return ['__id'] + sorted(n for n, f in Model._fields.items()
            if f.sql_type() and not isinstance(f, fields.Function))

    @classmethod
    def tracked(cls):
        return [n for n in cls.columns()
            if n not in journal_diff.STAMPS
            and n not in _BOOKKEEPING and n not in cls.tracked_exclude]

    @classmethod
    def _select(cls, history, where, limit=None):
        names = cls.columns()
        cursor = Transaction().connection.cursor()
        cursor.execute(*history.select(
                *[Column(history, n) for n in names], where=where,
                order_by=[Column(history, '__id').desc], limit=limit))
        return [dict(zip(names, r)) for r in cursor]

    @classmethod
    def _of_card(cls, history, party_id):
        "The clause of the rows of history that belong to the card"
        inner = cls._table()
        # A deleted row keeps only its id: the record is found by its
        # earlier rows
        return history.id.in_(inner.select(
                inner.id, where=Column(inner, cls.link) == party_id))

    @classmethod
    def rows(cls, party_id, before, limit):
        history = cls._table()
        where = cls._of_card(history, party_id)
        if before is not None:
            where &= Column(history, '__id') < before
        return cls._select(history, where, limit=limit)

    @classmethod
    def previous(cls, rows, consecutive=False):
        "The revision each of rows follows, read when not among them"
        history = cls._table()
        # Entries asked by id may skip revisions between them
        found = (journal_diff.predecessors(rows) if consecutive
            else dict.fromkeys((r['__id'] for r in rows), None))
        missing = [i for i, p in found.items() if p is None]
        if not missing:
            return found
        # The revision just before each, in one query
        row, before = cls._table(), cls._table()
        last = before.select(Max(Column(before, '__id')),
            where=(before.id == row.id)
            & (Column(before, '__id') < Column(row, '__id')))
        cursor = Transaction().connection.cursor()
        cursor.execute(*row.select(Column(row, '__id'), last,
                where=Column(row, '__id').in_(missing)))
        pairs = {i: b for i, b in cursor if b is not None}
        if pairs:
            rows_before = {r['__id']: r for r in cls._select(history,
                    Column(history, '__id').in_(list(pairs.values())))}
            found.update((i, rows_before[b]) for i, b in pairs.items())
        return found

    @classmethod
    def load(cls, row_ids):
        history = cls._table()
        return cls._select(
            history, Column(history, '__id').in_(list(row_ids)))

    @classmethod
    def date(cls, row):
        return _datetime(row['write_date'] or row['create_date'])

    @classmethod
    def user(cls, row):
        return row['write_uid'] or row['create_uid']

    @classmethod
    def owner(cls, row, previous):
        "The card the row belongs to"
        current = row if not journal_diff.is_deletion(row) else previous
        return current[cls.link] if current else None

    @classmethod
    def shown(cls, row, previous, party_id):
        kind = journal_diff.revision_kind(previous, row)
        # An empty part (the address a new card gets) is nothing to tell;
        # nor is the removal of one whose history was not kept
        if kind == 'deleted':
            return previous is not None and bool(cls.value(previous))
        if kind == 'created':
            return bool(cls.value(row))
        return bool(
            journal_diff.changed_fields(previous, row, cls.tracked()))

    @classmethod
    def entry(cls, row, previous):
        return Entry(cls.owner(row, previous), cls.date(row), cls.user(row),
            'change', cls.text(row, previous), row.get('guest_author'))

    @classmethod
    def label(cls, row):
        Model = Pool().get(cls.model)
        return Model.__names__()['model']

    @classmethod
    def value(cls, row):
        raise NotImplementedError

    @classmethod
    def text(cls, row, previous):
        kind = journal_diff.revision_kind(previous, row)
        if kind == 'created':
            return gettext('crm_counterparty.msg_journal_added',
                label=cls.label(row), value=cls.value(row))
        if kind == 'deleted':
            return gettext('crm_counterparty.msg_journal_removed',
                label=cls.label(previous), value=cls.value(previous))
        old = '%s %s' % (cls.label(previous), cls.value(previous))
        new = '%s %s' % (cls.label(row), cls.value(row))
        if cls.label(previous) == cls.label(row):
            old, new = cls.value(previous), cls.value(row)
        if old == new:
            Model = Pool().get(cls.model)
            return '%s %s: %s' % (cls.label(row), new, '; '.join(
                    _field_change(Model, n, previous, row)
                    for n in journal_diff.changed_fields(
                        previous, row, cls.tracked())))
        return gettext('crm_counterparty.msg_journal_change',
            field=cls.label(row), change=journal_diff.arrow(old, new))


def _field_change(Model, name, previous, row):
    "Field: old → new, as the reader reads the field"
    return gettext('crm_counterparty.msg_journal_change',
        field=_label(Model, name),
        change=journal_diff.arrow(
            shown_value(Model, name, previous.get(name)),
            shown_value(Model, name, row.get(name))))


def shown_value(Model, name, value):
    "The value of the field name as the client shows it to the reader"
    pool = Pool()
    Lang = pool.get('ir.lang')
    field = Model._fields[name]
    if value is None or value == '':
        return None
    if field._type == 'many2one':
        return _record_name(field.model_name, value)
    if field._type == 'selection':
        selection = _once(('selection', Model.__name__, name),
            lambda: Model.fields_get([name])[name]['selection'])
        return dict(selection).get(value, value) if isinstance(
            selection, list) else value
    if field._type == 'boolean':
        return gettext('crm_counterparty.msg_journal_yes' if value
            else 'crm_counterparty.msg_journal_no')
    if field._type in {'date', 'datetime', 'timestamp'}:
        value = _datetime(value)
        lang = Lang.get()
        if isinstance(value, dt.datetime):
            value = schedule.on_clock(value, _once('zone', _reader_zone))
            return lang.strftime(value, lang.date + ' %H:%M')
        return lang.strftime(value)
    if field._type == 'dict':
        return ', '.join('%s: %s' % item for item in sorted(value.items()))
    return str(value)


def _reader_zone():
    "The reader's clock: his own, else his company's, else UTC"
    pool = Pool()
    User = pool.get('res.user')
    Company = pool.get('company.company')
    user = User(Transaction().user)
    company_id = Transaction().context.get('company')
    company = Company(company_id) if company_id else None
    return tz.get_tzinfo(user.timezone
        or (company.timezone if company else None) or 'UTC')


def _record_name(model, id_):
    "The name of the record, unless it is a card the reader may not see"
    return _once(('name', model, id_), lambda: _look_up_name(model, id_))


def _look_up_name(model, id_):
    Model = Pool().get(model)
    if model == 'party.party' and not allowed_ids(Model, [id_]):
        return gettext('crm_counterparty.msg_journal_hidden')
    with without_check_access(), inactive_records():
        found = Model.search([('id', '=', id_)], order=[])
    return found[0].rec_name if found else '#%s' % id_


class _Card(_History):
    "The revisions of the card itself"
    model = 'party.party'
    link = 'id'
    tracked_exclude = frozenset()

    @classmethod
    def _of_card(cls, history, party_id):
        return history.id == party_id

    @classmethod
    def shown(cls, row, previous, party_id):
        return (journal_diff.revision_kind(previous, row) == 'created'
            or bool(journal_diff.trash_change(previous, row))
            or bool(journal_diff.changed_fields(
                    previous, row, cls.tracked())))

    @classmethod
    def text(cls, row, previous):
        Party = Pool().get('party.party')
        kind = journal_diff.revision_kind(previous, row)
        if kind == 'created':
            return gettext('crm_counterparty.msg_journal_created')
        if kind == 'deleted':
            return gettext('crm_counterparty.msg_journal_deleted')
        lines = []
        trash = journal_diff.trash_change(previous, row)
        if trash:
            lines.append(gettext('crm_counterparty.msg_journal_%s' % trash))
        lines.extend(_field_change(Party, n, previous, row)
            for n in journal_diff.changed_fields(previous, row, cls.tracked())
            if not (trash and n == 'active'))
        return '\n'.join(lines)


class _ContactPerson(_History):
    "A person's revisions that attach her to the card or take her from it"
    model = 'party.party'
    link = 'employer'

    @classmethod
    def _of_card(cls, history, party_id):
        return super()._of_card(history, party_id) & (history.id != party_id)

    @classmethod
    def shown(cls, row, previous, party_id):
        return bool(journal_diff.link_change(
                previous, row, 'employer', party_id))

    @classmethod
    def owner(cls, row, previous):
        # Shown on both cards; read by who may read the person
        return row['id']

    @classmethod
    def entry(cls, row, previous):
        entry = super().entry(row, previous)
        entry.party = row['employer'] or (previous or {}).get('employer')
        return entry

    @classmethod
    def text(cls, row, previous):
        person = _record_name('party.party', row['id'])
        before = (previous or {}).get('employer')
        if not before:
            return gettext(
                'crm_counterparty.msg_journal_contact_added', person=person)
        if not row['employer']:
            return gettext(
                'crm_counterparty.msg_journal_contact_removed', person=person)
        return gettext('crm_counterparty.msg_journal_contact_moved',
            person=person, change=journal_diff.arrow(
                _record_name('party.party', before),
                _record_name('party.party', row['employer'])))


class _Typed(_History):
    "A part named by its type, whose value is one column"
    value_column = None

    @classmethod
    def label(cls, row):
        Model = Pool().get(cls.model)
        return Model(type=row['type']).type_string or ''

    @classmethod
    def value(cls, row):
        return row[cls.value_column]


class _ContactMechanism(_Typed):
    model = 'party.contact_mechanism'
    value_column = 'value'


class _Identifier(_Typed):
    model = 'party.identifier'
    value_column = 'code'

    @classmethod
    def label(cls, row):
        Party = Pool().get('party.party')
        # The requisites by the card's own labels (INN, not its VAT alias)
        requisites = {t: n for n, t in REQUISITE_TYPES.items()}
        if row['type'] in requisites:
            return _label(Party, requisites[row['type']])
        return super().label(row)


class _Address(_History):
    model = 'party.address'

    @classmethod
    def label(cls, row):
        return _label(Pool().get('party.party'), 'addresses')

    @classmethod
    def value(cls, row):
        Address = Pool().get(cls.model)
        address = Address(**{n: v for n, v in row.items() if n != '__id'})
        return ', '.join(
            line for line in address.full_address.splitlines() if line)


class _Membership(_History):
    "The card's tags or groups, those the reader may see"
    target = None

    @classmethod
    def tracked(cls):
        return [cls.target]

    @classmethod
    def visible(cls, target_ids):
        Target = Pool().get(
            Pool().get(cls.model)._fields[cls.target].model_name)
        with without_check_access(), inactive_records():
            return {t.id for t in Target.browse(list(target_ids))
                if t.get_visible(None)}

    @classmethod
    def hidden(cls, rows, previous):
        "The rows of tags or groups of another user"
        targets = {r['__id']: cls._target(r, previous[r['__id']])
            for r in rows}
        visible = cls.visible(set(targets.values()) - {None})
        return {i for i, t in targets.items() if t not in visible}

    @classmethod
    def _target(cls, row, previous):
        current = row if not journal_diff.is_deletion(row) else previous
        return (current or {}).get(cls.target)

    @classmethod
    def label(cls, row):
        return _label(Pool().get('party.party'), cls.party_field)

    @classmethod
    def value(cls, row):
        Model = Pool().get(cls.model)
        return _record_name(
            Model._fields[cls.target].model_name, row[cls.target])


class _Tag(_Membership):
    model = 'crm.counterparty.tag-party.party'
    target = 'tag'
    party_field = 'tags'


class _Group(_Membership):
    model = 'crm.counterparty.group-party.party'
    target = 'group'
    party_field = 'counterparty_groups'


class _Joined(_Source):
    "The rows of a table joined with another, ordered by their id"
    names = ()

    @classmethod
    def tables(cls):
        "The table, the one joined, the join condition, the columns of names"
        raise NotImplementedError

    @classmethod
    def of_card(cls, main, joined, party_id=None):
        "The clause of the rows of the card (of any card for None)"
        raise NotImplementedError

    @classmethod
    def _query(cls, where, limit=None):
        main, joined, condition, columns = cls.tables()
        cursor = Transaction().connection.cursor()
        cursor.execute(*main.join(joined, condition=condition).select(
                *columns, where=where(main, joined),
                order_by=[main.id.desc], limit=limit))
        return [dict(zip(cls.names, r)) for r in cursor]

    @classmethod
    def rows(cls, party_id, before, limit):
        def where(main, joined):
            clause = cls.of_card(main, joined, party_id)
            if before is not None:
                clause &= main.id < before
            return clause
        return cls._query(where, limit=limit)

    @classmethod
    def load(cls, row_ids):
        return cls._query(lambda main, joined: main.id.in_(list(row_ids))
            & cls.of_card(main, joined))


class _Comment(_Joined):
    "The messages of the card's chat"
    model = 'ir.chat.message'
    names = ('__id', 'resource', 'create_date', 'user', 'content')

    @classmethod
    def tables(cls):
        pool = Pool()
        message = pool.get('ir.chat.message').__table__()
        channel = pool.get('ir.chat.channel').__table__()
        return (message, channel, message.channel == channel.id, [
                message.id, channel.resource, message.create_date,
                message.user, message.content])

    @classmethod
    def of_card(cls, message, channel, party_id=None):
        if party_id is None:
            return channel.resource.like('party.party,%')
        return channel.resource == 'party.party,%s' % party_id

    @classmethod
    def owner(cls, row, previous):
        return int(row['resource'].split(',')[1])

    @classmethod
    def entry(cls, row, previous):
        return Entry(cls.owner(row, previous), cls.date(row),
            row['user'], 'comment', row['content'])


class _Import(_Joined):
    "The lines of the imports that created, updated or merged the card"
    model = 'crm.counterparty.import.line'
    names = ('__id', 'party', 'create_date', 'create_uid', 'outcome',
        'file_name')

    @classmethod
    def tables(cls):
        pool = Pool()
        line = pool.get('crm.counterparty.import.line').__table__()
        batch = pool.get('crm.counterparty.import').__table__()
        return (line, batch, line.batch == batch.id, [
                line.id, line.party, line.create_date, line.create_uid,
                line.outcome, batch.file_name])

    @classmethod
    def of_card(cls, line, batch, party_id=None):
        if party_id is None:
            return line.party != Null
        return line.party == party_id

    @classmethod
    def entry(cls, row, previous):
        Line = Pool().get(cls.model)
        outcome = shown_value(Line, 'outcome', row['outcome'])
        return Entry(row['party'], cls.date(row), row['create_uid'],
            'change', gettext('crm_counterparty.msg_journal_import',
                file=row['file_name'] or '', outcome=outcome))


class _Merge(_Joined):
    "The merges of other cards into the card, and their undoing"
    model = 'crm.counterparty.merge'
    names = ('__id', 'kept', 'create_date', 'create_uid', 'merged_names',
        'state')

    @classmethod
    def tables(cls):
        pool = Pool()
        merge = pool.get(cls.model).__table__()
        party = pool.get('party.party').__table__()
        return (merge, party, merge.kept == party.id, [
                merge.id, merge.kept, merge.create_date, merge.create_uid,
                merge.merged_names, merge.state])

    @classmethod
    def of_card(cls, merge, party, party_id=None):
        if party_id is None:
            return merge.kept != Null
        return merge.kept == party_id

    @classmethod
    def owner(cls, row, previous):
        return row['kept']

    @classmethod
    def entry(cls, row, previous):
        message = ('crm_counterparty.msg_journal_merge_undone'
            if row['state'] == 'undone'
            else 'crm_counterparty.msg_journal_merge')
        return Entry(cls.owner(row, previous), cls.date(row),
            row['create_uid'], 'change',
            gettext(message, parties=row['merged_names'] or ''))


# The position of a source is the remainder of its entries' ids, and which
# of two entries of the same time is older (a card is created before its
# parts, a comment is written on what is there)
SOURCES = (_Card, _ContactPerson, _ContactMechanism, _Identifier, _Address,
    _Tag, _Group, _Import, _Merge, _Comment)


def entry_id(source, row_id):
    return row_id * len(SOURCES) + SOURCES.index(source)


def newest_entries(party_id, size):
    "The ids of the newest size entries of the card, newest first"
    items = journal_diff.newest(
        [s.stream(party_id) for s in SOURCES], size,
        key=lambda i: (i[0], SOURCES.index(i[2]), i[1]))
    return [entry_id(source, row_id) for _, row_id, source, _ in items]


class JournalEntry(ModelView):
    "A comment or a change in a card's journal, read when shown"
    __name__ = 'crm.counterparty.journal.entry'
    __string__ = "Journal Entry"

    party = fields.Many2One('party.party', "Counterparty", readonly=True)
    date = fields.DateTime("Date", readonly=True)
    author = fields.Char("Author", readonly=True)
    kind = fields.Selection([
            ('comment', "Comment"),
            ('change', "Change"),
            ], "Kind", readonly=True)
    text = fields.Text("Entry", readonly=True)

    def __init__(self, id=None, **kwargs):
        # Made as the target of the card's journal field with the caches
        # of a stored record, which it has not
        for name in ['_local_cache', '_ids', '_transaction_cache',
                '_transaction']:
            kwargs.pop(name, None)
        super().__init__(id, **kwargs)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__.update({
                'read': RPC(),
                'search': RPC(result=lambda r: list(map(int, r))),
                'search_count': RPC(),
                })

    @classmethod
    def _parties(cls, domain):
        """The cards a domain of the journal names by ('party', '=' or
        'in', ids), among those one may read"""
        Party = Pool().get('party.party')
        parties, stack = set(), [domain]
        while stack:
            clause = stack.pop()
            if (len(clause) == 3 and clause[0] == 'party'
                    and clause[1] in {'=', 'in'}):
                value = clause[2]
                parties.update(value if clause[1] == 'in' else [value])
            elif not clause or clause[0] != 'OR':
                stack.extend(c for c in clause
                    if isinstance(c, (list, tuple)))
        parties = {p for p in parties if isinstance(p, int)}
        return sorted(allowed_ids(Party, parties))

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        "The entries of the cards named by ('party', '=' or 'in', ids)"
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        ModelAccess.check(cls.__name__, 'read')
        ids = []
        for party_id in cls._parties(domain):
            size = None if limit is None else (offset or 0) + limit
            ids.extend(newest_entries(party_id, size))
        ids = ids[offset or 0:]
        if limit is not None:
            ids = ids[:limit]
        if count:
            return len(ids)
        return [cls(i) for i in ids]

    @classmethod
    def search_count(cls, domain, offset=0, limit=None):
        return cls.search(domain, offset=offset, limit=limit, count=True)

    @classmethod
    def entries(cls, ids):
        "The entries of ids, refusing those of cards one may not read"
        pool = Pool()
        Party = pool.get('party.party')
        by_source = {}
        for id_ in ids:
            row_id, index = divmod(int(id_), len(SOURCES))
            by_source.setdefault(SOURCES[index], set()).add(row_id)
        entries, owners, hidden = {}, {}, set()
        for source, row_ids in by_source.items():
            rows = source.load(row_ids)
            previous = source.previous(rows)
            hidden.update(entry_id(source, i)
                for i in source.hidden(rows, previous))
            for row in rows:
                id_ = entry_id(source, row['__id'])
                entries[id_] = (source, row, previous[row['__id']])
                owners[id_] = source.owner(row, previous[row['__id']])
        readable = allowed_ids(Party, set(owners.values()) - {None})
        if (set(map(int, ids)) - set(entries) or hidden
                or set(owners.values()) - readable):
            raise AccessError(gettext('crm_counterparty.msg_journal_refused'))
        return {i: source.entry(row, previous)
            for i, (source, row, previous) in entries.items()}

    @classmethod
    def read(cls, ids, fields_names):
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        ModelAccess.check(cls.__name__, 'read')
        looking_up = _looked_up.set({})
        try:
            return cls._rows(cls.entries(ids), ids, fields_names)
        finally:
            _looked_up.reset(looking_up)

    @classmethod
    def _rows(cls, entries, ids, fields_names):
        kinds = dict(cls.fields_get(['kind'])['kind']['selection'])
        rows = []
        for id_ in map(int, ids):
            entry = entries[id_]
            values = {
                'id': id_,
                'party': entry.party,
                'date': entry.date,
                'author': (_guest_name(entry.guest) if entry.guest
                    else _user_name(entry.user)),
                'kind': entry.kind,
                # The client shows a selection by its label in a list
                'kind:string': kinds[entry.kind],
                'text': entry.text,
                'rec_name': (entry.text or '').split('\n')[0],
                }
            # What a client asks besides (access, timestamps) is not kept
            rows.append({n: values.get(n) for n in ['id', *fields_names]})
        return rows


def _guest_name(web_user_id):
    "The person of the portal's guest, named as a guest"
    def look_up():
        WebUser = Pool().get('web.user')
        with without_check_access(), inactive_records():
            party = WebUser(web_user_id).party
        return gettext('crm_counterparty.msg_journal_guest',
            name=_record_name('party.party', party.id) if party else '')
    return _once(('guest', web_user_id), look_up)


def _user_name(user_id):
    if not user_id:
        return gettext('crm_counterparty.msg_journal_system')
    return _record_name('res.user', user_id)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    # A list of entries, not a part of the card: Tryton asks a One2Many
    # computed to have a setter
    journal = fields.Function(fields.Many2Many(
            'crm.counterparty.journal.entry', None, None, "Journal",
            readonly=True,
            help="The comments and changes of the card, newest first."),
        'get_journal')
    journal_comment = fields.Function(fields.Text(
            "Comment", help="Posted to the journal when the card is saved."),
        'get_journal_comment', setter='set_journal_comment')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        history = cls.__table_history__()
        cls._history_sql_indexes.update({
                # The feed reads a card's revisions by their order
                Index(history, (history.id, Index.Equality()),
                    (Column(history, '__id'), Index.Range())),
                Index(history, (history.employer, Index.Equality())),
                })
        cls._buttons.update({
                'post_comment': {
                    'icon': 'tryton-chat',
                    },
                'open_journal': {
                    'icon': 'tryton-history',
                    },
                })

    def get_journal(self, name):
        return newest_entries(self.id, CARD_SIZE)

    def get_journal_comment(self, name):
        return None

    @classmethod
    def set_journal_comment(cls, parties, name, value):
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        if value and value.strip():
            for party in parties:
                Channel.post(party, value.strip())

    @classmethod
    @ModelView.button
    def post_comment(cls, parties):
        # The client saves the card before it runs a button: the comment
        # is posted by the save (set_journal_comment)
        pass

    @classmethod
    @ModelView.button_action('crm_counterparty.act_journal')
    def open_journal(cls, parties):
        pass


class _PartOfCard:
    "A part of a card whose changes the journal shows from its history"
    __slots__ = ()
    _history = True

    @classmethod
    def __register__(cls, module):
        exist = backend.TableHandler.table_exist(cls._table + '__history')
        super().__register__(module)
        if not exist:
            # The parts made before their history was kept start it as
            # they are, so that their changes and removal are told
            table, history = cls.__table__(), cls.__table_history__()
            names = [n for n, f in sorted(cls._fields.items())
                if f.sql_type() and not isinstance(f, fields.Function)]
            cursor = Transaction().connection.cursor()
            cursor.execute(*history.insert(
                    [Column(history, n) for n in names],
                    table.select(*[Column(table, n) for n in names])))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        history = cls.__table_history__()
        cls._history_sql_indexes.add(
            Index(history, (history.party, Index.Equality())))


    @classmethod
    def read(cls, ids, fields_names):
        # A past state of the card (Show revisions…) shows its parts as
        # they are, as before they kept history: over their history the
        # record rules nest too deep for the database (see ir.py)
        with Transaction().set_context(_datetime=None):
            return super().read(ids, fields_names)

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        with Transaction().set_context(_datetime=None):
            return super().search(domain, offset=offset, limit=limit,
                order=order, count=count, query=query)


class ContactMechanism(_PartOfCard, metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'


class Identifier(_PartOfCard, metaclass=PoolMeta):
    __name__ = 'party.identifier'


class Address(_PartOfCard, metaclass=PoolMeta):
    __name__ = 'party.address'


class TagParty(_PartOfCard, metaclass=PoolMeta):
    __name__ = 'crm.counterparty.tag-party.party'


class GroupParty(_PartOfCard, metaclass=PoolMeta):
    __name__ = 'crm.counterparty.group-party.party'
