# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    creation_month = fields.Function(
        fields.Char("Month of Creation", help="Year and month, 2026-11."),
        'get_creation_month')
    # What the graphs add up: each counterparty counts once
    counterparty_count = fields.Function(
        fields.Integer("Counterparties"), 'get_counterparty_count')

    def get_creation_month(self, name):
        if self.create_date:
            return self.create_date.strftime('%Y-%m')

    @classmethod
    def get_counterparty_count(cls, parties, name):
        return {p.id: 1 for p in parties}
