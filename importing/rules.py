# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The rules of importing counterparties that need no database: how rows
become counterparties with their contact persons, which problems a row has,
and which rows are the same counterparty."""
import functools
import itertools
import re
import dataclasses
from dataclasses import dataclass, field, make_dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.ru import inn as stdnum_inn

from .. import requisites
from ..name_parts import PART_FIELDS, NameParts, compose, split
from ..phone import DEFAULT_REGION, display
from . import tabular
from .columns import (
    FIELD, FIELDS, PUNCTUATION, name_parts, normalise_header, open_table)


def _values(fields_):
    "The dataclass fields of what the importable fields_ fill"
    return [(f.attribute, list, field(default_factory=list)) if f.split
        else (f.attribute, str, field(default='')) for f in fields_]


class _Contact:
    "A contact person read from a row"

    def __bool__(self):
        return bool(self.name or self.phones or self.mobiles or self.emails
            or _parts(self))


# Made of the catalogue (columns.FIELDS): a new field is read without more;
# row is the number of the row that gave it, for the report
Contact = make_dataclass('Contact',
    _values(f for f in FIELDS if f.contact) + [
        ('row', int, field(default=0))],
    bases=(_Contact,), namespace={'__module__': __name__})


class _Record:
    "One counterparty read from one or more rows of a file"
    SCALARS = tuple(
        f.attribute for f in FIELDS if not f.contact and not f.split)
    LISTS = tuple(f.attribute for f in FIELDS if not f.contact and f.split)

    def absorb(self, other):
        "Add what other (a later row of the same counterparty) says"
        self.rows.extend(other.rows)
        for name in self.SCALARS:
            if not getattr(self, name):
                setattr(self, name, getattr(other, name))
        for name in self.LISTS:
            values = getattr(self, name)
            values.extend(v for v in getattr(other, name) if v not in values)
        names = {normalise_name(c.name) for c in self.contacts if c.name}
        for contact in other.contacts:
            if not contact.name or normalise_name(contact.name) not in names:
                self.contacts.append(contact)
        self.problems.extend(other.problems)
        self.warn(*other.warnings)
        self.checked.update(other.checked)

    @property
    def failed(self):
        return bool(self.problems)

    def warn(self, *warnings):
        "Add warnings, each once whoever finds it again"
        self.warnings.extend(w for w in warnings if w not in self.warnings)

    def check(self, function, *args):
        "function(*args) (a check of the rules below), once per record"
        key = (function.__name__,) + args
        if key not in self.checked:
            self.checked[key] = function(*args)
        return self.checked[key]


Record = make_dataclass('Record', [('rows', list)]
    + _values(f for f in FIELDS if not f.contact) + [
        # A person's own name in parts, as her row gives them
        *((f, str, field(default='')) for f in PART_FIELDS.values()),
        ('contacts', list, field(default_factory=list)),
        # (row number, message id, values) of what stops the row
        ('problems', list, field(default_factory=list)),
        # (row number, message id, values) of what the row imports without
        ('warnings', list, field(default_factory=list)),
        # What the phone and e-mail checks said of each value of the
        # record and its contacts, kept for its later checks (perhaps in
        # another process than the one that read it)
        ('checked', dict, field(default_factory=dict)),
        ],
    bases=(_Record,), namespace={'__module__': __name__})

_SPLIT = {
    'list': re.compile(r'\s*[,;\n]\s*'),
    'phones': re.compile(r'\s*[;\n]\s*|,\s+(?=[+\d(])'),
    }


def _add_value(target, field_, value):
    "Put the text of one cell into a Record or a Contact as field_ says"
    if field_.split:
        getattr(target, field_.attribute).extend(
            v for v in _SPLIT[field_.split].split(value) if v)
    elif getattr(target, field_.attribute):
        setattr(target, field_.attribute,
            getattr(target, field_.attribute) + ' ' + value)
    else:
        setattr(target, field_.attribute, value)


# The contact mechanisms of a record: type, then the record's list of them
MECHANISM_LISTS = {
    f.name: f.attribute for f in FIELDS if f.mechanism and not f.contact}


# The parts of a person's name in the order Russians write them
NAME_ORDER = ('last', 'first', 'middle')


def person_name(parts):
    """The name of a person given in parts (by columns.NAME_PARTS):
    «Фамилия Имя Отчество», or the nickname when it is all there is"""
    return ' '.join(parts[p] for p in NAME_ORDER if parts.get(p)) or (
        parts.get('nickname', ''))


def read_row(number, values, mapping, header=(), parts=()):
    """The Record that one row gives; parts: the part of a person's name
    of each column (columns.name_parts)"""
    record = Record(rows=[number])
    contacts, names = {}, {}
    for index, (name, group) in enumerate(mapping):
        if name is None or index >= len(values):
            continue
        field_ = FIELD[name]
        value = values[index]
        if field_.number and tabular.shortened_number(value):
            record.problems.append((number, 'msg_import_shortened_number', {
                        'column': header[index] if index < len(header)
                        else str(index + 1),
                        'value': tabular.text(value)}))
            continue
        value = tabular.text(value)
        if not value:
            continue
        target = (contacts.setdefault(group, Contact(row=number))
            if field_.contact
            else record)
        if index < len(parts) and parts[index]:
            names.setdefault(group, {})[parts[index]] = value
        else:
            _add_value(target, field_, value)
    for group, given in names.items():
        # A column of the whole name, or the name's own parts
        # (_settle_name), say it better than the columns of contact_name
        if not contacts[group].name and not _parts(contacts[group]):
            contacts[group].name = person_name(given)
    record.contacts = [c for _, c in sorted(contacts.items()) if c]
    if not record.kind and _kind(record.type):
        # Megaplan's «Тип» is the kind: «Компания», «Человек»
        record.kind, record.type = record.type, ''
    return record


def _same(record, other):
    "Whether a row of other continues the counterparty of record"
    if record.inn and other.inn:
        return (requisites.compact(record.inn)
            == requisites.compact(other.inn)
            and (not record.kpp or not other.kpp
                or requisites.compact(record.kpp)
                == requisites.compact(other.kpp)))
    return bool(record.name) and (
        normalise_name(record.name) == normalise_name(other.name))


def records(rows, mapping, header=(), kind='company', regions=None):
    """Yield a Record per counterparty of rows ((number, values) after the
    header): consecutive rows of the same company (same INN, or same name),
    and rows without a company (merged cells), add their contact persons to
    it.  A file without a company column is a list of persons; so is one
    naming people by the parts of their names (an address book, a CRM's
    contacts), where a person without a company is a counterparty of its
    own, not a contact person of the company above.  With regions (a
    tuple), each phone is also read as a card of those regions stores it
    (stored_phone, kept by the record's check)."""
    has_company = any(f in {'name', 'inn'} for f, _ in mapping)
    parts = name_parts(header, mapping)
    people = any(parts) or any(f in _PART_COLUMNS for f, _ in mapping)
    current = None
    for number, values in rows:
        record = read_row(number, values, mapping, header, parts)
        company = record.name or record.inn
        if not has_company or (not company
                and (people or _kind(record.kind) == 'person')):
            # A person of a list of people is a counterparty of its own
            record = _person(record)
        else:
            if people and record.contacts and _kind(record.kind) != 'person':
                _to_contact(record)
            if current and (not company or _same(current, record)):
                current.absorb(record)
                continue
        if current:
            yield _finish(current, kind, regions)
        current = record
    if current:
        yield _finish(current, kind, regions)


# The contact data that a contact person holds as a counterparty does
_PERSONAL = [f.attribute for f in FIELDS if f.contact and f.mechanism]


# The columns of the parts of a person's name
_PART_COLUMNS = {'contact_' + f for f in PART_FIELDS.values()}


def _person(record):
    contact = record.contacts[0] if record.contacts else Contact()
    record.kind = record.kind or 'person'
    record.name = contact.name
    for name in PART_FIELDS.values():
        setattr(record, name, getattr(contact, name))
    for attribute in _PERSONAL:
        setattr(record, attribute,
            getattr(contact, attribute) + getattr(record, attribute))
    record.contacts = record.contacts[1:]
    return record


def _to_contact(record):
    """Give the row's contact data to its person: in a list of people, the
    phones and e-mails of a row with a company are its person's"""
    contact = record.contacts[0]
    for attribute in _PERSONAL:
        getattr(contact, attribute).extend(getattr(record, attribute))
        setattr(record, attribute, [])


_KINDS = {
    'company': {'company', 'компания', 'организация', 'юрлицо', 'юр лицо',
        'юридическое лицо', 'ип'},
    'person': {'person', 'человек', 'физлицо', 'физ лицо', 'физическое лицо',
        'контакт', 'contact'},
    }


def _kind(value):
    "company or person as value says it, else ''"
    given = normalise_header(value)
    return next((k for k, words in _KINDS.items() if given in words), '')


def _finish(record, kind, regions=None):
    "Check the record and settle its kind"
    if record.kind:
        given = record.kind
        record.kind = _kind(given)
        if not record.kind:
            record.problems.append((record.rows[0], 'msg_import_bad_kind', {
                        'value': normalise_header(given)}))
    record.kind = record.kind or kind
    if record.kind == 'person':
        _adopt_parts(record)
    for holder in ([record] if record.kind == 'person' else []) + [
            *record.contacts]:
        _settle_name(holder)
    first = record.rows[0]
    if not record.name:
        record.problems.append((first, 'msg_import_no_name', {}))
    if record.inn:
        inn = requisites.compact(record.inn)
        # Excel drops the leading zero of the INNs of some regions
        if len(inn) in {9, 11} and inn.isdigit():
            inn = '0' + inn
        if not stdnum_inn.is_valid(inn):
            record.problems.append((first, 'msg_import_bad_inn', {
                        'value': record.inn}))
        record.inn = inn
    if record.kpp:
        if not requisites.is_valid_kpp(record.kpp):
            record.problems.append((first, 'msg_import_bad_kpp', {
                        'value': record.kpp}))
    if record.ogrn and not requisites.is_valid_ogrn(record.ogrn):
        record.problems.append((first, 'msg_import_bad_ogrn', {
                    'value': record.ogrn}))
    for holder in [record] + record.contacts:
        for number in holder.phones + holder.mobiles:
            if record.check(phone_key, number) is None:
                record.problems.append((first, 'msg_import_bad_phone', {
                            'value': number}))
            elif regions is not None:
                record.check(stored_phone, number, tuple(regions))
        for email in holder.emails:
            if record.check(normalised_email, email) is None:
                record.problems.append((first, 'msg_import_bad_email', {
                            'value': email}))
    return record


def _parts(holder):
    "The NameParts of a person's Record or of a Contact"
    return NameParts.of_fields(lambda f: getattr(holder, f))


def _adopt_parts(record):
    """Give a person named in the company's column the parts of her row,
    which the import reads as those of a contact with nothing else"""
    contact = record.contacts[0] if record.contacts else None
    if (contact is None or contact.name or contact.position
            or contact.phones or contact.mobiles or contact.emails
            or _parts(record)):
        return
    record.contacts.pop(0)
    for name in PART_FIELDS.values():
        setattr(record, name, getattr(contact, name))


def _settle_name(holder):
    """Name holder (a person's Record or a Contact) by its parts, or give it
    the parts of its name where they are clear"""
    parts = _parts(holder)
    if parts and not holder.name:
        holder.name = compose(parts)
    elif holder.name and not parts:
        parts = split(holder.name) or NameParts()
        for part, name in PART_FIELDS.items():
            setattr(holder, name, getattr(parts, part))


@functools.lru_cache(maxsize=4096)
def parse_phone(value, region):
    """The number of value read in region, None when it is none; kept for
    the other checks of the same row (a phone is read by the row's rules,
    its duplicate look-up and its storing: parsing is most of their cost)"""
    try:
        return phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None


@functools.lru_cache(maxsize=4096)
def phone_key(value):
    """The number in E.164 as Tryton stores it (value_compact), read as
    Russian when it has no country code; None when it is not a phone"""
    number = parse_phone(value, DEFAULT_REGION)
    if number is None:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.E164)


def stored_phone(value, regions):
    """(value, value_compact) of the phone value as Tryton stores it on a
    card read in regions (the first region that makes it valid, as
    _parse_phonenumber tries them, then none), None when it has no valid
    reading or has an extension: Tryton's own checks judge those"""
    for region in itertools.chain(regions, [None]):
        number = parse_phone(value, region)
        if number is None:
            continue
        if phonenumbers.is_valid_number(number):
            if number.extension:
                return None
            return display(number, regions), phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.E164)
    return None


def mechanism_key(type_, value):
    "What tells one contact mechanism of a card from another"
    if type_ in {'phone', 'mobile'}:
        return 'phone', phone_key(value)
    if type_ == 'email':
        return 'email', email_key(normalised_email(value))
    return type_, (value or '').strip().lower()


@functools.lru_cache(maxsize=4096)
def normalised_email(value):
    """The address value as email-validator normalises it (what Tryton
    stores), None when it is not one; kept for the row's other checks"""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def email_key(normalised):
    "What tells an address, as normalised_email gives it, from another"
    return normalised.lower() if normalised is not None else None


# Legal forms say nothing of which company it is
_LEGAL_FORMS = re.compile(
    r'\b(ооо|оао|зао|пао|нао|ао|ип|нко|ано|гуп|муп|фгуп|тоо|чп|'
    r'llc|ltd|inc|corp|gmbh|co|plc|limited|'
    r'общество с ограниченной ответственностью|акционерное общество|'
    r'публичное акционерное общество|индивидуальный предприниматель)\b')


def normalise_name(name):
    "The name compared when nothing better tells two counterparties apart"
    name = (name or '').lower().replace('ё', 'е')
    name = PUNCTUATION.sub(' ', name)
    name = _LEGAL_FORMS.sub(' ', name)
    return ' '.join(name.split())


def legal_form(name):
    "The first legal form of name in lower case, '' without one"
    found = _LEGAL_FORMS.search(
        PUNCTUATION.sub(' ', (name or '').lower().replace('ё', 'е')))
    return found.group() if found else ''


# The order in which keys tell that two counterparties are one
KEY_KINDS = ['inn', 'email', 'phone', 'name']


def keys(record):
    "Yield (kind, key) of record, strongest first"
    if record.inn:
        yield 'inn', requisites.compact(record.inn)
    for email in record.emails:
        key = email_key(record.check(normalised_email, email))
        if key:
            yield 'email', key
    for number in record.phones + record.mobiles:
        key = record.check(phone_key, number)
        if key:
            yield 'phone', key
    name = normalise_name(record.name)
    if name:
        yield 'name', name


@dataclass(frozen=True)
class Match:
    """A key of a record that another holds: holder is the id of a
    counterparty, or with same, the index of an earlier record of the
    chunk; kind is the kind of the key (KEY_KINDS)"""
    holder: int
    kind: str
    key: str
    same: bool = False


class KeyIndex:
    "Which counterparty holds a key, by kind of key"

    def __init__(self):
        # The INN is shared by a company's branches: it maps to them all
        self.keys = {kind: {} for kind in KEY_KINDS}
        # The INN and KPP of each holder: another INN is another
        # counterparty, and another KPP another branch
        self.inns = {}
        self.kpps = {}

    def add(self, kind, key, holder):
        if kind == 'inn':
            holders = self.keys[kind].setdefault(key, [])
            if holder not in holders:
                holders.append(holder)
            self.inns.setdefault(holder, key)
        else:
            self.keys[kind].setdefault(key, holder)

    def add_kpp(self, holder, kpp):
        self.kpps.setdefault(holder, requisites.compact(kpp))

    def add_record(self, record, holder):
        for kind, key in keys(record):
            self.add(kind, key, holder)
        if record.kpp:
            self.add_kpp(holder, record.kpp)

    def holders(self):
        "Every holder of a key"
        found = set()
        for kind, keys_ in self.keys.items():
            for value in keys_.values():
                found.update(value if kind == 'inn' else [value])
        return found

    def _branch(self, holders, kpp):
        """The holder among those of one INN that is the record's: the one
        with its KPP, else one without a KPP; any, when it gives none"""
        if not kpp:
            return holders[0]
        for holder in holders:
            if self.kpps.get(holder) == kpp:
                return holder
        return next((h for h in holders if not self.kpps.get(h)), None)

    def match(self, record):
        """Return the Match of the first key of record held, or None; a
        holder with another INN is never the same counterparty, even
        with the same phone or name (a branch, a namesake)"""
        inn = requisites.compact(record.inn)
        kpp = requisites.compact(record.kpp)
        for kind, key in keys(record):
            holder = self.keys[kind].get(key)
            if kind == 'inn' and holder:
                holder = self._branch(holder, kpp)
                if holder is None:
                    # Another branch of a known company is a counterparty
                    # of its own
                    return None
            if holder is None:
                continue
            if inn and self.inns.get(holder, inn) != inn:
                continue
            if kpp and self.kpps.get(holder, kpp) != kpp:
                continue
            return Match(holder, kind, key)
        return None


def match_chunk(chunk, existing):
    """Return for each record of chunk (records from the same file) the
    Match of a counterparty that existing (a KeyIndex) holds one of its keys,
    else that of an earlier record of chunk that is the same counterparty
    (with same), else None: a new one"""
    in_file = KeyIndex()
    result = []
    for index, record in enumerate(chunk):
        found = existing.match(record)
        if not found:
            found = in_file.match(record)
            if found:
                found = dataclasses.replace(found, same=True)
            elif not record.failed:
                in_file.add_record(record, index)
        result.append(found)
    return result


def chunks(iterable, size):
    "Lists of at most size items of iterable, one at a time"
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def read_chunks(data, format_, mapping, kind, after, size, regions=None):
    """table_chunks of the file in data, its columns as mapping says.  Pure,
    so that it may run in a process of its own (see reader_process)."""
    table = open_table(data, format_)
    table.mapping = mapping
    yield from table_chunks(table, kind, after, size, regions)


def table_chunks(table, kind, after, size, regions=None):
    """Yield (records, cells) for the rows of table after row number after,
    size records at a time: cells holds the text of each cell of their rows
    by row number, for the report"""
    cells = {}

    def keeping():
        for number, values in table.rows:
            if number > after:
                cells[number] = [tabular.text(v) for v in values]
            yield number, values
    found = (r for r in records(
            keeping(), table.mapping, table.header, kind, regions)
        if r.rows[-1] > after)
    for chunk in chunks(found, size):
        # The rows read ahead (the next record's first) stay for it
        last = chunk[-1].rows[-1]
        yield chunk, {n: cells.pop(n) for n in sorted(cells) if n <= last}
