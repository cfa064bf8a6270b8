"""A person filters the client list and exports the list as it is filtered
now, not every counterparty (browser.py)."""
from . import test_browser
from .browser import expect


class ExportListedBrowserTest(test_browser.CardDataBrowserTest):
    "Export the List as Filtered from the client list"
    database = 'crmexport'

    def test_export_filtered_list(self):
        "Filtered to one counterparty, the export writes that one only"
        self._log_in()
        tab = self._open_menu('Clients', 'Counterparties')
        search = tab.locator('.filter-box input[placeholder="Search"]').first
        search.fill('Петров')
        search.press('Enter')
        self._wait_quiet()
        rows = tab.locator('.treeview tbody tr').filter(visible=True)
        expect(rows).to_have_count(1)
        rows.first.locator('td', has_text=test_browser.OTHER_NAME).click()
        self._wait_quiet()
        tab.locator('button#action').click()
        self.page.locator('a[role="menuitem"]', has_text=(
                "Export the List as Filtered")).click()
        self._wait_quiet()
        dialog = self.page.locator('.modal.in')
        scope = dialog.locator('select[name="scope"]')
        # The two it can do: the list given, or all one may see (sorted)
        expect(scope.locator('option:not([value=""])')).to_have_text([
                "All Counterparties I See", "The List as Filtered Now"])
        expect(scope).to_have_value('"listed"')
        dialog.get_by_role('button', name='Export', exact=True).click()
        self._wait_quiet()
        self._check_file()

    def _check_file(self):
        "The file the wizard made holds the filtered row alone"
        from proteus import Model

        from trytond.modules.crm_counterparty.importing import tabular
        self._proteus()
        Party = Model.get('party.party')
        self.assertGreater(len(Party.find([])), 1)
        save = self.page.locator('.modal.in button[aria-label="Save As"]')
        expect(save).to_have_count(1)
        with self.page.expect_download() as download:
            save.click()
        with open(download.value.path(), 'rb') as data:
            names = [row[0] for _, row in tabular.rows(data.read())][1:]
        self.assertEqual(names, [test_browser.OTHER_NAME])
