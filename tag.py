# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Tags of counterparties: global ones everyone sees and local ones only
their author sees.

They live beside Tryton's party.category rather than on it: categories are
a hierarchical classification that only a party administrator creates and
that other modules (price lists, marketing) filter on for everyone, so
hiding some of them per user would change those modules; a tag is made on
the fly by any salesperson and may be private."""
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.pool import PoolMeta

from .sharing import MembershipMixin, SharedMixin, joined_names


class Tag(SharedMixin, DeactivableMixin, ModelSQL, ModelView):
    "A label on counterparties, global or local to its author"
    __name__ = 'crm.counterparty.tag'
    __string__ = "Tag"

    name = fields.Char("Name", required=True)
    user = fields.Many2One(
        'res.user', "Author", ondelete='CASCADE',
        help="The only user who sees a local tag; "
        "empty for a global tag everyone sees.")
    color = fields.Char(
        "Color", help="Shown on the counterparty list, as a CSS colour.")


class TagParty(MembershipMixin, ModelSQL):
    "Counterparty - Tag"
    __name__ = 'crm.counterparty.tag-party.party'
    __string__ = "Counterparty Tag"

    tag = fields.Many2One(
        'crm.counterparty.tag', "Tag", required=True, ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Counterparty", required=True, ondelete='CASCADE')

    _shared_field = 'tag'


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    tags = fields.Many2Many(
        'crm.counterparty.tag-party.party', 'party', 'tag', "Tags",
        filter=[('visible', '=', True)])

    tag_names = fields.Function(
        fields.Char("Tags"), 'get_tag_names', searcher='search_tag_names')

    @classmethod
    def get_tag_names(cls, parties, name):
        return joined_names(parties, 'tags')

    @classmethod
    def search_tag_names(cls, name, clause):
        return [('tags.name',) + tuple(clause[1:])]
