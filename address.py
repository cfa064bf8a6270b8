# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A Russian address as Russians write it: «123456, Москва, ул. Тверская,
д. 1, офис 5».

The order and the words are the address format of Russia read in Russian
(address.xml); the parts of Tryton's generic address that a Russian address
has no use for are hidden on a Russian address unless already filled
(HIDDEN_IN_RUSSIA); a new address is in the country of the user's company
(home_country), so a Russian company's card asks for a Russian address at
once; the rules of writing a part once are in postal_address.py."""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import without_check_access

from . import postal_address
from .access import policy_company

RUSSIA = 'RU'
# Post boxes, building names, floors and rooms: a Russian address writes
# the house and the office (Tryton's building and unit numbers)
HIDDEN_IN_RUSSIA = (
    'building_name', 'floor_number', 'room_number',
    'post_box', 'private_bag', 'post_office')


def home_country():
    "The country of the user's company, None when its address has none"
    Company = Pool().get('company.company')
    company = policy_company()
    if company is not None:
        with without_check_access():
            for address in Company(company).party.addresses:
                if address.country:
                    return address.country
    return None


class Address(metaclass=PoolMeta):
    __name__ = 'party.address'

    country_code = fields.Function(
        fields.Char("Country Code"), 'on_change_with_country_code')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        for name in HIDDEN_IN_RUSSIA:
            field = getattr(cls, name)
            field.states = field.states.copy()
            field.states['invisible'] = (
                field.states.get('invisible', False)
                | ((Eval('country_code') == RUSSIA) & ~Eval(name)))

    @classmethod
    def default_country(cls):
        country = home_country()
        return country.id if country else None

    @classmethod
    def default_country_code(cls):
        country = home_country()
        return country.code if country else None

    @fields.depends('country')
    def on_change_with_country_code(self, name=None):
        return self.country.code if self.country else None

    def _get_address_substitutions(self):
        substitutions = super()._get_address_substitutions()
        # ${region}: the region unless it is the city itself
        region = postal_address.region(
            substitutions['subdivision'], substitutions['city'])
        substitutions['region'] = region
        substitutions['REGION'] = region.upper()
        return substitutions


class AddressFormat(metaclass=PoolMeta):
    __name__ = 'party.address.format'

    @classmethod
    def get_number_format(cls, number, address, pattern=None):
        if postal_address.has_own_word(getattr(address, number, None)):
            # «кв. 12» typed in the office stays «кв. 12», not «офис кв. 12»
            return ''
        return super().get_number_format(number, address, pattern=pattern)
