# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Russian requisites that python-stdnum does not know, or gets wrong: KPP,
OGRNIP, BIK and the bank accounts checked against a BIK by the Bank of
Russia's control key."""
import importlib.util
import re
import sys

from stdnum.ru import ogrn as _stdnum_ogrn

if importlib.util.find_spec('stdnum.ru.kpp') is None:
    # Tryton asks python-stdnum for a module of each identifier it formats
    # or checks (get_cc_module): for a KPP that is a failed import searching
    # the path again each time (24 us, twice a card on import); None in
    # sys.modules is Python's own mark of a module known to be absent
    sys.modules.setdefault('stdnum.ru.kpp', None)

_SEPARATORS = re.compile(r'[\s\-./]')
_KPP = re.compile(r'^\d{4}[\dA-Z]{2}\d{3}$')
_ACCOUNT_WEIGHTS = (7, 1, 3) * 8


def compact(value):
    "Remove the separators people type in requisites"
    return _SEPARATORS.sub('', value or '').upper()


def same_taxpayer(kpp, other_kpp):
    """Whether two holders of one INN are the same taxpayer: a branch has a
    KPP of its own, so a KPP left empty on either side is the head office
    (or an unknown branch) and taken as the same."""
    kpp, other_kpp = compact(kpp), compact(other_kpp)
    return not kpp or not other_kpp or kpp == other_kpp


def is_valid_kpp(kpp):
    """A KPP is the tax office (4 digits), the reason of registration (2
    digits or Latin capitals since 2019) and a serial number (3 digits)."""
    return bool(_KPP.match(compact(kpp)))


def is_valid_ogrn(number):
    """An OGRN has 13 digits, an OGRNIP (a sole trader's) 15; python-stdnum
    2.2 refuses the OGRNIPs whose remainder by 13 is 10 to 12, while the tax
    service takes the remainder's last digit (about one in four)."""
    number = compact(number)
    if len(number) != 15:
        return _stdnum_ogrn.is_valid(number)
    return (number.isdigit() and number[0] in '34'
        and int(number[:-1]) % 13 % 10 == int(number[-1]))


def is_valid_bik(bik):
    "A Russian BIK has 9 digits and begins with the country code 04"
    bik = compact(bik)
    return len(bik) == 9 and bik.isdigit() and bik.startswith('04')


def _control_key_valid(digits):
    return sum(
        int(d) * w for d, w in zip(digits, _ACCOUNT_WEIGHTS)) % 10 == 0


def is_valid_settlement_account(account, bik):
    "The key covers the BIK's last 3 digits followed by the 20-digit account"
    account, bik = compact(account), compact(bik)
    return (len(account) == 20 and account.isdigit() and is_valid_bik(bik)
        and _control_key_valid(bik[-3:] + account))


def is_valid_correspondent_account(account, bik):
    """A correspondent account in the Bank of Russia begins with 301 and ends
    with the BIK's last 3 digits; its key covers '0', the BIK's 5th and 6th
    digits and the account."""
    account, bik = compact(account), compact(bik)
    return (len(account) == 20 and account.isdigit()
        and account.startswith('301') and is_valid_bik(bik)
        and account[-3:] == bik[-3:]
        and _control_key_valid('0' + bik[4:6] + account))
