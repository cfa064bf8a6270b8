# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The deals a guest reads on the portal (Megaplan's access to "Сделки"):
the opportunities of Tryton's sale_opportunity for his company and for
himself, when an employee ticks *Sees Deals* on his card.  Registered only
when sale_opportunity is activated; the page is `routes.deals`."""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

# What a guest is shown: not a lead the company is still qualifying, nor one
# it cancelled
GUEST_DEAL_STATES = ['opportunity', 'converted', 'won', 'lost']
# Of a deal's sales: not a draft still being written, nor a cancelled one
GUEST_SALE_STATES = ['quotation', 'confirmed', 'processing', 'done']


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    guest_sees_deals = fields.Boolean("Sees Deals",
        states={
            'invisible': Eval('kind') != 'person',
            },
        help="The guest also reads on the portal the deals "
        "(opportunities) of his company and his own.")

    @classmethod
    def default_guest_sees_deals(cls):
        return False


class WebUser(metaclass=PoolMeta):
    __name__ = 'web.user'

    def sees_deals(self):
        return bool(self.party and self.party.guest_sees_deals)

    def guest_deals(self):
        "The opportunities the guest reads, the newest first"
        Opportunity = Pool().get('sale.opportunity')
        if not self.sees_deals():
            return []
        return Opportunity.search([
                ('party', 'in', [p.id for p in self.guest_parties()]),
                ('state', 'in', GUEST_DEAL_STATES),
                ], order=[('start_date', 'DESC'), ('id', 'DESC')])

    @staticmethod
    def guest_deal_sales(deal):
        "The sales made of deal that its guest is shown, the oldest first"
        return sorted((s for s in deal.sales if s.state in GUEST_SALE_STATES),
            key=lambda s: (s.sale_date or deal.start_date, s.id))
