# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The rules of a person's name in parts, which need no database."""
import unittest

from trytond.modules.crm_counterparty.name_parts import (
    DEFAULT_ORDER, NameParts, compose, is_composed, searched, split)

IVANOV = NameParts(last='Иванов', first='Иван', middle='Иванович')


class NamePartsTestCase(unittest.TestCase):

    def test_compose_orders(self):
        for order, name in [
                ('last_first_middle', 'Иванов Иван Иванович'),
                ('first_middle_last', 'Иван Иванович Иванов'),
                ('first_last', 'Иван Иванов'),
                ('unknown', 'Иванов Иван Иванович'),
                ]:
            with self.subTest(order=order):
                self.assertEqual(compose(IVANOV, order), name)
        self.assertEqual(DEFAULT_ORDER, 'last_first_middle')

    def test_compose_missing_parts(self):
        self.assertEqual(
            compose(NameParts(first='Иван', middle='Петрович')),
            'Иван Петрович')
        self.assertEqual(compose(NameParts(last='Петров')), 'Петров')
        self.assertEqual(compose(NameParts()), '')
        # An order without the middle name does not lose the only part
        self.assertEqual(
            compose(NameParts(middle='Петрович'), 'first_last'), 'Петрович')

    def test_of_cleans(self):
        self.assertEqual(
            NameParts.of('  Римский-Корсаков ', None, 'Андреевич'),
            NameParts(last='Римский-Корсаков', middle='Андреевич'))
        self.assertFalse(NameParts.of(None, ' ', ''))

    def test_split_clear(self):
        for name, parts in [
                ('Иванов Иван Иванович', IVANOV),
                ('Иван Иванович Иванов', IVANOV),
                ('  Иванов   Иван Иванович ', IVANOV),
                ('Петрова Анна Сергеевна', NameParts(
                        last='Петрова', first='Анна', middle='Сергеевна')),
                ('Ильина Ольга Кузьминична', NameParts(
                        last='Ильина', first='Ольга', middle='Кузьминична')),
                ('Владимир Ильич Ульянов', NameParts(
                        last='Ульянов', first='Владимир', middle='Ильич')),
                # A surname ending as a patronymic, first: still clear
                ('Шостакович Дмитрий Дмитриевич', NameParts(
                        last='Шостакович', first='Дмитрий',
                        middle='Дмитриевич')),
                ('Римский-Корсаков Николай Андреевич', NameParts(
                        last='Римский-Корсаков', first='Николай',
                        middle='Андреевич')),
                ('Иван Петрович', NameParts(first='Иван', middle='Петрович')),
                ('иванов иван иванович', NameParts(
                        last='иванов', first='иван', middle='иванович')),
                ]:
            with self.subTest(name=name):
                self.assertEqual(split(name), parts)

    def test_split_initials(self):
        for name, parts in [
                ('Иванов И. О.', NameParts('Иванов', 'И.', 'О.')),
                ('Иванов И.О.', NameParts('Иванов', 'И.', 'О.')),
                ('И. О. Иванов', NameParts('Иванов', 'И.', 'О.')),
                ('И.О. Иванов', NameParts('Иванов', 'И.', 'О.')),
                ('Иванов И.', NameParts('Иванов', 'И.', '')),
                ]:
            with self.subTest(name=name):
                self.assertEqual(split(name), parts)

    def test_split_unclear(self):
        for name in [
                # Which is the last name?
                'Иван Петров', 'Петров Иван',
                # Two patronymic endings: a surname in -ич and which else?
                'Дмитрий Дмитриевич Шостакович',
                'Иван Петров Сидоров',
                'Иванов Иван Иванович Младший',
                'Иванов',
                '',
                None,
                'Иванов И. Петров',
                'И. Иванов О.',
                'Иванов И. О. П.',
                'ООО "Ромашка"',
                'Иванов 2 Иванович',
                # Too short to be a patronymic
                'Лев Ич',
                ]:
            with self.subTest(name=name):
                self.assertIsNone(split(name))

    def test_split_then_compose_keeps_the_name(self):
        for name in ['Иванов Иван Иванович', 'Иванов И. О.']:
            with self.subTest(name=name):
                self.assertEqual(compose(split(name)), name)
        self.assertEqual(
            compose(split('Иван Иванович Иванов'), 'first_middle_last'),
            'Иван Иванович Иванов')

    def test_is_composed(self):
        self.assertTrue(is_composed('Иванов Иван Иванович', IVANOV))
        self.assertTrue(is_composed('Иван Иванов', IVANOV))
        self.assertFalse(is_composed('Ваня', IVANOV))
        self.assertFalse(is_composed('', NameParts()))
        self.assertFalse(is_composed(None, IVANOV))

    def test_searched(self):
        self.assertEqual(searched('Иван Иванов', IVANOV), ['Иванович'])
        self.assertEqual(searched('Иванов Иван Иванович', IVANOV), [])
        self.assertEqual(
            searched(None, NameParts(first='Иван')), ['Иван'])
        self.assertEqual(searched('Ваня', NameParts()), [])


if __name__ == '__main__':
    unittest.main()
