# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Contacts of mail services: vCard files (2.1, 3.0, 4.0, as Gmail, Yandex,
iCloud and Outlook export them and as carddav.py reads them), Google
Contacts and Outlook CSV.  Each contact becomes a row of the import: a
person, or the contact person of its organisation.  No database here.

Facebook no longer lets anyone export the contacts of their friends (only
one's own profile, without their e-mails or phones), so there is nothing to
import from it."""
import re

from . import tabular

# The columns of a contact row, which the import recognises by name
HEADER = ['Кто', 'Компания', 'Контактное лицо', 'Фамилия', 'Имя',
    'Отчество', 'Должность',
    'Телефон контакта', 'Моб. телефон контакта', 'E-mail контакта', 'Сайт',
    'Адрес', 'Примечание', 'Метки']


def _contact(**values):
    contact = {
        'name': '', 'last_name': '', 'first_name': '', 'middle_name': '',
        'organization': '', 'title': '', 'phones': [],
        'mobiles': [], 'emails': [], 'urls': [], 'address': '', 'note': '',
        'categories': [],
        }
    contact.update(values)
    return contact


def rows(contacts):
    """Yield (number, values) of a table of contacts, its header first: a
    contact of an organisation is its contact person"""
    yield 1, list(HEADER)
    for number, contact in enumerate(contacts, 2):
        company = contact['organization']
        name = contact['name'] or (
            '' if company else (contact['emails'] or [''])[0])
        yield number, [
            'Компания' if company else 'Человек',
            company, name, contact['last_name'], contact['first_name'],
            contact['middle_name'], contact['title'],
            ', '.join(contact['phones']), ', '.join(contact['mobiles']),
            ', '.join(contact['emails']), ', '.join(contact['urls']),
            contact['address'], contact['note'],
            ', '.join(contact['categories'])]


def _text(value):
    if isinstance(value, (list, tuple)):
        value = ' '.join(str(v) for v in value if v)
    return ' '.join(str(value or '').split())


def vcards(data):
    "Yield the contacts of the vCard file in data (bytes)"
    import vobject
    encoding = tabular.detect_encoding(data[:64 * 1024])
    text = data.decode(encoding, errors='replace')
    try:
        for card in vobject.readComponents(text, ignoreUnreadable=True):
            if card.name != 'VCARD':
                continue
            yield _vcard_contact(card)
    except vobject.base.ParseError:
        raise tabular.FileUnusable('msg_import_file_corrupt')


def _params(line):
    "The TYPE of a vCard line, lower-case, whichever version wrote it"
    types = set()
    for value in line.params.get('TYPE', []):
        types.update(v.strip().lower() for v in value.split(','))
    types.update(p.lower() for p in getattr(line, 'singletonparams', []))
    return types


def _vcard_contact(card):
    contents = card.contents
    contact = _contact(
        name=_text(card.fn.value) if 'fn' in contents else '')
    if 'n' in contents:
        n = card.n.value
        contact.update(last_name=_text(n.family),
            first_name=_text(n.given), middle_name=_text(n.additional))
        contact['name'] = contact['name'] or _text(
            [n.given, n.additional, n.family])
    if 'org' in contents:
        contact['organization'] = _text(card.org.value[:1])
    if 'title' in contents:
        contact['title'] = _text(card.title.value)
    for line in contents.get('tel', []):
        number = _text(line.value).removeprefix('tel:')
        if not number:
            continue
        types = _params(line)
        if types & {'cell', 'mobile', 'iphone'}:
            contact['mobiles'].append(number)
        elif 'fax' not in types:
            contact['phones'].append(number)
    contact['emails'] = [_text(l.value) for l in contents.get('email', [])
        if _text(l.value)]
    contact['urls'] = [_text(l.value) for l in contents.get('url', [])
        if _text(l.value)]
    if 'adr' in contents:
        adr = card.adr.value
        contact['address'] = ', '.join(_text(p) for p in [
                adr.code, adr.country, adr.region, adr.city, adr.street,
                adr.extended, adr.box] if _text(p))
    if 'note' in contents:
        contact['note'] = _text(card.note.value)
    for line in contents.get('categories', []):
        contact['categories'].extend(
            _text(c) for c in line.value if _text(c))
    return contact


# The header by which each program's CSV is known, and its columns
_GOOGLE = {'given name', 'family name', 'e-mail 1 - value'}
_GOOGLE_NEW = {'first name', 'last name', 'e-mail 1 - value'}
_OUTLOOK = {'first name', 'last name', 'e-mail address', 'mobile phone'}


def csv_kind(header):
    "google or outlook when header is of their contacts' CSV, else None"
    header = {tabular.text(h).lower() for h in header}
    if _GOOGLE <= header or _GOOGLE_NEW <= header:
        return 'google'
    if _OUTLOOK <= header:
        return 'outlook'
    return None


def csv_contacts(kind, header, rows):
    "Yield the contacts of the rows of a Google or Outlook contacts CSV"
    header = [tabular.text(h).lower() for h in header]
    for _, values in rows:
        values = [tabular.text(v) for v in values]
        row = dict(zip(header, values))
        if kind == 'google':
            yield _google_contact(header, values, row)
        else:
            yield _outlook_contact(row)


def _google_contact(header, values, row):
    first = row.get('given name') or row.get('first name', '')
    middle = row.get('additional name') or row.get('middle name', '')
    last = row.get('family name') or row.get('last name', '')
    contact = _contact(
        name=row.get('name') or _text([first, middle, last]),
        last_name=last, first_name=first, middle_name=middle,
        organization=row.get('organization 1 - name', ''),
        title=row.get('organization 1 - title', ''),
        note=row.get('notes', ''),
        categories=[c.strip(' *') for c in re.split(
                r':::', row.get('group membership', '') or row.get(
                    'labels', '')) if c.strip(' *')
            and c.strip(' *') not in {'myContacts', 'My Contacts'}])
    # Google numbers its repeated fields: "Phone 1 - Type", "Phone 1 - Value"
    for index, column in enumerate(header):
        match = re.match(r'^(phone|e-mail|website|address) (\d+) - (value|'
            r'formatted)$', column)
        if not match or index >= len(values) or not values[index]:
            continue
        kind, number, _ = match.groups()
        type_ = row.get('%s %s - type' % (kind, number), '').lower()
        # One cell may hold several values joined by " ::: "
        found = [v.strip() for v in values[index].split(':::') if v.strip()]
        if kind == 'phone':
            target = 'mobiles' if 'mobile' in type_ else 'phones'
            contact[target].extend(found)
        elif kind == 'e-mail':
            contact['emails'].extend(found)
        elif kind == 'website':
            contact['urls'].extend(found)
        elif not contact['address']:
            contact['address'] = found[0]
    return contact


def _outlook_contact(row):
    contact = _contact(
        name=_text([row.get('first name'), row.get('middle name'),
                row.get('last name')]),
        last_name=row.get('last name', ''),
        first_name=row.get('first name', ''),
        middle_name=row.get('middle name', ''),
        organization=row.get('company', ''),
        title=row.get('job title', ''),
        note=row.get('notes', ''),
        categories=[c.strip() for c in row.get('categories', '').split(';')
            if c.strip()])
    for column in ['business phone', 'business phone 2', 'home phone',
            'home phone 2', 'other phone', 'company main phone',
            'primary phone']:
        if row.get(column):
            contact['phones'].append(row[column])
    for column in ['mobile phone', 'car phone']:
        if row.get(column):
            contact['mobiles'].append(row[column])
    for column in ['e-mail address', 'e-mail 2 address', 'e-mail 3 address']:
        if row.get(column):
            contact['emails'].append(row[column])
    if row.get('web page'):
        contact['urls'].append(row['web page'])
    contact['address'] = ', '.join(v for v in [
            row.get('business postal code'),
            row.get('business country/region'),
            row.get('business city'), row.get('business street')] if v)
    return contact
