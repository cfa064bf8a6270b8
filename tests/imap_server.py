# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A real IMAP server for the tests: Dovecot (Debian's dovecot-imapd, which
`make dovecot` installs) started with a private configuration in a
temporary directory, one passwd-file user, plain IMAP on a free local port;
stopped and removed when the block ends."""
import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager

from imapclient import IMAPClient

DOVECOT = shutil.which('dovecot') or '/usr/sbin/dovecot'
CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
instance_name = crm-test-{port}
log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
mail_location = maildir:{dir}/mail/%u
# When the machine's inotify instances run out (the suites in parallel),
# IDLE falls back to looking every 30 s, as long as the tests wait
mailbox_idle_check_interval = 1 secs
default_login_user = {login_user}
default_internal_user = {internal_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _wait_for(port, seconds=10):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Server:
    "The running Dovecot: its address and its users"

    def __init__(self, directory, port):
        self.directory = directory
        self.host = '127.0.0.1'
        self.port = port
        self.users = {}

    def client(self, login):
        "An IMAP connection logged in as login, for the test's own work"
        client = IMAPClient(self.host, port=self.port, ssl=False)
        try:
            client.login(login, self.users[login])
        except Exception:
            client.shutdown()
            raise
        return client

    def append(self, login, message, folder='INBOX'):
        "Deliver message (bytes) into login's folder, as IMAP APPEND does"
        with self.client(login) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, message)


def _service_user():
    "The unprivileged user the mail processes run as"
    for name in ['dovecot', 'nobody']:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("no unprivileged user for Dovecot")


@contextmanager
def imap_server(users):
    "Yield a Dovecot server with users ({login: password})"
    directory = tempfile.mkdtemp(prefix='crm-dovecot-')
    port = _free_port()
    owner = _service_user()
    internal = 'dovecot' if _has_user('dovecot') else owner.pw_name
    login_user = 'dovenull' if _has_user('dovenull') else owner.pw_name
    # The auth and mail processes run unprivileged: they must reach it
    os.chmod(directory, 0o755)
    os.makedirs(os.path.join(directory, 'mail'))
    os.chown(os.path.join(directory, 'mail'), owner.pw_uid, owner.pw_gid)
    passwd = os.path.join(directory, 'passwd')
    with open(passwd, 'w') as file:
        for login, password in users.items():
            file.write('%s:{PLAIN}%s\n' % (login, password))
    os.chmod(passwd, 0o644)
    config = os.path.join(directory, 'dovecot.conf')
    with open(config, 'w') as file:
        file.write(CONFIG.format(dir=directory, port=port,
                uid=owner.pw_uid, gid=grp.getgrgid(owner.pw_gid).gr_name,
                login_user=login_user, internal_user=internal))
    subprocess.run([DOVECOT, '-c', config], check=True)
    try:
        _wait_for(port)
        server = Server(directory, port)
        server.users.update(users)
        _wait_for_auth(server)
        yield server
    finally:
        subprocess.run([DOVECOT, '-c', config, 'stop'], check=False)
        shutil.rmtree(directory, ignore_errors=True)


def _has_user(name):
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _wait_for_auth(server, seconds=10):
    "Wait until the auth process answers: a login before it is refused"
    deadline = time.monotonic() + seconds
    login = next(iter(server.users))
    while True:
        try:
            server.client(login).logout()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
