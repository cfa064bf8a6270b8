# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The module's e-mails to one person, sent when the transaction commits."""
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr

import trytond.config as config
from trytond.sendmail import send_message_transactional
from trytond.tools.email_ import set_from_header


def send_text(name, email, subject, body, ics=None, method=None):
    """Send body as plain text to name <email>, with the iCalendar ics
    (bytes) of method attached when given"""
    # Built the compat32 way: the default policy of Python 3.11 folds a
    # long Cyrillic subject losing the space between encoded words
    from_ = config.get('email', 'from')
    msg = MIMEMultipart('mixed')
    set_from_header(msg, from_, from_)
    msg['To'] = formataddr((name, email), 'utf-8')
    msg['Subject'] = Header(subject, 'utf-8')
    msg.attach(MIMEText(body, 'plain', 'utf-8'))
    if ics:
        invitation = MIMEText(ics.decode('utf-8'), 'calendar', 'utf-8')
        invitation.set_param('method', method)
        invitation.add_header(
            'Content-Disposition', 'attachment', filename='invite.ics')
        msg.attach(invitation)
    send_message_transactional(msg, from_, [email])
