# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Likely duplicates of a card, shown while it is typed, and the pairs the
users said are not one.  The rules of what a duplicate is are in
duplicate_keys.py; here only which cards are looked at: those the user may
see (``allowed_ids``), never the card itself, its company or its contact
persons, nor a pair marked "not a duplicate"."""
from trytond.i18n import gettext
from trytond.model import Check, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from . import duplicate_keys
from .access import allowed_ids
from .exceptions import NotDuplicateError

# At most this many cards are compared by name while a card is typed
NAME_CANDIDATES = 200
# At most this many duplicates are shown on a card
SHOWN = 10
# The words of a name looked for, the longest first
NAME_WORDS = 2


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
        Party = pool.get('party.party')
        NotDuplicate = pool.get('crm.counterparty.not_duplicate')
        keys = self.duplicate_keys()
        excluded = {r.id for r in self.contact_persons or []}
        excluded.update({self.id, getattr(self.employer, 'id', None)})
        candidates = [p for p in self._duplicate_candidates(keys)
            if p.id not in excluded]
        unwanted = NotDuplicate.pairs_of([self])
        found = []
        for other in Party.browse(sorted(allowed_ids(
                        Party, [p.id for p in candidates]))):
            if tuple(sorted((self.id or -1, other.id))) in unwanted:
                continue
            pair = duplicate_keys.compare(
                keys, other.duplicate_keys(), _name_threshold())
            if pair:
                found.append((-pair.score, other.id))
        return [i for _, i in sorted(found)[:SHOWN]]

    def duplicate_keys(self):
        "The CardKeys of the card as it is (perhaps not saved yet)"
        mechanisms = [m for m in self.contact_mechanisms or []
            if getattr(m, 'value', None)]
        return duplicate_keys.CardKeys.of(
            self.name, self.inn or '',
            self.kpp or '' if getattr(self, 'kind', None) != 'person' else '',
            emails=[m.value for m in mechanisms if m.type == 'email'],
            phones=[m.value for m in mechanisms
                if m.type in {'phone', 'mobile'}])

    @classmethod
    def _duplicate_candidates(cls, keys):
        "The active cards that hold a key of keys, or a word of its name"
        domain = ['OR']
        if keys.inn:
            domain.append(('inn', '=', keys.inn))
        if keys.emails:
            domain.append(('contact_mechanisms', 'where', [
                        ('type', '=', 'email'),
                        ['OR'] + [('value_compact', 'ilike', _escaped(e))
                            for e in keys.emails],
                        ]))
        if keys.phones:
            domain.append(('contact_mechanisms', 'where', [
                        ('type', 'in', ['phone', 'mobile']),
                        ('value_compact', 'in', sorted(keys.phones)),
                        ]))
        candidates = cls.search(domain, order=[]) if len(domain) > 1 else []
        words = [('search_text', 'like', '%' + _escaped(w) + '%')
            for w in duplicate_keys.name_words(keys.name)]
        if words:
            # All the words (the same name in any order) are found however
            # common each word is; any of the two longest (a name with a
            # word more or less) only among the first found
            candidates += cls.search(words, limit=NAME_CANDIDATES, order=[])
            candidates += cls.search(['OR'] + words[:NAME_WORDS],
                limit=NAME_CANDIDATES, order=[])
        return list(dict.fromkeys(candidates))

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


def _name_threshold():
    "The similarity of names the administrator set (Party Configuration)"
    Configuration = Pool().get('party.configuration')
    return (Configuration(1).duplicate_name_threshold
        or duplicate_keys.DEFAULT_NAME_THRESHOLD)


def _escaped(value):
    "value for a LIKE pattern, its wildcards taken literally"
    return (value.replace('\\', '\\\\').replace('%', '\\%')
        .replace('_', '\\_'))
