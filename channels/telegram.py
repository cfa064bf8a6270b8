# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Telegram through a bot (``[telegram] token`` of trytond.conf): a bot
writes only to those who started it, whose chat id their contact keeps."""
import trytond.config as config

from . import Channel, ChannelError
from .gateway import call_json

# The longest text of one message of the Bot API
MAX_LENGTH = 4096


class TelegramChannel(Channel):
    "The Bot API's sendMessage"
    name = 'telegram'

    def __init__(self):
        token = config.get('telegram', 'token', default='')
        if not token:
            raise ChannelError('[telegram] token')
        api = config.get(
            'telegram', 'api', default='https://api.telegram.org')
        self.url = f'{api.rstrip("/")}/bot{token}/sendMessage'

    def send(self, message):
        status, answer = call_json(self.url, json_data={
                'chat_id': message.address, 'text': message.text,
                })
        if not answer.get('ok'):
            raise ChannelError(answer.get('description') or str(status))
        return str(answer['result']['message_id'])
