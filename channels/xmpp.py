# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""XMPP (Jabber) through the company's account, ``[xmpp] jid`` and
``password`` of trytond.conf (``host`` and ``port`` when the server is not
found from the JID's domain, ``ca_certs`` the certificates to trust when
not the system's; the session is always encrypted), sent with slixmpp: one session
for the messages of a chunk, a chat message to the recipient's JID.

A message is taken as sent once the server answered a ping sent after it:
the server handles a session's stanzas in order, so it has routed the
message (or stored it offline) by then.  The replies are read the same
way: the server hands over what the account got while away once it says
it is present, before it answers the next ping."""
import asyncio

from slixmpp import ClientXMPP
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.jid import JID, InvalidJID

import trytond.config as config

from . import Channel, ChannelError

TIMEOUT = 30
# Seconds a session stays open after it wrote to a remote domain: its
# server's refusal comes once it failed to reach the other server (about 2
# s when the domain does not resolve); a later one is not recorded
LINGER = 10


def valid_jid(value):
    "Whether value is the bare JID (user@domain) of an account"
    try:
        jid = JID(value.strip())
    except InvalidJID:
        return False
    return bool(jid.user and jid.domain and not jid.resource
        and '.' in jid.domain)


class XMPPChannel(Channel):
    "Chat messages from the company's XMPP account"
    name = 'xmpp'

    def __init__(self):
        self.jid = config.get('xmpp', 'jid', default='')
        self.password = config.get('xmpp', 'password', default='')
        if not self.jid or not self.password:
            raise ChannelError('[xmpp] jid, password')
        self.loop = asyncio.new_event_loop()
        self.client = None
        # The errors the server answered, by the id of the message
        self.errors = {}
        # The (sender's bare JID, text) of the messages the account got
        self.received = []
        # Whether a message went to another domain than the account's
        self.remote = False

    def _run(self, awaitable):
        try:
            return self.loop.run_until_complete(
                asyncio.wait_for(awaitable, TIMEOUT))
        except (OSError, asyncio.TimeoutError, IqTimeout) as e:
            raise ChannelError(str(e) or e.__class__.__name__) from e
        except IqError as e:
            raise ChannelError(e.text or e.condition) from e

    def _connect(self):
        "Open the session: connected, authenticated, bound"
        client = ClientXMPP(self.jid, self.password, loop=self.loop)
        client.register_plugin('xep_0199')
        # STARTTLS on the client port, as servers offer it by default
        client.enable_direct_tls = False
        client.ca_certs = config.get('xmpp', 'ca_certs', default='') or None
        started = self.loop.create_future()

        def end(result=None, error=None):
            if not started.done():
                if error:
                    started.set_exception(ChannelError(error))
                else:
                    started.set_result(result)
        client.add_event_handler('session_start', lambda e: end(True))
        client.add_event_handler('message_error', self._error)
        client.add_event_handler('message', self._message)
        client.add_event_handler(
            'failed_all_auth', lambda e: end(error='authentication failed'))
        client.add_event_handler(
            'connection_failed', lambda e: end(error=str(e)))
        client.add_event_handler(
            'disconnected', lambda e: end(error=f'disconnected: {e}'))
        port = int(config.get('xmpp', 'port', default='') or 5222)
        client.connect(config.get('xmpp', 'host', default='') or None, port)
        try:
            self._run(started)
        except ChannelError:
            # slixmpp would go on trying in the background
            client.cancel_connection_attempt()
            client.abort()
            raise
        self.client = client

    def _error(self, stanza):
        error = stanza['error']
        self.errors[stanza['id']] = error['text'] or error['condition']

    def _message(self, stanza):
        if stanza['type'] in {'chat', 'normal'} and stanza['body']:
            self.received.append((stanza['from'].bare, stanza['body']))

    def receive(self):
        """The (sender's JID, text) of the messages sent to the account
        while it was away: the server hands them over on its presence,
        before it answers the ping that follows"""
        if self.client is None:
            self._connect()
        self.client.send_presence()
        self._run(self.client.plugin['xep_0199'].send_ping(
                self.client.boundjid.host, timeout=TIMEOUT))
        received, self.received = self.received, []
        return received

    def send(self, message):
        if self.client is None:
            self._connect()
        stanza = self.client.make_message(
            mto=message.address, mbody=message.text, mtype='chat')
        stanza['id'] = self.client.new_id()
        stanza.send()
        self.remote |= (
            JID(message.address).domain != self.client.boundjid.domain)
        self._run(self.client.plugin['xep_0199'].send_ping(
                self.client.boundjid.host, timeout=TIMEOUT))
        # A refusal the server decides at once came before the ping's answer
        if stanza['id'] in self.errors:
            raise ChannelError(self.errors.pop(stanza['id']))
        return stanza['id']

    def refused(self, wait=False):
        if self.client is not None and wait and self.remote:
            # The stanzas that come meanwhile are handled as the loop runs
            self._run(asyncio.sleep(LINGER))
        refused, self.errors = self.errors, {}
        return refused

    def close(self):
        if self.client is not None:
            try:
                self._run(self.client.disconnect())
            except ChannelError:
                pass
            self.client = None
        # slixmpp's own tasks end with the loop, not left pending
        tasks = asyncio.all_tasks(self.loop)
        for task in tasks:
            task.cancel()
        self.loop.run_until_complete(
            asyncio.gather(*tasks, return_exceptions=True))
        self.loop.close()
