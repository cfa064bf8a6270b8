"""A person opens what a mailing sent to a counterparty from its card's
relate menu, and the graph of the mailings' totals; another writes a
mailing to a group of the client list and sends it: a real SMTP server
receives it (browser.py)."""
import email
from email import policy

from . import test_browser
from .browser import expect, smtp_server

MAILING = 'Весенняя акция'
GROUP = 'Подписчики новостей'


def other_with_email(address):
    "The other party of the card tests, given an e-mail address"
    from proteus import Model
    Party = Model.get('party.party')
    other, = Party.find([('name', '=', test_browser.OTHER_NAME)])
    mechanism = other.contact_mechanisms.new(type='email')
    mechanism.value = address
    other.save()
    return other


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
        other = other_with_email('other@example.com')
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


class MailingSendBrowserTest(test_browser.CardDataBrowserTest):
    "A mailing written, addressed to a group and sent from sao"
    database = 'crmmailingsend'

    @classmethod
    def setUpClass(cls):
        cls.mailbox = smtp_server(cls)
        cls.config = cls.mailbox.config
        super().setUpClass()

    @classmethod
    def set_up_data(cls):
        "The other party, with an e-mail, in a group of the client list"
        from proteus import Model
        super().set_up_data()
        Party = Model.get('party.party')
        Group = Model.get('crm.counterparty.group')
        other = other_with_email('petrov@example.com')
        group = Group(name=GROUP)
        group.parties.append(Party(other.id))
        group.save()

    def test_write_and_send(self):
        """Name, group, subject and text typed; the count of recipients
        shown once saved; Send, confirmed: the message reaches the SMTP server with the
        name put in, and the results say sent"""
        self._log_in()
        tab = self._open_menu('Clients', 'Mailings')
        tab.locator('button#new_').click()
        self._wait_quiet()
        self._enter(tab.locator('input[name="name"]'), 'Новости апреля')
        # sao completes a Many2One as it is typed: the group is picked there
        tab.locator('input[name="group"]').fill(GROUP[:10])
        self.page.locator('.dropdown-menu:visible', has_text=GROUP
            ).get_by_text(GROUP).click()
        self._wait_quiet()
        expect(tab.locator('input[name="group"]')).to_have_value(GROUP)
        self._notebook_tab(tab, 'E-mail').click()
        self._enter(tab.locator('input[name="subject"]'), 'Новости')
        editor = tab.locator('.richtext[contenteditable]').first
        editor.fill('Здравствуйте, {{name}}!')
        editor.press('Tab')
        self._wait_quiet()
        self._save(tab)
        self._notebook_tab(tab, 'Recipients').click()
        # sao draws a number in two inputs, one of them hidden
        expect(tab.locator('input[name="recipient_count"]').filter(
                visible=True)).to_have_value('1')

        tab.get_by_role('button', name='Send', exact=True).click()
        confirm = self.page.locator('.modal.in',
            has_text='Send the mailing to its recipients?')
        confirm.get_by_role('button', name='OK').click()
        self._wait_quiet()
        self._notebook_tab(tab, 'Results').click()
        expect(tab.locator('input[name="sent"]').filter(visible=True)
            ).to_have_value('1')
        results = self._one2many(tab, 'Results')
        expect(results.locator('tbody tr', has_text='petrov@example.com')
            ).to_contain_text('Sent')
        self._screenshot('mailing_sent.png')

        (recipients, raw), = [m for m in self.mailbox.messages
            if 'petrov@example.com' in m[0]]
        message = email.message_from_string(raw, policy=policy.default)
        self.assertEqual(message['Subject'], 'Новости')
        body = message.get_body(('plain',)).get_content()
        self.assertIn('Здравствуйте, %s!' % test_browser.OTHER_NAME, body)
