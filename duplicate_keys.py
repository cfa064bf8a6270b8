# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""When two counterparties are likely one: the rules of duplicates that need
no database.

The keys are the import's (importing/rules.py: the INN, the e-mail as
normalised, the phone in E.164, the name without its legal form and
punctuation), so that a card the import would have merged is a duplicate
here too; the name's words are also put in order, so that «Ромашка, ООО»
is «ООО «Ромашка»», and names are compared by rapidfuzz for the near ones
(«Ромашка ООО Москва», a typo).  Two cards with different INNs, or one INN
with different KPPs (a branch), are never duplicates, as for the import;
so a card alike by name alone to two such cards is at most one of them,
the nearer (outranked).
"""
from array import array
from dataclasses import dataclass, field
from itertools import combinations

import numpy

from rapidfuzz import fuzz

from . import requisites
from .importing.rules import (
    email_key, legal_form, normalise_name, normalised_email, phone_key)

# The score of a pair that shares a key, by kind of key; a pair sharing
# only a similar name scores its similarity (0 to 100)
KEY_SCORES = {
    'inn': 100,
    'email': 95,
    'phone': 90,
    }
# The kinds of keys the scan of the base may count (Party Configuration)
KEY_KINDS = [
    ('inn', "INN"),
    ('email', "E-mail"),
    ('phone', "Phone"),
    ('name', "Name"),
    ]
# The similarity of names proposed by default (Party Configuration)
DEFAULT_NAME_THRESHOLD = 85
# A name shorter than this says too little to be compared on its own
MIN_NAME_LENGTH = 3
# A subset of words («Ромашка» in «Ромашка Москва») is near, not the same
SUBSET_WEIGHT = 0.9


def name_key(name):
    """The name as compared: lower case, without legal form, quotes and
    punctuation, its words in alphabetical order"""
    return ' '.join(sorted(normalise_name(name).split()))


def name_words(name):
    "The words of the name that tell it from others, longest first"
    return sorted(
        (w for w in set(normalise_name(name).split())
            if len(w) >= MIN_NAME_LENGTH),
        key=lambda w: (-len(w), w))


def name_score(key, other_key):
    """How similar two names are (0 to 100), given as name_key gives
    them: the same words in any order score 100, a subset of the other's
    words or a typo a little less"""
    if not key or not other_key:
        return 0
    if key == other_key:
        return 100
    numbers = _numbers(key), _numbers(other_key)
    if all(numbers) and numbers[0] != numbers[1]:
        # «Школа № 5» is not «Школа № 7», however alike the rest
        return 0
    return round(max(
            fuzz.ratio(key, other_key),
            _aligned_ratio(key, other_key),
            fuzz.token_set_ratio(key, other_key) * SUBSET_WEIGHT), 1)


def _aligned_ratio(key, other_key):
    """The similarity of two names of as many words with the words they
    share put first: a typo that moves a word in the alphabetical order
    («ковола консалт», «консалт коъола») is still one letter"""
    words, other_words = key.split(), other_key.split()
    if len(words) != len(other_words):
        return 0
    shared = sorted(set(words) & set(other_words))
    return fuzz.ratio(
        ' '.join(shared + sorted(set(words) - set(shared))),
        ' '.join(shared + sorted(set(other_words) - set(shared))))


def near(key, other_key, threshold):
    """Whether name_score(key, other_key) reaches threshold, most pairs
    told apart by rapidfuzz alone (its cut-off stops it early)"""
    # name_score rounds to a tenth: a score a twentieth below counts
    cutoff = threshold - 0.05
    # token_set_ratio is the best of the aligned ratio and the subsets'
    if not (fuzz.ratio(key, other_key, score_cutoff=cutoff)
            or fuzz.token_set_ratio(key, other_key, score_cutoff=cutoff)):
        return False
    return name_score(key, other_key) >= threshold


def _numbers(key):
    "The words of a name key that are numbers"
    return {w for w in key.split() if w.isdigit()}


def phone_keys(values):
    "The E.164 of each phone of values written in any format"
    return {k for k in map(phone_key, values) if k}


def email_keys(values):
    "The case-insensitive key of each e-mail address of values"
    return {k for k in (email_key(normalised_email(v)) for v in values) if k}


@dataclass(frozen=True)
class CardKeys:
    "What a counterparty is recognised by"
    name: str = ''
    inn: str = ''
    kpp: str = ''
    emails: frozenset = field(default_factory=frozenset)
    phones: frozenset = field(default_factory=frozenset)
    # The legal form (importing.rules.legal_form): only breaks a tie
    form: str = ''

    @classmethod
    def of(cls, name, inn='', kpp='', emails=(), phones=()):
        "The keys of a card as typed"
        return cls(
            name=name_key(name), inn=requisites.compact(inn),
            kpp=requisites.compact(kpp),
            emails=frozenset(email_keys(emails)),
            phones=frozenset(phone_keys(phones)), form=legal_form(name))

    def never_same(self, other):
        "Another INN, or another branch of one INN, is another counterparty"
        if self.inn and other.inn and self.inn != other.inn:
            return True
        return (self.inn == other.inn != ''
            and not requisites.same_taxpayer(self.kpp, other.kpp))


@dataclass(frozen=True)
class Pair:
    """Why two cards are likely one: the kinds of keys they share with
    their values, the similarity of their names, and the score"""
    shared: tuple
    name_score: float
    score: float

    @property
    def reasons(self):
        "The kinds of keys shared, then 'name' when the names are near"
        return [kind for kind, _ in self.shared]


def compare(keys, other, name_threshold=DEFAULT_NAME_THRESHOLD):
    """The Pair of two CardKeys when they are likely one counterparty,
    else None"""
    if keys.never_same(other):
        return None
    shared = []
    if keys.inn and keys.inn == other.inn:
        shared.append(('inn', keys.inn))
    shared.extend(('email', e) for e in sorted(keys.emails & other.emails))
    shared.extend(('phone', p) for p in sorted(keys.phones & other.phones))
    similarity = name_score(keys.name, other.name)
    if similarity >= name_threshold:
        shared.append(('name', other.name))
    elif not shared:
        return None
    score = max([KEY_SCORES.get(k, similarity) for k, _ in shared])
    return Pair(tuple(shared), similarity, score)


def outranked(keys, matches):
    """The others of matches ({other: (its CardKeys, the Pair of keys with
    it)}) alike to the card of keys by name alone while the card is more
    likely another match that is never the same as them (two INNs): one
    card is one counterparty at most; a tie keeps both"""
    kept, dropped = [], set()
    for other, (other_keys, pair) in sorted(matches.items(),
            key=lambda m: _rank(keys, *m[1]), reverse=True):
        rank = _rank(keys, other_keys, pair)
        if pair.reasons == ['name'] and any(
                _rank(keys, *better) > rank
                and better[0].never_same(other_keys) for better in kept):
            dropped.add(other)
        else:
            kept.append((other_keys, pair))
    return dropped


def _rank(keys, other_keys, pair):
    """How likely the card of keys is the other of a Pair: of one score,
    the pair of more reasons, then of the card's legal form"""
    return (pair.score, len(pair.shared),
        bool(keys.form) and other_keys.form == keys.form)


def likely_inn(keys, matches):
    """(INN, rank) of the counterparty a card of keys without INN most
    likely is: its best match of an INN (matches as for outranked), when
    no match of another INN ranks as high; None"""
    ranked = [(_rank(keys, k, p), k.inn) for k, p in matches.values()
        if k.inn]
    if keys.inn or not ranked:
        return None
    best = max(ranked)[0]
    inns = {inn for rank, inn in ranked if rank == best}
    return (inns.pop(), best) if len(inns) == 1 else None


def two_likely_inns(keys, other_keys, pair, likely, other_likely):
    """Whether the cards of keys and other_keys, alike by name alone (the
    Pair), are most likely two counterparties of two INNs (likely_inn of
    each): each is more likely its own than the other"""
    if (pair.reasons != ['name'] or not likely or not other_likely
            or likely[0] == other_likely[0]):
        return False
    return not (_rank(keys, other_keys, pair) > likely[1]
        and _rank(other_keys, keys, pair) > other_likely[1])


def kept_pairs(found, keys):
    """found ({(id, other id): Pair}) less the pairs by name alone that a
    better match of one of the cards outranks, then those of two cards
    without INN most likely of two (keys: CardKeys by id)"""
    matches = {}
    for (a, b), pair in found.items():
        matches.setdefault(a, {})[b] = keys[b], pair
        matches.setdefault(b, {})[a] = keys[a], pair
    dropped = {tuple(sorted((card, other)))
        for card, its in matches.items()
        for other in outranked(keys[card], its)}
    likely = {card: likely_inn(keys[card], {o: m for o, m in its.items()
                if tuple(sorted((card, o))) not in dropped})
        for card, its in matches.items()}
    return {(a, b): pair for (a, b), pair in found.items()
        if (a, b) not in dropped and not two_likely_inns(
            keys[a], keys[b], pair, likely[a], likely[b])}


# The words two names do not share must be this alike for the names alone
# to make a pair in the scan (one letter of six typed wrong scores 83)
DIFFERING_WORDS_SCORE = 75


def differing_words_alike(key, other_key):
    """Whether the words two names (as name_key gives them) do not share
    are alike (a typo), or one name has all the other's: «Донеда
    Девелопмент» is not «Дониса Девелопмент», however long the word shared"""
    words, other_words = set(key.split()), set(other_key.split())
    left, right = words - other_words, other_words - words
    if not left or not right:
        return True
    return fuzz.ratio(' '.join(sorted(left)), ' '.join(sorted(right))) >= (
        DIFFERING_WORDS_SCORE)


def namesakes(pair, employer, other_employer):
    """Whether a Pair is only of two contact persons of two companies with
    alike names: namesakes are common, a person moving needs a key more"""
    return (pair.reasons == ['name'] and employer is not None
        and other_employer is not None and employer != other_employer)


# A block of more cards than this (a common word, a switchboard's phone)
# says too little to compare all its cards with each other
MAX_BLOCK = 50
# A word shorter than this gets no blocks of its letters dropped
MIN_TYPED = 4
# Pairs unpacked from their array at a time
UNPACKED = 100000


def block_keys(key):
    """The blocks of the scan a name (as name_key gives it) is in: each of
    its words, and for each word the word itself and the word less each
    one of its letters, with the other words: a letter typed wrong, added
    or dropped anywhere leaves one of them in common"""
    words = key.split()
    blocks = {'w ' + w for w in words if len(w) >= MIN_NAME_LENGTH}
    for i, word in enumerate(words):
        if len(word) < MIN_TYPED:
            continue
        others = ' '.join(words[:i] + words[i + 1:])
        blocks.add(f'~ {word} {others}')
        blocks.update([f'~ {word[:j]}{word[j + 1:]} {others}'
                for j in range(len(word))])
    return blocks


def unique_pairs(groups):
    """The pairs (lower id, higher id) of the cards of each group (lists
    of ids under 2**31), each once however many groups have it: packed a
    number a pair in an array, for the memory of millions of them"""
    packed = array('q')
    for cards in groups:
        packed.extend(a << 32 | b
            for a, b in combinations(sorted(set(cards)), 2))
    pairs = numpy.unique(numpy.frombuffer(packed, dtype=numpy.int64))
    del packed
    for start in range(0, len(pairs), UNPACKED):
        for pair in pairs[start:start + UNPACKED].tolist():
            yield pair >> 32, pair & 0xFFFFFFFF


def groups(pairs):
    """The groups of cards that pairs (of ids) join, directly or through
    others: {id: the lowest id of its group}"""
    parent = {}

    def root(i):
        parent.setdefault(i, i)
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {i: root(i) for i in parent}


class Blocks:
    """The cards of each block, kept as two arrays (the hash of a block's
    key, a card) for the memory of tens of millions of them, sorted by
    block when the blocks are asked, once: the arrays are then let go;
    blocks of more than size cards are left out"""

    def __init__(self, size=MAX_BLOCK):
        self.size = size
        self._keys = array('q')
        self._cards = array('i')

    def add(self, card, keys):
        "Put card in the blocks of keys"
        hashes = list(map(hash, keys))
        self._keys.fromlist(hashes)
        self._cards.fromlist([card] * len(hashes))

    def groups(self):
        "The cards (a list) of each block of two cards to size"
        order = numpy.argsort(numpy.frombuffer(self._keys, dtype=numpy.int64))
        keys = numpy.frombuffer(self._keys, dtype=numpy.int64)[order]
        self._keys = None
        cards = numpy.frombuffer(self._cards, dtype=numpy.int32)[order]
        self._cards = None
        del order
        # Most blocks are of one card: those of more are taken first, for
        # the memory of the starts and counts of millions of blocks
        same = keys[1:] == keys[:-1]
        shared = numpy.zeros(len(keys), dtype=bool)
        shared[1:] = same
        shared[:-1] |= same
        keys, cards = keys[shared], cards[shared]
        del same, shared
        starts = numpy.flatnonzero(numpy.concatenate(
                ([True], keys[1:] != keys[:-1])))
        counts = numpy.diff(numpy.append(starts, len(keys)))
        kept = (counts >= 2) & (counts <= self.size)
        for start, count in zip(
                starts[kept].tolist(), counts[kept].tolist()):
            yield cards[start:start + count].tolist()
