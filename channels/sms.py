# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""SMS through an HTTP gateway, named by ``[sms] uri`` of trytond.conf as
the SMTP server is by ``[email] uri``:

- ``kannel://user:password@host:13013/cgi-bin/sendsms?from=CRM``: Kannel's
  sendsms interface (the free gateway that speaks SMPP to the operators),
  with a delivery report to the mailing's result (``dlr-url``);
- ``json+https://token@sms.ru/sms/send?from=CRM``: the shape of SMS.ru and
  its like, a POST of ``api_id``, ``to``, ``msg`` and ``from`` answered in
  JSON with the message's id, whose delivery is asked of ``…/sms/status``.

And how many parts a text takes (``parts``), shown while it is typed."""
import math
import urllib.parse

import trytond.config as config

from . import Channel, ChannelError
from .gateway import call, call_json

# GSM 03.38: the characters of one septet, and those that take two
GSM = ('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?'
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà')
GSM_EXTENDED = '^{}\\[~]|€\f'
# Kannel's types of delivery report (the bits of its dlr-mask)
DELIVERED, FAILED, BUFFERED, SUBMITTED, REJECTED = 1, 2, 4, 8, 16
# SMS.ru's codes of a message delivered (or read, by a messenger) and of
# one on its way (or not known yet); any other is a failure
JSON_DELIVERED, JSON_PENDING = {103, 110}, {-1, 100, 101, 102}
# The messages asked about at once
JSON_STATUS_CHUNK = 100
# The length of one message, and of each part of a longer one (the rest
# of 140 bytes holds the header that joins the parts)
GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def length(text):
    """The length of text in an SMS and whether it is in GSM's alphabet (else
    UCS-2, 16 bits a character: Cyrillic is)"""
    if all(c in GSM or c in GSM_EXTENDED for c in text):
        return sum(2 if c in GSM_EXTENDED else 1 for c in text), True
    return len(text.encode('utf-16-le')) // 2, False


def parts(text):
    "How many SMS text is sent as"
    if not text:
        return 0
    size, gsm = length(text)
    single, part = (GSM_SINGLE, GSM_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    return 1 if size <= single else math.ceil(size / part)


def kannel_delivered(status):
    """Whether Kannel's report of type status says delivered (True), not
    delivered (False) or on its way (None)"""
    if status & DELIVERED:
        return True
    elif status & (FAILED | REJECTED):
        return False
    return None


def json_delivered(code):
    """Whether the JSON provider's status code says delivered (True), not
    delivered (False) or on its way (None)"""
    if code in JSON_DELIVERED:
        return True
    elif code in JSON_PENDING:
        return None
    return False


def sms_channel():
    "The SMS channel of [sms] uri"
    uri = config.get('sms', 'uri', default='')
    url = urllib.parse.urlsplit(uri)
    if url.scheme == 'kannel':
        return KannelChannel(url)
    elif url.scheme.startswith('json+'):
        return JSONChannel(url)
    raise ChannelError(f'[sms] uri: {url.scheme or "none"}')


class KannelChannel(Channel):
    "Kannel's sendsms HTTP interface"
    name = 'sms'
    # Delivered, failed, and buffered by the operator
    DLR_MASK = DELIVERED | FAILED | BUFFERED

    def __init__(self, url):
        query = dict(urllib.parse.parse_qsl(url.query))
        self.sender = query.pop('from', None)
        self.url = urllib.parse.urlunsplit(
            ('http', f'{url.hostname}:{url.port or 13013}',
                url.path or '/cgi-bin/sendsms', '', ''))
        self.params = dict(query,
            username=urllib.parse.unquote(url.username or ''),
            password=urllib.parse.unquote(url.password or ''))

    def send(self, message):
        params = dict(self.params,
            to=message.address, text=message.text, charset='UTF-8')
        if self.sender:
            params['from'] = self.sender
        if not length(message.text)[1]:
            params['coding'] = '2'
        if message.report_url:
            params.update({
                    'dlr-mask': str(self.DLR_MASK),
                    # Kannel puts the report's type in place of %d
                    'dlr-url': message.report_url + '&status=%d',
                    })
        status, body = call(
            self.url + '?' + urllib.parse.urlencode(params))
        # 202 "0: Accepted for delivery", 200 "…Queued for later delivery"
        if status not in {200, 202}:
            raise ChannelError(f'{status}: {body.strip()}')
        return None


class JSONChannel(Channel):
    "A provider answering in JSON, as SMS.ru does"
    name = 'sms'

    def __init__(self, url):
        query = dict(urllib.parse.parse_qsl(url.query))
        self.sender = query.pop('from', None)
        self.token = urllib.parse.unquote(url.username or '')
        scheme = url.scheme[len('json+'):]
        host = url.hostname + (f':{url.port}' if url.port else '')
        self.url = urllib.parse.urlunsplit(
            (scheme, host, url.path, urllib.parse.urlencode(query), ''))
        # Beside the sending: sms/send, sms/status
        self.status_url = urllib.parse.urlunsplit((scheme, host,
                url.path.rsplit('/', 1)[0] + '/status', '', ''))

    def send(self, message):
        data = {
            'api_id': self.token, 'to': message.address,
            'msg': message.text, 'json': '1',
            }
        if self.sender:
            data['from'] = self.sender
        status, answer = call_json(self.url, data=data)
        sms = (answer.get('sms') or {}).get(message.address) or answer
        if answer.get('status') != 'OK' or sms.get('status') != 'OK':
            raise ChannelError(
                sms.get('status_text') or answer.get('status_text')
                or f'{status}: {answer}')
        return str(sms.get('sms_id') or '') or None

    def delivery(self, ids):
        reports = {}
        for i in range(0, len(ids), JSON_STATUS_CHUNK):
            status, answer = call_json(self.status_url, data={
                    'api_id': self.token, 'json': '1',
                    'sms_id': ','.join(ids[i:i + JSON_STATUS_CHUNK]),
                    })
            if answer.get('status') != 'OK':
                raise ChannelError(
                    answer.get('status_text') or f'{status}: {answer}')
            for sms_id, sms in (answer.get('sms') or {}).items():
                reports[sms_id] = (json_delivered(sms.get('status_code')),
                    sms.get('status_text'))
        return reports
