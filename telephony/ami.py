# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A client of Asterisk's Manager Interface (panoramisk): one action (the
Originate of click-to-call), or the call events as they come."""
import asyncio

from panoramisk import Manager

from . import Refused

# How long a PBX may take to answer before the call is given up
TIMEOUT = 10
CALL_EVENTS = ['DialBegin', 'Cdr']


def _manager(address, loop, **config):
    host, port = address
    return Manager(loop=loop, host=host, port=port, ping_delay=3600,
        reconnect_timeout=TIMEOUT, **config)


async def _logged_in(manager):
    manager.connect()
    # panoramisk tells the Login's answer only by these attributes: its
    # future is sent once connected and dropped when answered
    for _ in range(TIMEOUT * 100):
        if manager._connected and manager.authenticated_future is None:
            break
        await asyncio.sleep(0.01)
    if not manager.authenticated:
        manager.close()
        raise Refused('login')


async def _send(address, username, secret, action):
    manager = _manager(address, asyncio.get_running_loop(),
        username=username, secret=secret, events='off')
    try:
        await _logged_in(manager)
        response = await asyncio.wait_for(
            manager.send_action(action), TIMEOUT)
    finally:
        manager.close()
    if not response.success:
        raise Refused(response.get('Message', 'refused'))
    return response


def send(address, username, secret, action):
    "Send action to the AMI at address (host, port), refused unless done"
    return asyncio.run(_send(address, username, secret, action))


async def listen(address, username, secret, on_message, stop):
    """Give each call event's message (a dict) to on_message until the
    asyncio event stop is set"""
    manager = _manager(address, asyncio.get_running_loop(),
        username=username, secret=secret, events='call,cdr')
    for name in CALL_EVENTS:
        manager.register_event(
            name, lambda _, message: on_message(dict(message)))
    try:
        await _logged_in(manager)
        await stop.wait()
    finally:
        manager.close()
