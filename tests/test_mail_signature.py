# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The reading of a letter's sender and signature (mail_signature.py) and
of its bytes (mail_message.py): pure, no database."""
import unittest

from trytond.modules.crm_counterparty.mail_message import parse, sanitise
from trytond.modules.crm_counterparty.mail_signature import (
    read_sender, signature_lines)


class SignatureTestCase(unittest.TestCase):
    "Test the signature reader"

    def test_russian(self):
        text = (
            "Добрый день!\n\nПришлите, пожалуйста, счёт.\n\n"
            "С уважением,\n"
            "Петров Пётр Сергеевич\n"
            "Коммерческий директор\n"
            "ООО «Северный ветер»\n"
            "Тел.: +7 (495) 123-45-67\n"
            "petrov@veter.ru\n")
        sender = read_sender('Пётр', 'Petrov@Veter.ru', text)
        self.assertEqual(sender.name, "Петров Пётр Сергеевич")
        self.assertEqual(sender.position, "Коммерческий директор")
        self.assertEqual(sender.company, "ООО «Северный ветер»")
        self.assertEqual(sender.phone, "+7 (495) 123-45-67")
        self.assertEqual(sender.email, 'petrov@veter.ru')

    def test_english(self):
        text = (
            "Hello,\n\nPlease find the offer attached.\n\n"
            "Best regards,\n"
            "John Smith\n"
            "Sales Manager\n"
            "Acme Trading Ltd\n"
            "Mobile: +44 20 7946 0958\n")
        sender = read_sender('', 'john@acme.co.uk', text)
        self.assertEqual(sender.name, "John Smith")
        self.assertEqual(sender.position, "Sales Manager")
        self.assertEqual(sender.company, "Acme Trading Ltd")
        self.assertEqual(sender.phone, "+44 20 7946 0958")

    def test_separator(self):
        "The last '-- ' block is the signature"
        text = "See you.\n-- \nАнна Ли\nменеджер по закупкам\n8 916 765 43 21"
        self.assertEqual(signature_lines(text), [
                "Анна Ли", "менеджер по закупкам", "8 916 765 43 21"])
        sender = read_sender('', 'anna@example.com', text)
        self.assertEqual(
            (sender.name, sender.position, sender.phone),
            ("Анна Ли", "менеджер по закупкам", "8 916 765 43 21"))

    def test_no_signature(self):
        "Without a signature the display name, else the mailbox's name"
        sender = read_sender('"Мария Котова"', 'm@example.com', "Да.")
        self.assertEqual(sender.name, "Мария Котова")
        self.assertEqual((sender.phone, sender.company), ('', ''))
        self.assertEqual(
            read_sender('', 'sales@example.com', '').name, 'sales')

    def test_short_number_not_phone(self):
        "An order number in the signature is not a phone"
        sender = read_sender('', 'a@b.c', "Thanks,\nOrder 12345\n")
        self.assertEqual(sender.phone, '')


class MessageTestCase(unittest.TestCase):
    "Test the reading of a letter's bytes"

    def test_parse(self):
        raw = (
            b'From: =?utf-8?b?0J/RkdGC0YA=?= <Petr@Veter.RU>\r\n'
            b'To: anna@example.com, "B" <b@example.com>\r\n'
            b'Cc: c@example.com\r\n'
            b'Subject: =?utf-8?b?0KHRh9GR0YI=?=\r\n'
            b'Date: Tue, 01 Dec 2026 10:00:00 +0300\r\n'
            b'Message-ID: <2@veter.ru>\r\n'
            b'In-Reply-To: <1@example.com>\r\n'
            b'References: <0@example.com> <1@example.com>\r\n'
            b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
            b'--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n'
            b'<p onclick="x()">Hi<script>alert(1)</script></p>\r\n'
            b'--b\r\nContent-Type: application/pdf\r\n'
            b'Content-Disposition: attachment; filename="offer.pdf"\r\n'
            b'Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n'
            b'--b--\r\n')
        letter = parse(raw)
        self.assertEqual(letter.sender, ('Пётр', 'petr@veter.ru'))
        self.assertEqual(letter.recipients,
            ['anna@example.com', 'b@example.com', 'c@example.com'])
        self.assertEqual(letter.subject, 'Счёт')
        self.assertEqual(letter.message_id, '<2@veter.ru>')
        self.assertEqual(letter.in_reply_to, '<1@example.com>')
        self.assertEqual(letter.references,
            ['<0@example.com>', '<1@example.com>'])
        self.assertEqual(str(letter.date), '2026-12-01 07:00:00')
        self.assertEqual(letter.html, '<p>Hi</p>')
        self.assertEqual(letter.text, 'Hi')
        self.assertEqual(letter.attachments, [('offer.pdf', b'%PDF-')])

    def test_sanitise(self):
        self.assertEqual(
            sanitise('<a href="javascript:x()">a</a><img src=x onerror=y>'),
            '<a rel="noopener noreferrer">a</a><img src="x">')
