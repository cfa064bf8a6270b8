# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""*Write an E-mail* on the card (and *Reply* on a letter): sent through
the user's own mailbox's SMTP (mailbox.py) or, when it has none, through
the server's mail (trytond's [email] uri), then logged on the card as an
outgoing letter (letter.py) with its Message-ID, so that the answer, read
from the mailbox, follows it in the thread.  A template (crm.mail.template)
gives a subject and a text, {{name}} being the counterparty's name."""
import datetime as dt
import smtplib
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid

import trytond.config as config
from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.sendmail import send_message_transactional
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import MailboxError
from .letter import OUTGOING
from .mail_message import parse


class Template(DeactivableMixin, ModelSQL, ModelView):
    "A ready text for Write an E-mail"
    __name__ = 'crm.mail.template'
    __string__ = "E-mail Template"

    name = fields.Char("Name", required=True)
    subject = fields.Char("Subject")
    body = fields.Text("Text", help="{{name}} is the counterparty's name.")


def fill(text, party):
    return (text or '').replace('{{name}}', party.rec_name if party else '')


class WriteStart(ModelView):
    "Write an e-mail"
    __name__ = 'crm.mail.write.start'
    __string__ = "Write an E-mail"

    party = fields.Many2One('party.party', "Counterparty", readonly=True)
    to = fields.Char("To", required=True)
    template = fields.Many2One('crm.mail.template', "Template")
    subject = fields.Char("Subject", required=True)
    body = fields.Text("Text", required=True)
    in_reply_to = fields.Char("In-Reply-To", readonly=True,
        states={'invisible': ~Eval('in_reply_to')})

    @fields.depends('template', 'party', 'subject', 'body')
    def on_change_template(self):
        if self.template:
            self.subject = fill(self.template.subject, self.party) \
                or self.subject
            self.body = fill(self.template.body, self.party)


class Write(Wizard):
    "Write an e-mail to a counterparty, logged on its card"
    __name__ = 'crm.mail.write'
    __string__ = "Write an E-mail"

    start = StateView('crm.mail.write.start',
        'crm_counterparty.mail_write_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Send", 'send', 'tryton-ok', default=True),
            ])
    send = StateTransition()

    def default_start(self, fields):
        record = self.record
        if record is None:
            return {}
        if record.__name__ == 'crm.communication':
            return self._reply_defaults(record)
        emails = [m.value for m in record.contact_mechanisms
            if m.type == 'email']
        return {'party': record.id, 'to': emails[0] if emails else None}

    @staticmethod
    def _reply_defaults(letter):
        party = letter.parties[0] if letter.parties else None
        to = letter.letter_from if letter.letter_direction == 'incoming' \
            else letter.letter_to
        subject = letter.subject
        if not subject.lower().startswith('re:'):
            subject = 'Re: ' + subject
        return {
            'party': party.id if party else None,
            'to': to, 'subject': subject,
            'in_reply_to': letter.message_id,
            }

    def transition_send(self):
        pool = Pool()
        Communication = pool.get('crm.communication')
        Mailbox = pool.get('crm.mailbox')
        User = pool.get('res.user')
        user = User(Transaction().user)
        mailboxes = Mailbox.search([
                ('user', '=', user.id), ('active', '=', True)])
        # One that sends, else the address of one
        mailbox = next((m for m in mailboxes if m.smtp_host),
            mailboxes[0] if mailboxes else None)
        if not self.recipients:
            raise MailboxError(gettext(
                    'crm_counterparty.msg_mail_write_no_recipient'))
        message = self._message(mailbox, user)
        party = self.start.party
        if party:
            # Logged first: a letter that cannot be logged is not sent
            sender = mailbox or user
            if not sender.employee:
                raise MailboxError(gettext(
                        'crm_counterparty.msg_mail_write_no_employee'))
            Communication.log_letter(sender, self._letter(message),
                self._parties(party), OUTGOING)
        self._deliver(mailbox, message)
        return 'end'

    @staticmethod
    def _parties(party):
        "The card and its company, when the user sees it"
        Party = Pool().get('party.party')
        parties = [party]
        if party.employer and Party.search(
                [('id', '=', party.employer.id)]):
            parties.append(party.employer)
        return parties

    def _message(self, mailbox, user):
        # Built the compat32 way, as mail.py says why
        address = mailbox.address if mailbox else config.get(
            'email', 'from')
        name = user.employee.rec_name if user.employee else user.name
        message = MIMEText(self.start.body, 'plain', 'utf-8')
        message['From'] = formataddr((name, address), 'utf-8')
        message['To'] = self.start.to
        message['Subject'] = Header(self.start.subject, 'utf-8')
        message['Date'] = formatdate(localtime=True)
        domain = address.rsplit('@', 1)[-1] if '@' in address else None
        message['Message-ID'] = make_msgid(domain=domain)
        if self.start.in_reply_to:
            message['In-Reply-To'] = self.start.in_reply_to
            message['References'] = self.start.in_reply_to
        return message

    @property
    def recipients(self):
        return [a.strip() for a in (self.start.to or '').split(',')
            if a.strip()]

    def _deliver(self, mailbox, message):
        to = self.recipients
        if mailbox and mailbox.smtp_host:
            try:
                mailbox.smtp_send(message, to)
            except (OSError, smtplib.SMTPException) as exception:
                raise MailboxError(gettext(
                        'crm_counterparty.msg_mail_write_refused',
                        reason=str(exception))) from exception
        else:
            send_message_transactional(
                message, mailbox.address if mailbox else config.get(
                    'email', 'from'), to)

    def _letter(self, message):
        "The letter as the card keeps it: read back from what was sent"
        letter = parse(message.as_bytes())
        letter.date = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        return letter
