# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Contacts of mail services: vCard files (2.1, 3.0, 4.0, as Gmail, Yandex,
iCloud and Outlook export them), Google Contacts and Outlook CSV, and a
CardDAV address book.  Each contact becomes a row of the import: a person,
or the contact person of its organisation.  No database here.

Facebook no longer lets anyone export the contacts of their friends (only
one's own profile, without their e-mails or phones), so there is nothing to
import from it."""
import base64
import http.client
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree

import trytond.config as config

from . import tabular

logger = logging.getLogger(__name__)

# The columns of a contact row, which the import recognises by name
HEADER = ['Кто', 'Компания', 'Контактное лицо', 'Должность',
    'Телефон контакта', 'Моб. телефон контакта', 'E-mail контакта', 'Сайт',
    'Адрес', 'Примечание', 'Метки']


def _contact(**values):
    contact = {
        'name': '', 'organization': '', 'title': '', 'phones': [],
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
            company, name, contact['title'],
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
    name = _text(card.fn.value) if 'fn' in contents else ''
    if not name and 'n' in contents:
        n = card.n.value
        name = _text([n.given, n.additional, n.family])
    contact = _contact(name=name)
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
    name = row.get('name') or _text([
            row.get('given name') or row.get('first name'),
            row.get('additional name') or row.get('middle name'),
            row.get('family name') or row.get('last name')])
    contact = _contact(
        name=name,
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


class CardDAVError(Exception):
    "The address book cannot be read: message names an ir.message"

    def __init__(self, message, **values):
        super().__init__(message, values)
        self.message = message
        self.values = values


# How many times the server may send the reading on to another of its
# addresses (the account's root to its principal, the principal to its
# address-book home), so that a server cannot keep the reading going
MAX_HOPS = 3
# Seconds to wait for the server (option carddav_timeout of the
# [crm_counterparty] section of trytond's configuration)
TIMEOUT = 5
_DEFAULT_PORTS = {'http': 80, 'https': 443}
_DAV = '{DAV:}'
_CARDDAV = '{urn:ietf:params:xml:ns:carddav}'
_ADDRESS_DATA_REPORT = b'''<?xml version="1.0" encoding="utf-8"?>
<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
  <D:prop><D:getetag/><C:address-data/></D:prop>
</C:addressbook-query>'''
_PROPFIND_HOME = b'''<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
  <D:prop><D:current-user-principal/><C:addressbook-home-set/>
  <D:resourcetype/></D:prop>
</D:propfind>'''


def _unreadable(url, detail):
    """The one error of an address book that cannot be read, whatever the
    cause, so that no user learns from it which files or ports the server
    has; the cause goes to the server's log"""
    logger.info('CardDAV address book %s cannot be read: %s', url, detail)
    return CardDAVError('msg_carddav_error')


def _origin(url):
    """The (scheme, host, port) of url, one of the schemes allowed (https,
    and http when [crm_counterparty] carddav_allow_http is set);
    ValueError otherwise"""
    schemes = {'https'}
    if config.getboolean(
            'crm_counterparty', 'carddav_allow_http', default=False):
        schemes.add('http')
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in schemes or not parts.hostname:
        raise ValueError('not an address of %s' % ' or '.join(sorted(schemes)))
    return scheme, parts.hostname.lower(), parts.port or _DEFAULT_PORTS[scheme]


def carddav_vcards(url, login, password):
    """Return the vCards (bytes) of the CardDAV address books at url, read
    with login and password (RFC 6352: the address book itself, or the
    account's address-book home, which the URL of Yandex or iCloud is);
    the password is used for these requests only.  Only the origin of url
    is ever read (MAX_HOPS times at most from one address to the next)."""
    token = base64.b64encode(
        ('%s:%s' % (login, password)).encode('utf-8')).decode('ascii')
    timeout = config.getfloat(
        'crm_counterparty', 'carddav_timeout', default=TIMEOUT)
    try:
        origin = _origin(url)
    except ValueError as e:
        raise _unreadable(url, e)

    def request(method, target, body, depth):
        req = urllib.request.Request(target, data=body, method=method,
            headers={
                'Authorization': 'Basic ' + token,
                'Content-Type': 'application/xml; charset=utf-8',
                'Depth': depth,
                })
        try:
            # An address given by the server must not lead elsewhere (a
            # redirection is never followed: urllib follows those of GET,
            # HEAD and POST only)
            if _origin(target) != origin:
                raise ValueError('not on the server of %s' % url)
            with urllib.request.urlopen(req, timeout=timeout) as response:
                tree = ElementTree.fromstring(response.read())
            # Any other answer would tell a web server from a closed port
            if tree.tag != _DAV + 'multistatus':
                raise ValueError('not a WebDAV answer')
            return tree
        except urllib.error.HTTPError as e:
            if e.code in {401, 403}:
                raise CardDAVError('msg_carddav_login')
            raise _unreadable(target, e)
        except (OSError, ValueError, http.client.HTTPException,
                ElementTree.ParseError) as e:
            raise _unreadable(target, e)

    cards = []
    for book in _books(url, request):
        tree = request('REPORT', book, _ADDRESS_DATA_REPORT, '1')
        for data in tree.iter(_CARDDAV + 'address-data'):
            if data.text and data.text.strip():
                cards.append(data.text.strip())
    return ('\r\n'.join(cards) + '\r\n').encode('utf-8')


def _books(url, request):
    """The address books at url or, for the account's root, at the home it
    leads to, found with request"""
    target = url
    for _ in range(MAX_HOPS + 1):
        tree = request('PROPFIND', target, _PROPFIND_HOME, '1')
        found = [urllib.parse.urljoin(target, response.findtext(_DAV + 'href'))
            for response in tree.iter(_DAV + 'response')
            if response.find('.//%sresourcetype/%saddressbook' % (
                    _DAV, _CARDDAV)) is not None]
        home = _home(tree, target)
        if found or home is None:
            return found
        target = home
    raise _unreadable(url, 'still no address book after %s addresses'
        % MAX_HOPS)


def _home(tree, target):
    "The address-book home or, failing it, the principal tree names"
    for ns, tag in [(_CARDDAV, 'addressbook-home-set'),
            (_DAV, 'current-user-principal')]:
        element = tree.find('.//%s%s/%shref' % (ns, tag, _DAV))
        if element is not None and element.text:
            home = urllib.parse.urljoin(target, element.text)
            if home.rstrip('/') != target.rstrip('/'):
                return home
    return None
