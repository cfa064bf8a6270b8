"""A person imports an Excel file of counterparties in the web client.

A real trytond (no queue worker: the import runs after the request, the file
read by a process of its own) serving sao, and Debian's chromium driven by
Playwright (browser.py).
"""
import logging
import os
import time
from unittest.mock import patch

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .browser import TIMEOUT, BrowserTestCase, expect


class ImportBrowserTest(BrowserTestCase):
    database = 'crmimport'
    # The file read by a process of its own, as a big one is, in the server
    config = BrowserTestCase.config + (
        '\n[crm_counterparty]\nimport_read_apart = 0\n')

    @classmethod
    def setUpClass(cls):
        # The server logs what the import does
        with patch.dict(os.environ,
                TRYTOND_LOGGING_LEVEL=str(logging.INFO)):
            super().setUpClass()

    @classmethod
    def set_up_data(cls):
        from trytond.modules.crm_counterparty.tests.test_import_rules import (
            HEADER, ROWS, xlsx)
        cls.file = cls.tmpdir / 'clients.xlsx'
        cls.file.write_bytes(xlsx([HEADER] + ROWS))

    def test_import_excel_file(self):
        "Upload, see the columns and the preview, import, read the report"
        page = self.page
        self._log_in()
        # A wizard: selected, then opened with Enter
        self._menu_path('Clients', 'Import Counterparties').click()
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
        more = preview.locator('tr.more-row')
        deadline = time.monotonic() + TIMEOUT / 1000
        while rows.count() < 3 and time.monotonic() < deadline:
            # Dispatched, not clicked: under load sao's busy layer covers
            # the row, which it then draws anew
            try:
                more.dispatch_event('click', timeout=1000)
            except PlaywrightTimeoutError:
                pass
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
        self._check_page_errors()

        from proteus import Model
        Import = Model.get('crm.counterparty.import')
        batch, = Import.find([])
        # The second row adds a contact person to the first row's company
        self.assertEqual((batch.state, batch.created, batch.merged),
            ('done', 2, 1))
        # Read by its own process: the server's log says no fallback
        log = (self.tmpdir / 'trytond.log').read_text()
        self.assertIn('read by a process of its own', log)
        self.assertNotIn('reading inline', log)
