"""Every entry of the Clients menu opens in the web client: its list is
drawn, then its form, with no error of sao's (browser.py).

Each entry is opened as sao opens the one a person double-clicks
(`Sao.main_menu_row_activate`: the menu's "tree_open" keyword), so its
action, domain, context and views are the menu's own."""
from . import test_browser
from .browser import expect

OPEN_MENU = """id => Sao.Action.exec_keyword(
    'tree_open', {'model': 'ir.ui.menu', 'id': id}, null, false)"""


class MenusBrowserTest(test_browser.CardDataBrowserTest):
    "Each window of the Clients menu draws its list and its form"
    database = 'crmmenus'

    @classmethod
    def set_up_data(cls):
        super().set_up_data()
        from proteus import Model
        Menu = Model.get('ir.ui.menu')
        clients, = Menu.find([
                ('name', '=', 'Clients'), ('parent', '=', None)])
        cls.windows = [(m.id, m.complete_name) for m in Menu.find(
                [('parent', 'child_of', [clients.id])],
                order=[('id', 'ASC')])
            if m.action and m.action.__class__.__name__ == (
                'ir.action.act_window')]

    def test_every_window_draws(self):
        "List and form of each window, each in a tab of its own, then closed"
        self.assertGreater(len(self.windows), 20)
        self._log_in()
        for menu_id, name in self.windows:
            with self.subTest(menu=name):
                try:
                    self._draw(menu_id)
                finally:
                    # An error is its window's: the next ones start clean
                    self.page_errors.clear()
                    self._close_tabs()

    def _draw(self, menu_id):
        "Open the window of menu_id, draw its list and its form"
        self.page.evaluate(OPEN_MENU, menu_id)
        expect(self.page.locator('#tablist > li')).to_have_count(1)
        self._wait_quiet()
        tab = self.page.locator('#tabcontent > .tab-pane.active')
        switch = tab.locator('button#switch_')
        # A window of one view (a calendar, a graph) has no other
        if switch.is_visible() and switch.is_enabled():
            switch.click()
            self._wait_quiet()
        self.assertEqual(self._dialog_texts(), 'no message')

    def _close_tabs(self):
        "Close the tabs, leaving a new record unsaved if a form made one"
        tabs = self.page.locator('#tablist > li')
        # Bounded: a tab that will not close fails below, not here forever
        for _ in range(5):
            if not tabs.count():
                break
            tabs.last.locator('.close').click()
            self.page.wait_for_timeout(200)
            ask = self.page.locator('.modal.in .modal-footer')
            if ask.count():
                ask.get_by_role('button', name='No').click()
            self.page.wait_for_timeout(200)
        expect(tabs).to_have_count(0)
