# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Pictures of the counterparties a user sees, counted in the database: a
graph of a million counterparties reads a row per bar, not a record per
counterparty."""
from sql import Literal
from sql.aggregate import Count, Min
from sql.functions import DateTrunc

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction


class CounterpartyStatistics(ModelSQL, ModelView):
    "Counterparties counted by status, type, responsible and month"
    __name__ = 'crm.counterparty.statistics'
    __string__ = "Counterparty Statistics"
    # Its rows count the counterparties: exported as they are
    _counterparty_rows = True

    counterparty_status = fields.Many2One(
        'crm.counterparty.status', "Status")
    counterparty_type = fields.Many2One('crm.counterparty.type', "Type")
    responsible = fields.Many2One('company.employee', "Responsible")
    month = fields.Date("Month of Creation")
    count = fields.Integer("Counterparties")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Rule = pool.get('ir.rule')
        party = Party.__table__()
        month = cls.month.sql_cast(DateTrunc('month', party.create_date))
        # Among the counterparties the user sees, as the list shows them;
        # our companies and employees are not counterparties
        where = ((party.active == Literal(True))
            & ~party.id.in_(Party._internal_query()))
        # It counts the present table: a past state would make the rules
        # search the history of every card
        with Transaction().set_context(_datetime=None):
            if Rule.domain_get('party.party'):
                where &= party.id.in_(Rule.query_get('party.party'))
        # A group is named by its first counterparty
        return party.select(
            Min(party.id).as_('id'),
            party.counterparty_status,
            party.counterparty_type,
            party.responsible,
            month.as_('month'),
            Count(party.id).as_('count'),
            where=where,
            group_by=[party.counterparty_status, party.counterparty_type,
                party.responsible, month.as_('month')])
