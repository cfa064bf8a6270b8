"""A person stars a counterparty from the client list with one click and
unstars it again, without the card opening (browser.py)."""
from . import test_browser
from .browser import expect


class FavoriteStarBrowserTest(test_browser.CardDataBrowserTest):
    "The star column of the client list"
    database = 'crmstar'

    def test_star_in_list_row(self):
        "One click stars the row, another unstars it; the list stays"
        self._log_in()
        tab = self._open_menu('Clients', 'Counterparties')
        row = tab.locator('.treeview tbody tr', has_text=test_browser.OTHER_NAME)
        star = row.locator('button[name="toggle_favorite"]')
        expect(star).to_be_visible()
        # sao gives a row's button to the row in hand: a click on another
        # row's star first takes that row (tree.js, ButtonColumn)
        row.locator('td', has_text=test_browser.OTHER_NAME).click()
        self._wait_quiet()
        self.assertEqual(self._starred(), [])
        star.click()
        self._wait_quiet()
        self.assertEqual(self._starred(), [test_browser.OTHER_NAME])
        # Still the list: the click did not open the card
        expect(row).to_be_visible()
        expect(tab.locator('input[name="name"]')).to_have_count(0)
        self._screenshot('list_star.png')
        star.click()
        self._wait_quiet()
        self.assertEqual(self._starred(), [])

    def _starred(self):
        "The admin's favourites as the server stores them"
        from proteus import Model
        self._proteus()
        Party = Model.get('party.party')
        return [p.name for p in Party.find([('favorite', '=', True)])]
