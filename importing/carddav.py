# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The CardDAV client: the vCards of an address book of a mail service
(Yandex, Mail.ru, iCloud...), read with the user's login once; contacts.py
reads them as rows."""
import base64
import http.client
import logging
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree

import trytond.config as config

from .problem import ImportProblem

logger = logging.getLogger(__name__)


class CardDAVError(ImportProblem):
    "The address book cannot be read"


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
