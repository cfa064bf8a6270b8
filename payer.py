# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Payer requisites ("Плательщики"): the legal entities that pay on behalf
of a counterparty, with the bank details an invoice needs."""
from stdnum.ru import inn as ru_inn

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields, sequence_ordered

from . import requisites
from .exceptions import InvalidRequisite


class Payer(sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'crm.counterparty.payer'
    __string__ = "Payer"

    party = fields.Many2One(
        'party.party', "Counterparty", required=True, ondelete='CASCADE')
    name = fields.Char("Legal Name", required=True)
    inn = fields.Char("INN", required=True)
    kpp = fields.Char("KPP")
    ogrn = fields.Char("OGRN")
    bank = fields.Char("Bank")
    bik = fields.Char("BIK")
    settlement_account = fields.Char("Settlement Account")
    correspondent_account = fields.Char("Correspondent Account")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('party')

    def pre_validate(self):
        super().pre_validate()
        self.check_requisites()

    @classmethod
    def validate_fields(cls, payers, field_names):
        super().validate_fields(payers, field_names)
        for payer in payers:
            payer.check_requisites()

    def compute_fields(self, field_names=None):
        values = super().compute_fields(field_names=field_names)
        for name in ['inn', 'kpp', 'ogrn', 'bik', 'settlement_account',
                'correspondent_account']:
            if field_names is None or name in field_names:
                value = getattr(self, name, None)
                if value and requisites.compact(value) != value:
                    values[name] = requisites.compact(value)
        return values

    @fields.depends(
        'inn', 'kpp', 'ogrn', 'bik', 'settlement_account',
        'correspondent_account')
    def check_requisites(self):
        checks = [
            ('inn', lambda: ru_inn.is_valid(self.inn)),
            ('kpp', lambda: requisites.is_valid_kpp(self.kpp)),
            ('ogrn', lambda: requisites.is_valid_ogrn(self.ogrn)),
            ('bik', lambda: requisites.is_valid_bik(self.bik)),
            ('settlement_account',
                lambda: requisites.is_valid_settlement_account(
                    self.settlement_account, self.bik)),
            ('correspondent_account',
                lambda: requisites.is_valid_correspondent_account(
                    self.correspondent_account, self.bik)),
            ]
        for name, valid in checks:
            value = getattr(self, name, None)
            if value and not valid():
                raise InvalidRequisite(gettext(
                        'crm_counterparty.msg_invalid_requisite',
                        field=self.__names__(name)['field'],
                        value=value,
                        payer=self.name or ''))
