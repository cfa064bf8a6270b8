"""Checks that scripts/demo_data.py produces valid, varied, repeatable data.

No database: the generator is pure.  Bank account keys are re-checked with
an independent implementation of the Central Bank of Russia algorithm.
"""
import importlib.util
import pathlib
import re
import unittest

import phonenumbers
from stdnum.ru import inn as stdnum_inn, ogrn as stdnum_ogrn

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / 'scripts' / \
    'demo_data.py'


def load_script():
    # scripts/ is not a package, so import the file by path
    spec = importlib.util.spec_from_file_location('demo_data', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cbr_checksum_ok(digits):
    "Weights 7,1,3 repeating over the 23 digits; the sum ends in 0."
    weights = (7, 1, 3) * 8
    return sum(int(d) * w for d, w in zip(digits, weights)) % 10 == 0


def phone_shape(phone):
    "'8 (495) 123-45-67' → '# (#) #-#-#': the punctuation people type."
    return re.sub(r'\d+', '#', phone)


class DemoDataTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.module = load_script()
        cls.data = cls.module.generate()
        cls.companies = cls.data['companies']
        cls.organisations = [c for c in cls.companies
            if c['legal_form'] != 'ИП']

    def all_phones(self):
        for company in self.companies:
            yield from company['phones']
            for contact in company['contacts']:
                yield contact['phone']
                if contact['whatsapp']:
                    yield contact['whatsapp']
        for person in self.data['persons']:
            yield person['phone']

    def test_deterministic(self):
        self.assertEqual(self.module.generate(7), self.module.generate(7))
        self.assertEqual(self.module.generate(), self.data)
        self.assertNotEqual(self.module.generate(8), self.module.generate(7))

    def test_counts(self):
        contacts = sum(len(c['contacts']) for c in self.companies)
        self.assertEqual(len(self.companies), 220)
        self.assertEqual(len(self.data['persons']), 40)
        self.assertGreaterEqual(
            len(self.companies) + contacts + len(self.data['persons']), 300)
        self.assertEqual(len(self.data['employees']), 5)

    def test_logins_unique(self):
        logins = [e['login'] for e in self.data['employees']]
        self.assertEqual(len(logins), len(set(logins)))
        for login in logins:
            self.assertRegex(login, r'^[a-z]+$')
        responsible = {c['responsible'] for c in self.companies}
        responsible |= {p['responsible'] for p in self.data['persons']}
        self.assertLessEqual(responsible, set(logins))

    def test_inn_ogrn(self):
        for company in self.companies:
            with self.subTest(company=company['name']):
                self.assertTrue(stdnum_inn.is_valid(company['inn']))
                self.assertTrue(stdnum_ogrn.is_valid(company['ogrn']))
                sole = company['legal_form'] == 'ИП'
                self.assertEqual(len(company['inn']), 12 if sole else 10)
                self.assertEqual(len(company['ogrn']), 15 if sole else 13)
                # OGRN digits 4-5 hold the region, as the INN's first two
                self.assertEqual(company['ogrn'][3:5], company['inn'][:2])
        for person in self.data['persons']:
            if person['inn']:
                self.assertEqual(len(person['inn']), 12)
                self.assertTrue(stdnum_inn.is_valid(person['inn']))

    def test_kpp(self):
        for company in self.companies:
            with self.subTest(company=company['name']):
                if company['legal_form'] == 'ИП':
                    self.assertIsNone(company['kpp'])
                    continue
                self.assertRegex(company['kpp'], r'^\d{4}[\dA-Z]{2}\d{3}$')
                if company['head_office']:
                    self.assertEqual(company['kpp'][4:6], '43')
                else:
                    self.assertEqual(company['kpp'], company['inn'][:4] +
                        '01001')

    def test_branches(self):
        heads = {c['name']: c for c in self.companies
            if not c['head_office']}
        branches = [c for c in self.companies if c['head_office']]
        self.assertGreaterEqual(len(branches), 3)
        for branch in branches:
            head = heads[branch['head_office']]
            self.assertEqual(branch['inn'], head['inn'])
            self.assertEqual(branch['ogrn'], head['ogrn'])
            self.assertNotEqual(branch['kpp'], head['kpp'])
            self.assertIn('(филиал ', branch['name'])
        keys = [(c['inn'], c['kpp']) for c in self.organisations]
        self.assertEqual(len(keys), len(set(keys)))
        heads_inn = [c['inn'] for c in heads.values()]
        self.assertEqual(len(heads_inn), len(set(heads_inn)))

    def test_phones(self):
        shapes = set()
        for phone in self.all_phones():
            with self.subTest(phone=phone):
                self.assertTrue(phonenumbers.is_valid_number(
                    phonenumbers.parse(phone, 'RU')))
                shapes.add(phone_shape(phone))
        self.assertGreaterEqual(len(shapes), 5, shapes)
        phones = list(self.all_phones())
        self.assertTrue(any('доб' in p for p in phones))
        self.assertTrue(any(p.startswith('8-800') for p in phones))
        for company in self.companies:
            self.assertIn(len(company['phones']), (1, 2))

    def test_bank_accounts(self):
        payers = [c['payer'] for c in self.companies if c['payer']]
        self.assertGreater(len(payers), len(self.companies) // 2)
        for payer in payers:
            bik = payer['bik']
            account = payer['settlement_account']
            corr = payer['correspondent_account']
            with self.subTest(account=account, bik=bik):
                self.assertRegex(bik, r'^04\d{7}$')
                self.assertRegex(account, r'^\d{20}$')
                self.assertRegex(corr, r'^30101810\d{9}' + bik[-3:] + '$')
                self.assertTrue(cbr_checksum_ok(bik[-3:] + account))
                self.assertTrue(cbr_checksum_ok('0' + bik[4:6] + corr))
        # a known real pair proves the independent check itself
        self.assertTrue(cbr_checksum_ok('025' + '30101810400000000225'))
        self.assertFalse(cbr_checksum_ok('025' + '30101810500000000225'))

    def test_attachments(self):
        with_files = [c for c in self.companies if c['attachments']]
        self.assertEqual(len(with_files), 22)
        for company in with_files:
            for name, content in company['attachments']:
                self.assertTrue(name.endswith('.txt'))
                self.assertIsInstance(content, bytes)
                self.assertRegex(content.decode('utf-8'), '[а-яА-Я]')

    def test_communications(self):
        communications = self.data['communications']
        self.assertGreaterEqual(len(communications), 90)
        names = {c['name']: c for c in self.companies}
        for communication in communications:
            company = names[communication['company']]
            self.assertEqual(
                communication['responsible'], company['responsible'])
            self.assertTrue(
                company['contacts'] or not communication['with_contact'])
            # Held ones have a result, the planned ones not yet
            self.assertEqual(
                communication['result'] is None, communication['day'] >= 0)
        self.assertTrue(any(c['day'] < 0 for c in communications))
        self.assertTrue(any(c['day'] >= 0 for c in communications))


if __name__ == '__main__':
    unittest.main()
