"""A person prints the counterparty list from the web client and gets a PDF
named after the print and the day (browser.py; LibreOffice as `make test`
installs it); the list as filtered prints with no row selected."""
import datetime as dt
import json
import re

from trytond.modules.crm_counterparty.tests.test_report import document_text

from . import test_browser
from .browser import expect

REPORT = "Counterparties with Contact Persons"
LISTED_REPORT = "List of Counterparties with Contact Persons"
DISABLED = re.compile(r'\bdisabled\b')


class PrintBrowserTest(test_browser.CardDataBrowserTest):
    "The print of the client list"
    database = 'crmprint'
    _search = test_browser.CounterpartyCardBrowserTest._search

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

    def test_print_filtered_list_without_selection(self):
        "Print › List of … prints the rows the filter shows, none selected"
        from proteus import Model
        self._log_in()
        tab = self._open_menu('Clients', 'Counterparties')
        expect(self._search(tab, "Петров")).to_have_count(1)
        expect(tab.locator('.treeview tbody tr.selected')).to_have_count(0)
        button = tab.locator('button#print')
        expect(button).to_be_enabled()
        button.click()
        entries = self.page.locator('li', has=self.page.locator(
                'a[role="menuitem"]')).locator('visible=true')
        # The print of the selected ones waits for a selection
        expect(entries.filter(has_text=REPORT).filter(
                has_not_text="List of")).to_have_class(DISABLED)
        entry = entries.filter(has_text=LISTED_REPORT)
        expect(entry).not_to_have_class(DISABLED)

        def report_call(request):
            return 'report.crm.counterparty.list.execute' in (
                request.post_data or '')
        with self.page.expect_request(report_call) as request, \
                self.page.expect_download(timeout=60_000) as download:
            entry.click()
        Party = Model.get('party.party')
        petrov, = Party.find([('name', '=', test_browser.OTHER_NAME)])
        self.assertEqual(
            json.loads(request.value.post_data)['params'][0], [petrov.id])

        download = download.value
        today = dt.datetime.now(dt.timezone.utc).date().isoformat()
        name, extension = download.suggested_filename.rsplit('.', 1)
        self.assertEqual(name, '%s-%s' % (LISTED_REPORT, today))
        with open(download.path(), 'rb') as file:
            content = file.read()
        if extension == 'pdf':
            self.assertEqual(content[:5], b'%PDF-')
        else:
            # Without LibreOffice the document itself, which can be read
            self.assertEqual(extension, 'odt')
            text = '\n'.join(document_text(content))
            self.assertIn(test_browser.OTHER_NAME, text)
