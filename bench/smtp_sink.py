#!/usr/bin/env python3
# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""An SMTP server (aiosmtpd) for the benchmarks, in a process of its own so
that its work is not counted as the sender's: it writes a line
"recipient<TAB>Message-ID" to FILE for each message it receives, and
prints its port once it listens.  SIGTERM stops it.

    python bench/smtp_sink.py FILE
"""
import re
import signal
import socket
import sys
import threading

from aiosmtpd.controller import Controller

_MESSAGE_ID = re.compile(
    rb'^Message-ID:\s*(\S+)', re.IGNORECASE | re.MULTILINE)


class Sink:
    "Writes who got which message; the message itself is not kept"

    def __init__(self, file):
        self.file = file

    async def handle_DATA(self, server, session, envelope):
        headers = envelope.content.split(b'\r\n\r\n', 1)[0]
        found = _MESSAGE_ID.search(headers)
        message_id = found.group(1).decode() if found else ''
        for recipient in envelope.rcpt_tos:
            self.file.write(f'{recipient}\t{message_id}\n')
        return '250 Message accepted for delivery'


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def main():
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    with open(sys.argv[1], 'w', buffering=1) as file:
        controller = Controller(
            Sink(file), hostname='127.0.0.1', port=_free_port())
        controller.start()
        print(controller.port, flush=True)
        stop.wait()
        controller.stop()


if __name__ == '__main__':
    main()
