"""A person opens a card, changes its status, writes a comment in the
card's journal and sees both at the top of it (browser.py)."""
from . import test_browser
from .browser import expect

COMMENT = 'Звонили, ждут коммерческое предложение'


class JournalBrowserTest(test_browser.CardDataBrowserTest):
    "The journal tab of the card"
    database = 'crmjournal'

    def test_status_change_and_comment(self):
        "The status change and the comment, newest first, in the journal"
        self._log_in()
        tab = self._open_menu('Clients', 'Counterparties')
        tab.locator('.treeview tbody tr',
            has_text=test_browser.OTHER_NAME).dblclick()
        self._wait_quiet()
        tab.locator('select[name="counterparty_status"]').select_option(
            label='Current')
        self._wait_quiet()
        self._save(tab)

        self._notebook_tab(tab, 'Journal').click()
        self._wait_quiet()
        comment = tab.locator('textarea[name="journal_comment"]')
        comment.fill(COMMENT)
        comment.press('Tab')
        self._wait_quiet()
        tab.get_by_role('button', name='Send').click()
        self._wait_quiet()

        rows = tab.locator('.form-many2many').filter(
            has=self.page.locator('.form-many2many-string', has_text='Journal')
            ).locator('tbody tr')
        expect(rows.nth(0)).to_contain_text(COMMENT)
        expect(rows.nth(0)).to_contain_text('Comment')
        expect(rows.filter(
                has_text='Status: Potential → Current')).to_have_count(1)
        expect(rows.last).to_contain_text('Card created.')
        # The comment box is empty again, ready for the next one
        expect(comment).to_have_value('')
        self._screenshot('card_journal.png')

        # The whole journal, in pages, in a tab of its own
        tab.get_by_role('button', name='Whole Journal').click()
        self._wait_quiet()
        journal = self.page.locator('#tabcontent > .tab-pane.active')
        expect(journal.locator('.treeview tbody tr').first).to_contain_text(
            COMMENT)
        expect(journal.locator('.treeview tbody tr', has_text='Card created.')
            ).to_have_count(1)
