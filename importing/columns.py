# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Which column of a file holds what: the headers that name each field, the
header row found among the first rows, and a file opened as a table."""
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from . import contacts, tabular

@dataclass(frozen=True)
class Field:
    """An importable field, named as a column's "Imported Into" stores it
    (contact_<field> for the contact person's): what the header recognition,
    the records, the update of a duplicate, the export and the example file
    read of it"""
    name: str
    # In English; locale/ru.po translates it as the column's selection
    label: str
    # The headers that name it in Russian and English exports (Megaplan,
    # amoCRM, Bitrix24, 1C, Excel lists, Google and Outlook contacts),
    # lower-case without punctuation and ё
    headers: tuple = ()
    # The attribute of the Record (or of its Contact) it fills: one text,
    # or a list when split says how a cell gives several ('list': by commas
    # and semicolons, 'phones': not by the commas inside a number)
    attribute: str = ''
    split: str = ''
    # A contact mechanism of the card (or contact person), of the type
    # its name says
    mechanism: bool = False
    # A number that a spreadsheet may show shortened ("7,7E+09"): the row
    # fails rather than import it wrong
    number: bool = False
    # The field of the party it fills as it is, or (with lookup, the model)
    # by the name of a record; none for the requisites, the contact data,
    # the address and the contact persons, which are records of their own
    party: str = ''
    lookup: str = ''
    # The message of a name that no record of the lookup has: the row is
    # imported without it, with this warning
    unknown: str = ''
    # Whether an unknown name is made a new record of the lookup when the
    # batch says so (Create Missing Types and Statuses)
    creatable: bool = False
    # Whether the update of an existing card may write it; the other
    # fields are only added to what the card has
    updated: bool = False
    # A column of the example file to fill
    template: bool = False

    def __post_init__(self):
        if not self.attribute:
            attribute = self.name.removeprefix('contact_')
            object.__setattr__(self, 'attribute', attribute)

    @property
    def contact(self):
        "Whether it is a field of the row's contact person"
        return self.name.startswith('contact_')


_PHONE_HEADERS = (
    'телефон', 'тел', 'телефоны', 'рабочий телефон', 'городской телефон',
    'phone', 'telephone', 'phones', 'work phone', 'business phone',
    'office phone', 'домашний телефон')
_MOBILE_HEADERS = (
    'моб телефон', 'мобильный', 'мобильный телефон', 'сотовый',
    'сотовый телефон', 'моб', 'mobile', 'mobile phone', 'cell',
    'cell phone')
# The headers of the parts of a person's name, as Bitrix24, Megaplan and
# Mail.ru split it: the last, first and middle name are fields of their
# own (below); a nickname, or a part the user imports into the contact
# person's name, fills that name, joined as rules.person_name says
NAME_PARTS = {
    'фамилия': 'last', 'имя': 'first', 'отчество': 'middle',
    'никнейм': 'nickname'}
_EMAIL_HEADERS = (
    'email', 'e mail', 'эл почта', 'электронная почта', 'почта',
    'емейл', 'имейл', 'mail', 'email address', 'e mail address',
    'рабочий email', 'рабочий e mail', 'частный email', 'частный e mail')
# The catalogue of the importable fields, in the order of the export's
# columns: adding one is a line here and its label's translation
FIELDS = [
    Field('name', "Name", (
            'название', 'наименование', 'компания', 'организация',
            'контрагент', 'клиент', 'название компании',
            'наименование организации', 'наименование контрагента',
            'краткое наименование', 'name', 'company', 'company name',
            'organization', 'organisation', 'account', 'account name',
            'counterparty', 'client'),
        party='name', updated=True, template=True),
    Field('kind', "Kind", (
            'кто', 'вид', 'вид контрагента', 'тип лица', 'юр физ лицо',
            'юридическое физическое лицо', 'kind', 'who')),
    Field('inn', "INN", (
            'инн', 'inn', 'tax id', 'taxpayer id', 'vat', 'vat number'),
        number=True, template=True),
    Field('kpp', "KPP", ('кпп', 'kpp'), number=True, template=True),
    Field('ogrn', "OGRN", ('огрн', 'огрнип', 'ogrn', 'ogrnip'), number=True),
    Field('phone', "Phone", _PHONE_HEADERS, 'phones', 'phones',
        mechanism=True, number=True, template=True),
    Field('mobile', "Mobile Phone", _MOBILE_HEADERS, 'mobiles', 'phones',
        mechanism=True, number=True),
    Field('email', "E-Mail", _EMAIL_HEADERS, 'emails', 'list',
        mechanism=True, template=True),
    Field('website', "Website", (
            'сайт', 'веб сайт', 'вебсайт', 'website', 'web site', 'site',
            'url', 'www', 'web page', 'web', 'корпоративный сайт'),
        'websites', 'list', mechanism=True, template=True),
    Field('address', "Address", (
            'адрес', 'юридический адрес', 'фактический адрес',
            'почтовый адрес', 'address', 'legal address', 'postal address'),
        template=True),
    Field('type', "Type", ('тип', 'тип контрагента', 'тип компании', 'type',
            'counterparty type'),
        party='counterparty_type', lookup='crm.counterparty.type',
        unknown='msg_import_unknown_type', creatable=True, updated=True,
        template=True),
    Field('status', "Status", ('статус', 'status'),
        party='counterparty_status', lookup='crm.counterparty.status',
        unknown='msg_import_unknown_status', creatable=True, updated=True),
    Field('responsible', "Responsible", (
            'ответственный', 'менеджер', 'ответственный менеджер',
            'responsible', 'owner', 'manager', 'account manager'),
        party='responsible', lookup='company.employee',
        unknown='msg_import_unknown_responsible', updated=True),
    Field('tags', "Tags", (
            'метки', 'теги', 'метка', 'тег', 'категории', 'категория',
            'tags', 'labels',
            'categories'),
        split='list', lookup='crm.counterparty.tag',
        unknown='msg_import_unknown_tag', template=True),
    Field('industry', "Line of Business", (
            'сфера деятельности', 'отрасль', 'industry', 'line of business'),
        party='industry', updated=True),
    Field('description', "About", (
            'описание', 'комментарий', 'примечание', 'заметки',
            'о компании', 'о контрагенте', 'description', 'comment',
            'comments', 'notes', 'note', 'about'),
        party='description', updated=True),
    Field('contact_name', "Contact Person", (
            'контактное лицо', 'контакт', 'фио', 'фио контакта',
            'фио контактного лица', 'contact', 'contact person',
            'contact name', 'full name', 'никнейм'),
        template=True),
    # A person's full name in parts: the person's own in a list of people
    Field('contact_last_name', "Last Name", (
            'фамилия', 'last name', 'family name', 'surname', 'lastname')),
    Field('contact_first_name', "First Name", (
            'имя', 'first name', 'given name', 'firstname')),
    Field('contact_middle_name', "Middle Name", (
            'отчество', 'middle name', 'patronymic', 'additional name')),
    Field('contact_position', "Position of Contact", (
            'должность', 'position', 'job title', 'title'),
        template=True),
    Field('contact_phone', "Phone of Contact", (), 'phones', 'phones',
        mechanism=True, number=True),
    Field('contact_mobile', "Mobile Phone of Contact", (), 'mobiles',
        'phones', mechanism=True, number=True, template=True),
    Field('contact_email', "E-Mail of Contact", (), 'emails', 'list',
        mechanism=True, template=True),
    ]
FIELD = {f.name: f for f in FIELDS}
CONTACT_FIELDS = [f.name for f in FIELDS if f.contact]
# What a contact person has beside its name, which a header names with
# a word of the contact ("Телефон контакта")
_DETAILS = {f for f in CONTACT_FIELDS if f != 'contact_name'}
# A column of a contact person says so: "Телефон контакта", "Contact e-mail"
_CONTACT_WORDS = {
    'контакта', 'контактного лица', 'контактное лицо', 'контакт', 'contact',
    'contact person', 'of contact'}
_HEADERS = {h: f.name for f in FIELDS for h in f.headers}
_NUMBERED = re.compile(r'^(.*?)\s*(\d+)$')
# Compiled once: re's own cache of patterns is small, and a server's
# other work pushes them out of it
PUNCTUATION = re.compile(r'[^\w\s]')


def normalise_header(header):
    header = tabular.text(header).lower().replace('ё', 'е')
    return ' '.join(PUNCTUATION.sub(' ', header).split())


def _of_contact(field_):
    "The field of the contact person that field_ is when said of one"
    return field_ if field_.startswith('contact_') else 'contact_' + field_


def _recognise_one(header):
    """The (field, number) a header names: field is one of FIELDS (None when
    unknown), number the one it ends with"""
    header = normalise_header(header)
    number = None
    match = _NUMBERED.match(header)
    if match and header not in _HEADERS:
        header, number = match.group(1), int(match.group(2))
    if header in _HEADERS:
        return _HEADERS[header], number
    for word in _CONTACT_WORDS:
        for rest in [header.removeprefix(word + ' '),
                header.removesuffix(' ' + word)]:
            if rest != header and rest in _HEADERS and _of_contact(
                    _HEADERS[rest]) in _DETAILS:
                return _of_contact(_HEADERS[rest]), number
    return None, None


def name_parts(header, mapping):
    """For each column of header, the part of a person's name it holds
    (NAME_PARTS) when mapping imports it into a contact person's name,
    else None"""
    parts = []
    for title, (field_, _) in zip(header, mapping):
        title = normalise_header(title)
        match = _NUMBERED.match(title)
        if match and title not in NAME_PARTS:
            title = match.group(1)
        parts.append(
            NAME_PARTS.get(title) if field_ == 'contact_name' else None)
    return parts


def recognise(header):
    """Return for each column of header its (field, contact number): the
    number is 0 for the columns of the row's one contact person, n for
    "Контакт n", "Телефон n"... when the file has a "Контакт n" column; field
    is None for a column that is not imported."""
    found = [_recognise_one(h) for h in header]
    numbered_contacts = {
        n for f, n in found if f == 'contact_name' and n is not None}
    result = []
    for field_, number in found:
        if field_ is None:
            result.append((None, 0))
        elif number in numbered_contacts and (field_ in CONTACT_FIELDS
                or _of_contact(field_) in _DETAILS):
            result.append((_of_contact(field_), number))
        else:
            result.append((field_, 0))
    return result


def find_header(rows, limit=20):
    """Return (header row number, header, mapping, the remaining row
    iterator) from the first of the first limit rows naming the most known
    columns; FileUnusable when none names one"""
    rows = iter(rows)
    seen, best = [], None
    for number, values in rows:
        seen.append((number, values))
        mapping = recognise(values)
        known = sum(f is not None for f, _ in mapping)
        if known and (best is None or known > best[0]):
            best = (known, len(seen) - 1, mapping)
        if len(seen) >= limit:
            break
    if not seen:
        raise tabular.FileUnusable('msg_import_file_no_rows')
    if best is None:
        raise tabular.FileUnusable(
            'msg_import_file_no_header',
            header='; '.join(tabular.text(v) for v in seen[0][1])[:200])
    _, index, mapping = best
    number, header = seen[index]

    def remaining():
        yield from seen[index + 1:]
        yield from rows
    return number, [tabular.text(h) for h in header], mapping, remaining()


@dataclass
class Table:
    """A file opened once for all that a request does with it: its format,
    its header, the number of its row, and what each column is imported
    into (as recognised, until the import's columns say otherwise), how
    many rows it has under the header (None when only reading them all
    would tell), the values of the first row under the header, and the
    (number, values) of the rows under the header, the first included,
    read as they are used"""
    format: str
    header: list
    header_row: int
    mapping: list
    rows_total: int
    first: list
    rows: Iterator


def open_table(data, format_=None):
    """The Table of the file in data; FileUnusable when there is no header
    or no row under it"""
    format_ = format_ or tabular.sniff(data)
    sizes = []
    if format_ == 'vcf':
        source = contacts.rows(contacts.vcards(data))
    else:
        source = tabular.rows(data, format_, sizes.append)
        first = next(source, None)
        kind = first and contacts.csv_kind(first[1])
        if kind:
            # Google and Outlook export contacts in a layout of their own
            source = contacts.rows(
                contacts.csv_contacts(kind, first[1], source))
        elif first:
            source = itertools.chain([first], source)
    number, header, mapping, remaining = find_header(source)
    first = next(remaining, None)
    if first is None:
        raise tabular.FileUnusable('msg_import_file_no_data')

    def rows():
        yield first
        yield from remaining
    # The title and the header above the data are no rows of it
    size = next(iter(sizes), None)
    return Table(format_, header, number, mapping,
        size - number if size is not None else None, first[1], rows())
