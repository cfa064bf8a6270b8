# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A provider's HTTP API asked for click-to-call (an ApiRequest of mango.py
or zadarma.py), with the standard library."""
import urllib.error
import urllib.parse
import urllib.request

# How long a provider may take to answer before the call is given up
TIMEOUT = 10


def ask(address, request):
    """The body of the provider's answer to request sent to its API at
    address; an error of the network or of HTTP raises OSError"""
    url = urllib.parse.urljoin(address.rstrip('/') + '/',
        request.path.lstrip('/'))
    body = urllib.parse.urlencode(request.data)
    if request.method == 'GET':
        http = urllib.request.Request(
            url + '?' + body, headers=request.headers)
    else:
        http = urllib.request.Request(url, data=body.encode(),
            headers=dict(request.headers,
                **{'Content-Type': 'application/x-www-form-urlencoded'}))
    with urllib.request.urlopen(http, timeout=TIMEOUT) as response:
        return response.read()
