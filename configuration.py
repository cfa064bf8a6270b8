# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'party.configuration'

    duplicate_tax_identifier = fields.Selection([
            ('error', "Refuse"),
            ('warning', "Warn"),
            ], "Duplicate INN", required=True,
        help="What happens when a counterparty gets the INN (and, for a "
        "company, the KPP) of another active counterparty.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        selection = cls.identifier_types.selection
        if ('ru_kpp', "Russian Tax Registration Reason Code") not in selection:
            selection.append(
                ('ru_kpp', "Russian Tax Registration Reason Code"))

    @classmethod
    def default_duplicate_tax_identifier(cls):
        return 'error'
