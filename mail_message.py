# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""What a letter read from a mailbox says: a pure reading of its RFC 5322
bytes (no database), used by mailbox.py to land it on the cards.  The HTML
part is sanitised with nh3 (Ammonia: scripts, styles, event handlers and
javascript: links go); a letter with HTML only gets its text from it.
`pushed` gives the bytes of a letter a mail provider pushed to Tryton's
inbound_email webhook, in the shape of its payload."""
import base64
import datetime as dt
import email
import email.policy
import email.utils
import json
import re
from email.message import EmailMessage
from dataclasses import dataclass, field

import html2text
import nh3

# The longest subject a communication keeps
SUBJECT_SIZE = 250


@dataclass
class Letter:
    "A letter as the card needs it"
    message_id: str = ''
    in_reply_to: str = ''
    references: list = field(default_factory=list)
    sender: tuple = ('', '')
    to: list = field(default_factory=list)
    cc: list = field(default_factory=list)
    subject: str = ''
    date: dt.datetime = None
    text: str = ''
    html: str = ''
    attachments: list = field(default_factory=list)

    @property
    def sender_address(self):
        return self.sender[1]

    @property
    def recipients(self):
        "The addresses it was sent to, To then Cc"
        return [a for _, a in self.to + self.cc]


def normalise(address):
    "An address as compared: e-mails are matched in any case"
    return (address or '').strip().lower()


def _addresses(message, name):
    values = message.get_all(name, [])
    return [(n, normalise(a))
        for n, a in email.utils.getaddresses([str(v) for v in values])
        if '@' in a]


def _ids(value):
    "The <message ids> of a header's value"
    return re.findall(r'<[^<>\s]+>', str(value or ''))


def _date(message):
    try:
        date = email.utils.parsedate_to_datetime(str(message['Date']))
    except (TypeError, ValueError):
        return None
    if date.tzinfo is not None:
        date = date.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return date


def sanitise(html):
    "The HTML without what could run or track in the client"
    return nh3.clean(html or '')


def html_text(html):
    "The text of an HTML part, for a letter that has no plain one"
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = True
    return converter.handle(html).strip()


def _content(part):
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError):
        payload = part.get_payload(decode=True) or b''
        return payload.decode('utf-8', 'replace')


def _bodies(message):
    "The plain and HTML bodies and the attachments (name, bytes)"
    text = html = None
    attachments = []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        kind = part.get_content_type()
        if filename or part.get_content_disposition() == 'attachment':
            data = part.get_payload(decode=True) or b''
            attachments.append((filename or 'attachment', data))
        elif kind == 'text/plain' and text is None:
            text = _content(part)
        elif kind == 'text/html' and html is None:
            html = _content(part)
    return text, html, attachments


def parse(raw):
    "The Letter of a message's bytes"
    message = email.message_from_bytes(raw, policy=email.policy.default)
    text, html, attachments = _bodies(message)
    html = sanitise(html).strip() if html else ''
    if text is None:
        text = html_text(html) if html else ''
    senders = _addresses(message, 'From')
    message_id = _ids(message['Message-ID'])
    in_reply_to = _ids(message['In-Reply-To'])
    return Letter(
        message_id=message_id[0] if message_id else '',
        in_reply_to=in_reply_to[0] if in_reply_to else '',
        references=_ids(message['References']),
        sender=senders[0] if senders else ('', ''),
        to=_addresses(message, 'To'),
        cc=_addresses(message, 'Cc'),
        subject=' '.join(str(message['Subject'] or '').split())[
            :SUBJECT_SIZE],
        date=_date(message),
        text=text.strip(),
        html=html,
        attachments=attachments)


def pushed(data_type, data):
    """The bytes of the letter of an inbound_email payload of data_type
    (its `inbound.email` record's data_type and data)"""
    if data_type == 'raw':
        return data
    payload = json.loads(data)
    if data_type == 'postmark':
        raw = payload.get('RawEmail')
        return raw.encode() if raw else _postmark(payload)
    # SendGrid sends it with "POST the raw, full MIME message" ticked, as
    # inbound_email itself needs
    return payload[{
            'mailchimp': 'raw_msg', 'mailpace': 'raw', 'sendgrid': 'email',
            }[data_type]].encode()


def _postmark(payload):
    """The letter of Postmark's JSON without its raw content (an option of
    the server's inbound settings): its Message-ID, else Postmark's own
    id, keeps a retry from landing twice"""
    headers = {h['Name'].lower(): h['Value']
        for h in payload.get('Headers', [])}
    message = EmailMessage()
    sender = payload.get('FromFull') or {}
    message['From'] = email.utils.formataddr(
        (sender.get('Name', ''), sender.get('Email', '')))
    for name in ['To', 'Cc', 'Subject', 'Date']:
        if payload.get(name):
            message[name] = payload[name]
    message['Message-ID'] = headers.get('message-id') or (
        '<%s@inbound.postmarkapp.com>' % payload.get('MessageID', ''))
    for name in ['In-Reply-To', 'References']:
        if headers.get(name.lower()):
            message[name] = headers[name.lower()]
    message.set_content(payload.get('TextBody') or '')
    if payload.get('HtmlBody'):
        message.add_alternative(payload['HtmlBody'], subtype='html')
    for attachment in payload.get('Attachments', []):
        maintype, _, subtype = attachment['ContentType'].partition('/')
        message.add_attachment(base64.b64decode(attachment['Content']),
            maintype=maintype, subtype=subtype or 'octet-stream',
            filename=attachment['Name'])
    return message.as_bytes()
