# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""E-mail through the SMTP server of Tryton's ``[email] uri``, one
connection for the messages of a chunk: an HTML part and its plain text,
the files, and the headers with which a mail client offers to unsubscribe
in one click (RFC 8058).  ``[crm_counterparty] mailing_reply_to`` is where
the replies (``Reply-To``) and the bounces (the envelope's sender) go: a
mailbox of the module reads them (mailing_reply.py)."""
import mimetypes
import smtplib
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, parseaddr

import trytond.config as config
from trytond.report import html_to_text
from trytond.sendmail import get_smtp_server, send_message
from trytond.tools.email_ import set_from_header

from . import Channel, ChannelError


# Lines as long as RFC 5322 allows: a long link of List-Unsubscribe is
# kept on its line; _encoded folds the texts
_POLICY = compat32.clone(max_line_length=998)


def _reply_to():
    return config.get('crm_counterparty', 'mailing_reply_to') or None


def build(message):
    """The MIME message of message, made with the older API of Python's
    email (compat32): five times as fast to build and write out as
    EmailMessage's, which parses every header it is given"""
    body = MIMEText(
        message.text or html_to_text(message.html or ''), 'plain', 'utf-8')
    if message.html:
        body = MIMEMultipart('alternative', _subparts=[
                body, MIMEText(message.html, 'html', 'utf-8')])
    if message.attachments:
        msg = MIMEMultipart('mixed', _subparts=[body, *(
                    _attachment(n, d) for n, d in message.attachments)])
    else:
        msg = body
    msg.policy = _POLICY
    from_cfg = config.get('email', 'from')
    set_from_header(msg, from_cfg, message.from_ or from_cfg)
    msg['To'] = message.address
    if reply_to := _reply_to():
        # In place of the sender's name set_from_header may have put
        del msg['Reply-To']
        msg['Reply-To'] = reply_to
    msg['Subject'] = message.subject
    for name, value in msg.items():
        msg.replace_header(name, _encoded(value))
    if message.unsubscribe_url:
        msg['List-Unsubscribe'] = f'<{message.unsubscribe_url}>'
        msg['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click'
    return msg


def _encoded(value):
    """value as a header holds it: a text in another alphabet as encoded
    words (RFC 2047) on lines of their length, only the name of an
    address"""
    if value.isascii():
        return value
    name, address = parseaddr(value)
    if '@' in address and address.isascii():
        return formataddr((name, address), 'utf-8')
    return Header(value, 'utf-8').encode()


def _attachment(name, data):
    "The MIME part of the file name"
    type_, _ = mimetypes.guess_type(name)
    maintype, subtype = (type_ or 'application/octet-stream').split('/')
    part = MIMEBase(maintype, subtype)
    part.set_payload(data)
    encoders.encode_base64(part)
    part.add_header('Content-Disposition', 'attachment',
        filename=('utf-8', '', name) if not name.isascii() else name)
    return part


class EmailChannel(Channel):
    name = 'email'

    def __init__(self):
        self.server = None

    def send(self, message):
        msg = build(message)
        try:
            if self.server is None:
                self.server = get_smtp_server(strict=True)
            self.server = send_message(
                msg, from_addr=_reply_to(), to_addrs=[message.address],
                server=self.server, strict=True)
        except (smtplib.SMTPException, OSError) as e:
            raise ChannelError(str(e)) from e
        return msg['Message-ID']

    def close(self):
        if self.server is not None:
            try:
                self.server.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.server = None
