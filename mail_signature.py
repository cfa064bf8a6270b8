# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Who wrote a letter, read from its sender and its signature: the name,
e-mail, phone, position and company that *Create a Client* fills in.  Pure
(no database); tests/test_mail_signature.py holds Russian and English
signatures.

The signature is the block after the last sign-off line ("С уважением,",
"Best regards," …) or the "-- " separator, at most SIGNATURE_LINES lines;
in it a phone is a line with 10 to 15 digits, a company a line with a
legal form (ООО, АО, LLC, Ltd …) or a name in quotes, a position a line
with a word of a post (директор, менеджер, manager …), and the name the
first other line that looks like one (two or three capitalised words);
the sender's display name is the name when the signature gives none."""
import re
from dataclasses import dataclass

SIGNATURE_LINES = 8
SIGN_OFFS = re.compile(
    r'^\s*(с уважением|с наилучшими пожеланиями|всего (доброго|хорошего)|'
    r'спасибо|благодарю|best regards|kind regards|regards|'
    r'best wishes|sincerely|yours sincerely|thanks|thank you|cheers)'
    r'[\s,.!]*$', re.IGNORECASE)
SEPARATOR = re.compile(r'^--\s*$')
PHONE = re.compile(r'(\+?\d[\d\s().-]{8,20}\d)')
LEGAL_FORMS = re.compile(
    r'(^|[\s«"])(ООО|ОАО|ЗАО|ПАО|АО|ИП|НКО|ФГУП|ГУП|МУП|LLC|Ltd\.?|'
    r'Limited|Inc\.?|Corp\.?|GmbH|PLC|S\.A\.|B\.V\.)(?=[\s»",.]|$)'
    r'|[«"][^»"]+[»"]')
POSITIONS = re.compile(
    r'(директор|руководител|менеджер|начальник|бухгалтер|инженер|'
    r'специалист|заместител|президент|юрист|аналитик|секретар|'
    r'помощник|консультант|управляющ|представител|'
    r'director|manager|head of|officer|\bceo\b|\bcfo\b|\bcto\b|\bcoo\b|'
    r'engineer|accountant|assistant|president|founder|partner|specialist|'
    r'consultant|lead|executive|coordinator|representative)',
    re.IGNORECASE)
NAME = re.compile(
    r'^([A-ZА-ЯЁ][a-zа-яё\'-]+)(\s+[A-ZА-ЯЁ][a-zа-яё\'.-]*){1,2}$')
CONTACT_WORDS = re.compile(
    r'^\s*(тел(ефон)?|моб(ильный)?|phone|tel|mobile|mob|cell|факс|fax|'
    r'e-?mail|почта|web|сайт|site|www)\b\.?\s*:?\s*', re.IGNORECASE)


@dataclass
class Sender:
    name: str = ''
    email: str = ''
    phone: str = ''
    position: str = ''
    company: str = ''


def signature_lines(text):
    "The lines of the signature block of text, empty when there is none"
    lines = [line.strip() for line in (text or '').splitlines()]
    start = None
    for index, line in enumerate(lines):
        if SEPARATOR.match(line) or SIGN_OFFS.match(line):
            start = index + 1
    if start is None:
        return []
    return [line for line in lines[start:] if line][:SIGNATURE_LINES]


def _phone(line):
    match = PHONE.search(line)
    if match and 10 <= len(re.sub(r'\D', '', match.group(1))) <= 15:
        return match.group(1).strip()
    return ''


def read_sender(display_name, address, text):
    "The Sender of a letter from display_name <address> whose body is text"
    sender = Sender(email=(address or '').strip().lower())
    for line in signature_lines(text):
        if '@' in line and not CONTACT_WORDS.match(line):
            continue
        value = CONTACT_WORDS.sub('', line)
        phone = _phone(value)
        if phone:
            sender.phone = sender.phone or phone
        elif '@' in line or value.lower().startswith(('www', 'http')):
            continue
        elif LEGAL_FORMS.search(line) and not sender.company:
            sender.company = line
        elif POSITIONS.search(line) and not sender.position:
            sender.position = line
        elif NAME.match(line) and not sender.name:
            sender.name = line
    if not sender.name:
        sender.name = (display_name or '').strip().strip('"') or (
            sender.email.split('@')[0] if sender.email else '')
    return sender
