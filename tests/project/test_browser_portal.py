"""An employee invites a contact person to the portal from her card; the
invitation arrives at a real SMTP server; the guest sets a password from
its link, comments on a meeting and proposes a call (browser.py)."""
import datetime as dt
import email
import re
import time

from aiosmtpd.controller import Controller

from . import test_browser
from .browser import TIMEOUT, expect, free_port

GUEST = 'Иванов Иван Иванович'
EMAIL = 'ivan@client.example'
MEETING = 'Встреча по договору поставки'
LINK = re.compile(r'http://\S+/portal/password/invitation\?token=[\w-]+')


class _Mailbox:
    "What the SMTP server received, as text"

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, envelope.content.decode('utf-8', 'replace')))
        return '250 Message accepted for delivery'


class PortalBrowserTest(test_browser.CardDataBrowserTest):
    "Guest access from the card to the portal"
    database = 'crmportal'

    @classmethod
    def setUpClass(cls):
        cls.mailbox = _Mailbox()
        cls.smtp = Controller(
            cls.mailbox, hostname='127.0.0.1', port=free_port())
        cls.smtp.start()
        cls.addClassCleanup(cls.smtp.stop)
        cls.config = ('[email]\nuri = smtp://127.0.0.1:%s\n'
            'from = crm@example.com\n' % cls.smtp.port)
        super().setUpClass()

    @classmethod
    def set_up_data(cls):
        "A client company, its contact person with an e-mail, a meeting"
        from proteus import Model
        super().set_up_data()
        Party = Model.get('party.party')
        Employee = Model.get('company.employee')
        Communication = Model.get('crm.communication')
        Company = Model.get('company.company')
        employee, = Employee.find([])
        company, = Company.find([])
        client = Party(name='ООО «Северный ветер»', responsible=employee)
        client.save()
        person = Party(name=GUEST, kind='person', employer=client,
            responsible=employee)
        mechanism = person.contact_mechanisms.new(type='email')
        mechanism.value = EMAIL
        person.save()
        meeting = Communication(subject=MEETING, company=company)
        meeting.start = dt.datetime(2031, 3, 4, 9, 0)
        meeting.end = dt.datetime(2031, 3, 4, 10, 0)
        meeting.organiser = employee
        meeting.parties.append(Party(person.id))
        meeting.save()

    def _invitation_link(self):
        "The link of the invitation e-mail, once the server has it"
        deadline = time.monotonic() + TIMEOUT / 1000
        while time.monotonic() < deadline:
            for to, text in self.mailbox.messages:
                if EMAIL in to:
                    # Quoted-printable or base64: the body decoded
                    message = email.message_from_string(text)
                    for part in message.walk():
                        if part.get_content_type() == 'text/plain':
                            body = part.get_payload(decode=True).decode()
                            return LINK.search(body).group(0)
            time.sleep(0.1)
        self._screenshot('portal_no_invitation.png')
        self.fail('no invitation e-mail reached the SMTP server: %s; '
            'mail to %s' % (self._dialog_texts(),
                [to for to, _ in self.mailbox.messages]))

    def test_invite_to_comment_and_proposal(self):
        "Invite from the card, set the password, comment, propose a call"
        page = self.page
        self._log_in()
        tab = self._open_menu('Clients', 'Counterparties')
        tab.locator('.treeview tbody tr', has_text=GUEST).dblclick()
        self._wait_quiet()
        self._notebook_tab(tab, 'Contact Data').click()
        tab.get_by_role('button', name='Give Guest Access').click()
        self._wait_quiet()
        page.locator('.modal').get_by_role('button', name='Invite').click()
        self._wait_quiet()

        link = self._invitation_link()
        page.goto(link)
        page.locator('input[name="password"]').fill('Sever-Veter-2031')
        page.locator('input[name="confirm"]').fill('Sever-Veter-2031')
        page.get_by_role('button', name='Save').click()
        expect(page.locator('h1')).to_contain_text(GUEST)

        page.get_by_role('link', name=MEETING).click()
        page.locator('textarea[name="content"]').fill('Будем к 9:00')
        page.get_by_role('button', name='Send').click()
        expect(page.locator('.chat')).to_contain_text('Будем к 9:00')
        expect(page.locator('.chat')).to_contain_text(EMAIL)

        page.get_by_role('link', name='Propose a meeting or a call').click()
        page.locator('input[name="subject"]').fill('Созвон по счёту')
        page.locator('input[name="start"]').fill('2031-05-06T15:00')
        page.locator('select[name="category"]').select_option(label='Call')
        page.get_by_role('button', name='Send').click()
        expect(page.locator('h1')).to_contain_text('Созвон по счёту')
        self._screenshot('portal_proposal.png')

        # The same link does not work twice
        page.goto(link)
        expect(page.locator('.error')).to_contain_text('no longer valid')
