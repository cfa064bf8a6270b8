# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The scan of the whole base for duplicates (Clients › Duplicates).

A scan runs in the queue as the user who started it: it reads the active
counterparties he may see (rows, not records, streamed from a server-side
cursor on PostgreSQL), puts them in blocks (each INN, e-mail and phone two
of them share, found by GROUP BY; each word of the name and each word less
one of its letters, duplicate_keys.block_keys, sorted in arrays), and
scores each pair of a block once with the rules of duplicates while typing
(duplicate_keys.compare), the names first by rapidfuzz alone, then keeps
those a better match of their cards does not outrank, all scored at once
(duplicate_keys.kept_pairs).  Only the
cards changed since the user's previous scan are compared, with the whole
base.  The changed cards are done a
chunk at a time in id order, each chunk committed with the last id done,
so that a scan whose process stopped goes on from there (Resume) and a
pair is never written twice (one per scan, unique)."""
import datetime as dt

from sql import Literal, Null, Select
from sql.aggregate import Count, Max, Min
from sql.conditionals import Case, Coalesce
from sql.functions import CurrentTimestamp, Lower

from trytond import backend
from trytond.model import ModelSQL, ModelView, Unique, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import (
    Transaction, check_access, without_check_access)

from . import duplicate_keys, running
from .duplicate import _name_threshold
from .importing.rules import legal_form

# Ids in one IN of a query
MAX_IDS = backend.MAX_QUERY_PARAMS
# Changed cards compared with the base per committed chunk
CHUNK = 20000
# Rows fetched at a time from a server-side cursor
STREAM_ROWS = 10000


class DuplicateScan(Workflow, ModelSQL, ModelView):
    "A scan of the counterparties a user sees for likely duplicates"
    __name__ = 'crm.counterparty.duplicate_scan'
    __string__ = "Duplicate Scan"

    user = fields.Many2One(
        'res.user', "User", required=True, readonly=True,
        help="The scan covers the counterparties this user sees.")
    state = fields.Selection([
            ('draft', "Draft"),
            ('waiting', "Waiting"),
            ('running', "Running"),
            ('done', "Done"),
            ], "State", required=True, readonly=True, sort=False)
    since = fields.DateTime(
        "Changed Since", readonly=True,
        help="Only the counterparties created or changed since (the start "
        "of the user's previous scan) were compared with the others; "
        "empty: all of them.")
    started = fields.DateTime("Started", readonly=True)
    cards_total = fields.Integer("Counterparties to Compare", readonly=True)
    cards_done = fields.Integer("Counterparties Compared", readonly=True)
    last_card = fields.Integer("Last Counterparty Compared", readonly=True)
    progress = fields.Function(
        fields.Float("Progress", digits=(3, 0)), 'get_progress')
    groups = fields.One2Many(
        'crm.counterparty.duplicate_scan.group', 'scan', "Groups",
        readonly=True)
    pairs = fields.One2Many(
        'crm.counterparty.duplicate_scan.pair', 'scan', "Pairs",
        readonly=True)
    pair_count = fields.Function(
        fields.Integer("Pairs Found"), 'get_pair_count')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'waiting'),
            ('waiting', 'running'),
            ('running', 'done'),
            }
        cls._buttons.update({
                'start': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'resume': {
                    'invisible': ~Eval('state').in_(['waiting', 'running']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_user(cls):
        return Transaction().user

    @classmethod
    def default_state(cls):
        return 'draft'

    def get_progress(self, name):
        if self.state == 'done':
            return 100
        if not self.cards_total:
            return 0
        return 100 * (self.cards_done or 0) // self.cards_total

    @classmethod
    def get_pair_count(cls, scans, name):
        pair = Pool().get('crm.counterparty.duplicate_scan.pair').__table__()
        cursor = Transaction().connection.cursor()
        counts = dict.fromkeys([s.id for s in scans], 0)
        for sub in grouped_slice(list(counts), MAX_IDS):
            cursor.execute(*pair.select(pair.scan, Count(pair.id),
                    where=pair.scan.in_(list(sub)), group_by=[pair.scan]))
            counts.update(cursor)
        return counts

    @classmethod
    def copy(cls, scans, default=None):
        default = default.copy() if default else {}
        for name in ['pairs', 'since', 'started', 'cards_total',
                'cards_done', 'last_card']:
            default.setdefault(name, None)
        default.setdefault('state', 'draft')
        return super().copy(scans, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('waiting')
    def start(cls, scans):
        for scan in scans:
            scan.since = cls.last_start(scan.user)
            scan.started = _now()
            scan.cards_total = scan.cards_done = scan.last_card = None
        cls.save(scans)
        cls.__queue__.run(scans)

    @classmethod
    def last_start(cls, user):
        "When the user's last scan done started: what changed since counts"
        done = cls.search([
                ('user', '=', user.id),
                ('state', '=', 'done'),
                ], order=[('started', 'DESC')], limit=1)
        return done[0].started if done else None

    @classmethod
    @ModelView.button
    def resume(cls, scans):
        """Run again a scan whose process stopped: it goes on after the
        last chunk done; another run of a scan still running does nothing"""
        cls.__queue__.run(scans)

    @classmethod
    def run(cls, scans):
        "Scan a chunk at a time, each chunk committed"
        transaction = Transaction()
        for scan in scans:
            for _ in scan.process():
                transaction.commit()

    def process(self):
        """Compare the changed cards after the last one done, yielding
        after each chunk (what the caller commits); the run holds the
        scan's lock"""
        with running.hold(self.id, self.__name__) as held, \
                without_check_access():
            scan = self.__class__(self.id)
            if held and scan.state in {'waiting', 'running'}:
                yield from scan._process()

    def _process(self):
        base = Base(self.user.id, self.since)
        changed = base.changed()
        if self.state == 'waiting':
            self.__class__.set_running([self])
            self.__class__.write([self], {'cards_total': len(changed)})
        last = self.last_card or 0
        todo = [c for c in changed if c > last]
        done = len(changed) - len(todo)
        for start in range(0, len(todo), CHUNK):
            chunk = todo[start:start + CHUNK]
            self._save_pairs(base.pairs(chunk, changed))
            done += len(chunk)
            self.__class__.write([self], {
                    'cards_done': done,
                    'last_card': chunk[-1],
                    })
            yield
        self._group()
        self.__class__.finish([self])
        yield

    @classmethod
    @Workflow.transition('running')
    def set_running(cls, scans):
        pass

    @classmethod
    @Workflow.transition('done')
    def finish(cls, scans):
        pass

    def _save_pairs(self, found):
        """Insert the pairs of found (duplicate_keys.Pair by ids) not
        inserted yet, in SQL: the ORM would spend minutes on the pairs of
        a large base"""
        Pair = Pool().get('crm.counterparty.duplicate_scan.pair')
        pair = Pair.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        cursor.execute(*pair.select(pair.party, pair.other,
                where=pair.scan == self.id))
        known = set(cursor)
        columns = [pair.scan, pair.party, pair.other, pair.score,
            pair.name_score, pair.reasons, pair.create_uid, pair.create_date]
        now = _now()
        rows = [[self.id, a, b, found_.score, found_.name_score,
                Pair.reasons.sql_format(found_.reasons), transaction.user,
                now] for (a, b), found_ in sorted(found.items())
            if (a, b) not in known]
        for sub in grouped_slice(rows, MAX_IDS // len(columns)):
            cursor.execute(*pair.insert(columns, list(sub)))

    def _group(self):
        "Number the groups of cards the scan's pairs join"
        pair = Pool().get('crm.counterparty.duplicate_scan.pair').__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*pair.select(pair.id, pair.party, pair.other,
                where=pair.scan == self.id))
        rows = cursor.fetchall()
        root = duplicate_keys.groups((a, b) for _, a, b in rows)
        query = pair.update([pair.cluster], [0], where=pair.id == 0)
        cursor.executemany(
            str(query), [(root[a], id_) for id_, a, _ in rows])


class Base:
    """The counterparties a user sees as a scan compares them: their names,
    the keys they share with others, and the pairs of them in a block of
    a shared key or of near names"""

    def __init__(self, user, since):
        pool = Pool()
        Configuration = pool.get('party.configuration')
        self.since = since
        # None chosen (a base older than the setting) counts them all
        self.kinds = set(Configuration(1).duplicate_scan_keys
            or Configuration.default_duplicate_scan_keys())
        self.threshold = _name_threshold()
        self.visible = _visible(user)
        self.unwanted = _not_duplicates()
        self.names, self.employers = {}, {}
        self.name_blocks = duplicate_keys.Blocks()
        self.key_blocks = duplicate_keys.Blocks()
        self.keys_of = {}
        # The INN and the KPP by card, flat: a dict a card would cost more
        self.codes = {'ru_vat': {}, 'ru_kpp': {}}
        self._owned = self._found = None
        self._read_names()
        self._read_keys()

    def _read_names(self):
        party = Pool().get('party.party').__table__()
        names, employers = self.names, self.employers
        add = self.name_blocks.add if 'name' in self.kinds else None
        for id_, name, employer in _rows(party.select(
                    party.id, party.name, party.employer,
                    where=party.id.in_(self.visible))):
            key = names[id_] = duplicate_keys.name_key(name)
            if employer:
                employers[id_] = employer
            if add:
                add(id_, duplicate_keys.block_keys(key))

    def _read_keys(self):
        "Put the cards in the blocks of the keys they share with others"
        for kind in self.kinds - {'name'}:
            table, key, where = _key_column(kind)
            where &= table.party.in_(self.visible)
            shared = table.select(key, where=where, group_by=[key],
                having=Count(table.party, distinct=True) > 1)
            for party, value in _rows(table.select(table.party, key,
                        where=where & key.in_(shared))):
                if value:
                    self.keys_of.setdefault(party, set()).add((kind, value))
        for party, keys in self.keys_of.items():
            self.key_blocks.add(party, keys)

    def changed(self):
        "The ids, in order, of the cards created or changed since"
        pool = Pool()
        if self.since is None:
            return sorted(self.names)
        ids = set()
        cursor = Transaction().connection.cursor()
        for Model, column in [('party.party', 'id'),
                ('party.identifier', 'party'),
                ('party.contact_mechanism', 'party')]:
            table = pool.get(Model).__table__()
            cursor.execute(*table.select(getattr(table, column),
                    where=Coalesce(table.write_date, table.create_date)
                    >= self.since))
            ids.update(i for i, in cursor)
        return sorted(ids & self.names.keys())

    def pairs(self, chunk, changed):
        """The likely duplicates among chunk (ids) and the base: {(id,
        other id): duplicate_keys.Pair}; a pair of two changed cards is
        the lower one's"""
        if self._owned is None:
            self._owned = self._candidates(set(changed))
            self._found = self._scored(
                [p for pairs in self._owned.values() for p in pairs])
        return {p: self._found[p] for c in chunk
            for p in self._owned.get(c, ()) if p in self._found}

    def _scored(self, candidates):
        """{(id, other id): duplicate_keys.Pair} of the candidates likely
        one, all scored at once: a card alike to two others by name alone
        may be outranked by its pair with a third, of another chunk"""
        keys = self._card_keys({c for p in candidates for c in p})
        threshold = self.threshold if 'name' in self.kinds else 101
        found = {}
        for a, b in candidates:
            pair = duplicate_keys.compare(keys[a], keys[b], threshold)
            if pair and not self._weak(pair, a, b, keys):
                found[a, b] = pair
        return duplicate_keys.kept_pairs(found, keys)

    def _candidates(self, changed):
        """The pairs (lower id, higher id) of a changed card that share a
        block of a key, or of a name and are near by name, by the changed
        card they are of; the INN and KPP of their cards read"""
        near, names = duplicate_keys.near, self.names
        found = set(duplicate_keys.unique_pairs(self.key_blocks.groups()))
        # A pair of alike names shares several blocks: scored once
        for pair in duplicate_keys.unique_pairs(self.name_blocks.groups()):
            a, b = pair
            if (pair not in found and (a in changed or b in changed)
                    and near(names[a], names[b], self.threshold)):
                found.add(pair)
        self._read_requisites({c for p in found for c in p})
        owned = {}
        for a, b in found:
            owner = a if a in changed else b if b in changed else None
            if (owner is not None and (a, b) not in self.unwanted
                    and not self._related(a, b)
                    and not self._two_inns(a, b)):
                owned.setdefault(owner, []).append((a, b))
        return owned

    def _two_inns(self, a, b):
        """Whether a and b have two INNs, never one counterparty: most
        pairs near by name in a large base, told before their keys"""
        if 'inn' not in self.kinds:
            return False
        inn, other = self.codes['ru_vat'].get(a), self.codes['ru_vat'].get(b)
        return bool(inn and other and inn != other)

    def _read_requisites(self, cards):
        "Read the INN and KPP of cards (ids)"
        identifier = Pool().get('party.identifier').__table__()
        for party, type_, code in _rows(identifier.select(
                    identifier.party, identifier.type,
                    identifier.code_compact,
                    where=identifier.type.in_(['ru_vat', 'ru_kpp'])
                    & (identifier.active == Literal(True)))):
            if party in cards:
                self.codes[type_][party] = code

    def _card_keys(self, ids):
        """The CardKeys of ids, of the kinds of keys counted: the e-mails
        and phones of a card that no other has cannot be shared"""
        keys = {}
        forms = _legal_forms(ids)
        for id_ in ids:
            shared = self.keys_of.get(id_, ())
            keys[id_] = duplicate_keys.CardKeys(name=self.names[id_],
                inn=(self.codes['ru_vat'].get(id_) or ''
                    if 'inn' in self.kinds else ''),
                kpp=self.codes['ru_kpp'].get(id_) or '',
                emails=frozenset(v for k, v in shared if k == 'email'),
                phones=frozenset(v for k, v in shared if k == 'phone'),
                form=forms[id_])
        return keys

    def _weak(self, pair, a, b, keys):
        """Whether the pair of a and b (keys: CardKeys by id) is of names
        alone too weak for a scan of the whole base, where many names are
        alike by chance"""
        if pair.reasons != ['name']:
            return False
        return (duplicate_keys.namesakes(
                pair, self.employers.get(a), self.employers.get(b))
            or not duplicate_keys.differing_words_alike(
                keys[a].name, keys[b].name))

    def _related(self, a, b):
        "Whether one card is the other's contact person"
        return self.employers.get(a) == b or self.employers.get(b) == a


def _rows(query):
    """The rows of query, fetched a batch at a time on PostgreSQL (a
    server-side cursor), so that a large base is never held whole twice"""
    connection = Transaction().connection
    if backend.name == 'postgresql':
        cursor = connection.cursor(name='crm_counterparty_duplicate_scan')
        cursor.itersize = STREAM_ROWS
    else:
        cursor = connection.cursor()
    try:
        cursor.execute(*query)
        yield from cursor
    finally:
        cursor.close()


def _legal_forms(ids):
    """{id: legal form} of the cards ids, read again: kept for the whole
    base they would cost more memory than the few pairs they serve"""
    party = Pool().get('party.party').__table__()
    cursor = Transaction().connection.cursor()
    forms = {}
    for sub in grouped_slice(sorted(ids), MAX_IDS):
        cursor.execute(*party.select(party.id, party.name,
                where=party.id.in_(list(sub))))
        forms.update((i, legal_form(n)) for i, n in cursor)
    return forms


def _now():
    "The database's time of the transaction, as records' dates are written"
    cursor = Transaction().connection.cursor()
    cursor.execute(*Select([CurrentTimestamp()]))
    now, = cursor.fetchone()
    if isinstance(now, str):
        now = dt.datetime.fromisoformat(now)
    return now


def _key_column(kind):
    "(table, key, condition) of the stored keys of kind"
    pool = Pool()
    if kind == 'inn':
        table = pool.get('party.identifier').__table__()
        return (table, table.code_compact,
            (table.type == 'ru_vat') & (table.active == Literal(True)))
    table = pool.get('party.contact_mechanism').__table__()
    where = table.active == Literal(True)
    if kind == 'email':
        return table, Lower(table.value_compact), where & (
            table.type == 'email')
    return table, table.value_compact, where & table.type.in_(
        ['phone', 'mobile'])


def _visible(user):
    "A query of the ids of the active counterparties user may see"
    pool = Pool()
    Party = pool.get('party.party')
    Rule = pool.get('ir.rule')
    with Transaction().set_user(user), check_access():
        domain = Rule.domain_get(Party.__name__, mode='read')
    with Transaction().set_user(0), without_check_access():
        return Party.search(domain or [], order=[], query=True)


def _not_duplicates():
    "The pairs said not to be duplicates, as (lower id, higher id)"
    table = Pool().get('crm.counterparty.not_duplicate').__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.select(table.party, table.other))
    return set(cursor)


class DuplicatePair(ModelSQL, ModelView):
    "Two counterparties a scan found likely to be one"
    __name__ = 'crm.counterparty.duplicate_scan.pair'
    __string__ = "Duplicate Pair"

    scan = fields.Many2One(
        'crm.counterparty.duplicate_scan', "Scan", required=True,
        ondelete='CASCADE', readonly=True)
    cluster = fields.Integer("Group", readonly=True)
    party = fields.Many2One(
        'party.party', "Counterparty", required=True, ondelete='CASCADE',
        readonly=True)
    other = fields.Many2One(
        'party.party', "Other Counterparty", required=True,
        ondelete='CASCADE', readonly=True)
    score = fields.Float("Score", digits=(3, 1), readonly=True)
    name_score = fields.Float(
        "Name Similarity", digits=(3, 1), readonly=True,
        help="How similar the names are, 0 to 100.")
    reasons = fields.MultiSelection(
        duplicate_keys.KEY_KINDS, "Reasons", readonly=True,
        help="The keys the two share, and their name when the names are "
        "similar enough.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('scan_pair_unique', Unique(t, t.scan, t.party, t.other),
                'crm_counterparty.msg_duplicate_pair_unique'),
            ]
        cls._order = [('score', 'DESC'), ('id', 'ASC')]
        cls._buttons.update({
                'merge': {},
                'dismiss': {},
                })

    def duplicate_parties(self):
        "The counterparties the pair is of"
        return [self.party, self.other]

    @classmethod
    @ModelView.button_action('crm_counterparty.wizard_merge_duplicate_pair')
    def merge(cls, pairs):
        pass

    @classmethod
    @ModelView.button
    def dismiss(cls, pairs):
        "Say the pairs are not duplicates: no scan proposes them again"
        NotDuplicate = Pool().get('crm.counterparty.not_duplicate')
        for pair in pairs:
            NotDuplicate.mark(pair.party, [pair.other])
        with without_check_access():
            cls.delete(pairs)


class DuplicateGroup(ModelSQL, ModelView):
    "Counterparties the pairs of a scan join: likely all one"
    __name__ = 'crm.counterparty.duplicate_scan.group'
    __string__ = "Duplicate Group"

    scan = fields.Many2One(
        'crm.counterparty.duplicate_scan', "Scan", readonly=True)
    cluster = fields.Integer("Group", readonly=True)
    score = fields.Float("Score", digits=(3, 1), readonly=True)
    pair_count = fields.Integer("Pairs", readonly=True)
    parties = fields.Function(fields.Many2Many(
            'party.party', None, None, "Counterparties"), 'get_parties',
        searcher='search_parties')
    names = fields.Function(fields.Char("Counterparties"), 'get_names')
    pairs = fields.Function(fields.Many2Many(
            'crm.counterparty.duplicate_scan.pair', None, None, "Pairs"),
        'get_pairs')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('score', 'DESC'), ('id', 'ASC')]
        cls._buttons.update({
                'merge': {},
                'dismiss': {},
                })

    @classmethod
    def table_query(cls):
        pair = Pool().get(
            'crm.counterparty.duplicate_scan.pair').__table__()
        return pair.select(
            Min(pair.id).as_('id'),
            pair.scan.as_('scan'), pair.cluster.as_('cluster'),
            Max(pair.score).as_('score'),
            Count(pair.id).as_('pair_count'),
            Min(pair.create_uid).as_('create_uid'),
            Min(pair.create_date).as_('create_date'),
            Literal(None).as_('write_uid'), Literal(None).as_('write_date'),
            where=pair.cluster != Null,
            group_by=[pair.scan, pair.cluster])

    def get_pairs(self, name):
        Pair = Pool().get('crm.counterparty.duplicate_scan.pair')
        return [p.id for p in Pair.search([
                    ('scan', '=', self.scan.id),
                    ('cluster', '=', self.cluster),
                    ])]

    def get_parties(self, name):
        Pair = Pool().get('crm.counterparty.duplicate_scan.pair')
        return sorted({c.id for p in Pair.browse(self.get_pairs(name))
                for c in p.duplicate_parties()})

    @classmethod
    def search_parties(cls, name, clause):
        "The groups with a pair of which a card matches clause"
        Pair = Pool().get('crm.counterparty.duplicate_scan.pair')
        nested = clause[0][len(name):]
        pairs = Pair.search(['OR',
                ('party' + nested, *clause[1:]),
                ('other' + nested, *clause[1:]),
                ], order=[], query=True)
        pair = Pair.__table__()
        groups = pair.select(Min(pair.id),
            where=pair.cluster != Null,
            group_by=[pair.scan, pair.cluster],
            having=Max(Case((pair.id.in_(pairs), 1), else_=0)) == 1)
        return [('id', 'in', groups)]

    def get_names(self, name):
        return '; '.join(p.rec_name for p in self.parties)

    def duplicate_parties(self):
        "The counterparties the group's pairs join"
        return list(self.parties)

    @classmethod
    @ModelView.button_action(
        'crm_counterparty.wizard_merge_duplicate_group')
    def merge(cls, groups):
        pass

    @classmethod
    @ModelView.button
    def dismiss(cls, groups):
        "Say none of the group's pairs are duplicates"
        Pool().get('crm.counterparty.duplicate_scan.pair').dismiss(
            [p for g in groups for p in g.pairs])

