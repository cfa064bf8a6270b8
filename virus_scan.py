# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A client of ClamAV's daemon ``clamd``: data sent to it by its INSTREAM
command (clamd(8)) over TCP or a Unix socket, and its verdict.

clamav-client (PyPI) speaks the same, but it is GPL-2.0 only, which this
GPL-3.0 module cannot be distributed with; the protocol is a few lines."""
import socket
import struct
from urllib.parse import urlsplit

# clamd takes a stream in chunks, each preceded by its length
CHUNK = 64 * 1024
# The seconds clamd has to take and scan a file before it counts as down
TIMEOUT = 60
PREFIX, INFECTED, CLEAN = 'stream: ', ' FOUND', 'stream: OK'


class ScannerError(Exception):
    "clamd could not be reached or did not scan the data"


def connect(address, timeout=TIMEOUT):
    "A socket to the clamd of address, unix:///path or tcp://host:port"
    url = urlsplit(address)
    if url.scheme == 'unix' and url.path:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(url.path)
        except OSError:
            sock.close()
            raise
        return sock
    if url.scheme == 'tcp' and url.hostname and url.port:
        return socket.create_connection((url.hostname, url.port), timeout)
    raise ScannerError("Not an address of clamd: %r" % address)


def scan(address, data, timeout=TIMEOUT):
    """The name of the virus clamd at address finds in data, None when it
    finds none; ScannerError when it cannot tell"""
    try:
        with connect(address, timeout) as sock:
            sock.sendall(b'zINSTREAM\0')
            view = memoryview(data)
            for start in range(0, len(view), CHUNK):
                chunk = view[start:start + CHUNK]
                sock.sendall(struct.pack('!L', len(chunk)))
                sock.sendall(chunk)
            sock.sendall(struct.pack('!L', 0))
            reply = _reply(sock)
    except (OSError, ValueError) as e:
        # ValueError: a port out of range in the address
        raise ScannerError(str(e)) from e
    return verdict(reply)


def _reply(sock):
    "clamd's reply, up to the zero byte that ends it"
    reply = b''
    while not reply.endswith(b'\0'):
        part = sock.recv(4096)
        if not part:
            break
        reply += part
    return reply.rstrip(b'\0').decode('utf-8', 'replace')


def verdict(reply):
    """The virus named by clamd's reply to INSTREAM, None for a clean
    stream; ScannerError for an error (a stream over StreamMaxLength)"""
    if reply == CLEAN:
        return None
    if reply.startswith(PREFIX) and reply.endswith(INFECTED):
        return reply[len(PREFIX):-len(INFECTED)]
    raise ScannerError(reply or "clamd gave no reply")
