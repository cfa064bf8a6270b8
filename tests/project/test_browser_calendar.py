"""A sales manager sees her week of communications in the web client's
calendar, coloured by category, and on the card of a client.

Starts a real trytond (SQLite, in a temporary directory) serving the sao
web client from web/, and drives Debian's chromium through Playwright.
Needs `make web` (sao in web/node_modules) and /usr/bin/chromium.
The harness is a copy of what test_browser.py needs, to be shared later.
"""

import datetime as dt
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
DATABASE = 'crmcalendar'
CHROMIUM_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-dev-shm-usage',
    '--no-first-run', '--disable-component-update', '--disable-sync',
    ]

CLIENT = 'ООО «Северный ветер»'
MY_CALL = 'Звонок о поставке'
MY_MEETING = 'Встреча в офисе'
HIS_CALL = 'Звонок коллеги'
NEW_MEETING = 'Встреча с директором'
NEW_START = dt.datetime(2030, 3, 4, 10, 0)
CALL_COLOR = 'rgb(33, 150, 243)'  # #2196f3, the colour of "Call"

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
class CommunicationCalendarBrowserTest(unittest.TestCase):
    "The calendar of communications and the card's activity in the browser"

    @classmethod
    def setUpClass(cls):
        cls.tmpdir = Path(tempfile.mkdtemp(prefix='crm-calendar-'))
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
        # Mail to a port nobody listens on: sending fails, logged only
        config_file.write_text(
            '[database]\n'
            'uri = sqlite://\n'
            'path = %s\n'
            '\n'
            '[email]\n'
            'uri = smtp://127.0.0.1:%s\n'
            '\n'
            '[web]\n'
            'listen = 127.0.0.1:%s\n'
            'root = %s\n' % (cls.tmpdir, _free_port(), cls.port, SAO))
        return config_file

    @classmethod
    def _create_database(cls):
        (cls.tmpdir / (DATABASE + '.sqlite')).touch()
        passfile = cls.tmpdir / 'admin.pass'
        passfile.write_text('admin\n')
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
        """The admin is a sales manager with a call and a meeting this
        week; a colleague has a call of his own"""
        from proteus import Model

        from trytond.modules.company.tests.tools import create_company
        from trytond.modules.currency.tests.tools import get_currency

        cls._proteus()
        Party = Model.get('party.party')
        Employee = Model.get('company.employee')
        User = Model.get('res.user')
        Category = Model.get('crm.communication.category')
        Communication = Model.get('crm.communication')

        create_company(
            party=Party(name='ООО «Наша фирма»'),
            currency=get_currency('RUB'))
        company, = Model.get('company.company').find()
        employees = []
        for name in ['Марина Соколова', 'Олег Ветров']:
            person = Party(name=name, kind='person')
            person.save()
            employee = Employee(party=person, company=company)
            employee.save()
            employees.append(employee)
        marina, oleg = employees
        admin, = User.find([('login', '=', 'admin')])
        admin.companies.append(company)
        admin.company = company
        admin.employees.append(marina)
        admin.employee = marina
        admin.save()

        ConfigItem = Model.get('ir.module.config_wizard.item')
        items = ConfigItem.find([('state', '=', 'open')])
        for item in items:
            item.state = 'done'
        ConfigItem.save(items)

        client = Party(name=CLIENT)
        client.save()
        call, = Category.find([('name', '=', 'Call')])
        meeting, = Category.find([('name', '=', 'Meeting')])
        # Within the week the calendar opens on, whatever today is
        monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
        for subject, category, day, hour, employee in [
                (MY_CALL, call, 1, 9, marina),
                (MY_MEETING, meeting, 2, 11, marina),
                (HIS_CALL, call, 3, 14, oleg),
                ]:
            start = dt.datetime.combine(
                monday + dt.timedelta(days=day), dt.time(hour))
            communication = Communication(
                company=company, subject=subject, category=category,
                start=start, end=start + dt.timedelta(hours=1),
                organiser=employee)
            communication.employees.append(Employee(employee.id))
            communication.parties.append(Party(client.id))
            communication.save()

    @classmethod
    def _start_server(cls):
        cls.server_log = open(cls.tmpdir / 'trytond.log', 'wb')
        # The browser's clock is UTC like the stored times
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
        self.page = browser.new_page(
            locale='en-US', timezone_id='UTC',
            viewport={'width': 1600, 'height': 900})
        self.page.set_default_timeout(TIMEOUT)
        expect.set_options(timeout=TIMEOUT)
        self.page_errors = []
        self.page.on('pageerror', lambda e: self.page_errors.append(e))
        self._watch_requests()

    def test_calendar_and_card(self):
        "My week in the calendar, everybody's on request, the card's list"
        self._log_in()
        tab = self._open_menu('Clients', 'Communications')
        rows = tab.locator('.treeview tbody tr').filter(visible=True)
        # Mine by default
        expect(rows.filter(has_text=MY_CALL)).to_have_count(1)
        expect(rows.filter(has_text=HIS_CALL)).to_have_count(0)

        tab.locator('button#switch_').click()
        self._wait_quiet()
        calendar = tab.locator('.fc-view-container')
        expect(calendar).to_be_visible()
        events = calendar.locator('.fc-event')
        expect(events.filter(has_text=MY_CALL)).to_have_count(1)
        expect(events.filter(has_text=MY_MEETING)).to_have_count(1)
        expect(events.filter(has_text=HIS_CALL)).to_have_count(0)
        # Coloured by category
        expect(events.filter(has_text=MY_CALL)).to_have_css(
            'background-color', CALL_COLOR)
        self._screenshot('communication_calendar.png')

        # A colleague's communications on request: the tab of all
        tab.locator('.nav-tabs a, .filter-box a', has_text='All').first.click()
        self._wait_quiet()
        expect(events.filter(has_text=HIS_CALL)).to_have_count(1)
        self._screenshot('communication_calendar_all.png')

        # The client's card lists them in its activity, the newest first
        card = self._open_menu('Clients', 'Counterparties')
        card_rows = card.locator('.treeview tbody tr').filter(visible=True)
        card_rows.filter(has_text=CLIENT).first.dblclick()
        self._wait_quiet()
        card.locator('.form-notebook a[role="tab"]',
            has_text='Activity').click()
        self._wait_quiet()
        activity = card.locator('.form-one2many').filter(
            visible=True).first
        activity_rows = activity.locator('tbody tr').filter(visible=True)
        expect(activity_rows).to_have_count(3)
        expect(activity_rows.first).to_contain_text(HIS_CALL)
        self._screenshot('card_activity.png')

        # A communication planned right from the card
        activity.get_by_role('button', name='New', exact=True).click()
        dialog = self.page.locator('.window-form.modal.in')
        self._wait_quiet()
        self._enter(dialog.locator('input[name="subject"]'), NEW_MEETING)
        start = dialog.locator('[name="start"] input[type="text"], '
            'input[name="start"]').first
        self._enter(start, NEW_START.strftime('%m/%d/%Y %H:%M:%S'))
        self._wait_quiet()
        dialog.locator('.modal-footer button#save').click()
        self._wait_quiet()
        expect(dialog).to_have_count(0)
        card.locator('button#save').click()
        self._wait_quiet()
        expect(card.locator('.infobar .alert', has_text='Record saved.')) \
            .to_be_visible()
        expect(activity_rows).to_have_count(4)
        expect(activity_rows.first).to_contain_text(NEW_MEETING)
        self._screenshot('card_activity_planned.png')
        self._check_page_errors()
        self._check_planned()

    def _check_planned(self):
        "What was planned from the card is stored with the client and me"
        from proteus import Model
        self._proteus()
        Communication = Model.get('crm.communication')
        planned, = Communication.find([('subject', '=', NEW_MEETING)])
        self.assertEqual([p.name for p in planned.parties], [CLIENT])
        self.assertEqual(planned.organiser.rec_name, 'Марина Соколова')
        self.assertEqual(planned.start, NEW_START)
        self.assertEqual(planned.end, NEW_START + dt.timedelta(hours=1))

    # The steps of a person at the screen

    def _log_in(self):
        page = self.page
        page.goto(self.url)
        expect(page.locator('input#database')).to_have_value(DATABASE)
        page.locator('#login').fill('admin')
        page.locator('#login').press('Enter')
        password = page.locator('.ask-dialog input[type="password"]')
        password.fill('admin')
        password.press('Enter')
        expect(page.locator('#menu .column-char').first).to_be_visible()
        self._wait_quiet()

    def _open_menu(self, *path):
        page = self.page
        *parents, leaf = path
        # An entry opened before stays open
        if not page.locator('#menu').locator(
                self._menu_entry(leaf)).first.is_visible():
            for name in parents:
                page.locator('#menu tr').filter(
                    has=self._menu_entry(name)).locator('.expander').click()
        page.locator('#menu').locator(self._menu_entry(leaf)).first.dblclick()
        expect(page.locator('#tablist li.active')).to_contain_text(leaf)
        self._wait_quiet()
        return page.locator('#tabcontent > .tab-pane.active')

    def _enter(self, field, text):
        "Type into a field and leave it, as sao takes the value on change"
        field.fill(text)
        field.press('Tab')
        expect(field).to_have_value(text)

    def _menu_entry(self, name):
        return self.page.locator('.column-char[title="%s"]' % name)

    def _screenshot(self, name):
        self._wait_quiet()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / name))

    # Waiting for sao

    def _watch_requests(self):
        self._requests = set()
        self._last_request = time.monotonic()

        def start(request):
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
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(50)
            self._check_page_errors()
            if (not self._requests
                    and time.monotonic() - self._last_request > quiet):
                return
        self.fail('sao still busy after %ss' % timeout)

    def _check_page_errors(self):
        if self.page_errors:
            self.fail('JavaScript error in sao:\n' + '\n'.join(
                    '\n'.join((e.stack or str(e)).splitlines()[:4])
                    for e in self.page_errors))
