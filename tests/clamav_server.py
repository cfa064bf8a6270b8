# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A real ClamAV daemon for the tests: Debian's ``clamd`` in the foreground
with a configuration of its own in a temporary directory, listening on a
free local port and a Unix socket there, its only signature EICAR's test
file (no signatures are downloaded), and Tryton's ``[crm_counterparty]
clamd`` pointed at it.  ``make test`` installs it (``make clamav``)."""
import hashlib
import os
import subprocess
import tempfile
from contextlib import ExitStack, contextmanager

import trytond.config as config

from trytond.modules.crm_counterparty.tests.kannel_server import (
    _free_port, _wait_port)

CLAMD = '/usr/sbin/clamd'
# The anti-virus test file, in two parts so that no scanner takes this
# source for it
EICAR = (rb'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD'
    rb'-ANTIVIRUS-TEST-FILE!$H+H*')
SIGNATURE = 'Eicar-Test-Signature'
# clamd names a signature of a database of one's own as unofficial
FOUND = SIGNATURE + '.UNOFFICIAL'
# The largest stream this clamd takes (Debian's own takes 25 MB)
STREAM_MAX = 1024 * 1024
CONFIG = """\
Foreground yes
LogFile {directory}/clamd.log
DatabaseDirectory {directory}/db
LocalSocket {directory}/clamd.sock
TCPSocket {port}
TCPAddr 127.0.0.1
PidFile {directory}/clamd.pid
SelfCheck 0
StreamMaxLength {stream_max}
"""


class Clamd:
    "The running clamd, its two addresses, which may be stopped"

    def __init__(self, process, port, directory):
        self.process = process
        self.tcp = 'tcp://127.0.0.1:%s' % port
        self.unix = 'unix://%s/clamd.sock' % directory

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


@contextmanager
def clamd_server():
    "Yield the Clamd that Tryton's [crm_counterparty] clamd points to by TCP"
    port = _free_port()
    with tempfile.TemporaryDirectory() as directory, ExitStack() as stack:
        os.mkdir(os.path.join(directory, 'db'))
        # A signature by the MD5 and size of the whole file
        with open(os.path.join(directory, 'db', 'test.hdb'), 'w') as file:
            file.write('%s:%s:%s\n' % (
                    hashlib.md5(EICAR).hexdigest(), len(EICAR), SIGNATURE))
        path = os.path.join(directory, 'clamd.conf')
        with open(path, 'w') as file:
            file.write(CONFIG.format(
                    directory=directory, port=port, stream_max=STREAM_MAX))
        process = subprocess.Popen([CLAMD, '--config-file', path],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stack.callback(process.wait, 10)
        stack.callback(process.kill)
        _wait_port(port, process)
        clamd = Clamd(process, port, directory)
        stack.enter_context(_configured(clamd.tcp))
        yield clamd


@contextmanager
def _configured(address):
    "Tryton's [crm_counterparty] clamd, removed after"
    if not config.has_section('crm_counterparty'):
        config.add_section('crm_counterparty')
    config.set('crm_counterparty', 'clamd', address)
    try:
        yield
    finally:
        config._config.remove_option('crm_counterparty', 'clamd')
        config._cache_clear()
