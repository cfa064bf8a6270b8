# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .duplicate_keys import DEFAULT_NAME_THRESHOLD, KEY_KINDS


class Configuration(metaclass=PoolMeta):
    __name__ = 'party.configuration'

    duplicate_tax_identifier = fields.Selection([
            ('error', "Refuse"),
            ('warning', "Warn"),
            ], "Duplicate INN", required=True,
        help="What happens when a counterparty gets the INN (and, for a "
        "company, the KPP) of another active counterparty.")

    duplicate_name_threshold = fields.Integer(
        "Similar Names",
        domain=['OR',
            ('duplicate_name_threshold', '=', None),
            [('duplicate_name_threshold', '>=', 50),
                ('duplicate_name_threshold', '<=', 100)],
            ],
        help="How similar (50 to 100 %) the names of two counterparties "
        "must be to propose them as duplicates when nothing else is "
        "shared.")

    duplicate_scan_keys = fields.MultiSelection(
        KEY_KINDS, "Duplicate Scan Keys",
        help="What the scan of the whole base counts as a sign of a "
        "duplicate: an INN, an e-mail or a phone the cards share, a similar "
        "name.")

    default_counterparty_type = fields.Many2One(
        'crm.counterparty.type', "Default Type", ondelete='SET NULL',
        help="The type of a new or imported counterparty that is given none.")
    default_counterparty_status = fields.Many2One(
        'crm.counterparty.status', "Default Status", ondelete='SET NULL',
        help="The status of a new or imported counterparty that is given "
        "none.")

    @classmethod
    def __register__(cls, module):
        table_h = cls.__table_handler__(module)
        had_defaults = table_h.column_exist('default_counterparty_type')
        super().__register__(module)
        if not had_defaults:
            # A base made before these settings keeps the defaults it had
            table = cls.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.update(
                    [table.default_counterparty_type,
                        table.default_counterparty_status],
                    [cls.default_default_counterparty_type(),
                        cls.default_default_counterparty_status()]))

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

    @classmethod
    def default_duplicate_name_threshold(cls):
        return DEFAULT_NAME_THRESHOLD

    @classmethod
    def default_duplicate_scan_keys(cls):
        return [k for k, _ in KEY_KINDS]

    @classmethod
    def default_default_counterparty_type(cls):
        return _data_id('type_client')

    @classmethod
    def default_default_counterparty_status(cls):
        return _data_id('status_potential')


def _data_id(xml_id):
    "The id of the module's record, None before it is loaded or if deleted"
    ModelData = Pool().get('ir.model.data')
    try:
        return ModelData.get_id('crm_counterparty', xml_id)
    except KeyError:
        return None
