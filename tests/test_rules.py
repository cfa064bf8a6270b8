# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The rules that need no database: Russian requisites, phone display and
why an e-mail address is refused."""
import unittest

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from trytond.modules.crm_counterparty import email_address, phone, requisites


def with_control_key(account, bik):
    "Return account with its 9th digit set so that the BIK key holds"
    for digit in '0123456789':
        candidate = account[:8] + digit + account[9:]
        if requisites.is_valid_settlement_account(candidate, bik):
            return candidate


class RequisitesTestCase(unittest.TestCase):

    def test_kpp(self):
        for kpp, valid in [
                ('770701001', True),
                ('7707 01 001', True),
                ('7707AB001', True),
                ('7707ab001', True),
                ('77070100', False),
                ('7707010011', False),
                ('A70701001', False),
                ('', False),
                ]:
            with self.subTest(kpp=kpp):
                self.assertEqual(requisites.is_valid_kpp(kpp), valid)

    def test_ogrn(self):
        self.assertTrue(requisites.is_valid_ogrn('1027700132195'))
        self.assertFalse(requisites.is_valid_ogrn('1027700132196'))
        # An OGRNIP whose remainder by 13 is 10: python-stdnum refuses it
        number = next(
            n for n in (f'30450011600{i:03d}' for i in range(1000))
            if int(n) % 13 == 10) + '0'
        self.assertTrue(requisites.is_valid_ogrn(number))
        self.assertFalse(requisites.is_valid_ogrn(number[:-1] + '1'))
        self.assertTrue(requisites.is_valid_ogrn('304500116000157'))

    def test_bik(self):
        self.assertTrue(requisites.is_valid_bik('044525225'))
        self.assertFalse(requisites.is_valid_bik('144525225'))
        self.assertFalse(requisites.is_valid_bik('04452522'))

    def test_correspondent_account(self):
        # Sberbank's published requisites
        self.assertTrue(requisites.is_valid_correspondent_account(
                '30101810400000000225', '044525225'))
        self.assertFalse(requisites.is_valid_correspondent_account(
                '30101810500000000225', '044525225'))
        self.assertFalse(requisites.is_valid_correspondent_account(
                '30101810400000000225', '044525226'))

    def test_settlement_account(self):
        account = with_control_key('40702810000000012345', '044525225')
        self.assertIsNotNone(account)
        self.assertTrue(
            requisites.is_valid_settlement_account(account, '044525225'))
        wrong = account[:8] + str((int(account[8]) + 1) % 10) + account[9:]
        self.assertFalse(
            requisites.is_valid_settlement_account(wrong, '044525225'))
        # The same account is not valid against another bank
        self.assertFalse(
            requisites.is_valid_settlement_account(account, '044525226'))


class PhoneDisplayTestCase(unittest.TestCase):

    def display(self, value, regions=('RU',)):
        return phone.display(phonenumbers.parse(value, 'RU'), regions)

    def test_russian_numbers_national(self):
        for value in ['8 (916) 123-45-67', '+7(916)1234567', '89161234567',
                '+7 916 123 45 67']:
            with self.subTest(value=value):
                self.assertEqual(self.display(value), '8 (916) 123-45-67')

    def test_extension_kept_in_russian(self):
        self.assertEqual(
            self.display('8 (495) 123-45-67 доб. 12'),
            '8 (495) 123-45-67 доб. 12')
        self.assertEqual(
            self.display('+7 495 123 45 67 ext 5'),
            '8 (495) 123-45-67 доб. 5')

    def test_foreign_number_international(self):
        self.assertEqual(self.display('+49 30 1234567'), '+49 30 1234567')

    def test_home_region_of_the_counterparty(self):
        # For a Kazakh counterparty a Russian number is a foreign one
        self.assertEqual(
            self.display('+7 916 123-45-67', regions=('KZ', 'RU')),
            '+7 916 123-45-67')


class EmailMistakeTestCase(unittest.TestCase):

    def test_mistakes(self):
        "Each address email-validator refuses is told its slip"
        for address, mistake in [
                ('ivanov mail.ru', 'space'),
                ('ivanov@mail.ru ', 'space'),
                ('ivanov.mail.ru', 'no_at'),
                ('ivanov@@mail.ru', 'many_at'),
                ('ivanov@mail@ru', 'many_at'),
                ('@mail.ru', 'no_local'),
                ('ivanov@', 'no_domain'),
                ('ivanov,petrov@mail.ru', 'characters'),
                ('ivanov@mail_ru.ru', 'characters'),
                ('ivanov@mail..ru', 'dots'),
                ('.ivanov@mail.ru', 'dots'),
                ('ivanov.@mail.ru', 'dots'),
                ('ivanov@mail.ru.', 'dots'),
                ('ivanov@mail', 'no_dot'),
                ('ivanov@-mail.ru', 'other'),
                ]:
            with self.subTest(address=address):
                with self.assertRaises(EmailNotValidError):
                    validate_email(address, check_deliverability=False)
                self.assertEqual(email_address.mistake(address), mistake)

    def test_invalid_characters(self):
        "The characters an address may not have are named once each"
        self.assertEqual(
            email_address.invalid_characters('ivan(ov),p@ma_il.ru'),
            '(),_')
        self.assertEqual(
            email_address.invalid_characters('иван.o\'brien@почта.рф'), '')
