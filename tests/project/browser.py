"""What the browser tests share: a real trytond (SQLite, in a temporary
directory) with the module activated, serving the sao web client from web/,
and Debian's chromium driven by Playwright, with the steps of a person at
the screen and the waiting for sao between them.

Needs `make web` (sao in web/node_modules) and /usr/bin/chromium.
"""
import atexit
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
CHROMIUM_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-dev-shm-usage',
    '--no-first-run', '--disable-component-update', '--disable-sync',
    ]

# Each wait is bounded: a broken page fails in seconds, not at a CI timeout.
TIMEOUT = 15_000  # ms, for Playwright
SERVER_TIMEOUT = 60  # s, for trytond to answer

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:
    sync_playwright = None


# The databases just activated, copied for each class (see _create_database)
_TEMPLATES = Path(tempfile.gettempdir(), 'crm-browser-%s' % os.getpid())
atexit.register(shutil.rmtree, _TEMPLATES, ignore_errors=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Mailbox:
    "What the SMTP server received, as text"

    def __init__(self):
        self.messages = []
        self.port = None

    @property
    def config(self):
        "The lines of trytond's configuration that send mail here"
        return ('[email]\nuri = smtp://127.0.0.1:%s\n'
            'from = crm@example.com\n' % self.port)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, envelope.content.decode('utf-8', 'replace')))
        return '250 Message accepted for delivery'


def smtp_server(test_class):
    "A real SMTP server on loopback for test_class's time: its Mailbox"
    from aiosmtpd.controller import Controller
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname='127.0.0.1', port=free_port())
    smtp.start()
    test_class.addClassCleanup(smtp.stop)
    mailbox.port = smtp.port
    return mailbox


@unittest.skipIf(sync_playwright is None, 'playwright is not installed')
@unittest.skipUnless(os.access(CHROMIUM, os.X_OK), 'no ' + CHROMIUM)
@unittest.skipUnless(
    (SAO / 'node_modules').exists(), 'sao is not installed (make web)')
class BrowserTestCase(unittest.TestCase):
    "A trytond of the test's own and a browser page logged in as admin"
    database = None
    # The translations loaded besides English
    languages = []
    # Mail goes to a port nobody listens on: sending fails, logged only
    config = '[email]\nuri = smtp://127.0.0.1:{mail_port}\n'

    @classmethod
    def setUpClass(cls):
        cls.tmpdir = Path(tempfile.mkdtemp(prefix='crm-browser-'))
        cls.addClassCleanup(shutil.rmtree, cls.tmpdir, ignore_errors=True)
        cls.port = free_port()
        cls.url = 'http://127.0.0.1:%s/' % cls.port
        cls.config_file = cls._write_config()
        cls._create_database()
        cls._proteus()
        cls._close_configuration_wizard()
        cls.set_up_data()
        cls._start_server()

    @classmethod
    def set_up_data(cls):
        "What the story starts from, made with proteus"

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
            'root = %s\n'
            '\n' % (cls.tmpdir, cls.port, SAO)
            + cls.config.format(mail_port=free_port()))
        return config_file

    @classmethod
    def _create_database(cls):
        "A copy of the database made for an earlier class, or a new one"
        path = cls.tmpdir / (cls.database + '.sqlite')
        template = _TEMPLATES / ('-'.join(['db'] + cls.languages) + '.sqlite')
        # Each class changes its own copy: the activation, a minute of the
        # suite's time, is done once per set of languages
        if not template.exists():
            cls._activate(path)
            _TEMPLATES.mkdir(exist_ok=True)
            shutil.copyfile(path, template)
        shutil.copyfile(template, path)

    @classmethod
    def _activate(cls, path):
        # trytond opens an SQLite database only if its file exists
        path.touch()
        passfile = cls.tmpdir / 'admin.pass'
        passfile.write_text('admin\n')
        # No --email: trytond asks the DNS whether the domain takes mail,
        # which fails offline (and example.com takes none).  Without it,
        # trytond-admin asks for the email: a piped empty line says "none",
        # and then stdin is at its end, so nothing can wait on a terminal.
        result = subprocess.run([
                str(BIN / 'trytond-admin'), '-c', str(cls.config_file),
                '-d', cls.database, '--all', '--activate-dependencies',
                '-u', 'crm_counterparty']
            + [arg for code in cls.languages for arg in ['-l', code]],
            env={**os.environ, 'TRYTONPASSFILE': str(passfile)},
            input='\n', capture_output=True, text=True, timeout=300)
        if result.returncode:
            raise RuntimeError('trytond-admin failed:\n' + result.stderr)

    @classmethod
    def _proteus(cls):
        from proteus import config
        return config.set_trytond(
            database=cls.database, config_file=str(cls.config_file))

    @classmethod
    def _close_configuration_wizard(cls):
        "Else the admin's first login opens the module configuration wizard"
        from proteus import Model
        ConfigItem = Model.get('ir.module.config_wizard.item')
        items = ConfigItem.find([('state', '=', 'open')])
        for item in items:
            item.state = 'done'
        ConfigItem.save(items)

    @classmethod
    def _start_server(cls):
        cls.server_log = open(cls.tmpdir / 'trytond.log', 'wb')
        cls.server = subprocess.Popen([
                str(BIN / 'trytond'), '-c', str(cls.config_file),
                '-d', cls.database],
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
        # English labels whatever the machine's locale, the clock of the
        # stored times, a screen wide enough for sao's desktop layout
        self.page = browser.new_page(
            locale='en-US', timezone_id='UTC',
            viewport={'width': 1600, 'height': 900})
        self.page.set_default_timeout(TIMEOUT)
        expect.set_options(timeout=TIMEOUT)
        self.page_errors = []
        self.page.on('pageerror', lambda e: self.page_errors.append(e))
        self._watch_requests()

    # The steps of a person at the screen

    def _log_in(self):
        "sao asks the login, then the password in a second dialog"
        page = self.page
        page.goto(self.url)
        # Submitted before sao has the database list, the login is ignored
        expect(page.locator('input#database')).to_have_value(self.database)
        page.locator('#login').fill('admin')
        page.locator('#login').press('Enter')
        password = page.locator('.ask-dialog input[type="password"]')
        password.fill('admin')
        password.press('Enter')
        expect(page.locator('#menu .column-char').first).to_be_visible()
        self._wait_quiet()

    def _menu_path(self, *path):
        "Expand each parent entry of the menu, return the last entry"
        page = self.page
        *parents, leaf = path
        entry = page.locator('#menu').locator(self._menu_entry(leaf)).first
        # An entry opened before stays open
        if not entry.is_visible():
            for name in parents:
                page.locator('#menu tr').filter(
                    has=self._menu_entry(name)).locator('.expander').click()
        return entry

    def _open_menu(self, *path):
        "Open the menu entry of path with a double-click, return its tab"
        page = self.page
        self._menu_path(*path).dblclick()
        expect(page.locator('#tablist li.active')).to_contain_text(path[-1])
        self._wait_quiet()
        return page.locator('#tabcontent > .tab-pane.active')

    def _menu_entry(self, name):
        # sao puts the entry's name in the cell's title
        return self.page.locator('.column-char[title="%s"]' % name)

    def _notebook_tab(self, tab, name):
        return tab.locator('.form-notebook a[role="tab"]', has_text=name)

    def _one2many(self, tab, name):
        return tab.locator('.form-one2many').filter(
            has=self.page.locator('.form-one2many-string', has_text=name))

    def _enter(self, field, text):
        """Type into a field and leave it, as sao takes the value on change

        sao redraws a form after each answer of the server, some of them
        well after the last request (it draws in between): text not yet
        handed to sao would be wiped: on a busy machine the redraw of an
        earlier answer may come after the text, which is typed again then,
        as a person would."""
        for _ in range(3):
            field.fill(text)
            field.press('Tab')
            self._wait_quiet()
            if field.input_value() == text:
                break
        expect(field).to_have_value(text)

    def _save(self, tab):
        "Save the record, as a person does, and see it saved"
        tab.locator('button#save').click()
        self._wait_quiet()
        saved = tab.locator('.infobar .alert', has_text='Record saved.')
        try:
            expect(saved).to_be_visible(timeout=5_000)
        except AssertionError:
            # The server refused: sao shows why in a dialog
            raise self.failureException(
                'not saved: %s' % self._dialog_texts()) from None
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
