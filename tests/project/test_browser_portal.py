"""An employee invites a contact person to the portal from her card; the
invitation arrives at a real SMTP server; the guest sets a password from
its link, comments on a meeting, reads the employee's answer typed in
sao's chat and proposes a call (browser.py).  The guest of another client
tries Ivan's records by their addresses, a page of another site posts in
her name, and someone guesses her password."""
import datetime as dt
import email
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

from . import test_browser
from .browser import SCREENSHOTS, TIMEOUT, expect, free_port, smtp_server

GUEST = 'Иванов Иван Иванович'
EMAIL = 'ivan@client.example'
MEETING = 'Встреча по договору поставки'
LINK = re.compile(r'http://\S+/portal/password/invitation\?token=[\w-]+')
OTHER, OTHER_EMAIL = 'Анна Южная', 'anna@other.example'
OTHER_PASSWORD = 'Yuzhny-Veter-2031'
OTHER_MEETING = 'Встреча юга'
FORGED = 'Отмените все заказы'
ANSWER = 'Ждём вас, пропуск заказан'
# The page of another site: a form that posts a comment to the portal
HOSTILE = '''<!DOCTYPE html><html><body>
<form method="post" action="%s"><input name="content" value="%s">
<button type="submit">Win a prize</button></form></body></html>'''


def hostile_site(test, html):
    "Serve html at a local address of another origin than the portal's"
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = html.encode('utf-8')
            self.send_response(200)
            self.send_header('Content-Type', 'text/html; charset=utf-8')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass
    server = HTTPServer(('127.0.0.1', free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    test.addCleanup(server.server_close)
    test.addCleanup(server.shutdown)
    return 'http://127.0.0.1:%s/' % server.server_port


class PortalBrowserTest(test_browser.CardDataBrowserTest):
    "Guest access from the card to the portal"
    database = 'crmportal'

    @classmethod
    def setUpClass(cls):
        cls.mailbox = smtp_server(cls)
        # Two wrong passwords lock a login, not five, for the test's time
        cls.config = cls.mailbox.config + '[session]\nmax_attempt = 2\n'
        super().setUpClass()

    @classmethod
    def set_up_data(cls):
        """Ivan, a contact person of a client, with an e-mail and a meeting;
        Anna, of another client, a guest already, with a meeting of hers"""
        from proteus import Model, Wizard
        super().set_up_data()
        Party = Model.get('party.party')
        WebUser = Model.get('web.user')
        cls.meeting = cls._person_with_meeting(
            'ООО «Северный ветер»', GUEST, EMAIL, MEETING,
            dt.datetime(2031, 3, 4, 9, 0))
        cls.other_meeting = cls._person_with_meeting(
            'ООО «Южный ветер»', OTHER, OTHER_EMAIL, OTHER_MEETING,
            dt.datetime(2031, 3, 5, 9, 0))
        anna, = Party.find([('name', '=', OTHER)])
        give = Wizard('crm.portal.give', [anna])
        give.execute('give')
        guest, = WebUser.find([('email', '=', OTHER_EMAIL)])
        guest.password = OTHER_PASSWORD
        guest.save()

    @classmethod
    def _person_with_meeting(cls, company_name, name, email, subject, start):
        "A contact person of a new client, her e-mail, a meeting: its id"
        from proteus import Model
        Party = Model.get('party.party')
        Communication = Model.get('crm.communication')
        employee, = Model.get('company.employee').find([])
        company, = Model.get('company.company').find([])
        client = Party(name=company_name, responsible=employee)
        client.save()
        person = Party(name=name, kind='person', employer=client,
            responsible=employee)
        mechanism = person.contact_mechanisms.new(type='email')
        mechanism.value = email
        person.save()
        meeting = Communication(subject=subject, company=company)
        meeting.start = start
        meeting.end = start + dt.timedelta(hours=1)
        meeting.organiser = employee
        meeting.parties.append(Party(person.id))
        meeting.save()
        return meeting.id

    def _portal(self, path=''):
        return '%s%s/portal/%s' % (self.url, self.database, path)

    def _portal_log_in(self, password):
        page = self.page
        page.goto(self._portal('login'))
        page.locator('input[name="email"]').fill(OTHER_EMAIL)
        page.locator('input[name="password"]').fill(password)
        page.get_by_role('button', name='Log in').click()

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
        # The guest on a page of his own, the employee's sao left open
        guest = page.context.browser.new_page(locale='en-US')
        guest.set_default_timeout(TIMEOUT)
        guest.goto(link)
        guest.locator('input[name="password"]').fill('Sever-Veter-2031')
        guest.locator('input[name="confirm"]').fill('Sever-Veter-2031')
        guest.get_by_role('button', name='Save').click()
        expect(guest.locator('h1')).to_contain_text(GUEST)

        guest.get_by_role('link', name=MEETING).click()
        guest.locator('textarea[name="content"]').fill('Будем к 9:00')
        guest.get_by_role('button', name='Send').click()
        expect(guest.locator('.chat')).to_contain_text('Будем к 9:00')
        expect(guest.locator('.chat')).to_contain_text(EMAIL)

        self._answer_in_chat(MEETING, 'Будем к 9:00', ANSWER)
        guest.reload()
        expect(guest.locator('.chat')).to_contain_text(ANSWER)

        guest.get_by_role('link', name='Propose a meeting or a call').click()
        guest.locator('input[name="subject"]').fill('Созвон по счёту')
        guest.locator('input[name="start"]').fill('2031-05-06T15:00')
        guest.locator('select[name="category"]').select_option(label='Call')
        guest.get_by_role('button', name='Send').click()
        expect(guest.locator('h1')).to_contain_text('Созвон по счёту')
        guest.screenshot(path=str(SCREENSHOTS / 'portal_proposal.png'))

        # The same link does not work twice
        guest.goto(link)
        expect(guest.locator('.error')).to_contain_text('no longer valid')

    def _answer_in_chat(self, subject, question, answer):
        """The employee opens the communication in sao, sees the guest's
        comment in its chat under his name and answers there"""
        tab = self._open_menu('Clients', 'Communications')
        tab.locator('.treeview tbody tr', has_text=subject).dblclick()
        self._wait_quiet()
        tab.locator('button#chat').click()
        chat = tab.locator('.chat')
        # The guest's comment is his, not a system notice without author
        comment = chat.locator('.chat-message', has_text=question)
        expect(comment.locator('.media-heading')).to_contain_text(GUEST)
        chat.locator('textarea').fill(answer)
        chat.locator('button[type="submit"]').click()
        expect(chat.locator('.chat-messages')).to_contain_text(answer)
        self._screenshot('portal_answered_in_chat.png')

    def test_attacks_of_another_guest(self):
        """Another client's guest gets nothing of Ivan's by address, a page
        of another site posts nothing in her name, guessing is locked out"""
        page = self.page
        self._portal_log_in(OTHER_PASSWORD)
        expect(page.get_by_role('link', name=OTHER_MEETING)).to_be_visible()
        expect(page.locator('body')).not_to_contain_text(MEETING)
        for path in ['communication/%s' % self.meeting,
                'communication/%s' % (self.meeting + 1000)]:
            with self.subTest(path=path):
                response = page.goto(self._portal(path))
                self.assertEqual(response.status, 404)
                expect(page.locator('body')).not_to_contain_text(MEETING)

        own = self._portal('communication/%s' % self.other_meeting)
        page.goto(hostile_site(self, HOSTILE % (own, FORGED)))
        with page.expect_response(own) as posted:
            page.get_by_role('button', name='Win a prize').click()
        self.assertGreaterEqual(posted.value.status, 400)
        page.goto(own)
        expect(page.locator('h1')).to_contain_text(OTHER_MEETING)
        expect(page.locator('body')).not_to_contain_text(FORGED)

        page.get_by_role('button', name='Log out').click()
        for guess in ['Ivanov-2031', 'Sever-2031', 'Yug-2031']:
            self._portal_log_in(guess)
            expect(page.locator('.error')).to_be_visible()
        # Locked: the right password is refused too, and told why
        self._portal_log_in(OTHER_PASSWORD)
        expect(page.locator('.error')).to_contain_text('Too many attempts')
        self._screenshot('portal_throttled.png')
