# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""What Tryton's party card offers that a Russian company has no use for,
shown only where it is of use: the card's language when the database offers
more than one (several_languages), and the EU's VAT check (Check VIES) when
a card the user sees holds an EU VAT number (view_toolbar_get)."""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

VIES_WIZARD = 'party.check_vies'
EU_VAT = 'eu_vat'


def several_languages():
    """Whether a card may be in another language than the others: the
    languages active and translatable (those Tryton writes in) are more
    than one"""
    Lang = Pool().get('ir.lang')
    return len(Lang.get_translatable_languages()) > 1


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    several_languages = fields.Function(
        fields.Boolean("Several Languages"), 'get_several_languages')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.lang.states = cls.lang.states.copy()
        cls.lang.states['invisible'] = (
            cls.lang.states.get('invisible', False)
            | ~Eval('several_languages', False))

    @classmethod
    def default_several_languages(cls):
        return several_languages()

    @classmethod
    def get_several_languages(cls, parties, name):
        return dict.fromkeys(map(int, parties), several_languages())

    @classmethod
    def view_toolbar_get(cls):
        pool = Pool()
        Identifier = pool.get('party.identifier')
        toolbar = super().view_toolbar_get()
        if Identifier.search([('type', '=', EU_VAT)], limit=1):
            return toolbar
        # The result is cached and shared: filter a copy
        return {**toolbar, 'action': [
                a for a in toolbar['action']
                if a.get('wiz_name') != VIES_WIZARD]}
