# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""What comes back to a mailing's e-mails through a mailbox (mailbox.py).

The mailing's e-mails carry ``Reply-To`` and return to the address of
``[crm_counterparty] mailing_reply_to`` (channels/email_.py), an address
a mailbox of the module reads.  There:

- a delivery status notification (a bounce) about a mailing's message is
  not a letter: the recipient's result is marked failed with the reason
  the mail server gave (``mailing_rules.bounces``);
- a reply lands on the counterparty's card as any letter does (letter.py)
  and notifies the users of the employee who sent the mailing."""
import email
import email.policy

from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from . import mailing_rules
from .letter import INCOMING


class Communication(metaclass=PoolMeta):
    __name__ = 'crm.communication'

    @classmethod
    def _sort_letter(cls, mailbox, letter, raw, parties, by_address):
        Result = Pool().get('crm.counterparty.mailing.result')
        if parties is None:
            bounce = mailing_rules.bounces(email.message_from_bytes(
                    raw, policy=email.policy.default))
            if bounce and Result.bounced(*bounce):
                return None
        return super()._sort_letter(
            mailbox, letter, raw, parties, by_address)

    @classmethod
    def log_letters(cls, mailbox, letters):
        communications = super().log_letters(mailbox, letters)
        for (letter, _, direction), communication in zip(
                letters, communications):
            if direction == INCOMING:
                cls._notify_mailing_sender(communication, letter)
        return communications

    @classmethod
    def _notify_mailing_sender(cls, communication, letter):
        "Tell the sender of the mailing the letter answers, if it does"
        pool = Pool()
        Result = pool.get('crm.counterparty.mailing.result')
        User = pool.get('res.user')
        ids = [i for i in [letter.in_reply_to] + letter.references if i]
        if not ids:
            return
        with without_check_access():
            results = Result.search([('message_id', 'in', ids)], limit=1)
            if not results:
                return
            mailing = results[0].mailing
            users = User.search([('employees', '=', mailing.sender.id)])
        for user in users:
            cls.notify_user([communication], 'tryton-email',
                gettext('crm_counterparty.msg_mailing_replied',
                    mailing=mailing.rec_name,
                    sender=letter.sender[0] or letter.sender[1]),
                description=communication.subject, user=user.id)
