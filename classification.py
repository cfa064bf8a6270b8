# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The lists an administrator edits to classify counterparties: the type of
relationship with our company and the status of that relationship."""
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)


class _Classification(DeactivableMixin, sequence_ordered(), ModelSQL,
        ModelView):
    __slots__ = ()
    name = fields.Char("Name", required=True, translate=True)
    color = fields.Char(
        "Color", help="Shown on the counterparty list, as a CSS colour.")


class CounterpartyType(_Classification):
    "Type of relationship with a counterparty (client, supplier, …)"
    __name__ = 'crm.counterparty.type'
    __string__ = "Counterparty Type"


class CounterpartyStatus(_Classification):
    "Status of the relationship with a counterparty (potential, current, …)"
    __name__ = 'crm.counterparty.status'
    __string__ = "Counterparty Status"
