"""A person fills a counterparty card in the web client and finds it again.

Starts a real trytond (SQLite, in a temporary directory) serving the sao
web client from web/, and drives Debian's chromium through Playwright.
Needs `make web` (sao in web/node_modules) and /usr/bin/chromium.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SAO = ROOT / 'web' / 'node_modules' / 'tryton-sao'
CHROMIUM = '/usr/bin/chromium'
SCREENSHOTS = ROOT / 'var' / 'screenshots'
DATABASE = 'crmtest'
CHROMIUM_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-dev-shm-usage',
    '--no-first-run', '--disable-component-update', '--disable-sync',
    ]

COMPANY_NAME = 'ООО «Северный ветер»'
PERSON_NAME = 'Иванов Иван Иванович'
POSITION = 'Директор'
PHONE = '8 (916) 555-12-34'
PHONE_COMPACT = '+79165551234'
PHONE_FRAGMENT = '555-12'
OTHER_NAME = 'ИП Петров Пётр Петрович'

# Each wait is bounded: a broken page fails in seconds, not at a CI timeout.
TIMEOUT = 15_000  # ms, for Playwright
SERVER_TIMEOUT = 60  # s, for trytond to answer

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:
    sync_playwright = None


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@unittest.skipIf(sync_playwright is None, 'playwright is not installed')
@unittest.skipUnless(os.access(CHROMIUM, os.X_OK), 'no ' + CHROMIUM)
@unittest.skipUnless(
    (SAO / 'node_modules').exists(), 'sao is not installed (make web)')
class CounterpartyCardBrowserTest(unittest.TestCase):
    "Create a company card with a contact person and a phone, search it"

    @classmethod
    def setUpClass(cls):
        cls.tmpdir = Path(tempfile.mkdtemp(prefix='crm-browser-'))
        cls.addClassCleanup(shutil.rmtree, cls.tmpdir, ignore_errors=True)
        cls.port = _free_port()
        cls.url = 'http://127.0.0.1:%s/' % cls.port
        cls.config_file = cls._write_config()
        cls._create_database()
        cls._set_up_data()
        cls._start_server()

    @classmethod
    def _write_config(cls):
        config_file = cls.tmpdir / 'trytond.conf'
        config_file.write_text(
            '[database]\n'
            'uri = sqlite://\n'
            'path = %s\n'
            '\n'
            '[web]\n'
            'listen = 127.0.0.1:%s\n'
            'root = %s\n' % (cls.tmpdir, cls.port, SAO))
        return config_file

    @classmethod
    def _create_database(cls):
        # trytond opens an SQLite database only if its file exists
        (cls.tmpdir / (DATABASE + '.sqlite')).touch()
        passfile = cls.tmpdir / 'admin.pass'
        passfile.write_text('admin\n')
        # No --email: trytond asks the DNS whether the domain takes mail,
        # which fails offline (and example.com takes none).  Without it,
        # trytond-admin asks for the email: a piped empty line says "none",
        # and then stdin is at its end, so nothing can wait on a terminal.
        result = subprocess.run([
                str(BIN / 'trytond-admin'), '-c', str(cls.config_file),
                '-d', DATABASE, '--all', '--activate-dependencies',
                '-u', 'crm_counterparty'],
            env={**os.environ, 'TRYTONPASSFILE': str(passfile)},
            input='\n', capture_output=True, text=True, timeout=300)
        if result.returncode:
            raise RuntimeError('trytond-admin failed:\n' + result.stderr)

    @classmethod
    def _proteus(cls):
        from proteus import config
        return config.set_trytond(
            database=DATABASE, config_file=str(cls.config_file))

    @classmethod
    def _set_up_data(cls):
        "A company in Russia whose employee is the admin, one other party"
        from proteus import Model

        from trytond.modules.company.tests.tools import create_company
        from trytond.modules.currency.tests.tools import get_currency

        cls._proteus()
        Country = Model.get('country.country')
        Party = Model.get('party.party')
        Employee = Model.get('company.employee')
        User = Model.get('res.user')

        russia = Country(name='Russia', code='RU')
        russia.save()
        own = Party(name='ООО «Наша фирма»')
        address, = own.addresses
        address.city = 'Москва'
        address.country = russia
        own.save()
        create_company(party=own, currency=get_currency('RUB'))
        company, = Model.get('company.company').find()

        person = Party(name='Администратор Админ')
        person.kind = 'person'
        person.save()
        employee = Employee(party=person, company=company)
        employee.save()
        admin, = User.find([('login', '=', 'admin')])
        admin.companies.append(company)
        admin.company = company
        admin.employees.append(employee)
        admin.employee = employee
        admin.save()
        cls.employee_name = employee.rec_name

        # Else the admin's first login opens the module configuration wizard
        ConfigItem = Model.get('ir.module.config_wizard.item')
        items = ConfigItem.find([('state', '=', 'open')])
        for item in items:
            item.state = 'done'
        ConfigItem.save(items)

        # Not matched by the phone fragment: the search must tell them apart
        other = Party(name=OTHER_NAME)
        other.kind = 'person'
        mechanism = other.contact_mechanisms.new(type='phone')
        mechanism.value = '8 (495) 123-45-67'
        other.save()

    @classmethod
    def _start_server(cls):
        cls.server_log = open(cls.tmpdir / 'trytond.log', 'wb')
        cls.server = subprocess.Popen([
                str(BIN / 'trytond'), '-c', str(cls.config_file),
                '-d', DATABASE],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=cls.server_log)
        cls.addClassCleanup(cls._stop_server)
        deadline = time.monotonic() + SERVER_TIMEOUT
        while time.monotonic() < deadline:
            if cls.server.poll() is not None:
                raise RuntimeError(
                    'trytond exited: '
                    + (cls.tmpdir / 'trytond.log').read_text())
            try:
                socket.create_connection(('127.0.0.1', cls.port), 1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError('trytond did not answer on port %s' % cls.port)

    @classmethod
    def _stop_server(cls):
        cls.server.terminate()
        try:
            cls.server.wait(10)
        except subprocess.TimeoutExpired:
            cls.server.kill()
            cls.server.wait()
        cls.server_log.close()

    def setUp(self):
        playwright = sync_playwright().start()
        self.addCleanup(playwright.stop)
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        self.addCleanup(browser.close)
        # English labels whatever the machine's locale; a screen wide
        # enough for sao's desktop layout (menu beside the tabs)
        self.page = browser.new_page(
            locale='en-US', viewport={'width': 1600, 'height': 900})
        self.page.set_default_timeout(TIMEOUT)
        expect.set_options(timeout=TIMEOUT)
        self.page_errors = []
        self.page.on('pageerror', lambda e: self.page_errors.append(e))
        self._watch_requests()

    def test_fill_card_and_find_by_phone(self):
        "A person creates a company card and finds it by a piece of phone"
        self._log_in()
        tab = self._open_menu('Clients', 'Counterparties')
        self._fill_card(tab)
        self._screenshot('card_form.png')

        tab.locator('button#switch_').click()
        rows = self._search(tab, PHONE_FRAGMENT)
        # The unrelated counterparty is gone: the search did filter
        expect(rows.filter(has_text=OTHER_NAME)).to_have_count(0)
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(COMPANY_NAME)
        self._screenshot('card_search.png')

        self._check_stored_card()

    def _check_stored_card(self):
        "What the browser saved is what the server stored"
        from proteus import Model
        self._proteus()
        Party = Model.get('party.party')
        company, = Party.find([('name', '=', COMPANY_NAME)])
        self.assertEqual(company.kind, 'company')
        self.assertEqual(company.responsible.rec_name, self.employee_name)
        person, = company.contact_persons
        self.assertEqual(
            (person.name, person.kind, person.position, person.employer),
            (PERSON_NAME, 'person', POSITION, company))
        phone, = company.contact_mechanisms
        self.assertEqual(
            (phone.type, phone.value, phone.value_compact),
            ('phone', PHONE, PHONE_COMPACT))

    # The steps of a person at the screen

    def _log_in(self):
        "sao asks the login, then the password in a second dialog"
        page = self.page
        page.goto(self.url)
        # Submitted before sao has the database list, the login is ignored
        expect(page.locator('input#database')).to_have_value(DATABASE)
        page.locator('#login').fill('admin')
        page.locator('#login').press('Enter')
        password = page.locator('.ask-dialog input[type="password"]')
        password.fill('admin')
        password.press('Enter')
        expect(page.locator('#menu .column-char').first).to_be_visible()
        self._wait_quiet()

    def _open_menu(self, *path):
        """Expand each parent entry, open the last one with a double-click

        Return the tab it opens."""
        page = self.page
        *parents, leaf = path
        for name in parents:
            page.locator('#menu tr').filter(has=self._menu_entry(name)) \
                .locator('.expander').click()
        page.locator('#menu').locator(self._menu_entry(leaf)).dblclick()
        expect(page.locator('#tablist li.active')).to_contain_text(leaf)
        self._wait_quiet()
        return page.locator('#tabcontent > .tab-pane.active')

    def _menu_entry(self, name):
        # sao puts the entry's name in the cell's title
        return self.page.locator('.column-char[title="%s"]' % name)

    def _fill_card(self, tab):
        "A new company card with its director and its phone, saved"
        tab.locator('button#new_').click()
        self._wait_quiet()
        self._enter(tab.locator('input[name="name"]'), COMPANY_NAME)
        tab.locator('select[name="kind"]').select_option(label='Company')
        # The responsible defaults to the user's employee
        expect(tab.locator('input[name="responsible"]')).to_have_value(
            self.employee_name)
        self._add_contact_person(tab, PERSON_NAME, POSITION)
        self._add_phone(tab, PHONE)
        self._save(tab)
        # Back to the contact persons for the screenshot
        self._notebook_tab(tab, 'Contact Persons').click()
        persons = self._one2many(tab, 'Contact Persons')
        expect(persons.locator('tbody tr', has_text=PERSON_NAME)) \
            .to_contain_text(POSITION)

    def _search(self, tab, text):
        "Search the list as typed in its search box, return its rows"
        self._wait_quiet()
        search = tab.locator('.filter-box input[placeholder="Search"]').first
        search.fill(text)
        search.press('Enter')
        self._wait_quiet()
        # The list's rows only: the lists of the hidden card are hidden
        return tab.locator('.treeview tbody tr').filter(visible=True)

    def _notebook_tab(self, tab, name):
        return tab.locator('.form-notebook a[role="tab"]', has_text=name)

    def _one2many(self, tab, name):
        return tab.locator('.form-one2many').filter(
            has=self.page.locator('.form-one2many-string', has_text=name))

    def _add_contact_person(self, tab, name, position):
        "The contact persons list opens a dialog for each new person"
        self._notebook_tab(tab, 'Contact Persons').click()
        self._one2many(tab, 'Contact Persons').get_by_role(
            'button', name='New', exact=True).click()
        dialog = self.page.locator('.window-form.modal.in')
        self._wait_quiet()
        self._enter(dialog.locator('input[name="name"]'), name)
        self._enter(dialog.locator('input[name="position"]'), position)
        self._wait_quiet()
        # Still there after sao's last redraw
        expect(dialog.locator('input[name="name"]')).to_have_value(name)
        dialog.get_by_role('button', name='Add', exact=True).click()
        self._wait_quiet()
        self._expect_closed(dialog)

    def _add_phone(self, tab, number):
        "Contact mechanisms are edited in the list itself"
        self._notebook_tab(tab, 'Contact Data').click()
        mechanisms = self._one2many(tab, 'Contact Mechanisms')
        mechanisms.get_by_role('button', name='New', exact=True).click()
        self._wait_quiet()
        row = mechanisms.locator('tbody tr.selected')
        row.locator('select[name="type"]').select_option(label='Phone')
        self._enter(row.locator('input[name="value"]'), number)
        self._wait_quiet()
        expect(mechanisms.locator('tbody tr', has_text=number)) \
            .to_have_count(1)

    def _enter(self, field, text):
        """Type into a field and leave it, as sao takes the value on change

        sao redraws a form after each answer of the server, some of them
        well after the last request (it draws in between): text not yet
        handed to sao would be wiped."""
        field.fill(text)
        field.press('Tab')
        expect(field).to_have_value(text)

    def _save(self, tab):
        tab.locator('button#save').click()
        self._wait_quiet()
        saved = tab.locator('.infobar .alert', has_text='Record saved.')
        try:
            expect(saved).to_be_visible(timeout=5_000)
        except AssertionError:
            # The server refused: sao shows why in a dialog
            raise self.failureException(
                'not saved: %s' % self._dialog_texts()) from None
        # The party code comes from a sequence when the server creates it
        expect(tab.locator('input[name="code"]')).not_to_have_value('')
        # The message lies over the toolbar: dismiss it as a person would
        saved.get_by_role('button', name='Close').click()
        expect(saved).to_have_count(0)

    def _screenshot(self, name):
        self._wait_quiet()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / name))

    # Waiting for sao

    def _watch_requests(self):
        self._requests = set()
        self._last_request = time.monotonic()

        def start(request):
            # The bus (when enabled) keeps a long poll open all along
            if request.url.endswith('/bus'):
                return
            self._requests.add(request)
            self._last_request = time.monotonic()

        def end(request):
            self._requests.discard(request)
            self._last_request = time.monotonic()
        self.page.on('request', start)
        self.page.on('requestfinished', end)
        self.page.on('requestfailed', end)

    def _wait_quiet(self, quiet=0.5, timeout=TIMEOUT / 1000):
        """Wait until sao has had no request in flight for `quiet` seconds

        sao chains its calls (defaults, then on_change, ...), drawing the
        form in between: the pause covers that drawing too."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(50)  # lets Playwright run events
            self._check_page_errors()
            if (not self._requests
                    and time.monotonic() - self._last_request > quiet):
                return
        self.fail('sao still busy after %ss' % timeout)

    def _check_page_errors(self):
        "A JavaScript error leaves sao half-drawn: fail at once, saying it"
        if self.page_errors:
            # The first frames say which part of sao gave up
            self.fail('JavaScript error in sao:\n' + '\n'.join(
                    '\n'.join((e.stack or str(e)).splitlines()[:4])
                    for e in self.page_errors))

    def _expect_closed(self, dialog):
        "A dialog staying open says why in its info bar"
        try:
            expect(dialog).to_have_count(0, timeout=5_000)
        except AssertionError:
            raise self.failureException(
                'dialog not closed: %s' % self._dialog_texts()) from None

    def _dialog_texts(self):
        "What sao's message dialogs and info bars say (not the forms)"
        texts = self.page.locator(
            '.modal.in:not(.window-form) .modal-body, .infobar .alert'
            ).all_inner_texts()
        texts = [' '.join(t.replace('×', '').split()) for t in texts]
        return '; '.join(t for t in texts if t) or 'no message'
