# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The rules of a mailing's texts: placeholders and SMS parts."""
import unittest

from trytond.modules.crm_counterparty.channels import placeholders, sms


class PlaceholdersTestCase(unittest.TestCase):
    "Test the recipient's values in the texts"

    def test_render(self):
        "Each placeholder takes its value, with or without spaces"
        self.assertEqual(
            placeholders.render("Здравствуйте, {{name}} из {{ company }}!",
                {'name': "Иван", 'company': "ООО «Ромашка»"}),
            "Здравствуйте, Иван из ООО «Ромашка»!")

    def test_escaped_in_markup(self):
        "In HTML a value is text, never a tag"
        self.assertEqual(
            placeholders.render("<p>{{name}}</p>",
                {'name': '<b>"Иван" & Co</b>'}, markup=True),
            '<p>&lt;b&gt;&quot;Иван&quot; &amp; Co&lt;/b&gt;</p>')
        self.assertEqual(
            placeholders.render("{{name}}", {'name': '<b>'}), '<b>')

    def test_missing_value_empty(self):
        "A recipient without a company gets nothing in its place"
        self.assertEqual(
            placeholders.render("{{company}}.", {'name': "Иван"}), ".")

    def test_unknown(self):
        "An unknown placeholder is found and left as typed"
        self.assertEqual(
            placeholders.unknown("{{name}} {{phone}} {{ city }}"),
            ['phone', 'city'])
        self.assertEqual(
            placeholders.render("{{phone}}", {'phone': '1'}), "{{phone}}")


class SMSPartsTestCase(unittest.TestCase):
    "Test how many SMS a text takes"

    def test_gsm(self):
        "Latin text: 160 in one, then parts of 153"
        self.assertEqual(sms.parts(''), 0)
        self.assertEqual(sms.parts('a' * 160), 1)
        self.assertEqual(sms.parts('a' * 161), 2)
        self.assertEqual(sms.parts('a' * 306), 2)
        self.assertEqual(sms.parts('a' * 307), 3)

    def test_gsm_extended(self):
        "A character of the extension takes two places"
        self.assertEqual(sms.length('€[]'), (6, True))
        self.assertEqual(sms.parts('€' * 80), 1)
        self.assertEqual(sms.parts('€' * 81), 2)

    def test_ucs2(self):
        "Cyrillic: 70 in one, then parts of 67"
        self.assertEqual(sms.parts('я' * 70), 1)
        self.assertEqual(sms.parts('я' * 71), 2)
        self.assertEqual(sms.parts('я' * 134), 2)
        self.assertEqual(sms.parts('я' * 135), 3)
        # One Cyrillic letter makes the whole text UCS-2
        self.assertEqual(sms.parts('a' * 70 + 'я'), 2)

    def test_ucs2_surrogates(self):
        "A character outside the BMP takes two UTF-16 units"
        self.assertEqual(sms.length('😀'), (2, False))
        self.assertEqual(sms.parts('😀' * 35), 1)
        self.assertEqual(sms.parts('😀' * 36), 2)

    def test_kannel_report(self):
        "Kannel's report types: delivered, failed or rejected, on its way"
        self.assertIs(sms.kannel_delivered(sms.DELIVERED), True)
        self.assertIs(sms.kannel_delivered(sms.FAILED), False)
        self.assertIs(sms.kannel_delivered(sms.REJECTED), False)
        self.assertIsNone(sms.kannel_delivered(sms.SUBMITTED))
        self.assertIsNone(sms.kannel_delivered(sms.BUFFERED))
