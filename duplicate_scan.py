# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The scan of the whole base for duplicates (Clients › Duplicates).

A scan runs in the queue as the user who started it: it reads the active
counterparties he may see, puts them in blocks (each INN, e-mail and phone
two of them share, found by GROUP BY; each word of the name and the name
cut to its words' starts and ends, duplicate_keys.block_keys), and scores
each pair of a block with the rules of duplicates while typing
(duplicate_keys.compare).  Only the cards changed since the user's previous
scan are compared, with the whole base.  The changed cards are done a
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

# Ids in one IN of a query
MAX_IDS = backend.MAX_QUERY_PARAMS
# Changed cards compared with the base per committed chunk
CHUNK = 20000


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
        todo = [c for c in changed if c > (self.last_card or 0)]
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
        "Create the pairs of found (CardKeys pairs by ids) not created yet"
        Pair = Pool().get('crm.counterparty.duplicate_scan.pair')
        cards = {c for ids in found for c in ids}
        known = set()
        for sub in grouped_slice(sorted(cards), MAX_IDS):
            known.update((p.party.id, p.other.id) for p in Pair.search([
                        ('scan', '=', self.id),
                        ('party', 'in', list(sub)),
                        ]))
        Pair.create([{
                    'scan': self.id,
                    'party': a,
                    'other': b,
                    'score': pair.score,
                    'name_score': pair.name_score,
                    'reasons': list(pair.reasons),
                    } for (a, b), pair in sorted(found.items())
                if (a, b) not in known])

    def _group(self):
        "Number the groups of cards the scan's pairs join"
        pair = Pool().get('crm.counterparty.duplicate_scan.pair').__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*pair.select(pair.id, pair.party, pair.other,
                where=pair.scan == self.id))
        rows = cursor.fetchall()
        root = duplicate_keys.groups((a, b) for _, a, b in rows)
        clusters = {}
        for id_, a, _ in rows:
            clusters.setdefault(root[a], []).append(id_)
        for cluster, ids in clusters.items():
            for sub in grouped_slice(ids, MAX_IDS):
                cursor.execute(*pair.update([pair.cluster], [cluster],
                        where=pair.id.in_(list(sub))))


class Base:
    """The counterparties a user sees as a scan compares them: their names
    in blocks, and the cards sharing a key of a kind counted"""

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
        self._read_names()
        self._read_keys()

    def _read_names(self):
        party = Pool().get('party.party').__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*party.select(party.id, party.name, party.employer,
                where=party.id.in_(self.visible)))
        for id_, name, employer in cursor:
            key = duplicate_keys.name_key(name)
            self.names[id_] = key
            if employer:
                self.employers[id_] = employer
            if 'name' in self.kinds:
                self.name_blocks.add(id_, duplicate_keys.block_keys(key))

    def _read_keys(self):
        "Put the cards in the blocks of the keys they share with others"
        cursor = Transaction().connection.cursor()
        for kind in self.kinds - {'name'}:
            table, key, where = _key_column(kind)
            where &= table.party.in_(self.visible)
            shared = table.select(key, where=where, group_by=[key],
                having=Count(table.party, distinct=True) > 1)
            cursor.execute(*table.select(table.party, key,
                    where=where & key.in_(shared)))
            for party, value in cursor:
                self.keys_of.setdefault(party, set()).add(kind + ' ' + value)
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
        changed = set(changed)
        candidates = set()
        for card in chunk:
            for other in self._partners(card):
                if other in changed and other < card:
                    continue
                candidate = (min(card, other), max(card, other))
                if (candidate not in self.unwanted
                        and not self._related(*candidate)):
                    candidates.add(candidate)
        keys = _card_keys(
            {c for p in candidates for c in p}, self.names, self.kinds)
        found = {}
        for a, b in candidates:
            pair = duplicate_keys.compare(keys[a], keys[b], self.threshold
                if 'name' in self.kinds else 101)
            if pair and not self._weak(pair, a, b, keys):
                found[a, b] = pair
        return found

    def _partners(self, card):
        "The cards sharing a key with card, or a block of a near name"
        partners = self.key_blocks.partners(card, self.keys_of.get(card, ()))
        if 'name' in self.kinds:
            name = self.names[card]
            partners.update(o for o in self.name_blocks.partners(
                    card, duplicate_keys.block_keys(name))
                if duplicate_keys.name_score(name, self.names[o])
                >= self.threshold)
        return partners

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


def _card_keys(ids, names, kinds):
    "The CardKeys of ids, of the kinds of keys counted"
    pool = Pool()
    identifier = pool.get('party.identifier').__table__()
    mechanism = pool.get('party.contact_mechanism').__table__()
    cursor = Transaction().connection.cursor()
    values = {i: {'inn': '', 'kpp': '', 'email': set(), 'phone': set()}
        for i in ids}
    for sub in map(list, grouped_slice(sorted(ids), MAX_IDS)):
        cursor.execute(*identifier.select(identifier.party,
                identifier.type, identifier.code_compact,
                where=identifier.party.in_(sub)
                & identifier.type.in_(['ru_vat', 'ru_kpp'])
                & (identifier.active == Literal(True))))
        for party, type_, code in cursor:
            values[party]['inn' if type_ == 'ru_vat' else 'kpp'] = code
        cursor.execute(*mechanism.select(mechanism.party, mechanism.type,
                mechanism.value_compact,
                where=mechanism.party.in_(sub)
                & mechanism.type.in_(['email', 'phone', 'mobile'])
                & (mechanism.active == Literal(True))))
        for party, type_, value in cursor:
            if value:
                kind = 'email' if type_ == 'email' else 'phone'
                values[party][kind].add(
                    value.lower() if kind == 'email' else value)
    return {i: duplicate_keys.CardKeys(name=names[i],
            inn=v['inn'] if 'inn' in kinds else '', kpp=v['kpp'],
            emails=frozenset(v['email'] if 'email' in kinds else ()),
            phones=frozenset(v['phone'] if 'phone' in kinds else ()))
        for i, v in values.items()}


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

