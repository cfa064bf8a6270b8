# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A real SMTP server for the tests: aiosmtpd on a free local port, keeping
what it receives, and Tryton's [email] uri pointed at it."""
import asyncio
import email
import email.policy
import socket
import time
from contextlib import contextmanager

from aiosmtpd.controller import Controller

import trytond.config as config
from trytond.sendmail import SMTPDataManager


class Mailbox:
    "What the server received, as parsed messages with their envelope"

    def __init__(self, delay=0):
        self.messages = []
        # Seconds a message takes, as a loaded server's
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default)
        message.envelope_to = list(envelope.rcpt_tos)
        message.envelope_from = envelope.mail_from
        # Which connection sent it: one a sending process
        message.peer = session.peer
        message.received = time.monotonic()
        self.messages.append(message)
        return '250 Message accepted for delivery'

    def to(self, address):
        "The messages delivered to address"
        return [m for m in self.messages if address in m.envelope_to]

    def clear(self):
        self.messages.clear()


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(from_='crm@example.com', delay=0):
    """Yield the mailbox of an SMTP server that Tryton sends its mail to,
    taking delay seconds a message"""
    mailbox = Mailbox(delay)
    controller = Controller(mailbox, hostname='127.0.0.1', port=_free_port())
    controller.start()
    old = {o: config.get('email', o) for o in ['uri', 'from']}
    config.set('email', 'uri', f'smtp://127.0.0.1:{controller.port}')
    config.set('email', 'from', from_)
    try:
        yield mailbox
    finally:
        for option, value in old.items():
            config.set('email', option, value)
        controller.stop()


def deliver(transaction):
    """Send the mail queued in transaction now, its work left uncommitted
    (a test's database stays as it was for the next test)"""
    for manager in transaction._datamanagers:
        if isinstance(manager, SMTPDataManager):
            manager.tpc_vote(transaction)
            manager.tpc_finish(transaction)
