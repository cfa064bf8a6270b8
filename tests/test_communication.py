# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Communications in the database: planning, the rules they keep, the
card's activity and last contact, and what participants are told."""
import datetime as dt

import icalendar

from trytond.exceptions import UserWarning
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import (
    _DBTestCase, activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction

from trytond.modules.crm_counterparty.tests.smtp_server import smtp_server
from trytond.modules.crm_counterparty.tests.test_client_list import run_queue

START = dt.datetime(2030, 3, 4, 9, 0)
PAST = dt.datetime(2025, 3, 4, 9, 0)
HOUR = dt.timedelta(hours=1)


class _Sales:
    "A company with two sales managers who log in, and a client"
    module = 'crm_counterparty'

    def setUp(self):
        super().setUp()
        # Mail goes to a server of the test's own, even when not looked at
        self.mailbox = self.enterContext(smtp_server())

    def setup_sales(self):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        crm_user = ModelData.get_id('crm_counterparty', 'group_crm_user')
        self.company = create_company()
        self.marina = create_employee(self.company, "Марина Соколова")
        self.oleg = create_employee(self.company, "Олег Ветров")
        self.marina_user, self.oleg_user = User.create([{
                    'name': name, 'login': login, 'email': email,
                    'employees': [('add', [employee.id])],
                    'employee': employee.id,
                    'companies': [('add', [self.company.id])],
                    'company': self.company.id,
                    'groups': [('add', [crm_user])],
                    } for name, login, email, employee in [
                    ("Марина", 'marina', 'marina@example.com', self.marina),
                    ("Олег", 'oleg', 'oleg@example.com', self.oleg),
                    ]])
        self.client, = Party.create([{'name': "ООО «Северный ветер»"}])
        self.director, = Party.create([{
                    'name': "Иванов Иван", 'kind': 'person',
                    'employer': self.client.id}])

    def plan(self, **values):
        Communication = Pool().get('crm.communication')
        values.setdefault('subject', "Звонок по договору")
        values.setdefault('start', START)
        values.setdefault('end', values['start'] + HOUR)
        values.setdefault('company', self.company.id)
        values.setdefault('organiser', self.marina.id)
        values.setdefault('employees', [('add', [self.marina.id])])
        values.setdefault('parties', [('add', [self.client.id])])
        communication, = Communication.create([values])
        return communication


class CommunicationTestCase(_Sales, _DBTestCase):
    "Test communications and the card's activity"

    @with_transaction()
    def test_defaults_from_card(self):
        "Planned from a person's card: its company, the person and me"
        pool = Pool()
        Communication = pool.get('crm.communication')
        self.setup_sales()
        with set_company(self.company), Transaction().set_context(
                employee=self.marina.id,
                communication_party=self.director.id):
            values = Communication.default_get([
                    'company', 'organiser', 'employees', 'parties',
                    'category', 'state'], with_rec_name=False)
        self.assertEqual(values['company'], self.company.id)
        self.assertEqual(values['organiser'], self.marina.id)
        self.assertEqual(values['employees'], [self.marina.id])
        self.assertEqual(
            values['parties'], [self.client.id, self.director.id])
        self.assertEqual(values['state'], 'planned')
        Category = Pool().get('crm.communication.category')
        self.assertEqual(Category(values['category']).name, "Meeting")
        with Transaction().set_context(communication_party=self.client.id):
            self.assertEqual(Communication.default_parties(), [self.client.id])

    @with_transaction()
    def test_start_duration_end(self):
        "Start, duration and end stay consistent"
        pool = Pool()
        Communication = pool.get('crm.communication')
        self.setup_sales()
        communication = Communication(start=START, end=None, duration=None)
        communication.on_change_start()
        self.assertEqual(communication.end, START + HOUR)
        communication.duration = dt.timedelta(minutes=30)
        communication.on_change_duration()
        self.assertEqual(communication.end, START + HOUR / 2)
        communication.end = START + 2 * HOUR
        self.assertEqual(communication.on_change_with_duration(), 2 * HOUR)
        # Saved with a duration: the end follows it
        saved = self.plan(duration=dt.timedelta(minutes=45))
        self.assertEqual(saved.end, START + dt.timedelta(minutes=45))
        self.assertEqual(saved.duration, dt.timedelta(minutes=45))

    @with_transaction()
    def test_new_start_from_calendar(self):
        """A new one starts at the next round quarter hour, on the day the
        calendar gives (its midnight on the user's clock)"""
        pool = Pool()
        Communication = pool.get('crm.communication')
        self.setup_sales()
        self.company.timezone = 'Europe/Moscow'
        self.company.save()
        moscow = dt.timezone(dt.timedelta(hours=3))
        with Transaction().set_user(self.marina_user.id), \
                set_company(self.company):
            before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
            start = Communication.default_start()
            self.assertEqual(start.minute % 15, 0)
            self.assertTrue(
                before < start <= before + dt.timedelta(minutes=15))
            # The first of the month shown, at its midnight in Moscow
            day = dt.datetime(2030, 3, 1, tzinfo=moscow).astimezone(
                dt.timezone.utc).replace(tzinfo=None)
            communication = Communication(
                company=self.company, start=day, end=None, duration=None)
            communication.on_change_start()
            local = communication.start.replace(
                tzinfo=dt.timezone.utc).astimezone(moscow)
            self.assertEqual(local.date(), dt.date(2030, 3, 1))
            self.assertEqual(
                local.time(), start.replace(
                    tzinfo=dt.timezone.utc).astimezone(moscow).time())
            self.assertEqual(communication.end, communication.start + HOUR)
            # Saved, a start of midnight is the user's to keep
            saved = self.plan(start=day)
            saved.start = day
            saved.on_change_start()
            self.assertEqual(saved.start, day)

    @with_transaction()
    def test_bad_input_refused(self):
        "An end before the start, nobody to talk to or nobody talking"
        pool = Pool()
        Communication = pool.get('crm.communication')
        self.setup_sales()
        for values, message in [
                ({'end': START - HOUR}, "cannot end at"),
                ({'parties': []}, "at least one counterparty"),
                ({'employees': []}, "at least one employee"),
                ]:
            with self.subTest(message=message):
                with self.assertRaises(ValidationError) as cm:
                    self.plan(**values)
                self.assertIn(message, cm.exception.message)
                self.assertIn("Звонок по договору", cm.exception.message)
        communication = self.plan(start=START + 24 * HOUR)
        with self.assertRaises(ValidationError) as cm:
            Communication.write([communication], {
                    'parties': [('remove', [self.client.id])]})
        self.assertIn("at least one counterparty", cm.exception.message)

    @with_transaction()
    def test_invited_colleague_sees_counterparty(self):
        """A colleague who does not see the counterparty may be invited and
        then sees it"""
        pool = Pool()
        Configuration = pool.get('party.configuration')
        Party = pool.get('party.party')
        self.setup_sales()
        with set_company(self.company):
            configuration = Configuration(1)
            configuration.counterparty_visibility = 'involved'
            configuration.save()
        secret, = Party.create([{
                    'name': "Secret client", 'responsible': self.marina.id}])

        def oleg_sees():
            with Transaction().set_user(self.oleg_user.id), \
                    Transaction().set_context(
                        _check_access=True, company=self.company.id):
                return Party.search([('id', '=', secret.id)])
        self.assertEqual(oleg_sees(), [])
        communication = self.plan(
            employees=[('add', [self.marina.id, self.oleg.id])],
            parties=[('add', [secret.id])])
        self.assertEqual(len(communication.employees), 2)
        self.assertEqual(oleg_sees(), [secret])

    @with_transaction()
    def test_overlap_warns(self):
        "Two communications of one employee at once: a warning, not a refusal"
        pool = Pool()
        Warning = pool.get('res.user.warning')
        Communication = pool.get('crm.communication')
        self.setup_sales()
        first = self.plan(subject="Встреча в офисе")
        # Right after it is fine
        self.plan(start=START + HOUR)
        with self.assertRaises(UserWarning) as cm:
            self.plan(start=START + HOUR / 2)
        self.assertIn("Встреча в офисе", cm.exception.message)
        self.assertIn("Марина Соколова", cm.exception.message)
        # Oleg is free then
        self.plan(start=START + HOUR / 2, organiser=self.oleg.id,
            employees=[('add', [self.oleg.id])])
        # Accepted, it is saved
        Warning.create([{
                    'user': Transaction().user, 'name': cm.exception.name}])
        self.plan(start=START + HOUR / 2)
        # A cancelled communication leaves the time free
        Communication.cancel([first])
        self.plan(start=START + HOUR / 4, end=START + HOUR / 3)

    @with_transaction()
    def test_mine(self):
        "My communications by default, a colleague's on request"
        pool = Pool()
        Communication = pool.get('crm.communication')
        self.setup_sales()
        mine = self.plan()
        his = self.plan(organiser=self.oleg.id,
            employees=[('add', [self.oleg.id])])
        with Transaction().set_user(self.marina_user.id), \
                Transaction().set_context(_check_access=True):
            self.assertEqual(
                Communication.search([('mine', '=', True)]), [mine])
            self.assertEqual(
                Communication.search([('mine', '=', False)]), [his])
            self.assertEqual(Communication.search([
                        ('employees', '=', self.oleg.id)]), [his])
            self.assertTrue(Communication(mine.id).mine)

    @with_transaction()
    def test_card_activity(self):
        "The card shows its and its persons' communications, newest first"
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_sales()
        old = self.plan(start=START - 24 * HOUR)
        with_director = self.plan(
            parties=[('add', [self.director.id])], start=START + 24 * HOUR)
        other, = Party.create([{'name': "Other"}])
        self.plan(parties=[('add', [other.id])])
        self.assertEqual(
            list(self.client.activity), [with_director, old])
        self.assertEqual(list(self.director.activity), [with_director])
        self.assertEqual(
            Party.search([('communications', '=', old.id)]), [self.client])
        # Planned from the card
        with set_company(self.company), Transaction().set_context(
                employee=self.marina.id,
                communication_party=self.client.id):
            Party.write([self.client], {
                    'activity': [('create', [{
                                    'subject': "Встреча",
                                    'start': START + 48 * HOUR,
                                    'end': START + 49 * HOUR,
                                    }])]})
        newest = self.client.activity[0]
        self.assertEqual(newest.subject, "Встреча")
        self.assertEqual(list(newest.parties), [self.client])
        self.assertEqual(newest.organiser, self.marina)

    @with_transaction()
    def test_last_contact(self):
        "The last contact follows the communications held"
        pool = Pool()
        Communication = pool.get('crm.communication')
        Party = pool.get('party.party')
        self.setup_sales()
        first = self.plan(start=PAST)
        second = self.plan(
            start=PAST + 24 * HOUR, parties=[('add', [self.director.id])])
        self.assertIsNone(self.client.last_contact)
        Communication.do([first])
        self.assertEqual(self.client.last_contact, PAST.date())
        self.assertIsNone(self.director.last_contact)
        Communication.do([second])
        day = (PAST + 24 * HOUR).date()
        self.assertEqual(Party(self.client.id).last_contact, day)
        self.assertEqual(Party(self.director.id).last_contact, day)
        self.assertEqual(
            set(Party.search([('last_contact', '>=', day)])),
            {self.client, self.director})
        # Done by mistake: back to planned, the date goes back
        Communication.plan([second])
        self.assertIsNone(second.held)
        self.assertEqual(Party(self.client.id).last_contact, PAST.date())
        self.assertIsNone(Party(self.director.id).last_contact)
        Communication.delete([first])
        self.assertIsNone(Party(self.client.id).last_contact)
        # Sortable on the list
        Party.search([], order=[('last_contact', 'DESC NULLS LAST')])

    @with_transaction()
    def test_done_early(self):
        "Marked done before its start, it was held then, not in the future"
        pool = Pool()
        Communication = pool.get('crm.communication')
        Party = pool.get('party.party')
        self.setup_sales()
        before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        communication = self.plan(start=START)
        Communication.do([communication])
        self.assertEqual(communication.start, START)
        self.assertTrue(
            before.replace(second=0, microsecond=0)
            <= communication.held <= START)
        self.assertEqual(
            Party(self.client.id).last_contact, communication.held.date())
        self.assertLess(Party(self.client.id).last_contact, START.date())

    @with_transaction()
    def test_filters_of_contacts(self):
        """"No contact for 30 days" and "Planned communication" find the
        counterparties their tabs promise"""
        pool = Pool()
        Communication = pool.get('crm.communication')
        Party = pool.get('party.party')
        Domain = pool.get('ir.action.act_window.domain')
        ModelData = pool.get('ir.model.data')
        self.setup_sales()
        recent, never = Party.create(
            [{'name': "ООО «Недавний»"}, {'name': "ООО «Новый»"}])
        now = dt.datetime.now().replace(microsecond=0)
        Communication.do([
                self.plan(start=now - dt.timedelta(days=40)),
                self.plan(start=now - dt.timedelta(days=3),
                    parties=[('add', [recent.id])]),
                ])
        ours = {self.client, self.director, recent, never}

        def tab(name):
            domain = Domain(ModelData.get_id('crm_counterparty', name))
            return set(Party.search(
                    PYSONDecoder().decode(domain.domain))) & ours
        self.assertEqual(
            tab('act_counterparty_domain_no_contact_30_days'),
            {self.client, self.director, never})
        self.assertEqual(
            set(Party.search([('last_contact_since', '=', 'today - 30d')]))
            & ours, {recent})
        self.assertEqual(tab('act_counterparty_domain_planned_communication'),
            set())
        # Planned with the contact person: the company has one too
        self.plan(start=now + dt.timedelta(days=1),
            parties=[('add', [self.director.id])])
        self.assertEqual(tab('act_counterparty_domain_planned_communication'),
            {self.client, self.director})
        self.assertEqual(
            set(Party.search([('planned_communication', '=', False)]))
            & ours, {recent, never})
        self.assertEqual(
            [r['planned_communication'] for r in Party.read(
                    [self.client.id, recent.id], ['planned_communication'])],
            [True, False])

    @with_transaction()
    def test_replace_duplicate(self):
        "A duplicate merged into the card brings its communications along"
        pool = Pool()
        Communication = pool.get('crm.communication')
        Party = pool.get('party.party')
        Replace = pool.get('party.replace', type='wizard')
        self.setup_sales()
        duplicate, = Party.create([{'name': self.client.name}])
        held = self.plan(start=PAST, parties=[('add', [duplicate.id])])
        Communication.do([held])
        self.assertIsNone(self.client.last_contact)
        session_id, _, _ = Replace.create()
        replace = Replace(session_id)
        replace.ask.source = duplicate
        replace.ask.destination = self.client
        replace.transition_replace()
        self.assertEqual(list(Communication(held.id).parties), [self.client])
        self.assertEqual(Party(self.client.id).last_contact, PAST.date())
        self.assertIsNone(Party(duplicate.id).last_contact)

    @with_transaction()
    def test_complete_and_plan_next(self):
        "Done asks for the result and plans the next one"
        pool = Pool()
        Complete = pool.get('crm.communication.complete', type='wizard')
        Communication = pool.get('crm.communication')
        self.setup_sales()
        communication = self.plan(purpose="Договориться о поставке")
        session_id, _, _ = Complete.create()
        wizard = Complete(session_id)
        # The wizard writes with the access checks of its user, who works
        # in the communication's company
        with set_company(self.company), Transaction().set_context(
                active_model='crm.communication',
                active_id=communication.id, active_ids=[communication.id]):
            defaults = wizard.default_start(None)
            self.assertEqual(defaults['next_start'], START + 7 * 24 * HOUR)
            wizard.start.result = "Согласны, ждут договор"
            wizard.start.plan_next = True
            wizard.start.next_subject = "Подписание договора"
            wizard.start.next_start = START + 48 * HOUR
            self.assertEqual(wizard.transition_complete(), 'open_next')
            action, data = wizard.do_open_next(
                {'views': [(2, 'form'), (1, 'tree')]})
        self.assertEqual(communication.state, 'done')
        self.assertEqual(communication.result, "Согласны, ждут договор")
        next_, = Communication.browse(data['res_id'])
        # Its tab opens on its form and holds it alone
        self.assertEqual(action['views'][0][1], 'form')
        self.assertEqual(Communication.search(
                PYSONDecoder().decode(action['pyson_domain'])), [next_])
        self.assertEqual(next_.state, 'planned')
        self.assertEqual(next_.subject, "Подписание договора")
        self.assertEqual(next_.start, START + 48 * HOUR)
        self.assertEqual(next_.end, START + 49 * HOUR)
        self.assertEqual(next_.previous, communication)
        self.assertEqual(next_.purpose, "Договориться о поставке")
        self.assertEqual(list(next_.parties), [self.client])
        self.assertIsNone(next_.result)
        self.assertIsNone(next_.held)
        self.assertEqual(
            self.client.last_contact, communication.held.date())

    @with_transaction()
    def test_crm_user_rights(self):
        "A CRM user plans, holds and cancels with the access rights checked"
        pool = Pool()
        Communication = pool.get('crm.communication')
        Channel = pool.get('ir.chat.channel')
        User = pool.get('res.user')
        self.setup_sales()
        with Transaction().set_user(self.marina_user.id), \
                Transaction().set_context(
                    User.get_preferences(context_only=True),
                    _check_access=True):
            communication = self.plan(
                employees=[('add', [self.marina.id, self.oleg.id])])
            Communication.write([communication], {'start': START + HOUR,
                    'end': START + 2 * HOUR})
            # ir.chat.channel's RPC does not check access itself
            with Transaction().set_context(_check_access=False):
                Channel.post(communication, "Договорились")
            Communication.do([communication])
            self.assertEqual(
                self.client.last_contact, communication.held.date())
            Communication.plan([communication])
            Communication.cancel([communication])
            Communication.delete([communication])
        # Without the CRM group, no communications at all
        User.write([self.oleg_user], {'groups': [('remove', [
                            g.id for g in self.oleg_user.groups])]})
        with Transaction().set_user(self.oleg_user.id), \
                Transaction().set_context(_check_access=True):
            with self.assertRaises(AccessError):
                Communication.search([])

    @with_transaction()
    def test_followers(self):
        "The participating employees' users follow the comments"
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        Communication = pool.get('crm.communication')
        self.setup_sales()
        communication = self.plan()

        def followers():
            # Asked as Marina: the chat checks the record rules
            with Transaction().set_user(self.marina_user.id):
                return sorted(
                    f['key'] for f in Channel.get_followers(communication))
        self.assertEqual(followers(), ['marina'])
        Communication.write([communication], {
                'employees': [('add', [self.oleg.id])]})
        self.assertEqual(followers(), ['marina', 'oleg'])


class CommunicationMailTestCase(_Sales, _DBTestCase):
    "Test what participants are told, through a real SMTP server"

    def setUp(self):
        super().setUp()
        # The tests commit: each starts from the activated database again
        drop_db()
        activate_module([self.module])

    def commit(self):
        "Mail leaves, and notifications are stored, when the work is saved"
        Transaction().commit()

    @staticmethod
    def calendar_of(message):
        part, = [p for p in message.iter_attachments()
            if p.get_content_type() == 'text/calendar']
        calendar = icalendar.Calendar.from_ical(part.get_content())
        event, = calendar.walk('VEVENT')
        return part, calendar, event

    @with_transaction()
    def test_times_in_recipients_zone(self):
        """Each participant is told the time on his own clock, the zone
        named: his own, else the company's"""
        pool = Pool()
        Notification = pool.get('res.notification')
        User = pool.get('res.user')
        self.setup_sales()
        self.company.timezone = 'Europe/Moscow'
        self.company.save()
        User.write([self.oleg_user], {'timezone': 'Asia/Yekaterinburg'})
        # 08:00 UTC: 11:00 in Moscow, 13:00 in Yekaterinburg
        start = dt.datetime(2030, 3, 4, 8, 0)
        with Transaction().set_user(self.marina_user.id), \
                set_company(self.company):
            self.plan(
                start=start,
                employees=[('add', [self.marina.id, self.oleg.id])])
        self.commit()
        for email, local, zone in [
                ('marina@example.com', "11:00", 'Europe/Moscow'),
                ('oleg@example.com', "13:00", 'Asia/Yekaterinburg'),
                ]:
            with self.subTest(email=email):
                message, = self.mailbox.to(email)
                subject = message['Subject'].replace('\xa0', ' ')
                self.assertIn("03/04/2030 %s (%s)" % (local, zone), subject)
                body = message.get_body(('plain',)).get_content()
                self.assertIn("%s (%s)" % (local, zone), body)
                self.assertNotIn("08:00", subject + body)
                _, calendar, event = self.calendar_of(message)
                self.assertEqual(event['DTSTART'].params['TZID'], zone)
                self.assertEqual(
                    event.decoded('DTSTART').strftime('%H:%M'), local)
                self.assertEqual(
                    event.decoded('DTSTART').astimezone(dt.timezone.utc),
                    start.replace(tzinfo=dt.timezone.utc))
                self.assertEqual(
                    [str(t['TZID']) for t in calendar.walk('VTIMEZONE')],
                    [zone])
        notification, = Notification.search([('user', '=', self.oleg_user.id)])
        self.assertIn("13:00 (Asia/Yekaterinburg)", notification.label)
        # The reminder too
        self.mailbox.clear()
        Communication = pool.get('crm.communication')
        Communication.send_reminders(now=start - dt.timedelta(minutes=10))
        self.commit()
        message, = self.mailbox.to('oleg@example.com')
        self.assertIn("13:00 (Asia/Yekaterinburg)",
            message['Subject'].replace('\xa0', ' '))

    @with_transaction()
    def test_invitation_update_and_cancel(self):
        "The colleague is invited, told of a new time and of a cancellation"
        pool = Pool()
        Communication = pool.get('crm.communication')
        Notification = pool.get('res.notification')
        self.setup_sales()
        with Transaction().set_user(self.marina_user.id), \
                set_company(self.company):
            communication = self.plan(
                subject="Переговоры о поставке", place="Тверская, 1",
                employees=[('add', [self.marina.id, self.oleg.id])])
        self.commit()

        message, = self.mailbox.to('oleg@example.com')
        self.assertEqual(
            message['Subject'].replace('\xa0', ' '),
            "Invitation: Переговоры о поставке, 03/04/2030 09:00 (UTC)")
        self.assertEqual(message['From'], 'crm@example.com')
        self.assertIn('oleg@example.com', message['To'])
        body = message.get_body(('plain',)).get_content()
        self.assertIn("Тверская, 1", body)
        part, calendar, event = self.calendar_of(message)
        self.assertEqual(part.get_param('method'), 'REQUEST')
        self.assertEqual(calendar['METHOD'], 'REQUEST')
        self.assertEqual(event['SEQUENCE'], 0)
        self.assertEqual(
            event.decoded('DTSTART'), START.replace(tzinfo=dt.timezone.utc))
        self.assertEqual(str(event['ORGANIZER']), 'mailto:marina@example.com')
        self.assertEqual(
            sorted(str(a) for a in event['ATTENDEE']),
            ['mailto:marina@example.com', 'mailto:oleg@example.com'])
        uid = str(event['UID'])
        # Marina gets the invitation for her own calendar too, and Oleg a
        # notification in the web client (she made it, she needs none)
        self.assertEqual(len(self.mailbox.to('marina@example.com')), 1)
        notification, = Notification.search([('user', '=', self.oleg_user.id)])
        self.assertIn("Переговоры о поставке", notification.label)
        self.assertEqual(notification.model, 'crm.communication')
        self.assertFalse(
            Notification.search([('user', '=', self.marina_user.id)]))

        # Rescheduled: a new revision of the same event
        self.mailbox.clear()
        Communication.write([communication], {
                'start': START + HOUR, 'end': START + 2 * HOUR})
        self.commit()
        message, = self.mailbox.to('oleg@example.com')
        self.assertTrue(message['Subject'].startswith("Changed: "))
        _, calendar, event = self.calendar_of(message)
        self.assertEqual(str(event['UID']), uid)
        self.assertEqual(event['SEQUENCE'], 1)
        self.assertEqual(
            event.decoded('DTSTART'),
            (START + HOUR).replace(tzinfo=dt.timezone.utc))

        # Oleg is no longer needed: it is cancelled in his calendar only
        self.mailbox.clear()
        Communication.write([communication], {
                'employees': [('remove', [self.oleg.id])]})
        self.commit()
        message, = self.mailbox.to('oleg@example.com')
        self.assertTrue(message['Subject'].startswith("Cancelled: "))
        _, calendar, event = self.calendar_of(message)
        self.assertEqual(calendar['METHOD'], 'CANCEL')
        self.assertEqual(event['SEQUENCE'], 2)
        message, = self.mailbox.to('marina@example.com')
        self.assertTrue(message['Subject'].startswith("Changed: "))
        Communication.write([communication], {
                'employees': [('add', [self.oleg.id])]})
        self.commit()

        # A change of the result alone tells nobody
        self.mailbox.clear()
        Communication.write([communication], {'result': "Перенесли"})
        self.commit()
        self.assertEqual(self.mailbox.messages, [])

        # Cancelled
        Communication.cancel([communication])
        self.commit()
        message, = self.mailbox.to('oleg@example.com')
        self.assertTrue(message['Subject'].startswith("Cancelled: "))
        part, calendar, event = self.calendar_of(message)
        self.assertEqual(part.get_param('method'), 'CANCEL')
        self.assertEqual(calendar['METHOD'], 'CANCEL')
        self.assertEqual(str(event['UID']), uid)
        self.assertEqual(event['SEQUENCE'], 4)
        self.assertEqual(str(event['STATUS']), 'CANCELLED')

    @with_transaction()
    def test_reminder_once(self):
        "Each user is reminded at his own delay, once for each start"
        pool = Pool()
        Communication = pool.get('crm.communication')
        Notification = pool.get('res.notification')
        User = pool.get('res.user')
        self.setup_sales()
        self.assertEqual(
            self.marina_user.communication_reminder,
            dt.timedelta(minutes=15))
        User.write([self.oleg_user], {
                'communication_reminder': dt.timedelta(hours=1)})
        start = START + 100 * HOUR
        communication = self.plan(
            subject="Видеозвонок", start=start,
            employees=[('add', [self.marina.id, self.oleg.id])])
        self.commit()
        self.mailbox.clear()

        Communication.send_reminders(now=start - 2 * HOUR)
        self.commit()
        self.assertEqual(self.mailbox.messages, [])
        Communication.send_reminders(now=start - HOUR / 2)
        self.commit()
        self.assertEqual(self.mailbox.to('marina@example.com'), [])
        message, = self.mailbox.to('oleg@example.com')
        self.assertTrue(message['Subject'].startswith("Reminder: Видеозвонок"))
        Communication.send_reminders(now=start - HOUR / 4)
        Communication.send_reminders(now=start - HOUR / 5)
        self.commit()
        self.assertEqual(len(self.mailbox.to('marina@example.com')), 1)
        self.assertEqual(len(self.mailbox.to('oleg@example.com')), 1)
        self.assertEqual(len(Notification.search([
                        ('label', 'like', 'Reminder: Видеозвонок%')])), 2)

        # Moved: reminded again of the new time
        Communication.write([communication], {
                'start': start + HOUR, 'end': start + 2 * HOUR})
        self.commit()
        self.mailbox.clear()
        Communication.send_reminders(now=start + HOUR / 2)
        self.commit()
        self.assertEqual(len(self.mailbox.to('oleg@example.com')), 1)
        self.assertEqual(self.mailbox.to('marina@example.com'), [])

    @with_transaction()
    def test_reminder_from_scheduler(self):
        "The scheduler's run reminds of what starts soon, on the UTC clock"
        pool = Pool()
        Communication = pool.get('crm.communication')
        Cron = pool.get('ir.cron')
        ModelData = pool.get('ir.model.data')
        self.setup_sales()
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        self.plan(subject="Скоро", start=now + dt.timedelta(minutes=10))
        self.plan(subject="Позже", start=now + 3 * HOUR)
        self.commit()
        self.mailbox.clear()
        cron = Cron(ModelData.get_id(
                'crm_counterparty', 'cron_communication_reminders'))
        self.assertEqual(cron.method, 'crm.communication|send_reminders')
        Communication.send_reminders()
        self.commit()
        message, = self.mailbox.to('marina@example.com')
        self.assertTrue(message['Subject'].startswith("Reminder: Скоро"))

    @with_transaction()
    def test_comment_emailed(self):
        "A comment is e-mailed to the other participants"
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        self.setup_sales()
        communication = self.plan(
            subject="Встреча с директором",
            employees=[('add', [self.oleg.id])])
        self.commit()
        self.mailbox.clear()
        with Transaction().set_user(self.marina_user.id):
            Channel.post(communication, "Возьми образцы продукции")
        self.commit()
        self.assertEqual(self.mailbox.to('oleg@example.com'), [])
        # Written and sent by the queue, after the comment's transaction
        run_queue()
        self.commit()
        message, = self.mailbox.to('oleg@example.com')
        self.assertEqual(
            message['Subject'], "New comment: Встреча с директором")
        body = message.get_body(('plain',)).get_content()
        self.assertIn("Возьми образцы продукции", body)
        self.assertIn("Марина", body)
        self.assertEqual(self.mailbox.to('marina@example.com'), [])


class CommunicationRussianMailTestCase(_Sales, _DBTestCase):
    "Test that a Russian user is told in Russian"
    language = 'ru'

    @with_transaction()
    def test_russian_invitation(self):
        "A Russian user gets his invitation in Russian"
        pool = Pool()
        Lang = pool.get('ir.lang')
        User = pool.get('res.user')
        self.setup_sales()
        russian, = Lang.search([('code', '=', 'ru')])
        User.write([self.oleg_user], {'language': russian.id})
        self.plan(subject="Звонок", employees=[('add', [self.oleg.id])])
        Transaction().commit()
        message, = self.mailbox.to('oleg@example.com')
        self.assertEqual(
            message['Subject'].replace('\xa0', ' '),
            "Приглашение: Звонок, 04.03.2030 09:00 (UTC)")
        body = message.get_body(('plain',)).get_content()
        self.assertIn("Встреча: Звонок", body)
        self.assertIn("Организатор: Марина Соколова", body)

