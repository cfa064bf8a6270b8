# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A real XMPP server for the tests: Prosody (Debian's ``prosody``) with a
configuration, a certificate and accounts of its own in a temporary
directory, on a free local port, Tryton's ``[xmpp]`` pointed at its
company account, and clients of the recipients' accounts that keep what
arrives.  ``make test`` installs it (``make prosody``)."""
import asyncio
import datetime as dt
import os
import subprocess
import tempfile
import threading
from contextlib import ExitStack, contextmanager

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from slixmpp import ClientXMPP

import trytond.config as config

from trytond.modules.crm_counterparty.tests.kannel_server import (
    _free_port, _wait_port)

PROSODY = '/usr/bin/prosody'
PROSODYCTL = '/usr/bin/prosodyctl'
DOMAIN = 'crm.test'
COMPANY = f'company@{DOMAIN}'
PASSWORD = 'xmpp-secret'
CONFIG = """\
run_as_root = true
pidfile = "{directory}/prosody.pid"
data_path = "{directory}/data"
certificates = "{directory}"
log = {{ info = "{directory}/prosody.log" }}
interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {port} }}
c2s_direct_tls_ports = {{ }}
s2s_ports = {{ }}
admin_socket = "{directory}/admin.sock"
modules_enabled = {{ "roster"; "saslauth"; "tls"; "disco"; "ping";
    "posix"; "offline" }}
authentication = "internal_hashed"
c2s_require_encryption = true
VirtualHost "{domain}"
    ssl = {{ certificate = "{directory}/{domain}.crt";
        key = "{directory}/{domain}.key" }}
"""


def _certificate(directory):
    "A self-signed certificate of DOMAIN, which the clients are told to trust"
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DOMAIN)])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(DOMAIN)]), False)
        .add_extension(
            x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256()))
    path = os.path.join(directory, DOMAIN)
    with open(path + '.key', 'wb') as file:
        file.write(key.private_bytes(serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
    with open(path + '.crt', 'wb') as file:
        file.write(certificate.public_bytes(serialization.Encoding.PEM))
    return path + '.crt'


class Recipient:
    "An account's client, online in a thread, keeping the messages it gets"

    def __init__(self, jid, port, ca_certs):
        self.jid = jid
        self.messages = []
        self.changed = threading.Condition()
        self.loop = asyncio.new_event_loop()
        self.client = ClientXMPP(jid, PASSWORD, loop=self.loop)
        self.client.ca_certs = ca_certs
        self.client.enable_direct_tls = False
        self.client.register_plugin('xep_0199')
        self.client.add_event_handler('message', self._message)
        self.online = threading.Event()
        self.client.add_event_handler('session_start', self._start)
        self.thread = threading.Thread(target=self._run, daemon=True,
            args=(port,))
        self.thread.start()
        if not self.online.wait(30):
            raise TimeoutError(f'{jid} not online')

    def _run(self, port):
        asyncio.set_event_loop(self.loop)
        self.client.connect('127.0.0.1', port)
        self.loop.run_forever()

    def _start(self, event):
        self.client.send_presence()
        self.online.set()

    def _message(self, message):
        with self.changed:
            self.messages.append((str(message['from'].bare),
                    message['type'], message['body'], message['id']))
            self.changed.notify_all()

    def send(self, to, text):
        "Send text to the JID to, once the server took it"
        async def send():
            self.client.send_message(mto=to, mbody=text, mtype='chat')
            # The server handles the stanzas in order
            await self.client.plugin['xep_0199'].send_ping(
                self.client.boundjid.host)
        asyncio.run_coroutine_threadsafe(send(), self.loop).result(30)

    def wait(self, count, timeout=30):
        "The messages, once count of them arrived"
        with self.changed:
            self.changed.wait_for(
                lambda: len(self.messages) >= count, timeout)
            return list(self.messages)

    def stop(self):
        future = asyncio.run_coroutine_threadsafe(
            self._disconnect(), self.loop)
        future.result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    async def _disconnect(self):
        await self.client.disconnect()
        tasks = asyncio.all_tasks() - {asyncio.current_task()}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class Server:
    "Prosody's accounts and the recipients online"

    def __init__(self, path, port, ca_certs, stack):
        self.path, self.port, self.ca_certs = path, port, ca_certs
        self.stack = stack

    def register(self, user):
        "Make the account user@DOMAIN; its JID"
        subprocess.run([PROSODYCTL, '--config', self.path, 'register',
                user, DOMAIN, PASSWORD], check=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return f'{user}@{DOMAIN}'

    def recipient(self, user):
        "The client of a new account user, online"
        recipient = Recipient(self.register(user), self.port, self.ca_certs)
        self.stack.callback(recipient.stop)
        return recipient


@contextmanager
def xmpp_server():
    """Yield the Server of a Prosody that Tryton sends its XMPP messages
    through, as COMPANY"""
    port = _free_port()
    with tempfile.TemporaryDirectory() as directory, ExitStack() as stack:
        ca_certs = _certificate(directory)
        path = os.path.join(directory, 'prosody.cfg.lua')
        with open(path, 'w') as file:
            file.write(CONFIG.format(
                    directory=directory, port=port, domain=DOMAIN))
        server = Server(path, port, ca_certs, stack)
        server.register(COMPANY.split('@')[0])
        process = subprocess.Popen([PROSODY, '--config', path, '-F'],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stack.callback(process.wait, 10)
        stack.callback(process.terminate)
        _wait_port(port, process)
        stack.enter_context(_configured(jid=COMPANY, password=PASSWORD,
                host='127.0.0.1', port=str(port), ca_certs=ca_certs))
        yield server


@contextmanager
def _configured(**options):
    "Tryton's [xmpp] options, removed after"
    if not config.has_section('xmpp'):
        config.add_section('xmpp')
    for option, value in options.items():
        config.set('xmpp', option, value)
    try:
        yield
    finally:
        for option in options:
            config._config.remove_option('xmpp', option)
        config._cache_clear()
