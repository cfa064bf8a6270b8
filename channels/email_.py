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
from email.message import EmailMessage

import trytond.config as config
from trytond.report import html_to_text
from trytond.sendmail import get_smtp_server, send_message
from trytond.tools.email_ import set_from_header

from . import Channel, ChannelError


def _reply_to():
    return config.get('crm_counterparty', 'mailing_reply_to') or None


def build(message):
    "The EmailMessage of message"
    msg = EmailMessage()
    from_cfg = config.get('email', 'from')
    set_from_header(msg, from_cfg, message.from_ or from_cfg)
    msg['To'] = message.address
    if reply_to := _reply_to():
        # In place of the sender's name set_from_header may have put
        del msg['Reply-To']
        msg['Reply-To'] = reply_to
    msg['Subject'] = message.subject
    if message.unsubscribe_url:
        msg['List-Unsubscribe'] = f'<{message.unsubscribe_url}>'
        msg['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click'
    msg.set_content(message.text or html_to_text(message.html or ''))
    if message.html:
        msg.add_alternative(message.html, subtype='html')
    for name, data in message.attachments:
        type_, _ = mimetypes.guess_type(name)
        maintype, subtype = (type_ or 'application/octet-stream').split('/')
        msg.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=name)
    return msg


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
