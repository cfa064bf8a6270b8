# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The pure rules of a mailing's tracking and pace (mailing.py uses them).

- ``links`` and ``track_links``: the web links of an e-mail's HTML, and the
  HTML with each replaced by the module's page that counts the click and
  then redirects to it (routes.py finds the link again by its number, so
  that the page never redirects anywhere the mailing does not link to);
- ``pixel``: the image whose loading counts the opening;
- ``delay``: how long to wait before the next message of a channel so that
  it sends no more than its rate, and ``Pace``, which waits so."""
import html
import re
import time

# The href of an <a> tag: its quote, then its value
_HREF = re.compile(
    r'''(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2''', re.IGNORECASE | re.DOTALL)
_WEB = re.compile(r'^\s*https?://', re.IGNORECASE)


def links(markup):
    "The web links (http and https) of markup, in order, unescaped"
    return [html.unescape(m.group(3)).strip()
        for m in _HREF.finditer(markup or '') if _WEB.match(
            html.unescape(m.group(3)))]


def track_links(markup, url_of):
    """markup with its n-th web link replaced by url_of(n); other links
    (mailto:, anchors) are left as they are"""
    count = 0

    def replace(match):
        nonlocal count
        if not _WEB.match(html.unescape(match.group(3))):
            return match.group(0)
        url = html.escape(url_of(count), quote=True)
        count += 1
        return f'{match.group(1)}{match.group(2)}{url}{match.group(2)}'
    return _HREF.sub(replace, markup or '')


def pixel(url):
    "The invisible image that counts the opening of an e-mail"
    return ('<img src="%s" width="1" height="1" alt="" '
        'style="display:none">' % html.escape(url, quote=True))


def delay(rate, last, now):
    """Seconds to wait before the next message when the previous one went
    at last (None: none yet) and rate messages a second are allowed (none
    or 0: no limit); never a burst to make up for a slow moment"""
    if not rate or rate <= 0 or last is None:
        return 0
    return max(0, last + 1 / rate - now)


class Pace:
    "Waits between the messages of a channel to keep to its rate a second"

    def __init__(self, rate, clock=time.monotonic, sleep=time.sleep):
        self.rate, self.clock, self.sleep = rate, clock, sleep
        self.last = None

    def wait(self):
        if seconds := delay(self.rate, self.last, self.clock()):
            self.sleep(seconds)
        self.last = self.clock()
