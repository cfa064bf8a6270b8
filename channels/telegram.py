# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Telegram through a bot (``[telegram] token`` of trytond.conf): a bot
writes only to those who started it, whose chat id their contact keeps.
What people write to the bot is read back with the Bot API's getUpdates."""
from dataclasses import dataclass

import trytond.config as config

from . import Channel, ChannelError
from .gateway import call_json

# The longest text of one message of the Bot API
MAX_LENGTH = 4096
# The ways a Telegram contact is typed before its user name
_USERNAME_PREFIXES = ['https://t.me/', 'http://t.me/', 't.me/', '@']


@dataclass
class Update:
    "What a person wrote to the bot (chat is empty for other updates)"
    update_id: int
    chat: str
    username: str
    text: str


def read_updates(answer):
    "The updates of an answer of getUpdates, in their order"
    updates = []
    for update in answer.get('result') or []:
        message = update.get('message') or {}
        chat = (message.get('chat') or {}).get('id')
        updates.append(Update(update['update_id'],
                '' if chat is None else str(chat),
                (message.get('from') or {}).get('username') or '',
                message.get('text') or ''))
    return updates


def username(value):
    "The user name of a Telegram contact as typed (@name, t.me/name, name)"
    value = (value or '').strip()
    for prefix in _USERNAME_PREFIXES:
        if value.lower().startswith(prefix):
            value = value[len(prefix):]
            break
    return value.strip('/').lower()


class TelegramChannel(Channel):
    "The Bot API's sendMessage"
    name = 'telegram'

    def __init__(self):
        token = config.get('telegram', 'token', default='')
        if not token:
            raise ChannelError('[telegram] token')
        api = config.get(
            'telegram', 'api', default='https://api.telegram.org')
        self.url = f'{api.rstrip("/")}/bot{token}'

    def _call(self, method, **values):
        status, answer = call_json(f'{self.url}/{method}', json_data=values)
        if not answer.get('ok'):
            raise ChannelError(answer.get('description') or str(status))
        return answer

    def send(self, message):
        answer = self._call('sendMessage',
            chat_id=message.address, text=message.text)
        return str(answer['result']['message_id'])

    def receive(self, offset):
        """The messages written to the bot from update offset on: those
        before it are confirmed to the Bot API, which forgets them"""
        return read_updates(self._call('getUpdates',
                offset=offset, timeout=0, allowed_updates=['message']))
