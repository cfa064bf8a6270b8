# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""What came from someone no card knows and waits for one: a letter from an
unknown address (letter.Unmatched), a call of an unknown number (a call
communication without counterparties, call.py).  Both offer *Create a
Client*, a card made from what is known of the sender, and *Attach to* a
card the user chooses, which gets the sender's address or number so that
what comes next lands by itself."""
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.wizard import Button, StateTransition, StateView, Wizard


class UnmatchedMixin:
    """A record waiting for a card.  The model says who sent it,
    `unmatched_sender()` (a mail_signature.Sender), the (type, value) of
    the contact mechanism he came from, `unmatched_contact()`, and puts
    itself on cards, `land_on(parties)`."""
    __slots__ = ()

    @classmethod
    @ModelView.button
    def create_client(cls, records):
        """A card for the sender of each record (a contact person of his
        company when it is known), the record landing on it"""
        for record in records:
            party = new_client(record.unmatched_sender())
            record.land_on([party])


def new_client(sender):
    "The card of sender (a mail_signature.Sender), with his company's"
    Party = Pool().get('party.party')
    mechanisms = [{'type': type_, 'value': value}
        for type_, value in [('email', sender.email), ('phone', sender.phone)]
        if value]
    values = {
        'name': sender.name or sender.email or sender.phone,
        'contact_mechanisms': [('create', mechanisms)],
        }
    if sender.company:
        company, = Party.create([{'name': sender.company}])
        values.update({
                'kind': 'person', 'employer': company.id,
                'position': sender.position or None})
    party, = Party.create([values])
    return party


class AttachStart(ModelView):
    "Attach a letter or a call to a counterparty"
    __name__ = 'crm.mail.attach.start'
    __string__ = "Attach to a Counterparty"

    party = fields.Many2One(
        'party.party', "Counterparty", required=True,
        help="The card it lands on; the sender's e-mail or the caller's "
        "number is added to it, so that what comes next from him lands "
        "there too.")
    add_email = fields.Boolean("Add the Address to the Card")

    @staticmethod
    def default_add_email():
        return True


class Attach(Wizard):
    "Attach a letter or a call to a counterparty"
    __name__ = 'crm.mail.attach'
    start = StateView('crm.mail.attach.start',
        'crm_counterparty.mail_attach_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Attach", 'attach', 'tryton-ok', default=True),
            ])
    attach = StateTransition()

    def transition_attach(self):
        Mechanism = Pool().get('party.contact_mechanism')
        party = self.start.party
        for record in self.records:
            type_, value = record.unmatched_contact()
            if self.start.add_email and value:
                # Made as the user: he must edit the card (counterparty_link)
                Mechanism.create([{
                            'party': party.id, 'type': type_,
                            'value': value}])
            record.land_on([party])
        return 'end'
