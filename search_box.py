# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""What the search box of the counterparty list looks through.

Each counterparty keeps one lower-case text of everything it is found by:
its name and code, its contacts as written and, for phones, as digits only
(international and, for Russian numbers, national), its requisites and the
names of its contact persons.  A typed phone is reduced to its digits, so
"8 916 123-45-67", "+7(916)1234567" and "1234567" all find 8 (916) 123-45-67.
"""
import re

SEPARATOR = ' | '
_PHONE_TYPED = re.compile(r'^[\d\s()+\-.]+$')
_NON_DIGITS = re.compile(r'\D')
# Fewer digits than this are part of ordinary text, not a phone
MIN_PHONE_DIGITS = 3
# A shorter text (a word) may match a good part of the counterparties
SELECTIVE_LENGTH = 6


def phone_digits(value_compact):
    "Return the digit forms a phone in E.164 is searched by"
    digits = _NON_DIGITS.sub('', value_compact or '')
    if not digits:
        return []
    forms = [digits]
    if digits.startswith('7') and len(digits) == 11:
        # Russians write their own numbers from 8
        forms.append('8' + digits[1:])
    return forms


def search_text(names, contacts=(), phones=(), codes=()):
    """Return the text a counterparty is found by: names (its own and its
    contact persons'), contacts as written, phones in E.164 and codes"""
    parts = [n for n in names if n]
    parts.extend(c for c in contacts if c)
    for phone in phones:
        parts.extend(phone_digits(phone))
    parts.extend(c for c in codes if c)
    return SEPARATOR.join(dict.fromkeys(p.strip().lower() for p in parts))


def pattern(typed):
    """Return the LIKE pattern on the search text for what was typed in
    the search box (with or without the box's % wildcards): a phone by
    its digits"""
    core = (typed or '').strip().strip('%').strip().lower()
    if not core:
        return '%'
    if _PHONE_TYPED.match(core):
        digits = _NON_DIGITS.sub('', core)
        if len(digits) >= MIN_PHONE_DIGITS:
            # Every phone is in the text as digits: the typed separators
            # would only make the database look through thousands of
            # near matches
            return '%' + digits + '%'
    return '%' + core + '%'


def is_selective(typed):
    """Whether what was typed likely matches few counterparties: then
    collecting the matches by the trigram index and sorting them is the
    fast way; a short word matching thousands is faster found by reading
    the names in order"""
    core = (typed or '').strip().strip('%').strip()
    return len(core) >= SELECTIVE_LENGTH
