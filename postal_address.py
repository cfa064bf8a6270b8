# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""How the parts of an address are written where Tryton's generic format
would write them twice: a number typed with its own word («кв. 12»,
«пом. 4Н», «стр. 2») is not given the format's word again, and a region
named as its city (Москва, Санкт-Петербург, Севастополь) is not written
before the city once more."""
import re

# A word (letters, maybe with a slash as in «а/я») ended by a dot or a space
_OWN_WORD = re.compile(r'^[^\W\d_][^\d\s.]*[.\s]')
_CITY_WORD = re.compile(r'^(г\.|город)\s*', re.IGNORECASE)


def has_own_word(number):
    "Whether the number was typed with the word that says what it is"
    return bool(_OWN_WORD.match((number or '').strip()))


def _bare_place(name):
    return _CITY_WORD.sub('', (name or '').strip()).casefold()


def region(subdivision, city):
    "The region written before the city, none when it is the city itself"
    if not subdivision or _bare_place(subdivision) == _bare_place(city):
        return ''
    return subdivision
