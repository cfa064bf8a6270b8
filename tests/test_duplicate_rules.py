# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The rules of duplicates (duplicate_keys.py): no database."""
import unittest

from trytond.modules.crm_counterparty.duplicate_keys import (
    CardKeys, compare, name_key, name_score, name_words)
from trytond.modules.crm_counterparty.importing import rules


class DuplicateKeysTestCase(unittest.TestCase):
    "Test which counterparties are likely one"

    def test_name_key_ignores_form_quotes_order(self):
        "The legal form, quotes, punctuation and word order are ignored"
        for name in ["ООО «Ромашка»", "Ромашка, ООО", '"Ромашка" ооо',
                "Общество с ограниченной ответственностью Ромашка"]:
            with self.subTest(name=name):
                self.assertEqual(name_key(name), "ромашка")
        self.assertEqual(
            name_key("Торговый дом, Альфа LLC"), "альфа дом торговый")

    def test_name_key_is_the_imports_name_sorted(self):
        "A name the import matches is the same key here"
        name = "ООО «Дом Торговый»"
        self.assertEqual(name_key(name),
            ' '.join(sorted(rules.normalise_name(name).split())))

    def test_name_score(self):
        "Same words score 100, a subset or a typo less, others little"
        romashka = name_key("ООО «Ромашка»")
        self.assertEqual(name_score(romashka, name_key("Ромашка, ООО")), 100)
        self.assertEqual(
            name_score(romashka, name_key("Ромашка ООО Москва")), 90)
        self.assertGreater(name_score(romashka, name_key("Рамашка")), 85)
        self.assertLess(name_score(romashka, name_key("Василёк")), 50)
        self.assertEqual(name_score('', romashka), 0)

    def test_other_number_other_name(self):
        "Names that differ by their numbers are not near"
        self.assertEqual(name_score(
                name_key("Старый ветер 33338"), name_key("Старый ветер 33339")),
            0)
        self.assertEqual(name_score(
                name_key("Школа № 5"), name_key("школа 5, Москва")), 90)

    def test_name_words(self):
        "The telling words, longest first, without forms and short words"
        self.assertEqual(
            name_words("ООО «Ромашка и Ко» Москва"), ["ромашка", "москва"])

    def test_same_phone_any_format(self):
        "A phone in any format is one key"
        pair = compare(CardKeys.of("Альфа", phones=["8 (916) 123-45-67"]),
            CardKeys.of("Бета", phones=["+7(916)1234567"]))
        self.assertEqual(pair.shared, (('phone', '+79161234567'),))
        self.assertEqual(pair.score, 90)

    def test_same_email_any_case(self):
        "An e-mail differing in case is one key"
        pair = compare(CardKeys.of("Альфа", emails=["Info@Romashka.RU"]),
            CardKeys.of("Бета", emails=["info@romashka.ru"]))
        self.assertEqual(pair.reasons, ['email'])

    def test_same_inn(self):
        "The same INN is the strongest key, a near name adds its reason"
        pair = compare(CardKeys.of("ООО Ромашка", inn="7707083893"),
            CardKeys.of("Ромашка", inn="7707 083 893"))
        self.assertEqual(pair.reasons, ['inn', 'name'])
        self.assertEqual(pair.score, 100)

    def test_other_inn_or_branch_never_same(self):
        "Another INN, or a branch's own KPP, is another counterparty"
        self.assertIsNone(compare(CardKeys.of("Ромашка", inn="7707083893"),
                CardKeys.of("Ромашка", inn="7736050003")))
        self.assertIsNone(compare(
                CardKeys.of("Ромашка", inn="7707083893", kpp="770701001"),
                CardKeys.of("Ромашка", inn="7707083893", kpp="772801001")))
        self.assertIsNotNone(compare(
                CardKeys.of("Ромашка", inn="7707083893", kpp="770701001"),
                CardKeys.of("Ромашка", inn="7707083893")))

    def test_name_threshold(self):
        "Names alone count from the threshold"
        keys = CardKeys.of("Ромашка"), CardKeys.of("Ромашка Москва")
        self.assertIsNotNone(compare(*keys, name_threshold=90))
        self.assertIsNone(compare(*keys, name_threshold=95))
        self.assertIsNone(
            compare(CardKeys.of("Ромашка"), CardKeys.of("Василёк")))
