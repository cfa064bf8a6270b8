# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Automation scenarios on a database: the triggers, the scheduler, the
events, the actions as the owner, the log, and the guards (once by event,
the depth limit, the Test button that does nothing)."""
import datetime as dt

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_counterparty import automation_rules as rules
from trytond.modules.crm_counterparty.importing import bulk
from trytond.modules.crm_counterparty.tests.test_client_list import (
    run_queue)
from trytond.modules.crm_counterparty.tests.test_import_rules import xlsx
from trytond.modules.crm_counterparty.tests.http_server import http_server
from trytond.modules.crm_counterparty.tests.smtp_server import (
    deliver, smtp_server)
from trytond.modules.crm_counterparty.tests.test_mailbox import (
    letter, mailbox_key)
from trytond.modules.crm_counterparty.tests.test_mailing_channels import (
    configured)
from trytond.modules.crm_counterparty.tests.tools import (
    create_user, run_import)
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction


class AutomationTestCase(_DBTestCase):
    "Test automation scenarios"
    module = 'crm_counterparty'

    def setup_company(self):
        "A company, two employees and an administrator who owns scenarios"
        pool = Pool()
        Status = pool.get('crm.counterparty.status')
        self.company = create_company()
        with set_company(self.company):
            self.anna = create_employee(self.company, "Анна")
            self.boris = create_employee(self.company, "Борис")
            self.vera = create_employee(self.company, "Вера")
        self.admin = create_user('olga', self.anna, group='group_crm_admin')
        self.new, self.active = Status.create([
                {'name': "Новый"}, {'name': "Активный"}])

    def scenario(self, actions, **values):
        Automation = Pool().get('crm.automation')
        with set_company(self.company):
            scenario, = Automation.create([dict({
                            'name': "Сценарий",
                            'company': self.company.id,
                            'owner': self.admin.id,
                            'actions': [('create', actions)],
                            }, **values)])
        return scenario

    def party(self, name, **values):
        Party = Pool().get('party.party')
        party, = Party.create([dict({'name': name}, **values)])
        return party

    def runs(self, scenario=None):
        Run = Pool().get('crm.automation.run')
        return Run.search(
            [('automation', '=', scenario.id)] if scenario else [],
            order=[('id', 'ASC')])

    @with_transaction()
    def test_created_plans_call_with_responsible(self):
        "A new client gets a call planned tomorrow with his responsible"
        pool = Pool()
        Communication = pool.get('crm.communication')
        self.setup_company()
        scenario = self.scenario([{
                    'kind': 'plan_communication', 'days': 1,
                    'subject': "Звонок {{name}}", 'to_responsible': True,
                    }], trigger_kind='created')
        self.assertTrue(scenario.trigger)
        self.assertEqual(scenario.trigger.action,
            'crm.automation|trigger_action')
        with set_company(self.company):
            party = self.party("ООО «Ромашка»", responsible=self.boris.id)
            run_queue()
        communication, = Communication.search([('parties', '=', party.id)])
        self.assertEqual(communication.subject, "Звонок ООО «Ромашка»")
        self.assertEqual(list(communication.employees), [self.boris])
        self.assertEqual(communication.start.date(),
            Communication.default_start().date() + dt.timedelta(days=1))
        run, = self.runs(scenario)
        self.assertEqual((run.party, run.state), (party, 'done'))
        self.assertIn("Звонок ООО «Ромашка»", run.description)
        # The card shows the scenarios that acted on it
        self.assertEqual(list(party.__class__(party.id).automation_runs),
            [run])

    @with_transaction()
    def test_domain_limits_counterparties(self):
        "A scenario acts only on the counterparties of its domain"
        self.setup_company()
        scenario = self.scenario([{'kind': 'set_status',
                    'status': self.active.id}],
            trigger_kind='created',
            domain='[["kind", "=", "company"]]')
        with set_company(self.company):
            company = self.party("ООО «Ромашка»", kind='company')
            person = self.party("Иван Петров", kind='person')
            run_queue()
        self.assertEqual(company.__class__(company.id).counterparty_status,
            self.active)
        self.assertNotEqual(
            person.__class__(person.id).counterparty_status, self.active)
        self.assertEqual([r.party for r in self.runs(scenario)], [company])

    @with_transaction()
    def test_saved_filter_limits_counterparties(self):
        """A scenario acts only on what a saved filter of the list finds
        then, its relative date counted from that day"""
        pool = Pool()
        ViewSearch = pool.get('ir.ui.view_search')
        self.setup_company()
        persons, = ViewSearch.create([{
                    'name': "Новые люди", 'model': 'party.party',
                    'user': self.admin.id,
                    'domain': '[["kind", "=", "person"], '
                    '["created_since", "=", "today - 1d"]]'}])
        scenario = self.scenario([{'kind': 'set_status',
                    'status': self.active.id}],
            trigger_kind='created', filter=persons.id)
        with set_company(self.company):
            self.party("ООО «Ромашка»", kind='company')
            person = self.party("Иван Петров", kind='person')
            run_queue()
        self.assertEqual([r.party for r in self.runs(scenario)], [person])

    @with_transaction()
    def test_field_changed_to_value(self):
        "A status set to a value sets off the scenario, another does not"
        pool = Pool()
        Field = pool.get('ir.model.field')
        Party = pool.get('party.party')
        self.setup_company()
        status_field, = Field.search([('model', '=', 'party.party'),
                ('name', '=', 'counterparty_status')])
        tag, = pool.get('crm.counterparty.tag').create([{
                    'name': "Горячий", 'shared': True}])
        scenario = self.scenario([{'kind': 'add_tag', 'tag': tag.id}],
            trigger_kind='field_changed', field=status_field.id,
            value=str(self.active.id))
        with set_company(self.company):
            one = self.party("ООО «Ромашка»")
            two = self.party("ООО «Василёк»")
            Party.write([one], {'counterparty_status': self.active.id})
            Party.write([two], {'counterparty_status': self.new.id})
            run_queue()
        self.assertEqual(list(Party(one.id).tags), [tag])
        self.assertEqual(list(Party(two.id).tags), [])
        self.assertEqual([r.party for r in self.runs(scenario)], [one])

    @with_transaction()
    def test_loop_stopped_at_depth_limit(self):
        """A scenario whose action sets itself off (the responsible
        changes: give the next one) stops at the depth limit, reported"""
        pool = Pool()
        Field = pool.get('ir.model.field')
        Party = pool.get('party.party')
        self.setup_company()
        field, = Field.search([('model', '=', 'party.party'),
                ('name', '=', 'responsible')])
        scenario = self.scenario([{
                    'kind': 'assign_responsible', 'method': 'round_robin',
                    'employees': [('add', [self.anna.id, self.boris.id])],
                    }], trigger_kind='field_changed', field=field.id)
        with set_company(self.company):
            party = self.party("ООО «Ромашка»")
            Party.write([party], {'responsible': self.vera.id})
            run_queue()
        runs = self.runs(scenario)
        self.assertEqual([r.state for r in runs],
            ['done'] * rules.DEPTH_LIMIT + ['skipped'])
        self.assertEqual([r.depth for r in runs],
            list(range(rules.DEPTH_LIMIT + 1)))
        self.assertIn(str(rules.DEPTH_LIMIT), runs[-1].description)
        # Vera, then Anna, Boris, Anna; the fourth change is not acted on
        self.assertEqual(Party(party.id).responsible, self.anna)

    @with_transaction()
    def test_least_loaded(self):
        """A new card goes to the employee of the list responsible for the
        fewest active counterparties"""
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_company()
        with set_company(self.company):
            Party.create([{'name': name, 'responsible': employee.id}
                    for name, employee in [("А", self.anna), ("Б", self.anna),
                        ("В", self.vera)]])
        scenario = self.scenario([{
                    'kind': 'assign_responsible', 'method': 'least_loaded',
                    'employees': [('add', [
                                self.anna.id, self.boris.id, self.vera.id])],
                    }], trigger_kind='created')
        with set_company(self.company):
            first = self.party("ООО «Первый»")
            run_queue()
            second = self.party("ООО «Второй»")
            run_queue()
            third = self.party("ООО «Третий»")
            run_queue()
        self.assertEqual(Party(first.id).responsible, self.boris)
        # Boris and Vera had one each then, Anna two: either may come
        # second, and the third goes to the other
        self.assertEqual(
            {Party(second.id).responsible, Party(third.id).responsible},
            {self.boris, self.vera})
        self.assertEqual([r.state for r in self.runs(scenario)],
            ['done'] * 3)

    @with_transaction()
    def test_once_by_event(self):
        """The scheduler run twice, and the same event handed twice, make
        one run each"""
        pool = Pool()
        Party = pool.get('party.party')
        Automation = pool.get('crm.automation')
        Communication = pool.get('crm.communication')
        self.setup_company()
        scenario = self.scenario([{
                    'kind': 'plan_communication', 'days': 0,
                    'subject': "Напомнить", 'to_responsible': True,
                    }], trigger_kind='inactive', days=30)
        with set_company(self.company):
            silent = self.party("ООО «Тишина»", responsible=self.boris.id)
            talked = self.party("ООО «Болтун»", responsible=self.boris.id)
            Party.write([silent], {
                    'last_contact': dt.date.today() - dt.timedelta(days=40)})
            Party.write([talked], {
                    'last_contact': dt.date.today() - dt.timedelta(days=2)})
            for _ in range(2):
                Automation.run_scheduled()
                run_queue()
            # The same items handed again by hand
            items = scenario.due()
            self.assertEqual(len(items), 1)
            self.assertEqual(scenario.act(items), [])
            # A run made meanwhile for one of the keys: only the other
            Run = pool.get('crm.automation.run')
            new = [talked.id, rules.event_key('inactive', talked.id, 'x'),
                None]
            run, = Run.start(scenario, [items[0], new], 0)
            self.assertEqual(run.party, talked)
            Run.delete([run])
        run, = self.runs(scenario)
        self.assertEqual(run.party, silent)
        self.assertEqual(len(Communication.search(
                    [('parties', '=', silent.id)])), 1)
        # A new silence after a contact is a new event
        with set_company(self.company):
            Party.write([silent], {
                    'last_contact': dt.date.today() - dt.timedelta(days=31)})
            Automation.run_scheduled()
            run_queue()
        self.assertEqual(len(self.runs(scenario)), 2)

    @with_transaction()
    def test_failed_action_does_not_stop_others(self):
        "An e-mail without an address fails, logged; the comment is posted"
        pool = Pool()
        Message = pool.get('ir.chat.message')
        self.setup_company()
        scenario = self.scenario([
                {'kind': 'send_email', 'sequence': 1,
                    'subject': "Привет", 'text': "Здравствуйте, {{name}}"},
                {'kind': 'post_comment', 'sequence': 2,
                    'text': "Новый клиент {{name}}"},
                ], trigger_kind='created')
        with set_company(self.company):
            party = self.party("ООО «Ромашка»")
            run_queue()
        run, = self.runs(scenario)
        self.assertEqual(run.state, 'failed')
        lines = run.description.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertIn("no address", lines[0])
        self.assertIn("Новый клиент ООО «Ромашка»", lines[1])
        message, = Message.search([('channel.resource', '=', str(party))])
        self.assertEqual(message.content, "Новый клиент ООО «Ромашка»")
        # Posted as the owner, not as root
        self.assertEqual(message.user, self.admin)

    @with_transaction()
    def test_failed_action_retried(self):
        """An SMS whose gateway was away is sent again once it is back, by
        the scheduler after its delay, the comment done before not again"""
        pool = Pool()
        Message = pool.get('ir.chat.message')
        Run = pool.get('crm.automation.run')
        self.setup_company()
        scenario = self.scenario([
                {'kind': 'post_comment', 'sequence': 1,
                    'text': "Новый клиент {{name}}"},
                {'kind': 'send_sms', 'sequence': 2,
                    'text': "{{name}}, ждём звонка"},
                ], trigger_kind='created')
        sms, = [a for a in scenario.actions if a.kind == 'send_sms']

        def answer(request):
            return 200, {'status': 'OK', 'sms': {request.form()['to']: {
                            'status': 'OK', 'sms_id': '0001'}}}
        # Nothing listens on port 1
        with configured('sms', uri='json+http://TOKEN@127.0.0.1:1/sms/send'), \
                set_company(self.company):
            party = self.party("ООО «Ромашка»", contact_mechanisms=[
                    ('create', [{'type': 'mobile',
                                'value': '+7 916 123-45-67'}])])
            run_queue()
        run, = self.runs(scenario)
        self.assertEqual((run.state, list(run.failed_actions), run.retries),
            ('failed', [sms], 0))
        with http_server(answer) as provider, configured('sms',
                uri='json+%s/sms/send' % provider.url.replace(
                    '//', '//TOKEN@')):
            # Not yet: its delay has not passed
            Run.retry_due()
            run_queue()
            self.assertEqual(Run(run.id).state, 'failed')
            table = Run.__table__()
            Transaction().connection.cursor().execute(*table.update(
                    [table.write_date],
                    [dt.datetime.now() - rules.RETRY_DELAY],
                    where=table.id == run.id))
            Run.retry_due()
            run_queue()
        run = Run(run.id)
        self.assertEqual((run.state, list(run.failed_actions), run.retries),
            ('done', [], 1))
        request, = provider.requests
        self.assertEqual(request.form()['to'], '+79161234567')
        self.assertEqual([m.content for m in Message.search([
                        ('channel.resource', '=', str(party))])],
            ["Новый клиент ООО «Ромашка»"])
        self.assertIn("Retry 1:", run.description)

    @with_transaction()
    def test_event_call_missed(self):
        "A missed call raised by telephony sets off its scenario"
        pool = Pool()
        Event = pool.get('crm.counterparty.event')
        Party = pool.get('party.party')
        self.setup_company()
        scenario = self.scenario([{'kind': 'set_status',
                    'status': self.new.id}], trigger_kind='call_missed')
        with set_company(self.company):
            party = self.party("ООО «Ромашка»")
            event = Event.raise_event('call_missed', party, number='+7495')
            Event.raise_event('call_received', party)
            run_queue()
            Event.handle([event])
            run_queue()
        self.assertEqual(Party(party.id).counterparty_status, self.new)
        run, = self.runs(scenario)
        self.assertEqual(run.event_key,
            rules.event_key('call_missed', party.id, event.id))

    @with_transaction()
    def test_test_button_does_nothing(self):
        "The Test button lists whom and how, and changes nothing"
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_company()
        scenario = self.scenario([{
                    'kind': 'assign_responsible', 'method': 'round_robin',
                    'employees': [('add', [self.anna.id, self.boris.id])],
                    }], trigger_kind='inactive', days=30)
        with set_company(self.company):
            parties = Party.create([{'name': "ООО %s" % i,
                        'last_contact': dt.date(2020, 1, 1)}
                    for i in range(3)])
            result, count = scenario.preview()
        self.assertEqual(count, 3)
        self.assertEqual([p for p, _ in result], parties)
        self.assertEqual([e[0].split(': ')[1] for _, e in result],
            ["Анна", "Борис", "Анна"])
        self.assertEqual(self.runs(scenario), [])
        self.assertTrue(all(p.responsible is None
                for p in Party.browse(parties)))

    @with_transaction()
    def test_import_keeps_bulk_path(self):
        """A scenario on new cards keeps the import on its bulk path and
        acts on every card it made (round robin)"""
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_company()
        scenario = self.scenario([{
                    'kind': 'assign_responsible', 'method': 'round_robin',
                    'employees': [('add', [self.anna.id, self.boris.id])],
                    }], trigger_kind='created')
        self.assertIsNone(bulk.BulkWriter().unavailable)
        user = create_user('anna', self.anna)
        data = xlsx([['Название'], ['ООО А'], ['ООО Б'], ['ООО В']])
        with set_company(self.company), \
                self.assertLogs(bulk.__name__.rsplit('.', 1)[0]
                    + '.importer', 'INFO') as logs:
            run_import(data, user)
            run_queue()
        self.assertIn('3 in bulk, 0 by the ORM', logs.output[-1])
        parties = Party.search([('name', 'like', 'ООО _')],
            order=[('name', 'ASC')])
        self.assertEqual([p.responsible for p in parties],
            [self.anna, self.boris, self.anna])
        self.assertEqual(len(self.runs(scenario)), 3)

    @with_transaction()
    def test_unknown_placeholder_refused(self):
        "A template naming an unknown value is refused when saved"
        from trytond.modules.crm_counterparty.exceptions import (
            AutomationError)
        self.setup_company()
        with self.assertRaises(AutomationError):
            self.scenario([{'kind': 'post_comment', 'text': "{{secret}}"}])

    @with_transaction()
    def test_trigger_follows_scenario(self):
        "Deactivated, changed or deleted, the scenario's trigger follows"
        pool = Pool()
        Automation = pool.get('crm.automation')
        Trigger = pool.get('ir.trigger')
        self.setup_company()
        scenario = self.scenario([], trigger_kind='created')
        trigger = scenario.trigger
        Automation.write([scenario], {'active': False})
        with Transaction().set_context(active_test=False):
            self.assertFalse(Trigger(trigger.id).active)
            Automation.write([scenario], {'trigger_kind': 'inactive'})
            self.assertIsNone(Automation(scenario.id).trigger)
            self.assertEqual(Trigger.search([('id', '=', trigger.id)]), [])

    @with_transaction()
    def test_date_arrives(self):
        """A date field N days after, and a yearly one (a birthday), are
        due on their day only"""
        pool = Pool()
        Field = pool.get('ir.model.field')
        Party = pool.get('party.party')
        self.setup_company()
        field, = Field.search([('model', '=', 'party.party'),
                ('name', '=', 'last_contact')])
        after = self.scenario([{'kind': 'set_status',
                    'status': self.new.id}],
            trigger_kind='date', field=field.id, days=3, direction='after')
        yearly = self.scenario([{'kind': 'set_status',
                    'status': self.active.id}],
            trigger_kind='date', field=field.id, yearly=True)
        today = dt.date(2026, 12, 4)
        with set_company(self.company):
            three, year, other = Party.create([
                    {'name': "Три дня", 'last_contact': dt.date(2026, 12, 1)},
                    {'name': "Год", 'last_contact': dt.date(2019, 12, 4)},
                    {'name': "Другой", 'last_contact': dt.date(2026, 12, 2)},
                    ])
            self.assertEqual([i[0] for i in after.due(today)], [three.id])
            self.assertEqual([i[0] for i in yearly.due(today)], [year.id])
            Pool().get('crm.automation').run_scheduled(today)
            run_queue()
        self.assertEqual(
            [r.party for r in self.runs(after)], [three])
        self.assertEqual(
            [r.party for r in self.runs(yearly)], [year])

    @with_transaction()
    def test_import_done_event(self):
        "An import finished sets off its scenario on each card it made"
        pool = Pool()
        Event = pool.get('crm.counterparty.event')
        tag, = pool.get('crm.counterparty.tag').create([{
                    'name': "Из импорта", 'shared': True}])
        self.setup_company()
        scenario = self.scenario([{'kind': 'add_tag', 'tag': tag.id}],
            trigger_kind='import_done')
        user = create_user('anna', self.anna)
        data = xlsx([['Название'], ['ООО А'], ['ООО Б']])
        with set_company(self.company):
            batch = run_import(data, user)
            run_queue()
        events = Event.search([('kind', '=', 'import_done')])
        self.assertEqual(len(events), 2)
        self.assertEqual({e.values['batch'] for e in events}, {batch.id})
        self.assertEqual(sorted(r.party.name for r in self.runs(scenario)),
            ["ООО А", "ООО Б"])
        self.assertTrue(all(tag in r.party.tags
                for r in self.runs(scenario)))

    @with_transaction()
    def test_communication_held_and_overdue(self):
        """A communication held sets off its scenario (an ir.trigger on
        write); one planned whose start has passed is overdue (the
        scheduler)"""
        pool = Pool()
        Communication = pool.get('crm.communication')
        Automation = pool.get('crm.automation')
        self.setup_company()
        held = self.scenario([{'kind': 'set_status',
                    'status': self.active.id}],
            trigger_kind='communication_held')
        overdue = self.scenario([{'kind': 'set_status',
                    'status': self.new.id}],
            trigger_kind='communication_overdue')
        now = dt.datetime.now().replace(microsecond=0, second=0)
        with set_company(self.company):
            one = self.party("ООО «Встреча»")
            two = self.party("ООО «Забыли»")
            meeting, late = Communication.create([{
                        'subject': subject, 'start': start,
                        'end': start + dt.timedelta(hours=1),
                        'organiser': self.anna.id,
                        'employees': [('add', [self.anna.id])],
                        'parties': [('add', [party.id])],
                        } for subject, start, party in [
                        ("Встреча", now + dt.timedelta(days=1), one),
                        ("Звонок", now - dt.timedelta(days=2), two)]])
            run_queue()
            self.assertEqual(self.runs(held), [])
            Communication.do([meeting])
            run_queue()
            Automation.run_scheduled()
            run_queue()
        run, = self.runs(held)
        self.assertEqual(run.party, one)
        self.assertEqual(run.record, str(meeting))
        run, = self.runs(overdue)
        self.assertEqual(run.party, two)
        self.assertEqual(run.record, str(late))

    @with_transaction()
    def test_planned_guest_message_email_received(self):
        """A communication planned, a guest's comment on the portal and a
        letter landing from a client each set off their scenario, end to
        end through the code that raises them"""
        pool = Pool()
        Communication = pool.get('crm.communication')
        Mailbox = pool.get('crm.mailbox')
        WebUser = pool.get('web.user')
        self.setup_company()
        planned, wrote, mailed = (self.scenario(
                [{'kind': 'set_status', 'status': self.active.id}],
                trigger_kind=kind) for kind in [
                'communication_planned', 'guest_message', 'email_received'])
        now = dt.datetime.now().replace(microsecond=0, second=0)
        with set_company(self.company):
            client = self.party("ООО «Ромашка»", contact_mechanisms=[
                    ('create', [{'type': 'email',
                                'value': 'info@romashka.example'}])])
            ivan = self.party("Иван Петров", kind='person')
            meeting, = Communication.create([{
                        'subject': "Встреча", 'start': now,
                        'end': now + dt.timedelta(hours=1),
                        'organiser': self.anna.id,
                        'employees': [('add', [self.anna.id])],
                        'parties': [('add', [ivan.id])],
                        }])
            run_queue()
            self.assertEqual([r.party for r in self.runs(planned)], [ivan])
            self.assertEqual(self.runs(wrote), [])

            guest, = WebUser.create([
                    {'email': 'ivan@client.example', 'party': ivan.id}])
            guest.comment(meeting, "Можно перенести на пятницу?")
            run_queue()
            run, = self.runs(wrote)
            self.assertEqual((run.party, run.record), (ivan, str(meeting)))

            with mailbox_key():
                mailbox, = Mailbox.create([{
                            'user': self.admin.id,
                            'company': self.company.id,
                            'employee': self.anna.id,
                            'address': 'anna@office.example',
                            'imap_host': '127.0.0.1', 'login': 'anna',
                            'password': 'secret', 'folders': 'INBOX',
                            }])
                communication = Communication.land(mailbox, letter(
                        'info@romashka.example', 'anna@office.example',
                        "Счёт"))
            run_queue()
        run, = self.runs(mailed)
        self.assertEqual((run.party, run.record),
            (client, str(communication)))
        self.assertEqual(client.__class__(client.id).counterparty_status,
            self.active)
        # Each event set off its own scenario only
        self.assertEqual(len(self.runs()), 3)

    @with_transaction()
    def test_actions_reach_their_servers(self):
        """A new client's scenario sets his type and group, tells his
        responsible (notification and e-mail), sends him an e-mail and an
        SMS from templates, and starts a mailing to him: each reaches its
        real server"""
        pool = Pool()
        Group = pool.get('crm.counterparty.group')
        Mailing = pool.get('crm.counterparty.mailing')
        Party = pool.get('party.party')
        Type = pool.get('crm.counterparty.type')
        User = pool.get('res.user')
        self.setup_company()
        partner, = Type.create([{'name': "Партнёр"}])
        group, = Group.create([{'name': "Новые", 'user': self.admin.id}])
        User.write([self.admin], {'email': 'olga@office.example'})
        with set_company(self.company):
            mailing, = Mailing.create([{
                        'name': "Приветствие", 'company': self.company.id,
                        'sender': self.anna.id,
                        'subject': "Добро пожаловать",
                        'email_html': "<p>{{name}}, добро пожаловать</p>",
                        }])
        scenario = self.scenario([
                {'kind': 'set_type', 'sequence': 1,
                    'counterparty_type': partner.id},
                {'kind': 'add_group', 'sequence': 2, 'group': group.id},
                {'kind': 'notify', 'sequence': 3, 'to_responsible': True,
                    'subject': "Новый клиент {{name}}"},
                {'kind': 'send_email', 'sequence': 4,
                    'subject': "Здравствуйте", 'text': "{{name}}, спасибо"},
                {'kind': 'send_sms', 'sequence': 5,
                    'text': "{{name}}, ждём звонка"},
                {'kind': 'start_mailing', 'sequence': 6,
                    'mailing': mailing.id},
                ], trigger_kind='created')

        def answer(request):
            return 200, {'status': 'OK', 'sms': {request.form()['to']: {
                            'status': 'OK', 'sms_id': '0001'}}}
        with smtp_server() as mailbox, http_server(answer) as provider, \
                configured('sms', uri='json+%s/sms/send?from=CRM'
                    % provider.url.replace('//', '//TOKEN@')), \
                set_company(self.company):
            party = self.party("ООО «Ромашка»", responsible=self.anna.id,
                contact_mechanisms=[('create', [
                            {'type': 'email',
                                'value': 'info@romashka.example'},
                            {'type': 'mobile',
                                'value': '+7 916 123-45-67'}])])
            started = run_queue_but_mailings()
            deliver(Transaction())
            mailed, = started
            self.deliver_mailing(mailed)
            deliver(Transaction())
        party = Party(party.id)
        self.assertEqual(party.counterparty_type, partner)
        # Olga's own group, which only she sees
        self.assertEqual(list(Group(group.id).parties), [party])
        run, = self.runs(scenario)
        self.assertEqual(run.state, 'done')
        # Saved when the transaction commits, as the web client's are
        self.assertEqual([(n.user, n.label)
                for n in Transaction().user_notifications],
            [(self.admin, "Новый клиент ООО «Ромашка»")])
        self.assertEqual([m['Subject'] for m in mailbox.to(
                    'olga@office.example')], ["Новый клиент ООО «Ромашка»"])
        self.assertEqual(sorted(m['Subject'] for m in mailbox.to(
                    'info@romashka.example')),
            ["Добро пожаловать", "Здравствуйте"])
        request, = provider.requests
        self.assertEqual((request.form()['to'], request.form()['msg']),
            ('+79161234567', "ООО «Ромашка», ждём звонка"))
        # The mailing started is a copy of the template's, to him alone
        self.assertEqual(list(mailed.parties), [party])
        self.assertEqual(Mailing(mailed.id).state, 'done')

    def deliver_mailing(self, mailing):
        "Send the mailing as its queued task does, without its commits"
        Mailing = Pool().get('crm.counterparty.mailing')
        for _ in Mailing(mailing.id)._deliver():
            pass


def run_queue_but_mailings():
    """Run the queued tasks as run_queue does but a mailing's sending, which
    commits: return the mailings it would send"""
    pool = Pool()
    Mailing = pool.get('crm.counterparty.mailing')
    Queue = pool.get('ir.queue')
    transaction = Transaction()
    mailings = []
    while transaction.tasks:
        task = Queue(transaction.tasks.pop(0))
        if task.data['model'] == Mailing.__name__:
            mailings.extend(Mailing.browse(task.data['instances']))
        else:
            task.run()
    return mailings
