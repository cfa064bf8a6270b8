# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The rules of duplicates (duplicate_keys.py): no database."""
import unittest
from itertools import combinations

from trytond.modules.crm_counterparty.duplicate_keys import (
    Blocks, CardKeys, block_keys, compare, differing_words_alike, groups,
    kept_pairs, likely_inn, name_key, namesakes, name_score, name_words,
    near, outranked, unique_pairs)
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

    def test_typo_moving_a_word(self):
        "A letter typed wrong that moves its word in the order is a typo"
        key, typo = name_key("Ковола Консалт"), name_key("Коъола Консалт")
        self.assertEqual(typo, "консалт коъола")
        self.assertEqual(name_score(key, typo),
            name_score(key, name_key("Кобола Консалт")))
        self.assertLess(name_score(key, name_key("Консалт Юкола Опт")), 85)

    def test_legal_form(self):
        "The legal form is kept beside the name, which drops it"
        self.assertEqual(CardKeys.of("ЗАО «Ромашка»").form, "зао")
        self.assertEqual(CardKeys.of("Ромашка, ип").form, "ип")
        self.assertEqual(CardKeys.of("Ромашка").form, "")
        self.assertEqual(rules.legal_form("Ромашка-ООО"), "ооо")

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


class OutrankedTestCase(unittest.TestCase):
    "Test which matches by name a better match of another INN outranks"

    def matches(self, keys, *others):
        "{index: (CardKeys, Pair)} of others that keys matches"
        found = {}
        for i, other in enumerate(others):
            pair = compare(keys, other)
            if pair:
                found[i] = other, pair
        return found

    def test_nearer_of_two_inns(self):
        """A name alike to two companies of two INNs is the nearer one's;
        as near to both, the one of the card's legal form; else both"""
        for name, own, other, dropped in [
                ("Пухожу Групп, АО", "АО «Пухожу Групп»",
                    "АО «Пухяжу Групп»", {1}),
                ("ЗАО «Пуъяжу Групп»", "ЗАО «Пухяжу Групп»",
                    "ИП «Пушяжу Групп»", {1}),
                ("ЗАО «Пуъяжу Групп»", "ЗАО «Пухяжу Групп»",
                    "ЗАО «Пушяжу Групп»", set()),
                ]:
            with self.subTest(name=name, own=own, other=other):
                copy = CardKeys.of(name)
                matches = self.matches(copy,
                    CardKeys.of(own, inn="7707083893"),
                    CardKeys.of(other, inn="7736050003"))
                self.assertEqual(outranked(copy, matches), dropped)

    def test_not_another_inn(self):
        "Matches that may be one counterparty are all kept"
        copy = CardKeys.of("Пухожу Групп, АО")
        own = CardKeys.of("АО «Пухожу Групп»", inn="7707083893")
        for other in [CardKeys.of("АО «Пухяжу Групп»"),
                CardKeys.of("АО «Пухяжу Групп»", inn="7707083893")]:
            with self.subTest(other=other):
                self.assertEqual(
                    outranked(copy, self.matches(copy, own, other)), set())

    def test_branch_outranked(self):
        "A branch (the INN with another KPP) is another counterparty too"
        copy = CardKeys.of("Пухожу Групп, АО")
        own = CardKeys.of("АО «Пухожу Групп»", inn="7707083893",
            kpp="770701001")
        branch = CardKeys.of("АО «Пухяжу Групп»", inn="7707083893",
            kpp="772801001")
        self.assertEqual(
            outranked(copy, self.matches(copy, own, branch)), {1})

    def test_shared_key_never_outranked(self):
        "A match by a shared phone stays, however near the other's name"
        copy = CardKeys.of("Пухожу Групп, АО", phones=["8 916 111-22-33"])
        own = CardKeys.of("АО «Пухожу Групп»", inn="7707083893")
        other = CardKeys.of("Вега", inn="7736050003",
            phones=["+7 916 1112233"])
        self.assertEqual(
            outranked(copy, self.matches(copy, own, other)), set())

    def test_tie_broken_by_more_reasons(self):
        "As near to both, the one sharing a phone too outranks"
        copy = CardKeys.of("АО «Пухожу Групп» Москва",
            phones=["8 916 111-22-33"])
        own = CardKeys.of("АО «Пухожу Групп»", inn="7707083893",
            phones=["+7 916 1112233"])
        other = CardKeys.of("АО «Пухожу Групп»", inn="7736050003")
        matches = self.matches(copy, own, other)
        self.assertEqual(matches[0][1].score, matches[1][1].score)
        self.assertEqual(outranked(copy, matches), {1})

    def test_outranked_outranks_nothing(self):
        "A match dropped drops no other: only those kept count"
        copy = CardKeys.of("Пухожу Групп, АО")
        own = CardKeys.of("АО «Пухожу Групп»", inn="7707083893")
        other = CardKeys.of("АО «Пухяжу Групп»", inn="7736050003")
        # Another card of the nearest's INN, further: may be it
        third = CardKeys.of("АО «Пухожу Групп Трейд»", inn="7707083893")
        matches = self.matches(copy, own, other, third)
        self.assertEqual(set(matches), {0, 1, 2})
        self.assertEqual(outranked(copy, matches), {1})


    def kept(self, *names):
        """The pairs alike and those kept_pairs keeps of two companies of
        two INNs (ids 1 and 2) and of cards of names (ids from 3)"""
        cards = dict(enumerate([
                    CardKeys.of("АО «Пухожу Групп»", inn="7707083893"),
                    CardKeys.of("АО «Пухожи Групп»", inn="7736050003"),
                    ] + [CardKeys.of(n) for n in names], 1))
        found = {}
        for (a, keys), (b, other) in combinations(cards.items(), 2):
            pair = compare(keys, other)
            if pair:
                found[a, b] = pair
        return set(found), set(kept_pairs(found, cards))

    def test_two_cards_most_likely_of_two_inns(self):
        """Two cards without INN, each nearest a company of its own, are
        two; nearer each other than to their companies, they may be one"""
        self.assertEqual(self.kept("АО «Пуъожу Групп»", "АО «Пуъожи Групп»"),
            ({(1, 3), (2, 4), (3, 4)}, {(1, 3), (2, 4)}))
        self.assertEqual(
            self.kept("АО «Пуъожу Групп»", "Пуъожу Групп, АО")[1],
            {(1, 3), (1, 4), (3, 4)})

    def test_likely_inn(self):
        "The INN of the best match of one, none of two as near"
        copy = CardKeys.of("АО «Пуъожу Групп»")
        own = CardKeys.of("АО «Пухожу Групп»", inn="7707083893")
        other = CardKeys.of("АО «Пушожу Групп»", inn="7736050003")
        self.assertEqual(likely_inn(copy, self.matches(copy, own))[0],
            "7707083893")
        self.assertIsNone(likely_inn(copy, self.matches(copy, own, other)))
        self.assertIsNone(likely_inn(own, self.matches(own, copy)))


class ScanBlocksTestCase(unittest.TestCase):
    "Test the blocks the scan of the base compares cards in"

    def test_typo_shares_a_block(self):
        "A letter typed wrong, added or dropped in any word leaves a block"
        name = name_key("Колокольчик Трейд")
        for typo in ["Калокольчик Трейд", "Колокольчек Трейд",
                "Колокольчик Трэйд", "Клокольчик Трейд",
                "Коллокольчик Трейд", "Колокольчикк Трейд",
                "Колокольчк Трейд", "Колокольчик Трейдд"]:
            with self.subTest(typo=typo):
                self.assertTrue(block_keys(name) & block_keys(name_key(typo)))
        self.assertFalse(
            block_keys(name) & block_keys(name_key("Незабудка Опт")))

    def test_near_is_name_score_reached(self):
        "The quick test of near names agrees with name_score"
        key = name_key("Ромашка")
        for other in ["Ромашка", "Ромашка Москва", "Рамашка", "Василёк",
                "Ромашка 2", "Рома"]:
            other = name_key(other)
            for threshold in [80, 85, 90, 95]:
                with self.subTest(other=other, threshold=threshold):
                    self.assertEqual(near(key, other, threshold),
                        name_score(key, other) >= threshold)

    def test_letter_added_or_dropped_in_one_word(self):
        "A letter added or dropped in the first half of one word is near"
        name = name_key("Незабудка")
        for typo in ["Нзабудка", "Нейзабудка", "Езабудка"]:
            with self.subTest(typo=typo):
                typo = name_key(typo)
                self.assertTrue(block_keys(name) & block_keys(typo))
                self.assertTrue(near(name, typo, 85))

    def test_large_block_left_out(self):
        "A block of more cards than its size finds no partner"
        blocks = Blocks(size=3)
        for card in range(1, 5):
            blocks.add(card, {'common', 'own %s' % card})
        blocks.add(10, {'own 1'})
        blocks.add(11, {'pair'})
        blocks.add(12, {'pair', 'alone'})
        self.assertEqual(
            sorted(sorted(g) for g in blocks.groups()), [[1, 10], [11, 12]])

    def test_namesakes_of_two_companies(self):
        "Persons of two companies alike by name alone are not proposed"
        person = CardKeys.of("Петров Пётр", phones=['+7 903 111-22-33'])
        namesake = CardKeys.of("Петров Пётр")
        by_name = compare(person, namesake)
        self.assertTrue(namesakes(by_name, 1, 2))
        self.assertFalse(namesakes(by_name, 1, 1))
        self.assertFalse(namesakes(by_name, 1, None))
        self.assertFalse(namesakes(compare(person, person), 1, 2))

    def test_differing_words_alike(self):
        "The words not shared must be a typo of each other, or none"
        for name, other, alike in [
                ("Донеда Девелопмент", "Дониса Девелопмент", False),
                ("Бавеки Сервис", "Баъеки Сервис", True),
                ("Ромашка", "Ромашка Москва", True),
                ("ООО «Ландыш»", "Ландыш, ООО", True),
                ]:
            with self.subTest(name=name, other=other):
                self.assertEqual(differing_words_alike(
                        name_key(name), name_key(other)), alike)

    def test_unique_pairs(self):
        "Each pair of a group, lower id first, once whatever the groups"
        self.assertEqual(list(unique_pairs([[7, 3, 5], [5, 3], [2**31 - 1, 3],
                        [9], [4, 4]])),
            [(3, 5), (3, 7), (3, 2**31 - 1), (5, 7)])
        self.assertEqual(list(unique_pairs([])), [])

    def test_groups_join_pairs(self):
        "Pairs through a common card are one group, named by its lowest id"
        self.assertEqual(groups([(5, 7), (7, 2), (8, 9)]),
            {2: 2, 5: 2, 7: 2, 8: 8, 9: 8})
