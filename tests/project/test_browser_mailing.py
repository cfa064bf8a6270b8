"""A person opens what a mailing sent to a counterparty from its card's
relate menu, and the graph of the mailings' totals (browser.py)."""
from . import test_browser
from .browser import expect

MAILING = 'Весенняя акция'


class MailingBrowserTest(test_browser.CardDataBrowserTest):
    "The card's Mailings Sent and the mailings' graph"
    database = 'crmmailing'

    @classmethod
    def set_up_data(cls):
        "A mailing to the other party, sent: the mail server refuses it"
        from proteus import Model
        super().set_up_data()
        Party = Model.get('party.party')
        Mailing = Model.get('crm.counterparty.mailing')
        Employee = Model.get('company.employee')
        other, = Party.find([('name', '=', test_browser.OTHER_NAME)])
        mechanism = other.contact_mechanisms.new(type='email')
        mechanism.value = 'other@example.com'
        other.save()
        employee, = Employee.find([])
        mailing = Mailing(name=MAILING, sender=employee,
            subject='Скидки', email_html='<p>Здравствуйте!</p>')
        mailing.parties.append(Party(other.id))
        mailing.save()
        mailing.click('send')

    def test_sent_on_card_and_graph(self):
        "The card's relate menu lists the e-mail; the graph draws"
        self._log_in()
        tab = self._open_menu('Clients', 'Counterparties')
        tab.locator('.treeview tbody tr',
            has_text=test_browser.OTHER_NAME).dblclick()
        self._wait_quiet()
        tab.locator('button#relate').click()
        self._wait_quiet()
        self.page.locator('.dropdown-menu:visible'
            ).get_by_text('Mailings Sent').click()
        expect(self.page.locator('#tablist li.active')).to_contain_text(
            'Mailings Sent')
        self._wait_quiet()
        sent = self.page.locator('#tabcontent > .tab-pane.active')
        row = sent.locator('.treeview tbody tr', has_text=MAILING)
        expect(row).to_have_count(1)
        expect(row).to_contain_text('other@example.com')
        expect(row).to_contain_text('Failed')
        self._screenshot('card_mailings_sent.png')

        tab = self._open_menu('Clients', 'Mailings')
        # The list (its row taken: sao switches from a record), the form,
        # then the graph
        tab.locator('.treeview tbody tr', has_text=MAILING).click()
        self._wait_quiet()
        for _ in range(2):
            tab.locator('button#switch_').click()
            self._wait_quiet()
        expect(tab.locator('.graph svg').first).to_be_visible()
        self._screenshot('mailing_graph.png')
