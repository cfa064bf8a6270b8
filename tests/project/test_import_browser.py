"""A person imports an Excel file of counterparties in the web client.

Starts a real trytond (SQLite, in a temporary directory, no queue worker:
the import runs after the request) serving the sao web client from web/,
and drives Debian's chromium through Playwright.  Needs `make web`.
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
DATABASE = 'crmimport'
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-dev-shm-usage']
TIMEOUT = 15_000

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
class ImportBrowserTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmpdir = Path(tempfile.mkdtemp(prefix='crm-import-browser-'))
        cls.addClassCleanup(shutil.rmtree, cls.tmpdir, ignore_errors=True)
        port = _free_port()
        cls.url = 'http://127.0.0.1:%s/' % port
        config = cls.tmpdir / 'trytond.conf'
        config.write_text(
            '[database]\nuri = sqlite://\npath = %s\n\n'
            '[web]\nlisten = 127.0.0.1:%s\nroot = %s\n'
            % (cls.tmpdir, port, SAO))
        (cls.tmpdir / (DATABASE + '.sqlite')).touch()
        (cls.tmpdir / 'admin.pass').write_text('admin\n')
        subprocess.run([str(BIN / 'trytond-admin'), '-c', str(config),
                '-d', DATABASE, '--all', '--activate-dependencies',
                '-u', 'crm_counterparty'],
            env={**os.environ,
                'TRYTONPASSFILE': str(cls.tmpdir / 'admin.pass')},
            input='\n', capture_output=True, text=True, timeout=300,
            check=True)
        from proteus import Model, config as proteus_config
        proteus_config.set_trytond(
            database=DATABASE, config_file=str(config))
        # Else the admin's first login opens the configuration wizard
        ConfigItem = Model.get('ir.module.config_wizard.item')
        items = ConfigItem.find([('state', '=', 'open')])
        for item in items:
            item.state = 'done'
        ConfigItem.save(items)
        cls.proteus_config = proteus_config

        from trytond.modules.crm_counterparty.tests.test_import_rules import (
            HEADER, ROWS, xlsx)
        cls.file = cls.tmpdir / 'clients.xlsx'
        cls.file.write_bytes(xlsx([HEADER] + ROWS))

        cls.server_log = open(cls.tmpdir / 'trytond.log', 'wb')
        cls.server = subprocess.Popen(
            [str(BIN / 'trytond'), '-c', str(config), '-d', DATABASE],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=cls.server_log)
        cls.addClassCleanup(cls._stop_server)
        for _ in range(300):
            try:
                socket.create_connection(('127.0.0.1', port), 1).close()
                break
            except OSError:
                time.sleep(0.2)

    @classmethod
    def _stop_server(cls):
        cls.server.terminate()
        cls.server.wait(10)
        cls.server_log.close()

    def test_import_excel_file(self):
        "Upload, see the columns and the preview, import, read the report"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(
                locale='en-US', viewport={'width': 1600, 'height': 900})
            page.set_default_timeout(TIMEOUT)
            expect.set_options(timeout=TIMEOUT)
            errors = []
            page.on('pageerror', lambda e: errors.append(e))

            page.goto(self.url)
            expect(page.locator('input#database')).to_have_value(DATABASE)
            page.locator('#login').fill('admin')
            page.locator('#login').press('Enter')
            password = page.locator('.ask-dialog input[type="password"]')
            password.fill('admin')
            password.press('Enter')
            menu = page.locator('#menu')
            expect(menu.locator('.column-char').first).to_be_visible()
            menu.locator('tr').filter(has=page.locator(
                    '.column-char[title="Clients"]')).locator(
                '.expander').click()
            menu.locator('.column-char[title="Import Counterparties"]') \
                .click()
            page.keyboard.press('Enter')

            dialog = page.locator('.wizard-dialog.modal.in')
            dialog.locator('input[type="file"]').first.set_input_files(
                str(self.file))
            dialog.get_by_role('button', name='Next').click()
            expect(dialog).to_have_count(0)

            tab = page.locator('#tabcontent > .tab-pane.active')
            columns = tab.locator('.form-one2many').filter(
                has=page.locator('.form-one2many-string', has_text='Columns'))
            expect(columns.locator('tbody tr').filter(
                    has_text='Моб. телефон контакта')).to_contain_text(
                'Mobile Phone of Contact')
            preview = tab.locator('.form-one2many').filter(
                has=page.locator('.form-one2many-string', has_text='Preview'))
            # sao draws as many rows as the screen shows, then "More"
            rows = preview.locator('tbody tr:not(.more-row)')
            expect(rows.first).to_be_visible()
            if preview.locator('tr.more-row').count():
                preview.locator('tr.more-row').click()
            expect(rows).to_have_count(3)
            expect(preview.locator('tbody tr').first).to_contain_text(
                'Created')

            tab.locator('button[name="start"]').click()
            # Without a worker the import runs once the request is done
            time.sleep(3)
            tab.locator('button#reload').click()
            tab.locator('a[role="tab"]', has_text='Report').click()
            report = tab.locator('.form-one2many').filter(
                has=page.locator('.form-one2many-string', has_text='Report'))
            expect(report.locator('tbody tr')).to_have_count(3)
            expect(report.locator('tbody tr').last).to_contain_text(
                'ИП Смирнов')
            self.assertEqual(errors, [])
            browser.close()

        from proteus import Model
        Import = Model.get('crm.counterparty.import')
        batch, = Import.find([])
        self.assertEqual((batch.state, batch.created), ('done', 3))
