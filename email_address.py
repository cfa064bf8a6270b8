# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Why an e-mail address is refused, told as a person mends it.

email-validator decides whether an address is valid but says why only in
English; mistake() names the slip a person makes typing one, and each slip
has its translated message (message.xml, msg_email_<mistake>)."""
import re

# What may stand before the @ unquoted (RFC 5322 atext and dots), any
# letter of any script included, as email-validator allows
_LOCAL = re.compile(r"[\w!#$%&'*+/=?^`{|}~.-]")
_DOMAIN = re.compile(r'[^\W_]|[.-]')


def mistake(address):
    """The first slip in address: 'space', 'no_at', 'many_at', 'no_local',
    'no_domain', 'characters', 'dots', 'no_dot'; or 'other' when it is
    none of them (a rule of the standard a person seldom meets)"""
    if re.search(r'\s', address):
        return 'space'
    count = address.count('@')
    if not count:
        return 'no_at'
    if count > 1:
        return 'many_at'
    local, domain = address.split('@')
    if not local:
        return 'no_local'
    if not domain:
        return 'no_domain'
    if invalid_characters(address):
        return 'characters'
    if any(part.startswith('.') or part.endswith('.') or '..' in part
            for part in (local, domain)):
        return 'dots'
    if '.' not in domain:
        return 'no_dot'
    return 'other'


def invalid_characters(address):
    "The characters address may not have, each once, in their order"
    local, _, domain = address.rpartition('@')
    bad = [c for c in local if not _LOCAL.fullmatch(c)]
    bad += [c for c in domain if not _DOMAIN.fullmatch(c)]
    return ''.join(dict.fromkeys(bad))
