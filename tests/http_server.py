# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A real HTTP server for the tests, on a free local port, that keeps the
requests it receives and answers each as a function of the test says: it
plays a service we cannot reach (Telegram's Bot API, an SMS provider) or
the module's own address for a gateway's callback."""
import json
import threading
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    method: str
    path: str
    query: dict
    body: bytes
    headers: dict = field(default_factory=dict)

    def json(self):
        return json.loads(self.body)

    def form(self):
        return dict(urllib.parse.parse_qsl(self.body.decode()))


class _Handler(BaseHTTPRequestHandler):
    def _handle(self):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get('Content-Length') or 0)
        request = Request(self.command, url.path,
            dict(urllib.parse.parse_qsl(url.query)), self.rfile.read(length),
            dict(self.headers))
        self.server.requests.append(request)
        status, answer = self.server.answer(request)
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _handle

    def log_message(self, *args):
        pass


@contextmanager
def http_server(answer):
    """Yield the server, its url and the requests it received; answer(request)
    gives the (status, JSON) of each"""
    server = ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
    server.requests = []
    server.answer = answer
    server.url = f'http://127.0.0.1:{server.server_port}'
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def at_once(function, count=2):
    """What function returns, called by count threads at the same instant
    (requests in flight together)"""
    barrier = threading.Barrier(count)
    results = []

    def call():
        barrier.wait()
        results.append(function())
    threads = [threading.Thread(target=call) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
