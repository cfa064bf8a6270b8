"""An administrator builds a scenario in the web client ("a new client
becomes current") and sees it act on the next card created, and the run in
the card's Automation Log (browser.py).

The server has no worker: the queued actions run when the request that
queued them ends, as Tryton runs its queue without one."""
from . import test_browser
from .browser import expect

NEW_CLIENT = 'ООО «Новый клиент»'
SCENARIO = 'Новый клиент — текущий'


class AutomationBrowserTest(test_browser.CardDataBrowserTest):
    "A scenario made in sao, set off by a card made in sao"
    database = 'crmauto'

    def test_scenario_acts_on_new_card(self):
        "Counterparty created → set the status; the card shows its run"
        self._log_in()
        self._make_scenario()
        tab = self._open_menu('Clients', 'Counterparties')
        tab.locator('button#new_').click()
        self._wait_quiet()
        self._enter(tab.locator('input[name="name"]'), NEW_CLIENT)
        self._save(tab)
        tab.locator('button#reload').click()
        self._wait_quiet()
        status = tab.locator('select[name="counterparty_status"]')
        expect(status.locator('option:checked')).to_have_text('Current')

        tab.locator('button#relate').click()
        self.page.locator('.dropdown-menu a', has_text='Automation Log'
            ).click()
        self._wait_quiet()
        log = self.page.locator('#tabcontent > .tab-pane.active')
        rows = log.locator('.treeview tbody tr').filter(visible=True)
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(SCENARIO)
        expect(rows.first).to_contain_text('Done')
        self._screenshot('automation_log.png')
        self._check_stored_run()

    def _make_scenario(self):
        "Name, trigger and one action, typed in the scenario's form"
        tab = self._open_menu('Clients', 'Configuration', 'Automation')
        tab.locator('button#new_').click()
        self._wait_quiet()
        self._enter(tab.locator('input[name="name"]'), SCENARIO)
        tab.locator('select[name="trigger_kind"]').select_option(
            label='Counterparty created')
        self._wait_quiet()
        self._one2many(tab, 'Actions').get_by_role(
            'button', name='New', exact=True).click()
        dialog = self.page.locator('.window-form.modal.in')
        self._wait_quiet()
        dialog.locator('select[name="kind"]').select_option(
            label='Set the status')
        self._wait_quiet()
        status = dialog.locator('input[name="status"]')
        status.fill('Current')
        status.press('Tab')
        self._wait_quiet()
        # sao asks which status in its search window, the one found in it
        search = self.page.locator('.modal.in', has_text='Search Status')
        search.locator('tbody tr', has_text='Current').dblclick()
        self._wait_quiet()
        expect(status).to_have_value('Current')
        dialog.get_by_role('button', name='Add', exact=True).click()
        self._wait_quiet()
        self._expect_closed(dialog)
        tab.locator('button#save').click()
        self._wait_quiet()
        expect(tab.locator('.infobar .alert', has_text='Record saved.')
            ).to_be_visible()
        self._screenshot('automation_scenario.png')
        self.page.locator('#tablist > li.active .close').click()
        self._wait_quiet()

    def _check_stored_run(self):
        "The run the server logged: the scenario's, on the new card"
        from proteus import Model
        self._proteus()
        Run = Model.get('crm.automation.run')
        run, = Run.find([])
        self.assertEqual(
            (run.automation.name, run.party.name, run.state),
            (SCENARIO, NEW_CLIENT, 'done'))
