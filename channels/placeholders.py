# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The recipient's values in a mailing's texts: ``{{name}}`` and
``{{company}}``, written with their spaces or without."""
import html
import re

NAMES = ('name', 'company')
_PLACEHOLDER = re.compile(r'\{\{\s*(\w+)\s*\}\}')


def unknown(text):
    "The placeholders of text that are not among NAMES, in order"
    return [m.group(1) for m in _PLACEHOLDER.finditer(text or '')
        if m.group(1) not in NAMES]


def render(text, values, markup=False):
    """text with each known placeholder replaced by its value of values;
    in markup (HTML) the values are escaped, so a name is never a tag"""
    def value(match):
        name = match.group(1)
        if name not in NAMES:
            return match.group(0)
        result = values.get(name) or ''
        return html.escape(result) if markup else result
    return _PLACEHOLDER.sub(value, text or '')
