# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Which column of a file holds what: the headers that name each field, the
header row found among the first rows, and a file opened as a table."""
import itertools
import re

from . import contacts, tabular

# What a column may hold, with the headers that name it in Russian and
# English exports (Megaplan, amoCRM, Bitrix24, 1C, Excel lists, Google and
# Outlook contacts), compared lower-case without punctuation and ё.
COLUMNS = {
    'name': [
        'название', 'наименование', 'компания', 'организация', 'контрагент',
        'клиент', 'название компании', 'наименование организации',
        'наименование контрагента', 'краткое наименование',
        'name', 'company', 'company name', 'organization', 'organisation',
        'account', 'account name', 'counterparty', 'client'],
    'kind': ['кто', 'вид', 'вид контрагента', 'тип лица', 'kind', 'who'],
    'inn': ['инн', 'inn', 'tax id', 'taxpayer id', 'vat', 'vat number'],
    'kpp': ['кпп', 'kpp'],
    'ogrn': ['огрн', 'огрнип', 'ogrn', 'ogrnip'],
    'phone': [
        'телефон', 'тел', 'телефоны', 'рабочий телефон', 'городской телефон',
        'phone', 'telephone', 'phones', 'work phone', 'business phone',
        'office phone'],
    'mobile': [
        'моб телефон', 'мобильный', 'мобильный телефон', 'сотовый',
        'сотовый телефон', 'моб', 'mobile', 'mobile phone', 'cell',
        'cell phone'],
    'email': [
        'email', 'e mail', 'эл почта', 'электронная почта', 'почта',
        'емейл', 'имейл', 'mail', 'email address', 'e mail address'],
    'website': [
        'сайт', 'веб сайт', 'вебсайт', 'website', 'web site', 'site', 'url',
        'www', 'web page'],
    'address': [
        'адрес', 'юридический адрес', 'фактический адрес', 'почтовый адрес',
        'address', 'legal address', 'postal address'],
    'type': ['тип', 'тип контрагента', 'type', 'counterparty type'],
    'status': ['статус', 'status'],
    'responsible': [
        'ответственный', 'менеджер', 'ответственный менеджер',
        'responsible', 'owner', 'manager', 'account manager'],
    'tags': ['метки', 'теги', 'метка', 'тег', 'категории', 'tags', 'labels',
        'categories'],
    'industry': ['сфера деятельности', 'отрасль', 'industry',
        'line of business'],
    'description': [
        'описание', 'комментарий', 'примечание', 'заметки', 'о компании',
        'о контрагенте', 'description', 'comment', 'comments', 'notes',
        'note', 'about'],
    'contact_name': [
        'контактное лицо', 'контакт', 'фио', 'фио контакта',
        'фио контактного лица', 'contact', 'contact person', 'contact name',
        'full name'],
    'contact_position': ['должность', 'position', 'job title', 'title'],
    }
# A column of a contact person says so: "Телефон контакта", "Contact e-mail"
_CONTACT_WORDS = {
    'контакта', 'контактного лица', 'контактное лицо', 'контакт', 'contact',
    'contact person', 'of contact'}
CONTACT_FIELDS = ['name', 'position', 'phone', 'mobile', 'email']
_HEADERS = {h: f for f, headers in COLUMNS.items() for h in headers}
_NUMBERED = re.compile(r'^(.*?)\s*(\d+)$')
# Compiled once: re's own cache of patterns is small, and a server's
# other work pushes them out of it
PUNCTUATION = re.compile(r'[^\w\s]')


def normalise_header(header):
    header = tabular.text(header).lower().replace('ё', 'е')
    return ' '.join(PUNCTUATION.sub(' ', header).split())


def _recognise_one(header):
    """The (field, number) a header names: field is one of COLUMNS or a
    contact_<field> (None when unknown), number the one it ends with"""
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
            if rest != header and _HEADERS.get(rest) in {
                    'phone', 'mobile', 'email', 'contact_position'}:
                field_ = _HEADERS[rest]
                return (field_ if field_.startswith('contact_')
                    else 'contact_' + field_), number
    return None, None


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
        elif number in numbered_contacts and field_ in {
                'contact_name', 'contact_position', 'phone', 'mobile',
                'email', 'contact_phone', 'contact_mobile', 'contact_email'}:
            result.append((
                    field_ if field_.startswith('contact_')
                    else 'contact_' + field_, number))
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


def open_table(data, format_=None):
    """Return (header, mapping, rows) of the file in data: its header, the
    recognised columns and an iterator of the (number, values) after it;
    FileUnusable when there is no header or no row under it"""
    format_ = format_ or tabular.sniff(data)
    if format_ == 'vcf':
        source = contacts.rows(contacts.vcards(data))
    else:
        source = tabular.rows(data, format_)
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
    return header, mapping, rows()
