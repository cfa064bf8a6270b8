# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The counterparty list as the web client asks for it: a search for the
ids of a page, then one read of the page's columns.  Tryton spends more
of these in Python than the database does in its queries; what is here
gives the same answers for less."""
from collections import defaultdict

from sql import Column, Literal, NullsFirst

from trytond import backend
from trytond.model import fields
from trytond.model.fields import SQL_OPERATORS
from trytond.pool import PoolMeta
from trytond.tools import grouped_slice, is_instance_method
from trytond.transaction import Transaction


# The contact columns of the list: the first contact of each type
FIRST_CONTACT_TYPES = ['phone', 'mobile', 'fax', 'email', 'website']
# The computed columns of the list.  Tryton makes the page's records again
# for each getter it calls; these are read in one call that hands each of
# their own getters its names.
_COMPUTED_COLUMNS = [*FIRST_CONTACT_TYPES, 'inn', 'kpp', 'ogrn', 'favorite',
    'my_client', 'created_since', 'last_contact_since',
    'planned_communication', 'tag_names', 'group_names']


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Set up again for each module's class: what an earlier one took
        # is inherited, a field of a later module may not be there yet
        getters = dict(getattr(cls, '_column_getters', {}))
        for name in _COMPUTED_COLUMNS:
            field = getattr(cls, name, None)
            if field and field.getter != 'get_computed_columns':
                getters[name] = field.getter
                field.getter = 'get_computed_columns'
        cls._column_getters = getters

    @classmethod
    def get_computed_columns(cls, parties, names):
        by_getter = defaultdict(list)
        for name in names:
            by_getter[cls._column_getters[name]].append(name)
        result = {}
        for getter, getter_names in by_getter.items():
            method = getattr(cls, getter)
            if cls._fields[getter_names[0]].getter_multiple(method):
                result.update(method(parties, getter_names))
            else:
                for name in getter_names:
                    result[name] = method(parties, name)
        return result

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        # Tryton's search fetches every column of the page's rows to keep
        # only their timestamps, and builds the description of the cursor
        # again for each row.  The ids are all a search returns.
        if count or query or Transaction().context.get('_datetime'):
            return super().search(domain, offset=offset, limit=limit,
                order=order, count=count, query=query)
        select = super().search(domain, offset=offset, limit=limit,
            order=order, query=True)
        cursor = Transaction().connection.cursor()
        cursor.execute(*select)
        return cls.browse([id_ for id_, in cursor])

    @classmethod
    def read(cls, ids, fields_names):
        # Tryton gets a selection's options again for each row to name its
        # value (a definition of the field each time); options that do not
        # depend on the record are got once for the page
        strings = {}
        for name in fields_names:
            fname, _, suffix = name.partition(':')
            field = cls._fields.get(fname)
            if (suffix == 'string'
                    and isinstance(field, fields.Selection)
                    and not (isinstance(field.selection, str)
                        and is_instance_method(cls, field.selection))):
                strings[name] = fname
        if not strings:
            return super().read(ids, fields_names)
        names = [n for n in fields_names if n not in strings]
        extra = [f for f in set(strings.values()) if f not in names]
        rows = super().read(ids, names + extra)
        for name, fname in strings.items():
            field = cls._fields[fname]
            selection = field.get_selection(cls, fname, None)
            for row in rows:
                row[name] = field.get_selection_string(selection, row[fname])
        for row in rows:
            for fname in extra:
                del row[fname]
        return rows


def in_card_order(Model, party_ids, types, *columns):
    """Yield (party id, type, *columns) of the records of these types of
    the parties (contact mechanisms, identifiers), in the order the card
    shows them.  For a page of the list in one query, without a record per
    row: what Tryton's getters would read record by record."""
    table = Model.__table__()
    cursor = Transaction().connection.cursor()
    where = table.type.in_(list(types))
    if Transaction().context.get('active_test', True):
        where &= table.active == Literal(True)
    for sub_ids in grouped_slice(party_ids, backend.MAX_QUERY_PARAMS):
        cursor.execute(*table.select(
                table.party, table.type, *(Column(table, c) for c in columns),
                where=where & SQL_OPERATORS['in'](table.party, list(sub_ids)),
                order_by=[NullsFirst(table.sequence.asc), table.id.asc]))
        yield from cursor
