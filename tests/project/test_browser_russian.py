"""The administrator works in Russian: the menus and lists he sets the
module up with, and the revision dialog, read Russian in the web client.

tests/test_translation_reach.py checks every string of these screens; this
test looks at them as a person does, in sao.
"""
import re

from .browser import BrowserTestCase, expect

CYRILLIC = re.compile('[А-Яа-яЁё]')
# Menu paths to the setup screens and a column each must show; after the
# first, Администрирование stays open (the menu keeps what was opened)
SETUP_SCREENS = [
    (("Администрирование", "Планировщик", "Действия"), "Метод"),
    (("Модели", "Триггеры"), "При создании"),
    (("Нумерации", "Строгие нумерации"), "Тип нумерации"),
    (("Модули", "Шаги мастера настройки"), "Действие"),
    ]


class RussianAdminBrowserTest(BrowserTestCase):
    "The administrator's setup screens in Russian"
    database = 'russian'
    languages = ['ru']

    @classmethod
    def set_up_data(cls):
        from proteus import Model
        Lang = Model.get('ir.lang')
        User = Model.get('res.user')
        admin, = User.find([('login', '=', 'admin')])
        admin.language, = Lang.find([('code', '=', 'ru')])
        admin.save()

    def test_setup_screens_russian(self):
        "Each setup screen's tab and columns read Russian"
        self._log_in()
        expect(self._menu_entry("Клиенты")).to_be_visible()
        for path, column in SETUP_SCREENS:
            with self.subTest(screen=path[-1]):
                tab = self._open_menu(*path)
                headers = tab.locator('th:visible').all_inner_texts()
                self.assertIn(column, [h.strip() for h in headers])
                english = [h for h in headers
                    if h.strip() and not CYRILLIC.search(h)]
                self.assertEqual(english, [])
        self._screenshot('russian_admin_modules.png')

    def test_revision_dialog_russian(self):
        "The revision dialog's title and label read Russian"
        self._log_in()
        # The dialog "Show revisions..." opens, on a list of none
        self.page.evaluate(
            'new Sao.Window.Revision([], null, function() {})')
        dialog = self.page.locator('.modal.in')
        expect(dialog.locator('.modal-title')).to_have_text("Версия")
        expect(dialog.locator('label[for="revision"]')).to_have_text(
            "Версия")
