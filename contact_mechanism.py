# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
import re

from email_validator import EmailNotValidError, validate_email
from sql.functions import Lower

from trytond.i18n import gettext
from trytond.model import Index, fields
from trytond.modules.party.exceptions import InvalidEMail
from trytond.pool import PoolMeta
from trytond.transaction import Transaction

from . import email_address, phone
from .access import policy_company
from .address import home_country
from .channels.xmpp import valid_jid
from .exceptions import InvalidJabber
from .phone import DEFAULT_REGION

# Messengers Russian-speaking clients use, which Tryton does not know
MESSENGERS = [
    ('telegram', "Telegram"),
    ('whatsapp', "WhatsApp"),
    ('viber', "Viber"),
    ('vk', "VK"),
    ]
# The translated reason of each slip email_address.mistake names
EMAIL_MISTAKES = {
    'space': 'crm_counterparty.msg_email_space',
    'no_at': 'crm_counterparty.msg_email_no_at',
    'many_at': 'crm_counterparty.msg_email_many_at',
    'no_local': 'crm_counterparty.msg_email_no_local',
    'no_domain': 'crm_counterparty.msg_email_no_domain',
    'characters': 'crm_counterparty.msg_email_characters',
    'dots': 'crm_counterparty.msg_email_dots',
    'no_dot': 'crm_counterparty.msg_email_no_dot',
    'other': 'crm_counterparty.msg_email_other',
    }


def home_region():
    """The country of the user's company: its numbers are shown the way
    its people dial them, the others in international form, whatever the
    counterparty's country (a Spanish partner's number keeps its +34)"""
    country = home_country()
    return country.code if country else DEFAULT_REGION


def email_reason(address):
    "Why address is not an e-mail address, in the user's language"
    return gettext(EMAIL_MISTAKES[email_address.mistake(address)],
        characters=' '.join(email_address.invalid_characters(address)))


def check_email_syntax(address, error):
    """Raise error(reason) when address is not an e-mail address by its
    syntax.  Tryton also asks DNS whether the domain receives mail, which
    refuses every address on a server without DNS and costs a look-up per
    row of an import: the card, the guests' logins and the chat's authors
    check the syntax only."""
    if not address:
        return
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as e:
        raise error(email_reason(address)) from e


class ContactMechanism(metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # An import looks its rows' e-mails and phones up among the existing
        # counterparties (case-blind, as e-mails are)
        cls._sql_indexes.add(
            Index(t, (Lower(t.value_compact), Index.Equality())))
        for messenger in MESSENGERS:
            if messenger not in cls.type.selection:
                cls.type.selection.append(messenger)

    @classmethod
    def check_valid_email(cls, mechanisms, field_names=None):
        if field_names and not (field_names & {'type', 'value'}):
            return
        for mechanism in mechanisms:
            if mechanism.type == 'email':
                check_email_syntax(mechanism.value,
                    lambda reason: InvalidEMail(gettext(
                            'party.msg_email_invalid',
                            email=mechanism.value,
                            party=mechanism.party.rec_name), reason))

    @classmethod
    def validate_fields(cls, mechanisms, field_names):
        super().validate_fields(mechanisms, field_names)
        cls.check_valid_jabber(mechanisms, field_names)

    @classmethod
    def check_valid_jabber(cls, mechanisms, field_names=None):
        "A Jabber contact is the address of an account: user@domain"
        if field_names and not (field_names & {'type', 'value'}):
            return
        for mechanism in mechanisms:
            if (mechanism.type == 'jabber' and mechanism.value
                    and not valid_jid(mechanism.value)):
                raise InvalidJabber(gettext(
                        'crm_counterparty.msg_jabber_invalid',
                        jabber=mechanism.value,
                        party=mechanism.party.rec_name))

    @fields.depends('party', '_parent_party.addresses')
    def _phone_country_codes(self):
        # A number written the national way must parse even when the
        # counterparty, its address and the phone are created in one call,
        # before the address country is known: fall back to Russia.  The
        # company module reads the company the client names, which may be
        # none of the user's (or none at all): the user's own instead.
        if self.party:
            for address in getattr(self.party, 'addresses', None) or ():
                # The pop-up of a new contact person sends her default
                # address without the fields it does not show
                if address.id is None or address.id < 0:
                    address.country = getattr(address, 'country', None)
        with Transaction().set_context(company=policy_company()):
            codes = list(super()._phone_country_codes())
        yield from codes
        yield DEFAULT_REGION

    @fields.depends(methods=['_parse_phonenumber'])
    def format_value(self, value=None, type_=None):
        value = super().format_value(value=value, type_=type_)
        if type_ in {'phone', 'mobile', 'fax'}:
            phonenumber = self._parse_phonenumber(value)
            if phonenumber:
                value = phone.display(phonenumber, [home_region()])
        return value

    @fields.depends(methods=['_parse_phonenumber'])
    def format_value_compact(self, value=None, type_=None):
        if type_ == 'whatsapp':
            # WhatsApp is reached by the phone number
            phonenumber = self._parse_phonenumber(value)
            if phonenumber:
                return super().format_value_compact(value, 'phone')
        if type_ == 'telegram' and value:
            return value.strip().lstrip('@').removeprefix(
                'https://t.me/').lower()
        if type_ == 'jabber' and value:
            # The server compares the user and domain of a JID case-blind
            return value.strip().lower()
        return super().format_value_compact(value=value, type_=type_)

    @fields.depends('type', 'value', 'value_compact')
    def on_change_with_url(self, name=None, value=None):
        url = super().on_change_with_url(name=name, value=value)
        compact = self.value_compact
        if self.type == 'telegram' and compact:
            return 'https://t.me/%s' % compact
        elif self.type == 'whatsapp' and compact:
            return 'https://wa.me/%s' % re.sub(r'\D', '', compact)
        elif self.type == 'viber' and compact:
            return 'viber://chat?number=%s' % re.sub(r'\D', '', compact)
        elif self.type == 'vk' and compact:
            return 'https://vk.com/%s' % compact.removeprefix(
                'https://vk.com/')
        return url
