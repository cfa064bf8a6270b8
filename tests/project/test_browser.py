"""A person fills a counterparty card in the web client and finds it again.

A real trytond serving sao, and Debian's chromium driven by Playwright
(browser.py).
"""
import re

from .browser import BrowserTestCase, expect

COMPANY_NAME = 'ООО «Северный ветер»'
PERSON_NAME = 'Иванов Иван Иванович'
POSITION = 'Директор'
PHONE = '8 (916) 555-12-34'
PHONE_COMPACT = '+79165551234'
PHONE_FRAGMENT = '555-12'
PHONE_INTERNATIONAL = '+7 (916) 555-12-34'
OTHER_NAME = 'ИП Петров Пётр Петрович'
TRASHED = ['ООО «Старый клиент»', 'ООО «Давний клиент»']


class CardDataBrowserTest(BrowserTestCase):
    "The data of the card's tests, for the tests of the list to share"

    @classmethod
    def set_up_data(cls):
        "A company in Russia whose employee is the admin, one other party"
        from proteus import Model

        from trytond.modules.company.tests.tools import create_company
        from trytond.modules.currency.tests.tools import get_currency

        Country = Model.get('country.country')
        Party = Model.get('party.party')
        Employee = Model.get('company.employee')
        User = Model.get('res.user')

        russia = Country(name='Russia', code='RU')
        russia.save()
        own = Party(name='ООО «Наша фирма»')
        address, = own.addresses
        address.city = 'Москва'
        address.country = russia
        own.save()
        create_company(party=own, currency=get_currency('RUB'))
        company, = Model.get('company.company').find()

        person = Party(name='Администратор Админ')
        person.kind = 'person'
        person.save()
        employee = Employee(party=person, company=company)
        employee.save()
        admin, = User.find([('login', '=', 'admin')])
        admin.companies.append(company)
        admin.company = company
        admin.employees.append(employee)
        admin.employee = employee
        admin.save()
        cls.employee_name = employee.rec_name

        # Not matched by the phone fragment: the search must tell them apart
        other = Party(name=OTHER_NAME)
        other.kind = 'person'
        mechanism = other.contact_mechanisms.new(type='phone')
        mechanism.value = '8 (495) 123-45-67'
        other.save()

        # Deleted ones go to the trash
        trashed = [Party(name=name) for name in TRASHED]
        Party.save(trashed)
        for party in trashed:
            party.delete()


class CounterpartyCardBrowserTest(CardDataBrowserTest):
    "Create a company card with a contact person and a phone, search it"
    database = 'crmtest'

    def test_fill_card_and_find_by_phone(self):
        "A person creates a company card and finds it by a piece of phone"
        self._log_in()
        tab = self._open_menu('Clients', 'Counterparties')
        self._fill_card(tab)
        self._screenshot('card_form.png')

        tab.locator('button#switch_').click()
        rows = self._search(tab, PHONE_FRAGMENT)
        # The unrelated counterparty is gone: the search did filter
        expect(rows.filter(has_text=OTHER_NAME)).to_have_count(0)
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(COMPANY_NAME)
        self._screenshot('card_search.png')
        # Typed the international way: the web client splits it into words
        rows = self._search(tab, PHONE_INTERNATIONAL)
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(COMPANY_NAME)

        self._check_stored_card()

    def test_phone_of_new_person_in_pop_up(self):
        "A phone typed for a new contact person of a new company card"
        self._log_in()
        tab = self._open_menu('Clients', 'Counterparties')
        tab.locator('button#new_').click()
        self._wait_quiet()
        self._enter(tab.locator('input[name="name"]'), 'ООО «Южный мост»')
        self._notebook_tab(tab, 'Contact Persons').click()
        self._one2many(tab, 'Contact Persons').get_by_role(
            'button', name='New', exact=True).click()
        dialog = self.page.locator('.window-form.modal.in')
        self._wait_quiet()
        self._enter(dialog.locator('input[name="name"]'), 'Сидоров Семён')
        mechanisms = self._one2many(dialog, 'Contact Mechanisms')
        mechanisms.get_by_role('button', name='New', exact=True).click()
        self._wait_quiet()
        row = mechanisms.locator('tbody tr.selected')
        row.locator('select[name="type"]').select_option(label='Phone')
        row.locator('input[name="value"]').fill('+7 916 777 88 99')
        row.locator('input[name="value"]').press('Tab')
        self._wait_quiet()
        # No "Application Error" about the person's address
        self.assertEqual(self._dialog_texts(), 'no message')
        expect(mechanisms.locator('tbody tr', has_text='8 (916) 777-88-99')
            ).to_have_count(1)

    def test_restore_in_one_click(self):
        "Restore in the trash brings back the row it is in at one click"
        self._log_in()
        tab = self._open_menu('Clients', 'Trash')
        rows = tab.locator('.treeview tbody tr').filter(visible=True)
        expect(rows).to_have_count(len(TRASHED))
        # Times to the second: hh:mm:ss, no fraction
        expect(rows.first.get_by_role(
                'cell', name=re.compile(r'^\d\d:\d\d:\d\d$'))).to_have_count(1)
        # Not the current row: sao's first click used to select it only
        row = rows.nth(1)
        name, = [n for n in TRASHED if n in row.inner_text()]
        row.get_by_role('button', name='Restore').click()
        self._wait_quiet()
        self.assertEqual(self._dialog_texts(), 'no message')
        expect(rows).to_have_count(len(TRASHED) - 1)
        expect(rows.filter(has_text=name)).to_have_count(0)

    def test_mass_edit_refreshes_list(self):
        "The list shows what mass editing wrote, without Reload"
        self._log_in()
        tab = self._open_menu('Clients', 'Counterparties')
        self._wait_quiet()
        row = tab.locator('.treeview tbody tr', has_text=OTHER_NAME)
        expect(row).not_to_contain_text('Hopeless')
        row.locator('td').nth(1).click()
        self._wait_quiet()
        tab.locator('button#action').click()
        self.page.locator('.dropdown-menu a', has_text='Mass Editing').click()
        dialog = self.page.locator('.modal.in', has_text='Mass Editing')
        self._wait_quiet()
        dialog.locator('select[name="counterparty_status"]').select_option(
            label='Hopeless')
        dialog.get_by_role('button', name='Change').click()
        self._wait_quiet()
        self.page.locator('.modal.in').get_by_role(
            'button', name='Close').click()
        self._wait_quiet()
        expect(row).to_contain_text('Hopeless')

    def test_attachment_count_follows_files(self):
        "A file added in the card's Files block counts in the toolbar"
        self._log_in()
        tab = self._open_menu('Clients', 'Counterparties')
        tab.locator('.treeview tbody tr', has_text=OTHER_NAME).dblclick()
        self._wait_quiet()
        attach = tab.locator('button#attach')
        self._notebook_tab(tab, 'Files').click()
        files = self._one2many(tab, 'Files')
        files.get_by_role('button', name='New', exact=True).click()
        self._wait_quiet()
        # The block is an editable list: the file is chosen in its row
        row = files.locator('tbody tr.selected')
        self._enter(row.locator('input[name="name"]'), 'договор.txt')
        row.locator('input[type="file"]').set_input_files(files=[{
                    'name': 'договор.txt', 'mimeType': 'text/plain',
                    'buffer': 'Договор'.encode()}])
        self._wait_quiet()
        self._save(tab)
        expect(attach.locator('.badge')).to_have_text('1')

    def _check_stored_card(self):
        "What the browser saved is what the server stored"
        from proteus import Model
        self._proteus()
        Party = Model.get('party.party')
        company, = Party.find([('name', '=', COMPANY_NAME)])
        self.assertEqual(company.kind, 'company')
        self.assertEqual(company.responsible.rec_name, self.employee_name)
        person, = company.contact_persons
        self.assertEqual(
            (person.name, person.kind, person.position, person.employer),
            (PERSON_NAME, 'person', POSITION, company))
        phone, = company.contact_mechanisms
        self.assertEqual(
            (phone.type, phone.value, phone.value_compact),
            ('phone', PHONE, PHONE_COMPACT))

    # The steps of a person at the screen

    def _fill_card(self, tab):
        "A new company card with its director and its phone, saved"
        tab.locator('button#new_').click()
        self._wait_quiet()
        self._enter(tab.locator('input[name="name"]'), COMPANY_NAME)
        tab.locator('select[name="kind"]').select_option(label='Company')
        # The responsible defaults to the user's employee
        expect(tab.locator('input[name="responsible"]')).to_have_value(
            self.employee_name)
        self._add_contact_person(tab, PERSON_NAME, POSITION)
        self._add_phone(tab, PHONE)
        self._save(tab)
        # The party code comes from a sequence when the server creates it
        expect(tab.locator('input[name="code"]')).not_to_have_value('')
        # Back to the contact persons for the screenshot
        self._notebook_tab(tab, 'Contact Persons').click()
        persons = self._one2many(tab, 'Contact Persons')
        expect(persons.locator('tbody tr', has_text=PERSON_NAME)) \
            .to_contain_text(POSITION)

    def _search(self, tab, text):
        "Search the list as typed in its search box, return its rows"
        self._wait_quiet()
        search = tab.locator('.filter-box input[placeholder="Search"]').first
        search.fill(text)
        search.press('Enter')
        self._wait_quiet()
        # The list's rows only: the lists of the hidden card are hidden
        return tab.locator('.treeview tbody tr').filter(visible=True)

    def _add_contact_person(self, tab, name, position):
        "The contact persons list opens a dialog for each new person"
        self._notebook_tab(tab, 'Contact Persons').click()
        self._one2many(tab, 'Contact Persons').get_by_role(
            'button', name='New', exact=True).click()
        dialog = self.page.locator('.window-form.modal.in')
        self._wait_quiet()
        self._enter(dialog.locator('input[name="name"]'), name)
        self._enter(dialog.locator('input[name="position"]'), position)
        self._wait_quiet()
        # Still there after sao's last redraw
        expect(dialog.locator('input[name="name"]')).to_have_value(name)
        dialog.get_by_role('button', name='Add', exact=True).click()
        self._wait_quiet()
        self._expect_closed(dialog)

    def _add_phone(self, tab, number):
        "Contact mechanisms are edited in the list itself"
        self._notebook_tab(tab, 'Contact Data').click()
        mechanisms = self._one2many(tab, 'Contact Mechanisms')
        mechanisms.get_by_role('button', name='New', exact=True).click()
        self._wait_quiet()
        row = mechanisms.locator('tbody tr.selected')
        row.locator('select[name="type"]').select_option(label='Phone')
        self._enter(row.locator('input[name="value"]'), number)
        self._wait_quiet()
        expect(mechanisms.locator('tbody tr', has_text=number)) \
            .to_have_count(1)
