# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The pure rules of a mailing's tracking and pace (mailing.py uses them).

- ``links`` and ``track_links``: the web links of an e-mail's HTML, and the
  HTML with each replaced by the module's page that counts the click and
  then redirects to it (routes.py finds the link again by its number, so
  that the page never redirects anywhere the mailing does not link to);
- ``pixel``: the image whose loading counts the opening;
- ``bounces``: what a delivery status notification (RFC 3464) says
  failed, and the Message-ID of the message it returns;
- ``delay``: how long to wait before the next message of a channel so that
  it sends no more than its rate, and ``Pace``, which waits so, holding a
  lock the processes share while it does."""
import contextlib
import email
import email.policy
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


def bounces(message):
    """The (Message-ID, [(recipient, reason)]) of the failures a delivery
    status notification (an email.message) reports, else None; a delay
    is not a failure"""
    if (message.get_content_type() != 'multipart/report'
            or message.get_param('report-type') != 'delivery-status'):
        return None
    message_id, failed = None, []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == 'message/delivery-status':
            failed += [_failure(block) for block in part.get_payload()[1:]
                if str(block.get('Action', '')).strip().lower() == 'failed']
        elif kind in {'message/rfc822', 'text/rfc822-headers'}:
            original = part.get_payload()
            original = (original[0] if isinstance(original, list)
                else email.message_from_string(
                    part.get_content(), policy=email.policy.default))
            ids = re.findall(r'<[^<>\s]+>', str(original['Message-ID'] or ''))
            message_id = ids[0] if ids else message_id
    return (message_id, failed) if message_id and failed else None


def _failure(block):
    "The (recipient, reason) of a recipient's block of a DSN"
    recipient = str(block.get('Final-Recipient', '')).split(';')[-1].strip()
    reason = ' '.join(filter(None, [str(block.get('Status', '')).strip(),
                str(block.get('Diagnostic-Code', '')).split(';', 1)[-1]
                .strip()]))
    return recipient, ' '.join(reason.split())


def delay(rate, last, now):
    """Seconds to wait before the next message when the previous one went
    at last (None: none yet) and rate messages a second are allowed (none
    or 0: no limit); never a burst to make up for a slow moment"""
    if not rate or rate <= 0 or last is None:
        return 0
    return max(0, last + 1 / rate - now)


class Pace:
    """Keeps the messages of a channel to its rate a second: a message is a
    turn, which lasts 1/rate at least and holds lock (shared by the
    processes that send, which keep to the rate together)"""

    def __init__(self, rate, lock=contextlib.nullcontext,
            clock=time.monotonic, sleep=time.sleep):
        self.rate, self.lock, self.clock, self.sleep = (
            rate, lock, clock, sleep)

    @contextlib.contextmanager
    def turn(self):
        "The block sends one message"
        if not self.rate or self.rate <= 0:
            yield
            return
        with self.lock():
            start = self.clock()
            yield
            if seconds := delay(self.rate, start, self.clock()):
                self.sleep(seconds)
