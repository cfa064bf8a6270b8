# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""What the search box of the counterparty list looks through.

Each counterparty keeps one lower-case text of everything it is found by:
its name and code, its contacts as written and, for phones, as digits
(international from +, and for Russian numbers also national from 8) with
their extensions, its requisites and the names of its contact persons.  A
typed phone is reduced to its digits, so "8 916 123-45-67",
"+7(916)1234567" and "1234567" all find 8 (916) 123-45-67.  The web client
splits what is typed at spaces and brackets into words that must all match
(pattern is called for each): "+7", "(916)", "доб." and "ext" are words of
that text too.
"""
import re

SEPARATOR = ' | '
_PHONE_TYPED = re.compile(r'^[\d\s()+\-.]+$')
# An extension after a phone ("доб. 12", "ext12", "x 12", "#12"), or alone
# in its words (an "X5" alone is a name)
_EXTENSION = re.compile(
    r'^(?P<phone>[\d\s()+\-.]*?)\s*(?P<word>доб|ext|x|#)\.?\s*'
    r'(?P<ext>\d+)$')
_EXTENSION_WORDS = {'доб', 'ext'}
_NON_DIGITS = re.compile(r'\D')
# Fewer digits than this are part of ordinary text, not a phone
MIN_PHONE_DIGITS = 3
# The digits of a whole phone (a Moscow number without its code has 7), and
# at most of one with its extension
PHONE_NUMBER_DIGITS = range(7, 21)
# A shorter text (a word) may match a good part of the counterparties
SELECTIVE_LENGTH = 6


def phone_digits(value_compact):
    "Return the forms a phone in E.164 is searched by"
    digits = _NON_DIGITS.sub('', value_compact or '')
    if not digits:
        return []
    forms = ['+' + digits]
    if digits.startswith('7') and len(digits) == 11:
        # Russians write their own numbers from 8
        forms.append('8' + digits[1:])
    return forms


def extension(value):
    "Return the extension of a phone as written, or None"
    match = _EXTENSION.match((value or '').strip().lower())
    if match and _NON_DIGITS.sub('', match['phone']):
        return match['ext']


def _extension_text(number):
    # After the phone's digits, so that a phone typed whole with its
    # extension is one pattern; in both words people write it with
    return 'доб. %s ext. %s' % (number, number)


def search_text(names, contacts=(), phones=(), codes=()):
    """Return the text a counterparty is found by: names (its own and its
    contact persons'), contacts as written, phones in E.164 and codes"""
    parts = [n for n in names if n]
    parts.extend(c for c in contacts if c)
    for phone in phones:
        parts.extend(phone_digits(phone))
    parts.extend(_extension_text(e)
        for e in map(extension, contacts) if e)
    parts.extend(c for c in codes if c)
    return SEPARATOR.join(dict.fromkeys(p.strip().lower() for p in parts))


def pattern(typed):
    """Return the LIKE pattern on the search text for what was typed in
    the search box (with or without the box's % wildcards): a phone by
    its digits"""
    core = _core(typed)
    if not core:
        return '%'
    if _PHONE_TYPED.match(core):
        digits = _NON_DIGITS.sub('', core)
        if len(digits) >= MIN_PHONE_DIGITS:
            # Every phone is in the text as digits: the typed separators
            # would only make the database look through thousands of
            # near matches
            return '%' + digits + '%'
    match = _EXTENSION.match(core)
    if match:
        digits = _NON_DIGITS.sub('', match['phone'])
        if len(digits) >= MIN_PHONE_DIGITS:
            return '%%%s%%доб. %s%%' % (digits, match['ext'])
        if match['word'] in _EXTENSION_WORDS:
            return '%%доб. %s%%' % match['ext']
    return '%' + core + '%'


def _core(typed):
    return (typed or '').strip().strip('%').strip().lower()


def _phone_word(word, first):
    "Whether word may be part of a phone, the first word of it if first"
    core = _core(word) if word is not None else ''
    if not core or _PHONE_TYPED.match(core):
        return bool(core)
    # Its extension follows the number
    return not first and bool(_EXTENSION.match('1 ' + core)
        or core.rstrip('.') in _EXTENSION_WORDS | {'x', '#'})


def phone_runs(words):
    """Return the runs (start, stop, text) of the words that together write
    one phone: the web client splits a typed phone at spaces and brackets
    into words that would each match on their own.  A word is None where
    the search is something else."""
    runs, start = [], None
    for i, word in enumerate([*words, None]):
        if _phone_word(word, start is None):
            start = i if start is None else start
            continue
        if start is not None and i - start > 1:
            text = ' '.join(map(_core, words[start:i]))
            if len(_NON_DIGITS.sub('', text)) in PHONE_NUMBER_DIGITS:
                runs.append((start, i, text))
        start = None
    return runs


def is_selective(typed):
    """Whether what was typed likely matches few counterparties: then
    collecting the matches by the trigram index and sorting them is the
    fast way; a short word matching thousands is faster found by reading
    the names in order"""
    core = (typed or '').strip().strip('%').strip()
    return len(core) >= SELECTIVE_LENGTH
