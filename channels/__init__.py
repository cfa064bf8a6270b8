# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The channels a mailing goes out through, with no model of their own.

Each channel is a small adapter behind one interface, ``Channel``: it opens
its connection to its server from Tryton's configuration, ``send`` delivers
one ``Message`` to one address and returns the server's id of it (or raises
``ChannelError`` with the server's reason), ``close`` ends the connection.
Whom to send to, when and only once is decided by the mailing
(mailing.py); the rules of the texts are pure functions in
``placeholders`` and ``sms``."""
from dataclasses import dataclass, field


@dataclass
class Message:
    "One message to one address of one channel"
    address: str
    text: str
    subject: str = ''
    html: str | None = None
    # The (file name, data) of the files sent with an e-mail
    attachments: list = field(default_factory=list)
    # The page that unsubscribes the address (e-mail only)
    unsubscribe_url: str | None = None
    # Where the server reports the delivery (SMS only)
    report_url: str | None = None
    # The sender's name and address, the reply goes there
    from_: str | None = None


class ChannelError(Exception):
    "The server refused the message or could not be reached"


class Channel:
    "A way to send messages; one instance holds one connection"
    name = None

    def send(self, message):
        "Send message; return the server's id of it (or None)"
        raise NotImplementedError

    def delivery(self, ids):
        """What the server tells, when asked, of the delivery of the
        messages of its ids: {id: (delivered, reason)}, delivered True,
        False or None while on its way; nothing by default (a server that
        reports by itself, Kannel, is not asked)"""
        return {}

    def refused(self, wait=False):
        """The {id: reason} of the messages sent before whose refusal came
        after send returned (XMPP: a remote domain's server); wait: the
        last call of a session, which gives them time to come; none by
        default"""
        return {}

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def channel(name):
    "The channel named name, connected as Tryton's configuration says"
    from .email_ import EmailChannel
    from .sms import sms_channel
    from .telegram import TelegramChannel
    from .xmpp import XMPPChannel
    if name == 'email':
        return EmailChannel()
    elif name == 'sms':
        return sms_channel()
    elif name == 'telegram':
        return TelegramChannel()
    elif name == 'xmpp':
        return XMPPChannel()
    raise ValueError(name)
