# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A real Kannel for the tests: its bearerbox and smsbox (Debian's
``kannel``) with the fake SMSC of ``kannel-extras`` standing for the
operator, on free local ports, and Tryton's ``[sms] uri`` pointed at its
sendsms interface.  ``make test`` installs them (``make kannel``)."""
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from contextlib import ExitStack, contextmanager

import trytond.config as config

BEARERBOX = '/usr/sbin/bearerbox'
SMSBOX = '/usr/sbin/smsbox'
FAKESMSC = '/usr/lib/kannel/test/fakesmsc'
USER, PASSWORD = 'crm', 'kannel-secret'
CONFIG = """\
group = core
admin-port = {admin}
admin-password = {password}
smsbox-port = {smsbox}
box-allow-ip = 127.0.0.1
log-file = "{directory}/bearerbox.log"
log-level = 1
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = {smsc}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox}
sendsms-port = {sendsms}
log-file = "{directory}/smsbox.log"
log-level = 1

group = sendsms-user
username = {user}
password = {password}
concatenation = true
max-messages = 10

group = sms-service
keyword = default
text = "."
"""


RECEIVED = re.compile(r'Got message \d+: <(\S+) (\S+) (\S+) (.*)>$')


def _bytes(text):
    "The bytes of a text fakesmsc url-encoded (a space as +)"
    return urllib.parse.unquote_to_bytes(text.replace('+', '%20'))


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _wait_port(port, process, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'{process.args[0]} stopped')
        try:
            socket.create_connection(('127.0.0.1', port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f'port {port}')


class Operator:
    "What the fake SMSC, the operator's side, received from Kannel"

    def __init__(self, process):
        self.lines = []
        self.changed = threading.Condition()
        self.thread = threading.Thread(
            target=self._read, args=(process.stderr,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for line in stream:
            with self.changed:
                self.lines.append(line.rstrip('\n'))
                self.changed.notify_all()

    def parts(self):
        """The (sender, receiver, type, text) of each part received, as
        fakesmsc logs it: Got message N: <sender receiver type text>"""
        return [m.groups() for m in map(RECEIVED.search, self.lines) if m]

    def messages(self):
        """The (sender, receiver, text, parts) of the messages received, the
        parts of a long one joined by their header (UDH), a text in UCS-2
        decoded"""
        result, long_ = [], {}
        for sender, receiver, type_, text in self.parts():
            if type_ == 'udh':
                udh, _, data = text.split(' ', 2)
                udh = _bytes(udh)
                # IEI 0 (concatenation): reference, total, sequence
                reference, total, sequence = udh[3:6]
                key = (sender, receiver, reference)
                if key not in long_:
                    long_[key] = {}
                    result.append(key)
                long_[key][sequence] = _bytes(data)
                continue
            if type_ == 'ucs-2':
                text = _bytes(text).decode(
                    'utf-16-be')
            result.append((sender, receiver, text, 1))
        return [item if len(item) == 4 else (item[0], item[1], b''.join(
                    long_[item][n] for n in sorted(long_[item])).decode(
                    'utf-16-be'), len(long_[item]))
            for item in result]

    def wait(self, count, timeout=30):
        "Wait until count parts arrived; the messages"
        with self.changed:
            self.changed.wait_for(
                lambda: len(self.parts()) >= count, timeout)
        return self.messages()


@contextmanager
def kannel_server(sender='CRM'):
    "Yield the Operator of a Kannel that Tryton sends its SMS through"
    ports = {n: _free_port() for n in ['admin', 'smsbox', 'smsc', 'sendsms']}
    with tempfile.TemporaryDirectory() as directory, ExitStack() as stack:
        path = os.path.join(directory, 'kannel.conf')
        with open(path, 'w') as file:
            file.write(CONFIG.format(directory=directory, user=USER,
                    password=PASSWORD, **ports))

        def start(*args, **kwargs):
            process = subprocess.Popen(args, **kwargs)
            stack.callback(process.wait, 10)
            stack.callback(process.kill)
            return process
        bearerbox = start(BEARERBOX, path,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(ports['smsc'], bearerbox)
        operator = Operator(start(FAKESMSC, '-H', '127.0.0.1',
                '-r', str(ports['smsc']), '-m', '0', '0 0 text nop',
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                text=True))
        smsbox = start(SMSBOX, path,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(ports['sendsms'], smsbox)
        old = config.get('sms', 'uri')
        if not config.has_section('sms'):
            config.add_section('sms')
        config.set('sms', 'uri', f'kannel://{USER}:{PASSWORD}'
            f'@127.0.0.1:{ports["sendsms"]}/cgi-bin/sendsms?from={sender}')
        try:
            yield operator
        finally:
            config.set('sms', 'uri', old or '')
