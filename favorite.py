# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The star of the client list: one click in a row marks or unmarks the
counterparty as a favourite of the user (the stars themselves and the card's
checkbox are the favorite field of party.py)."""

from trytond.model import ModelView
from trytond.pool import PoolMeta
from trytond.pyson import Eval, If


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'toggle_favorite': {
                    'icon': If(Eval('favorite', False),
                        'tryton-star', 'tryton-star-border'),
                    'depends': ['favorite'],
                    },
                })

    @classmethod
    @ModelView.button
    def toggle_favorite(cls, parties):
        "Star the unstarred, unstar the starred"
        starred = [p for p in parties if p.favorite]
        unstarred = [p for p in parties if not p.favorite]
        cls.set_favorite(starred, 'favorite', False)
        cls.set_favorite(unstarred, 'favorite', True)
