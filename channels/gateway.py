# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The HTTP calls of the gateways, their failures as ChannelError."""
import json
import urllib.error
import urllib.parse
import urllib.request

from . import ChannelError

TIMEOUT = 30


def call(url, data=None, json_data=None):
    """The status and body of a request to url: a GET, a POST of the form
    data or of the JSON json_data"""
    headers = {}
    if json_data is not None:
        data = json.dumps(json_data).encode()
        headers['Content-Type'] = 'application/json'
    elif data is not None:
        data = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors='replace')
    except (OSError, ValueError) as e:
        raise ChannelError(str(e)) from e


def call_json(url, data=None, json_data=None):
    "The status and decoded JSON answer of call"
    status, body = call(url, data, json_data)
    try:
        return status, json.loads(body)
    except ValueError as e:
        raise ChannelError(f'{status}: {body[:200]}') from e
