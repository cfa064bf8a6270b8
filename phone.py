# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""How a phone number is shown: the way people of the number's own country
write it when it is theirs, in international format otherwise."""
import phonenumbers
from phonenumbers import PhoneNumberFormat

# Used when neither the counterparty nor the company says a country
DEFAULT_REGION = 'RU'
_EXTENSION_WORDS = {
    'RU': 'доб.',
    }


def display(phonenumber, home_regions):
    "Return the number formatted for people in the first of home_regions"
    region = phonenumbers.region_code_for_number(phonenumber)
    home = next(iter(home_regions), DEFAULT_REGION)
    if region != home:
        return phonenumbers.format_number(
            phonenumber, PhoneNumberFormat.INTERNATIONAL)
    extension = phonenumber.extension
    if extension and region in _EXTENSION_WORDS:
        number = phonenumbers.PhoneNumber()
        number.merge_from(phonenumber)
        number.extension = None
        return '%s %s %s' % (
            phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL),
            _EXTENSION_WORDS[region], extension)
    return phonenumbers.format_number(phonenumber, PhoneNumberFormat.NATIONAL)
