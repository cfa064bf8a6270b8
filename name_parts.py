# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A person's full name in parts: Фамилия, Имя, Отчество (last, first and
middle name).  No database here.

compose writes the parts in one of the ORDERS; split finds the parts of a
full name only where they are clear, so that a guess never puts a first
name where the last name goes:

- three words, the second or the third a patronymic (-ович, -евич, -ич,
  -овна, -евна, -ична), the other not: «Иванов Иван Иванович», «Иван
  Иванович Иванов»;
- two words, the second a patronymic: «Иван Петрович» (no last name);
- a last name with one or two initials before or after it: «Иванов И. О.»,
  «Иванов И.О.», «И. О. Иванов», «Иванов И.».

Two words without a patronymic («Иван Петров» or «Петров Иван»?), four
words and more, digits or signs are left unsplit."""
import re
from dataclasses import dataclass

# The fields of a person's card (and of a row of the import) that hold the
# parts, by the attribute of NameParts each is
PART_FIELDS = {
    'last': 'last_name',
    'first': 'first_name',
    'middle': 'middle_name',
    }


@dataclass(frozen=True)
class NameParts:
    "The parts of a person's name, each '' when unknown"
    last: str = ''
    first: str = ''
    middle: str = ''

    def __bool__(self):
        return any((self.last, self.first, self.middle))

    @classmethod
    def of(cls, last, first, middle):
        "The parts as given, None taken for '' and the spaces collapsed"
        return cls(*(' '.join((p or '').split())
                for p in (last, first, middle)))

    @classmethod
    def of_fields(cls, get):
        "The parts that get gives by the name of their field"
        return cls.of(*(get(f) for f in PART_FIELDS.values()))

    def fields(self):
        "The values of the fields of the parts, None for those unknown"
        return {f: getattr(self, p) or None for p, f in PART_FIELDS.items()}


# The orders a name may be composed in, by the key users choose them by
ORDERS = {
    'last_first_middle': ('last', 'first', 'middle'),
    'first_middle_last': ('first', 'middle', 'last'),
    'first_last': ('first', 'last'),
    }
DEFAULT_ORDER = 'last_first_middle'

_PATRONYMIC = re.compile(r'(ич|[оеё]вна|ична)$')
# Shorter words ending so are names of their own
_PATRONYMIC_LENGTH = 5
_WORD = re.compile(r"^[^\W\d_]+(?:[-'’][^\W\d_]+)*$")
_INITIAL = re.compile(r'^[^\W\d_]\.$')
_INITIALS = re.compile(r'^([^\W\d_]\.)([^\W\d_]\.)$')


def compose(parts, order=DEFAULT_ORDER):
    """The name parts make in order (one of ORDERS); in the default order
    when the order leaves out the only part given"""
    names = ORDERS.get(order, ORDERS[DEFAULT_ORDER])
    name = ' '.join(getattr(parts, n) for n in names if getattr(parts, n))
    if not name and parts:
        return compose(parts)
    return name


def is_composed(name, parts):
    "Whether name is what parts make in one of the orders"
    return bool(parts) and (name or '') in {
        compose(parts, o) for o in ORDERS}


def is_patronymic(word):
    word = word.lower()
    return len(word) >= _PATRONYMIC_LENGTH and bool(_PATRONYMIC.search(word))


def _tokens(name):
    "The words of name, joined initials («И.О.») taken apart"
    tokens = []
    for token in (name or '').split():
        match = _INITIALS.match(token)
        tokens.extend(match.groups() if match else [token])
    return tokens


def _split_initials(tokens):
    "The parts of a last name and its initials, None when not that form"
    initials = [t for t in tokens if _INITIAL.match(t)]
    words = [t for t in tokens if not _INITIAL.match(t)]
    if (len(words) != 1 or not 1 <= len(initials) <= 2
            or not _WORD.match(words[0])
            or tokens not in ([*words, *initials], [*initials, *words])):
        return None
    first, middle = (initials + [''])[:2]
    return NameParts(last=words[0], first=first, middle=middle)


def split(name):
    "The NameParts of the full name where they are clear, else None"
    tokens = _tokens(name)
    if any(_INITIAL.match(t) for t in tokens):
        return _split_initials(tokens)
    if not all(_WORD.match(t) for t in tokens):
        return None
    patronymics = [is_patronymic(t) for t in tokens]
    if len(tokens) == 3 and patronymics[1:] == [False, True]:
        return NameParts(last=tokens[0], first=tokens[1], middle=tokens[2])
    if len(tokens) == 3 and patronymics[1:] == [True, False]:
        return NameParts(first=tokens[0], middle=tokens[1], last=tokens[2])
    if len(tokens) == 2 and patronymics == [False, True]:
        return NameParts(first=tokens[0], middle=tokens[1])
    return None


def searched(name, parts):
    "The parts that the name does not show, which its search text adds"
    name = (name or '').lower()
    return [p for p in (parts.last, parts.first, parts.middle)
        if p and p.lower() not in name]
