"""A person prints the counterparty list from the web client and gets a PDF
named after the print and the day (browser.py; LibreOffice as `make test`
installs it)."""
import datetime as dt

from . import test_browser
from .browser import expect

REPORT = "Counterparties with Contact Persons"


class PrintBrowserTest(test_browser.CardDataBrowserTest):
    "The print of the client list"
    database = 'crmprint'

    def test_print_list_as_pdf(self):
        "Print › Counterparties with Contact Persons downloads a PDF"
        self._log_in()
        tab = self._open_menu('Clients', 'Counterparties')
        tab.locator('.treeview tbody tr td',
            has_text=test_browser.OTHER_NAME).click()
        self._wait_quiet()
        tab.locator('button#print').click()
        entry = self.page.locator('a[role="menuitem"]').filter(
            has_text=REPORT).locator('visible=true')
        entry = entry.filter(has_not_text="List of")
        expect(entry).to_have_count(1)
        # LibreOffice's first start takes a while
        with self.page.expect_download(timeout=60_000) as download:
            entry.click()
        download = download.value
        today = dt.datetime.now(dt.timezone.utc).date().isoformat()
        self.assertEqual(
            download.suggested_filename, '%s-%s.pdf' % (REPORT, today))
        with open(download.path(), 'rb') as pdf:
            self.assertEqual(pdf.read(5), b'%PDF-')
