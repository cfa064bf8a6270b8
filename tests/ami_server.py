# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""An Asterisk Manager Interface the tests talk to: it speaks the AMI's
protocol (the banner, "Key: Value" lines, a blank line after each
message), answers Login, Ping and Originate with their ActionID, and
sends the events it is given to whoever logged in with events on."""
import asyncio
import threading
from contextlib import contextmanager

BANNER = b'Asterisk Call Manager/6.0.0\r\n'
EOL = '\r\n'


def encode(fields):
    return (''.join('%s: %s%s' % (k, v, EOL) for k, v in fields.items())
        + EOL).encode()


def decode(block):
    fields = {}
    for line in block.decode().split(EOL):
        key, _, value = line.partition(':')
        fields[key.strip()] = value.strip()
    return fields


class AMIServer:
    "The AMI at self.address, its login username/secret"

    def __init__(self, username, secret, events=()):
        self.username, self.secret = username, secret
        self.events = list(events)
        self.actions = []

    async def serve(self, reader, writer):
        writer.write(BANNER)
        while True:
            try:
                block = await reader.readuntil((EOL + EOL).encode())
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            action = decode(block[:-4])
            self.actions.append(action)
            writer.write(encode(self.answer(action)))
            if (action.get('Action') == 'Login'
                    and self.logged_in(action)
                    and action.get('Events', 'on') != 'off'):
                writer.write(encode({'Event': 'FullyBooted'}))
                for event in self.events:
                    writer.write(encode(event))
            await writer.drain()
        writer.close()

    def logged_in(self, action):
        return (action.get('Username'), action.get('Secret')) == (
            self.username, self.secret)

    def answer(self, action):
        fields = {'ActionID': action.get('ActionID', '')}
        name = action.get('Action')
        if name == 'Login' and not self.logged_in(action):
            return dict(fields, Response='Error',
                Message='Authentication failed')
        if name in {'Login', 'Ping', 'Originate'}:
            return dict(fields, Response='Success', Message='Accepted')
        return dict(fields, Response='Error',
            Message='Invalid/unknown command')


@contextmanager
def ami_server(username, secret, events=()):
    "An AMIServer listening on a free local port, in a thread of its own"
    server = AMIServer(username, secret, events)
    loop = asyncio.new_event_loop()
    started, stop = threading.Event(), asyncio.Event()

    async def start():
        tcp = await asyncio.start_server(server.serve, '127.0.0.1', 0)
        server.address = tcp.sockets[0].getsockname()[:2]
        started.set()
        async with tcp:
            await stop.wait()
    thread = threading.Thread(
        target=loop.run_until_complete, args=(start(),), daemon=True)
    thread.start()
    started.wait()
    try:
        yield server
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join()
        loop.close()
