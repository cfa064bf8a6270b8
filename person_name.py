# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A person's name in parts (the rules are in name_parts): Фамилия, Имя,
Отчество on a person's card, composing its name in the order of the user
who writes them (his preference).

The stored name follows its author's order: it is the one text that lists
sort by, that searches, reports, letters and the other modules of Tryton
read, so it is written once, as its author sees it, rather than recomposed
for each reader (a list sorted by a text other than the one shown).  The
name follows the parts only while it is their composition: a name typed or
imported as it is, or kept by the split of existing cards, stays as it was
when parts are added; a person without parts keeps the name typed."""
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, Or
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import name_parts
from .name_parts import PART_FIELDS
from .access import editing

# What the user chooses his order among: the keys of name_parts.ORDERS
ORDER_SELECTION = [
    ('last_first_middle', "Last First Middle"),
    ('first_middle_last', "First Middle Last"),
    ('first_last', "First Last"),
    ]
_PERSON_STATES = {
    'invisible': Eval('kind') != 'person',
    }


def parts_of(values):
    "The NameParts of a record or of a dictionary of values"
    return name_parts.NameParts.of_fields(values.get
        if isinstance(values, dict) else lambda n: getattr(values, n, None))


def searched_parts(values):
    "The parts of a person that the search text adds to its name"
    return name_parts.searched(values.get('name'), parts_of(values))


def user_order():
    "The order the user composes the names in"
    User = Pool().get('res.user')
    user = User(Transaction().user)
    return user.person_name_order or name_parts.DEFAULT_ORDER


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    last_name = fields.Char("Last Name", states=_PERSON_STATES)
    first_name = fields.Char("First Name", states=_PERSON_STATES)
    middle_name = fields.Char(
        "Middle Name", states=_PERSON_STATES, help="The patronymic.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # A person's name is made of the parts she has
        has_parts = Or(*(Bool(Eval(f)) for f in PART_FIELDS.values()))
        cls.name.states = cls.name.states.copy()
        cls.name.states['readonly'] = Or(
            cls.name.states.get('readonly', False),
            (Eval('kind') == 'person') & has_parts)

    @fields.depends('kind', 'name', *PART_FIELDS.values())
    def _compose_name(self):
        parts = parts_of(self)
        if self.kind == 'person' and parts:
            self.name = name_parts.compose(parts, user_order())

    on_change_last_name = on_change_first_name = on_change_middle_name = (
        _compose_name)

    @fields.depends('kind', *PART_FIELDS.values())
    def on_change_kind(self):
        if self.kind != 'person':
            for field in PART_FIELDS.values():
                setattr(self, field, None)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        kind = values.get('kind')
        if mode == 'create':
            kind = kind or cls.default_kind()
        if kind and kind != 'person':
            # A company has no parts that a search would find it by
            values.update({f: None for f in PART_FIELDS.values()})
        elif mode == 'create' and not values.get('name'):
            parts = parts_of(values)
            if parts:
                values['name'] = name_parts.compose(parts, user_order())
        return values

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        args = []
        for parties, values in zip(actions, actions):
            args.extend(cls._name_following_parts(parties, values))
        super().write(*args)

    @classmethod
    def _name_following_parts(cls, parties, values):
        """The (parties, values) that write values on parties, with the new
        name of the persons whose name was the composition of their former
        parts"""
        if ('name' in values
                or not values.keys() & set(PART_FIELDS.values())):
            return [parties, values]
        order = user_order()
        # None for those whose name stays
        by_name = {}
        for party in parties:
            new = parts_of({**{f: getattr(party, f)
                            for f in PART_FIELDS.values()}, **values})
            name = None
            if (values.get('kind', party.kind) == 'person' and new
                    and name_parts.is_composed(party.name, parts_of(party))):
                name = name_parts.compose(new, order)
            by_name.setdefault(name, []).append(party)
        result = []
        for name, named in by_name.items():
            result.extend([named,
                    {**values, 'name': name} if name is not None else values])
        return result

    @classmethod
    def split_names(cls, parties):
        """Fill the parts of the persons among parties that have none and
        whose name splits clearly, their names unchanged; return those split
        and the persons left (their name unclear)"""
        done, left, to_write = [], [], []
        for party in parties:
            if party.kind != 'person' or parts_of(party):
                continue
            parts = name_parts.split(party.name)
            if parts is None:
                left.append(party)
                continue
            done.append(party)
            to_write.extend([[party], parts.fields()])
        if to_write:
            cls.write(*to_write)
        return done, left


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    person_name_order = fields.Selection(
        ORDER_SELECTION, "Order of Names",
        help="The order in which the name of a person is composed of her "
        "last, first and middle name.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._preferences_fields.append('person_name_order')

    @classmethod
    def default_person_name_order(cls):
        return name_parts.DEFAULT_ORDER


class SplitNamesStart(ModelView):
    __name__ = 'crm.counterparty.split_names.start'
    __string__ = "Split Names"

    count = fields.Integer("Names Split Clearly", readonly=True)
    left = fields.Text("Names Left as They Are", readonly=True)


class SplitNames(Wizard):
    """Fill the last, first and middle name of the selected persons where
    their names split clearly, their names unchanged"""
    __name__ = 'crm.counterparty.split_names'
    __string__ = "Split Names"

    start = StateView(
        'crm.counterparty.split_names.start',
        'crm_counterparty.split_names_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Split", 'split', 'tryton-ok', default=True),
            ])
    split = StateTransition()

    def default_start(self, fields):
        persons = [p for p in self.records
            if p.kind == 'person' and not parts_of(p)]
        left = [p.name or p.rec_name for p in persons
            if name_parts.split(p.name) is None]
        return {
            'count': len(persons) - len(left),
            'left': '\n'.join(left),
            }

    def transition_split(self):
        pool = Pool()
        Party = pool.get('party.party')
        with editing(self.records):
            Party.split_names(list(self.records))
        return 'end'
