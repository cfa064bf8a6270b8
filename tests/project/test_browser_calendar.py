"""A sales manager sees her week of communications in the web client's
calendar, coloured by category, and on the card of a client.

A real trytond serving sao, and Debian's chromium driven by Playwright
(browser.py).
"""
import datetime as dt
import re

from .browser import BrowserTestCase, expect

CLIENT = 'ООО «Северный ветер»'
MY_CALL = 'Звонок о поставке'
MY_MEETING = 'Встреча в офисе'
HIS_CALL = 'Звонок коллеги'
NEW_MEETING = 'Встреча с директором'
NEXT_MEETING = 'Подписание договора'
NEW_START = dt.datetime(2030, 3, 4, 10, 0)
CALL_COLOR = 'rgb(33, 150, 243)'  # #2196f3, the colour of "Call"


class CommunicationCalendarBrowserTest(BrowserTestCase):
    "The calendar of communications and the card's activity in the browser"
    database = 'crmcalendar'

    @classmethod
    def set_up_data(cls):
        """The admin is a sales manager with a call and a meeting this
        week; a colleague has a call of his own"""
        from proteus import Model

        from trytond.modules.company.tests.tools import create_company
        from trytond.modules.currency.tests.tools import get_currency

        Party = Model.get('party.party')
        Employee = Model.get('company.employee')
        User = Model.get('res.user')
        Category = Model.get('crm.communication.category')
        Communication = Model.get('crm.communication')

        create_company(
            party=Party(name='ООО «Наша фирма»'),
            currency=get_currency('RUB'))
        company, = Model.get('company.company').find()
        employees = []
        for name in ['Марина Соколова', 'Олег Ветров']:
            person = Party(name=name, kind='person')
            person.save()
            employee = Employee(party=person, company=company)
            employee.save()
            employees.append(employee)
        marina, oleg = employees
        admin, = User.find([('login', '=', 'admin')])
        admin.companies.append(company)
        admin.company = company
        admin.employees.append(marina)
        admin.employee = marina
        admin.save()

        client = Party(name=CLIENT)
        client.save()
        call, = Category.find([('name', '=', 'Call')])
        meeting, = Category.find([('name', '=', 'Meeting')])
        # Within the week the calendar opens on, whatever today is
        monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
        for subject, category, day, hour, employee in [
                (MY_CALL, call, 1, 9, marina),
                (MY_MEETING, meeting, 2, 11, marina),
                (HIS_CALL, call, 3, 14, oleg),
                ]:
            start = dt.datetime.combine(
                monday + dt.timedelta(days=day), dt.time(hour))
            communication = Communication(
                company=company, subject=subject, category=category,
                start=start, end=start + dt.timedelta(hours=1),
                organiser=employee)
            communication.employees.append(Employee(employee.id))
            communication.parties.append(Party(client.id))
            communication.save()

    def test_calendar_and_card(self):
        "My week in the calendar, everybody's on request, the card's list"
        self._log_in()
        tab = self._open_menu('Clients', 'Communications')
        rows = tab.locator('.treeview tbody tr').filter(visible=True)
        # Mine by default
        expect(rows.filter(has_text=MY_CALL)).to_have_count(1)
        expect(rows.filter(has_text=HIS_CALL)).to_have_count(0)

        tab = self._open_menu(
            'Clients', 'Communications', 'Communication Calendar')
        calendar = tab.locator('.fc-view-container')
        expect(calendar).to_be_visible()
        events = calendar.locator('.fc-event')
        expect(events.filter(has_text=MY_CALL)).to_have_count(1)
        expect(events.filter(has_text=MY_MEETING)).to_have_count(1)
        expect(events.filter(has_text=HIS_CALL)).to_have_count(0)
        # Coloured by category
        expect(events.filter(has_text=MY_CALL)).to_have_css(
            'background-color', CALL_COLOR)
        self._screenshot('communication_calendar.png')

        # A colleague's communications on request: the tab of all
        tab.locator('.nav-tabs a, .filter-box a', has_text='All').first.click()
        self._wait_quiet()
        expect(events.filter(has_text=HIS_CALL)).to_have_count(1)
        self._screenshot('communication_calendar_all.png')

        # The client's card lists them in its activity, the newest first
        card = self._open_menu('Clients', 'Counterparties')
        card_rows = card.locator('.treeview tbody tr').filter(visible=True)
        card_rows.filter(has_text=CLIENT).first.dblclick()
        self._wait_quiet()
        card.locator('.form-notebook a[role="tab"]',
            has_text='Activity').click()
        self._wait_quiet()
        activity = card.locator('.form-one2many').filter(
            visible=True).first
        activity_rows = activity.locator('tbody tr').filter(visible=True)
        expect(activity_rows).to_have_count(3)
        expect(activity_rows.first).to_contain_text(HIS_CALL)
        self._screenshot('card_activity.png')

        # A communication planned right from the card
        activity.get_by_role('button', name='New', exact=True).click()
        dialog = self.page.locator('.window-form.modal.in')
        self._wait_quiet()
        self._enter(dialog.locator('input[name="subject"]'), NEW_MEETING)
        start = dialog.locator('[name="start"] input[type="text"], '
            'input[name="start"]').first
        self._enter(start, NEW_START.strftime('%m/%d/%Y %H:%M'))
        self._wait_quiet()
        dialog.locator('.modal-footer button#save').click()
        self._wait_quiet()
        expect(dialog).to_have_count(0)
        card.locator('button#save').click()
        self._wait_quiet()
        expect(card.locator('.infobar .alert', has_text='Record saved.')) \
            .to_be_visible()
        expect(activity_rows).to_have_count(4)
        expect(activity_rows.first).to_contain_text(NEW_MEETING)
        self._screenshot('card_activity_planned.png')
        self._check_page_errors()
        self._check_planned()

    def _check_planned(self):
        "What was planned from the card is stored with the client and me"
        from proteus import Model
        self._proteus()
        Communication = Model.get('crm.communication')
        planned, = Communication.find([('subject', '=', NEW_MEETING)])
        self.assertEqual([p.name for p in planned.parties], [CLIENT])
        self.assertEqual(planned.organiser.rec_name, 'Марина Соколова')
        self.assertEqual(planned.start, NEW_START)
        self.assertEqual(planned.end, NEW_START + dt.timedelta(hours=1))

    def test_list_and_form_readable(self):
        """The list names the participants, the form heads its employees
        as employees, and times show no seconds"""
        self._log_in()
        tab = self._open_menu('Clients', 'Communications')
        row = tab.locator('.treeview tbody tr').filter(
            visible=True).filter(has_text=MY_CALL)
        expect(row).to_contain_text(CLIENT)
        expect(row).to_contain_text('Марина Соколова')
        expect(row).not_to_contain_text('( 1 )')
        expect(row.locator('td', has_text=re.compile(r'^09:00$'))) \
            .to_have_count(1)
        tab.locator('button#new_').click()
        self._wait_quiet()
        employees = tab.locator('.form-many2many').filter(
            has=self.page.locator('.form-many2many-string',
                has_text='Employees'))
        expect(employees.locator('thead')).to_contain_text('Employee')
        expect(employees.locator('thead')).not_to_contain_text('Party')
        expect(employees.locator('tbody')).to_contain_text('Марина Соколова')
        self._screenshot('communication_form_readable.png')
        self._check_page_errors()

    def test_done_plans_next(self):
        "Done with the next one planned opens the new one, alone"
        self._log_in()
        tab = self._open_menu('Clients', 'Communications')
        row = tab.locator('.treeview tbody tr').filter(
            visible=True).filter(has_text=MY_MEETING)
        # A button of the list acts on the selected row
        row.locator('td', has_text=MY_MEETING).click()
        row.get_by_role('button', name='Done').click()
        dialog = self.page.locator('.wizard-dialog.modal.in')
        self._wait_quiet()
        dialog.locator('textarea[name="result"]').fill("Договорились")
        dialog.locator('input[name="plan_next"]').check()
        self._wait_quiet()
        self._enter(
            dialog.locator('input[name="next_subject"]'), NEXT_MEETING)
        dialog.locator('.modal-footer button', has_text='Done').click()
        self._wait_quiet()
        self._expect_closed(dialog)
        expect(self.page.locator('#tablist li')).to_have_count(2)
        next_tab = self.page.locator('#tabcontent > .tab-pane.active')
        expect(next_tab.locator('input[name="subject"]').filter(
                visible=True)).to_have_value(NEXT_MEETING)
        # Its tab holds the new one only
        expect(next_tab.locator('.navbar-text .badge').filter(
                visible=True).first).to_have_text('1/1')
        self._screenshot('communication_next_planned.png')
        self._check_page_errors()

    def test_create_from_calendar(self):
        """A click in the calendar plans one at the time clicked, a click
        on a day at the next round quarter hour of it; no JavaScript error,
        and the form goes back to the calendar, the list being an entry of
        its own"""
        self._log_in()
        page = self.page
        tab = self._open_menu(
            'Clients', 'Communications', 'Communication Calendar')
        expect(tab.locator('.fc-view-container')).to_be_visible()
        # Tomorrow at 14:00 in the week (Sunday first: the next column)
        tomorrow = dt.date.today() + dt.timedelta(days=1)
        if tomorrow.weekday() == 6:
            tab.locator('.fc-next-button').click()
            self._wait_quiet()
        column = tab.locator('.fc-day-header').nth(
            (tomorrow.weekday() + 1) % 7).bounding_box()
        slot = tab.locator('.fc-slats tr[data-time="14:00:00"]')
        slot.scroll_into_view_if_needed()
        row = slot.bounding_box()
        page.mouse.click(
            column['x'] + column['width'] / 2, row['y'] + row['height'] / 2)
        self._wait_quiet()
        start = tab.locator('input[name="start"]').filter(visible=True)
        expect(start).to_have_value(tomorrow.strftime('%m/%d/%Y 14:00'))
        end = tab.locator('input[name="end"]').filter(visible=True)
        expect(end).to_have_value(tomorrow.strftime('%m/%d/%Y 15:00'))
        self._check_page_errors()
        # Back to the calendar, nothing saved
        tab.locator('button#switch_').click()
        page.locator('.modal.in button', has_text='No').click()
        self._wait_quiet()
        expect(tab.locator('.fc-view-container')).to_be_visible()

        # Today in the month: from now
        tab.locator('.fc-month-button').click()
        self._wait_quiet()
        before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        today = tab.locator('td.fc-day.fc-today').bounding_box()
        page.mouse.click(
            today['x'] + today['width'] / 2, today['y'] + today['height'] / 2)
        self._wait_quiet()
        start = tab.locator('input[name="start"]').filter(visible=True)
        expect(start).to_have_value(
            re.compile(dt.date.today().strftime('%m/%d/%Y') + r' \d\d:\d\d'))
        value = dt.datetime.strptime(start.input_value(), '%m/%d/%Y %H:%M')
        self.assertEqual(value.minute % 15, 0)
        self.assertTrue(
            before.replace(second=0, microsecond=0) <= value
            <= before + dt.timedelta(minutes=15), value)
        self._screenshot('communication_from_calendar.png')
        self._check_page_errors()
