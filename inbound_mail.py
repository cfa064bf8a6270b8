# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Letters that a mail provider pushes (Postmark, Mailgun's raw MIME,
SendGrid, Mandrill, MailPace) through Tryton's inbound_email webhook,
`POST /<database>/inbound_email/inbox/<identifier>`: a rule of the inbox
with the action *Land on the Cards* lands them as the letters read by IMAP
land (letter.py), as those of the mailbox the rule names (its company, its
employee organising them, its user reading the unmatched ones), replies to
mailings and bounces included (mailing_reply.py).  The same letter pushed
twice (a provider's retry) lands once, known by its Message-ID.
Registered only when inbound_email is activated."""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .mail_message import pushed

ACTION = 'crm.mailbox|land_inbound_email'


class Mailbox(metaclass=PoolMeta):
    __name__ = 'crm.mailbox'

    @classmethod
    def land_inbound_email(cls, inbound_email, rule):
        """Land the pushed letter inbound_email (an inbound.email) as
        rule's mailbox: its communication, or None when it waits unmatched,
        landed already or was a mailing's bounce"""
        Communication = Pool().get('crm.communication')
        mailbox = rule.crm_mailbox
        raw = pushed(inbound_email.data_type, inbound_email.data)
        with Transaction().set_context(company=mailbox.company.id):
            communications = Communication.land_all(mailbox, [raw])
        return communications[0] if communications else None


class Rule(metaclass=PoolMeta):
    __name__ = 'inbound.email.rule'

    crm_mailbox = fields.Many2One(
        'crm.mailbox', "Mailbox", ondelete='RESTRICT',
        states={
            'required': Eval('action') == ACTION,
            'invisible': Eval('action') != ACTION,
            },
        help="The letters land as this mailbox's: its employee organises "
        "them, its user reads those from unknown addresses.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.action.selection.append((ACTION, "Land on the Cards"))
