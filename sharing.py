# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Records a user keeps for themselves or shares with everyone: tags,
groups of counterparties and saved filters.  An empty owner means shared;
record rules keep personal ones private and let a user keep a record or
share it, never give it to someone else."""
from collections import defaultdict

from sql import Column

from trytond.i18n import gettext
from trytond.model import Index, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.model.fields import SQL_OPERATORS
from trytond.pool import Pool
from trytond.transaction import Transaction, check_access

from .access import allowed_ids


def joined_names(parties, field_name):
    "The names of the records of field_name of each party, as one text"
    # Through the field's filter so that others' personal records stay
    # hidden; for a page of the list in one query, no record per party
    if not parties:
        return {}
    Party = parties[0].__class__
    field = Party._fields[field_name]
    relation = field.get_relation().__table__()
    target = field.get_target().__table__()
    shown = field.get_target().search(field.filter, order=[], query=True)
    party = Column(relation, field.origin)
    cursor = Transaction().connection.cursor()
    cursor.execute(*relation.join(target,
            condition=Column(relation, field.target) == target.id
            ).select(party, target.name,
            where=SQL_OPERATORS['in'](party, [p.id for p in parties])
            & target.id.in_(shown)))
    names = defaultdict(list)
    for party_id, name in cursor:
        names[party_id].append(name)
    return {p.id: ', '.join(sorted(names[p.id])) for p in parties}


def check_chosen(records):
    """Refuse records another user keeps for himself: the server does not
    check the domains of a wizard's form, so any id may come in it"""
    if not records:
        return
    ModelAccess = Pool().get('ir.model.access')
    Model = records[0].__class__
    with check_access():
        ModelAccess.check(Model.__name__, 'read')
    ids = {r.id for r in records}
    if ids - allowed_ids(Model, ids):
        raise AccessError(gettext(
                'crm_counterparty.msg_shared_not_visible',
                **Model.__names__()))


class SharedMixin:
    "A `user` field that is the owner; empty for a shared record"
    __slots__ = ()

    shared = fields.Function(fields.Boolean(
            "Shared", help="Seen by everyone, not only by its owner."),
        'get_shared', setter='set_shared', searcher='search_shared')
    visible = fields.Function(
        fields.Boolean("Visible"), 'get_visible', searcher='search_visible')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._order.insert(0, ('name', 'ASC'))
        cls._sql_indexes.add(Index(t, (t.user, Index.Range())))

    @classmethod
    def default_user(cls):
        return Transaction().user or None

    def get_shared(self, name):
        return not self.user

    @classmethod
    def set_shared(cls, records, name, value):
        if value:
            cls.write(records, {'user': None})
            return
        # Back to its author; one made by the system goes to whoever takes
        # it back (the root user owns nothing)
        user = Transaction().user
        for record in records:
            if record.user:
                continue
            owner = record.create_uid.id if record.create_uid else None
            if owner or user:
                cls.write([record], {'user': owner or user})

    @classmethod
    def search_shared(cls, name, clause):
        _, operator, value = clause
        if operator not in {'=', '!='}:
            return []
        if (operator == '=') == bool(value):
            return [('user', '=', None)]
        return [('user', '!=', None)]

    def get_visible(self, name):
        user = Transaction().user
        return not user or not self.user or self.user.id == user

    @classmethod
    def search_visible(cls, name, clause):
        # The record rules are not applied to the sub-queries of a search
        # through a relation (a counterparty's tags or groups): the
        # relation fields filter with this
        _, operator, value = clause
        user = Transaction().user
        if not user:
            return []
        if (operator == '=') != bool(value):
            return [('user', '!=', None), ('user', '!=', user)]
        return ['OR', ('user', '=', None), ('user', '=', user)]


class MembershipMixin:
    """The link of a counterparty to a shared record of _shared_field.
    Anyone who sees the record may link a counterparty they see to it; a
    rule hides the links to others' personal records."""
    __slots__ = ()
    _shared_field = None

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('party')
        t = cls.__table__()
        target = getattr(t, cls._shared_field)
        cls._sql_constraints += [
            ('%s_party_unique' % cls._shared_field,
                Unique(t, target, t.party),
                'crm_counterparty.msg_%s_party_unique' % cls._shared_field),
            ]
        cls._sql_indexes.update({
                Index(t, (t.party, Index.Range()), (target, Index.Range())),
                Index(t, (target, Index.Range())),
                })
