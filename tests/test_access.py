# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Who reaches which counterparty, proven through the server's RPC path.

Every call goes through ``call``, which does what the dispatcher does for a
request of the web client: the method must be in ``__rpc__``, the arguments
and the context are converted by the method's ``RPC`` (``_check_access`` is
set there, records are instantiated) and the call runs as the user with the
context the client sends (the user's preferences)."""
import datetime

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_counterparty.tests.tools import create_user
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.tools import is_instance_method
from trytond.transaction import Transaction


def call(user, name, method, *args, type='model', context=None):
    """Call name.method as user the way the RPC dispatcher does; context is
    what the client sends over the user's preferences"""
    pool = Pool()
    User = pool.get('res.user')
    obj = pool.get(name, type=type)
    rpc = obj.__rpc__[method]
    transaction = Transaction()
    with transaction.set_user(user.id), transaction.reset_context():
        context = {
            **User.get_preferences(context_only=True), **(context or {})}
        c_args, c_kwargs, context, _ = rpc.convert(obj, *args, context)
        with transaction.set_context(context):
            meth = rpc.decorate(getattr(obj, method))
            if (rpc.instantiate is None
                    or not is_instance_method(obj, method)):
                return rpc.result(meth(*c_args, **c_kwargs))
            inst = c_args.pop(0)
            return rpc.result(meth(inst, *c_args, **c_kwargs))


def run_wizard(user, name, records, *steps):
    """Run the wizard name on records as user the way the web client does:
    open it, then execute each (state, data) of steps; the last result"""
    context = {
        'active_model': records[0].__name__,
        'active_ids': [r.id for r in records],
        'active_id': records[0].id,
        }
    session_id, _, _ = call(
        user, name, 'create', type='wizard', context=context)
    result = None
    for state, data in steps:
        result = call(
            user, name, 'execute', session_id, data, state, type='wizard',
            context=context)
    return result


def meeting_values(company, user, party_ids, colleagues=(), day=3,
        subject="Встреча с директором"):
    """The values of a meeting on a day of November 2026 at 10:00 with the
    parties, organised by user, who invites the colleagues (users)"""
    return {
        'subject': subject,
        'company': company.id,
        'start': datetime.datetime(2026, 11, day, 10),
        'end': datetime.datetime(2026, 11, day, 11),
        'organiser': user.employee.id,
        'employees': [('add', [
                    u.employee.id for u in [user, *colleagues]])],
        'parties': [('add', list(party_ids))],
        }

class CounterpartyAccessTestCase(_DBTestCase):
    "Test who sees, edits and exports counterparties"
    module = 'crm_counterparty'

    def setUp(self):
        super().setUp()
        self.denied = (AccessError, UserError)

    def setup_company(self, visibility='involved', editing='involved',
            export='all'):
        """A company where Olga supervises Anna, Boris works alone, Maria
        is a CRM manager and Pavel uses Tryton without the CRM.
        Anna looks after "Romashka" (with its contact person Ivan),
        Boris after "Vasilek"."""
        pool = Pool()
        Party = pool.get('party.party')
        Configuration = pool.get('party.configuration')
        Channel = pool.get('ir.chat.channel')
        Note = pool.get('ir.note')
        Attachment = pool.get('ir.attachment')

        IrModel = pool.get('ir.model')
        # The header's search box looks in the models an administrator
        # turned it on for
        IrModel.write(IrModel.search([('name', '=', 'party.party')]), {
                'global_search_p': True})

        company = create_company()
        self.company = company
        with set_company(company):
            employees = {
                name: create_employee(company, name)
                for name in ['Olga', 'Anna', 'Boris', 'Maria', 'Pavel']}
            employees['Anna'].supervisor = employees['Olga']
            employees['Anna'].save()
            self.users = {
                name: create_user(name.lower(), employee, {
                        'Maria': 'group_crm_manager', 'Pavel': None}.get(
                        name, 'group_crm_user'))
                for name, employee in employees.items()}
            configuration = Configuration(1)
            configuration.counterparty_visibility = visibility
            configuration.counterparty_editing = editing
            configuration.counterparty_export = export
            configuration.save()

            self.romashka, self.vasilek = Party.create([{
                        'name': "ООО «Ромашка»",
                        'responsible': employees['Anna'].id,
                        }, {
                        'name': "ООО «Василёк»",
                        'responsible': employees['Boris'].id,
                        }])
            self.ivan, = Party.create([{
                        'name': "Иванов Иван", 'kind': 'person',
                        'employer': self.romashka.id,
                        }])
            resource = str(self.romashka)
            Channel.post(self.romashka, "Звонили насчёт скидки")
            self.note, = Note.create([{
                        'resource': resource,
                        'message': "Директор в отпуске до мая"}])
            self.attachment, = Attachment.create([{
                        'resource': resource, 'name': "договор.txt",
                        'data': b"contract"}])
        return company

    def create_meeting(self, company, party):
        "Anna's meeting with party, organised by her"
        Communication = Pool().get('crm.communication')
        with set_company(company):
            meeting, = Communication.create([meeting_values(
                        company, self.users['Anna'], [party.id])])
        return meeting

    def reveals(self, user):
        """What the calls of the web client reveal of "Romashka" and its
        contact person to user; None when a call is refused"""
        romashka, ivan = self.romashka, self.ivan
        resource = str(romashka)
        name = romashka.name

        def safe(func):
            try:
                return func()
            except self.denied:
                return None
        return {
            'read': safe(lambda: [r['name'] for r in call(
                        user, 'party.party', 'read', [romashka.id],
                        ['name'])]),
            'read contact person': safe(lambda: [r['name'] for r in call(
                        user, 'party.party', 'read', [ivan.id], ['name'])]),
            'search': [i for i in call(
                    user, 'party.party', 'search', [], 0, None, None)
                if i in {romashka.id, ivan.id}],
            'search_count': call(
                user, 'party.party', 'search_count',
                [('id', 'in', [romashka.id, ivan.id])]),
            'search box': [r['name'] for r in call(
                    user, 'party.party', 'search_read',
                    [('rec_name', 'ilike', '%Ромашка%')], 0, None, None,
                    ['name'])],
            'search by name': call(
                user, 'party.party', 'search_count',
                [('name', 'ilike', '%омашк%')]),
            'search_global': [r[4] for r in call(
                    user, 'ir.model', 'global_search', 'Ромашка', 10)
                if r[1] == 'party.party'],
            'export': safe(lambda: call(
                    user, 'party.party', 'export_data', [romashka.id],
                    ['name'])),
            'export domain': call(
                user, 'party.party', 'export_data_domain',
                [('name', '=', name)], ['name']),
            'notes': [r['message'] for r in call(
                    user, 'ir.note', 'search_read',
                    [('resource', '=', resource)], 0, None, None,
                    ['message'])],
            'read note': safe(lambda: call(
                    user, 'ir.note', 'read', [self.note.id], ['message'])),
            'attachments': [r['name'] for r in call(
                    user, 'ir.attachment', 'search_read',
                    [('resource', '=', resource)], 0, None, None,
                    ['name'])],
            'read attachment': safe(lambda: call(
                    user, 'ir.attachment', 'read', [self.attachment.id],
                    ['data'])),
            'chat': safe(lambda: [m['content'] for m in call(
                        user, 'ir.chat.channel', 'get', resource)]),
            'chat post': safe(lambda: call(
                    user, 'ir.chat.channel', 'post', resource, "Привет")),
            }

    @with_transaction()
    def test_hidden_counterparty_reveals_nothing(self):
        "A user not involved in a counterparty learns nothing of it"
        self.setup_company()
        self.assertEqual(self.reveals(self.users['Boris']), {
                'read': None,
                'read contact person': None,
                'search': [],
                'search_count': 0,
                'search box': [],
                'search by name': 0,
                'search_global': [],
                'export': None,
                'export domain': [],
                'notes': [],
                'read note': None,
                'attachments': [],
                'read attachment': None,
                'chat': None,
                'chat post': None,
                })

    def assertRevealed(self, user):
        revealed = self.reveals(user)
        name = self.romashka.name
        self.assertEqual(revealed['read'], [name])
        self.assertEqual(revealed['read contact person'], [self.ivan.name])
        self.assertEqual(
            sorted(revealed['search']),
            sorted([self.romashka.id, self.ivan.id]))
        self.assertEqual(revealed['search_count'], 2)
        self.assertEqual(revealed['search box'], [name])
        self.assertEqual(revealed['search by name'], 1)
        self.assertEqual(revealed['search_global'], [name])
        self.assertEqual(revealed['export'], [[name]])
        self.assertEqual(revealed['export domain'], [[name]])
        self.assertEqual(revealed['notes'], ["Директор в отпуске до мая"])
        self.assertIsNotNone(revealed['read note'])
        self.assertEqual(revealed['attachments'], ["договор.txt"])
        self.assertIsNotNone(revealed['read attachment'])
        self.assertIn("Звонили насчёт скидки", revealed['chat'])
        self.assertIsInstance(revealed['chat post'], int)

    @with_transaction()
    def test_communication_participant_keeps_seeing(self):
        "Who took part in a communication keeps seeing its counterparty"
        pool = Pool()
        Party = pool.get('party.party')
        Communication = pool.get('crm.communication')
        company = self.setup_company()
        boris = self.users['Boris']
        # Boris looked after Romashka and called them
        Party.write([self.romashka], {'responsible': boris.employee.id})
        Communication.create([meeting_values(
                    company, boris, [self.ivan.id], subject="Звонок", day=2)])
        Party.write([self.romashka], {
                'responsible': self.users['Anna'].employee.id})
        self.assertRevealed(boris)

    @with_transaction()
    def test_communications_follow_their_counterparties(self):
        "The communications of a hidden counterparty are hidden too"
        company = self.setup_company()
        boris = self.users['Boris']
        meeting = self.create_meeting(company, self.ivan)

        def subjects(user):
            return [c['subject'] for c in call(
                    user, 'crm.communication', 'search_read', [],
                    0, None, None, ['subject'])]
        self.assertEqual(subjects(boris), [])
        with self.assertRaises(AccessError):
            call(boris, 'crm.communication', 'read', [meeting.id],
                ['subject'])
        for name in ['Anna', 'Olga', 'Maria']:
            self.assertEqual(
                subjects(self.users[name]), ["Встреча с директором"])

    @with_transaction()
    def test_communication_names_only_visible_counterparties(self):
        """A communication one sees for one of its counterparties names
        none of the others one may not see, nor is found by them"""
        Communication = Pool().get('crm.communication')
        company = self.setup_company()
        boris = self.users['Boris']
        with set_company(company):
            meeting, = Communication.create([meeting_values(
                        company, self.users['Anna'],
                        [self.vasilek.id, self.romashka.id])])
        self.assertEqual(call(boris, 'crm.communication', 'read',
                [meeting.id], ['party_names']),
            [{'id': meeting.id, 'party_names': "ООО «Василёк»"}])
        for name, found in [("Василёк", 1), ("Ромашка", 0)]:
            with self.subTest(name=name):
                self.assertEqual(call(boris, 'crm.communication',
                        'search_count',
                        [('party_names', 'ilike', '%%%s%%' % name)]), found)

    @with_transaction()
    def test_invited_colleague_sees_counterparty(self):
        """Who sees a counterparty invites a colleague who does not; the
        colleague then sees it, as one of those he takes part in"""
        company = self.setup_company()
        anna, boris = self.users['Anna'], self.users['Boris']
        meeting = self.create_meeting(company, self.romashka)
        self.assertEqual(self.reveals(boris)['search'], [])
        call(anna, 'crm.communication', 'write', [meeting.id], {
                'employees': [('add', [boris.employee.id])]})
        self.assertRevealed(boris)
        # A meeting planned with him at once does the same
        pavel = self.users['Pavel']
        self.assertEqual(call(pavel, 'party.party', 'search_count',
                [('id', '=', self.ivan.id)]), 0)
        call(anna, 'crm.communication', 'create', [meeting_values(
                    company, anna, [self.ivan.id], colleagues=[pavel],
                    subject="Переговоры", day=4)])
        self.assertEqual(call(pavel, 'party.party', 'search_count',
                [('id', '=', self.ivan.id)]), 1)

    @with_transaction()
    def test_inviter_adds_only_counterparties_he_sees(self):
        "A counterparty the inviter does not see is never added"
        company = self.setup_company()
        anna, boris = self.users['Anna'], self.users['Boris']
        for parties in [[self.vasilek.id, self.romashka.id], [self.ivan.id]]:
            with self.subTest(parties=parties), \
                    self.assertRaises(self.denied):
                call(boris, 'crm.communication', 'create', [meeting_values(
                            company, boris, parties, colleagues=[anna],
                            day=4)])
        own = self.create_meeting(company, self.romashka)
        with self.assertRaises(self.denied):
            call(boris, 'crm.communication', 'write', [own.id], {
                    'parties': [('add', [self.vasilek.id])]})
        self.assertEqual(self.reveals(boris)['search'], [])

    @with_transaction()
    def test_no_joining_a_hidden_communication(self):
        "Nobody adds himself to a communication he does not see"
        pool = Pool()
        Communication = pool.get('crm.communication')
        company = self.setup_company()
        boris = self.users['Boris']
        meeting = self.create_meeting(company, self.romashka)
        with self.assertRaises(self.denied):
            call(boris, 'crm.communication-company.employee', 'create', [{
                        'communication': meeting.id,
                        'employee': boris.employee.id}])
        # Nor moves his own participation to it
        with set_company(company):
            his, = Communication.create([meeting_values(
                        company, boris, [self.vasilek.id], subject="Звонок",
                        day=5)])
        Participation = pool.get('crm.communication-company.employee')
        row, = Participation.search([
                ('communication', '=', his.id),
                ('employee', '=', boris.employee.id)])
        with self.assertRaises(self.denied):
            call(boris, Participation.__name__, 'write', [row.id], {
                    'communication': meeting.id})
        self.assertEqual(call(
                boris, 'crm.communication', 'search_count',
                [('id', '=', meeting.id)]), 0)
        self.assertEqual(self.reveals(boris)['search'], [])

    @with_transaction()
    def test_shared_group_shows_counterparty(self):
        "A group shared with everyone shows its counterparties to everyone"
        pool = Pool()
        Group = pool.get('crm.counterparty.group')
        self.setup_company()
        anna = self.users['Anna']
        with Transaction().set_user(anna.id):
            personal, = Group.create([{
                        'name': "Мои", 'user': anna.id,
                        'parties': [('add', [self.romashka.id])]}])
        self.assertEqual(self.reveals(self.users['Boris'])['search'], [])
        Group.write([personal], {'user': None})
        self.assertRevealed(self.users['Boris'])

    @with_transaction()
    def test_internal_parties_visible(self):
        "Everyone reads the parties of the company and of the employees"
        self.setup_company()
        boris = self.users['Boris']
        anna = self.users['Anna']
        parties = [self.company.party.id, anna.employee.party.id]
        self.assertEqual(
            [r['id'] for r in call(
                    boris, 'party.party', 'read', parties, ['name'])],
            parties)
        self.assertEqual(call(
                boris, 'party.party', 'search_count',
                [('internal', '=', True)]), 6)
        with self.assertRaises(AccessError):
            call(boris, 'party.party', 'write', parties[1:],
                {'name': "Анна"})

    @with_transaction()
    def test_responsible_sees_counterparty(self):
        "The responsible sees the counterparty and its contact person"
        self.setup_company()
        self.assertRevealed(self.users['Anna'])

    @with_transaction()
    def test_supervisor_sees_subordinates_counterparty(self):
        "A supervisor sees the counterparties of their subordinates"
        self.setup_company()
        self.assertRevealed(self.users['Olga'])

    @with_transaction()
    def test_employer_rules_joined_whatever_the_count(self):
        """The rules on the employer are a join of it, not a subquery over
        every counterparty, whatever Tryton believes of the table's size"""
        pool = Pool()
        Party = pool.get('party.party')
        User = pool.get('res.user')
        self.setup_company()
        anna = self.users['Anna']
        transaction = Transaction()
        try:
            for count in [0, 10 ** 6]:
                Party._count_cache.set(Party.__name__, count)
                with transaction.set_user(anna.id), \
                        transaction.set_context(
                            User.get_preferences(context_only=True),
                            _check_access=True):
                    query = str(Party.search([], query=True))
                    found = Party.search([])
                self.assertIn('LEFT JOIN "party_party"', query)
                self.assertNotIn('"employer" IN (SELECT', query)
                self.assertTrue(
                    {self.romashka, self.ivan} <= set(found))
                self.assertNotIn(self.vasilek, found)
        finally:
            Party._count_cache.set(Party.__name__, None)

    @with_transaction()
    def test_manager_sees_all(self):
        "A CRM manager sees every counterparty whatever the policy"
        self.setup_company()
        self.assertRevealed(self.users['Maria'])

    @with_transaction()
    def test_admin_sees_all(self):
        "The administrator (not root) is a CRM administrator and sees all"
        pool = Pool()
        User = pool.get('res.user')
        self.setup_company()
        admin, = User.search([('login', '=', 'admin')])
        User.write([admin], {
                'companies': [('add', [self.company.id])],
                'company': self.company.id,
                })
        self.assertRevealed(admin)

    @with_transaction()
    def test_policy_all(self):
        "Where the company lets everyone see everything, Boris sees it"
        self.setup_company(visibility='all')
        self.assertRevealed(self.users['Boris'])

    @with_transaction()
    def test_policy_change_applies_at_once(self):
        "A change of the policy applies to the next call"
        pool = Pool()
        Configuration = pool.get('party.configuration')
        self.setup_company()
        boris = self.users['Boris']
        self.assertEqual(call(
                boris, 'party.party', 'search_count',
                [('id', '=', self.romashka.id)]), 0)
        with set_company(self.company):
            configuration = Configuration(1)
            configuration.counterparty_visibility = 'all'
            configuration.save()
        self.assertEqual(call(
                boris, 'party.party', 'search_count',
                [('id', '=', self.romashka.id)]), 1)

    @with_transaction()
    def test_rules_moot_where_all_allowed(self):
        """Where one rule lets every counterparty through, the others are
        not turned into a query: no record rule is left"""
        pool = Pool()
        Rule = pool.get('ir.rule')
        Configuration = pool.get('party.configuration')
        self.setup_company()
        models = ['party.party', 'party.contact_mechanism',
            'party.identifier']

        def rules(user):
            with Transaction().set_user(user.id), \
                    Transaction().set_context(
                        _check_access=True, company=self.company.id):
                return {m: Rule.domain_get(m) for m in models}
        self.assertTrue(all(rules(self.users['Boris']).values()))
        self.assertFalse(any(rules(self.users['Maria']).values()))
        with set_company(self.company):
            configuration = Configuration(1)
            configuration.counterparty_visibility = 'all'
            configuration.save()
        self.assertFalse(any(rules(self.users['Boris']).values()))
        # Editing is still restricted to his own
        with Transaction().set_user(self.users['Boris'].id), \
                Transaction().set_context(
                    _check_access=True, company=self.company.id):
            self.assertTrue(Rule.domain_get('party.party', mode='write'))

    @with_transaction()
    def test_policy_per_company(self):
        "The policy is a setting of each company"
        pool = Pool()
        Configuration = pool.get('party.configuration')
        self.setup_company()
        other = create_company(name="Other")
        with set_company(other):
            self.assertEqual(
                Configuration(1).counterparty_visibility, 'all')
        with set_company(self.company):
            self.assertEqual(
                Configuration(1).counterparty_visibility, 'involved')

    @with_transaction()
    def test_policy_follows_user_moved(self):
        "A user moved to another company works under its policy at once"
        pool = Pool()
        User = pool.get('res.user')
        self.setup_company()
        other = create_company(name="Other")
        boris = self.users['Boris']
        with self.assertRaises(AccessError):
            call(boris, 'party.party', 'read', [self.romashka.id], ['name'])
        User.write([boris], {
                'companies': [('add', [other.id])], 'company': other.id,
                'employee': None})
        self.assertEqual(
            call(boris, 'party.party', 'read', [self.romashka.id],
                ['name'], context={'company': other.id}),
            [{'id': self.romashka.id, 'name': self.romashka.name}])

    @with_transaction()
    def test_editing_involved(self):
        "Under 'involved' only its people edit a counterparty"
        self.setup_company(visibility='all', editing='involved')
        romashka = self.romashka.id
        with self.assertRaises(AccessError):
            call(self.users['Boris'], 'party.party', 'write',
                [romashka], {'name': "Взломано"})
        with self.assertRaises(AccessError):
            call(self.users['Boris'], 'party.party', 'write',
                [self.ivan.id], {'position': "Взломано"})
        call(self.users['Anna'], 'party.party', 'write',
            [romashka], {'industry': "Цветы"})
        call(self.users['Olga'], 'party.party', 'write',
            [self.ivan.id], {'position': "Директор"})
        call(self.users['Maria'], 'party.party', 'write',
            [romashka], {'description': "Ключевой клиент"})
        self.assertEqual(self.romashka.industry, "Цветы")
        self.assertEqual(self.ivan.position, "Директор")
        self.assertEqual(self.romashka.description, "Ключевой клиент")

    @with_transaction()
    def test_editing_managers(self):
        "Under 'managers' even the responsible does not edit"
        self.setup_company(visibility='all', editing='managers')
        with self.assertRaises(AccessError):
            call(self.users['Anna'], 'party.party', 'write',
                [self.romashka.id], {'name': "Ромашка"})
        call(self.users['Maria'], 'party.party', 'write',
            [self.romashka.id], {'industry': "Цветы"})
        self.assertEqual(self.romashka.industry, "Цветы")

    @with_transaction()
    def test_editing_all(self):
        "Under 'all' everyone who sees a counterparty edits it"
        self.setup_company(visibility='all', editing='all')
        call(self.users['Boris'], 'party.party', 'write',
            [self.romashka.id], {'industry': "Цветы"})
        self.assertEqual(self.romashka.industry, "Цветы")

    @with_transaction()
    def test_contact_data_follow_counterparty(self):
        "Phones of a counterparty one may not edit cannot be changed"
        pool = Pool()
        ContactMechanism = pool.get('party.contact_mechanism')
        self.setup_company(visibility='all', editing='involved')
        phone, = ContactMechanism.create([{
                    'party': self.romashka.id, 'type': 'phone',
                    'value': '+74951234567'}])
        with self.assertRaises(AccessError):
            call(self.users['Boris'], 'party.contact_mechanism', 'write',
                [phone.id], {'value': '+74957654321'})

    @with_transaction()
    def test_model_access(self):
        "Without the CRM a user reads but neither creates nor edits"
        self.setup_company(visibility='all', editing='all')
        pavel = self.users['Pavel']
        self.assertEqual(call(
                pavel, 'party.party', 'read', [self.romashka.id],
                ['name'])[0]['name'], self.romashka.name)
        for method, args in [
                ('create', [{'name': "Новый"}]),
                ('write', [[self.romashka.id], {'name': "Новое"}]),
                ('delete', [[self.romashka.id]]),
                ]:
            with self.subTest(method=method):
                with self.assertRaises(AccessError):
                    call(pavel, 'party.party', method, *args)
        created, = call(
            self.users['Boris'], 'party.party', 'create',
            [{'name': "ООО «Новый»"}])
        self.assertTrue(created)

    def setup_wizard_values(self):
        """A status Romashka does not have, a shared tag and a custom text
        field, for the wizards to set"""
        pool = Pool()
        Status = pool.get('crm.counterparty.status')
        Tag = pool.get('crm.counterparty.tag')
        CustomField = pool.get('crm.counterparty.custom_field')
        status = next(s for s in Status.search([])
            if s != self.romashka.counterparty_status)
        tag, = Tag.create([{'name': "VIP", 'shared': True}])
        region, = CustomField.create([{'name': "Регион", 'kind': 'text'}])
        return status, tag, region

    @with_transaction()
    def test_wizards_keep_to_editing(self):
        "A user who only sees a counterparty changes it through no wizard"
        pool = Pool()
        Party = pool.get('party.party')
        Group = pool.get('crm.counterparty.group')
        self.setup_company(visibility='all', editing='involved')
        boris = self.users['Boris']
        status, tag, region = self.setup_wizard_values()
        own, = call(boris, 'crm.counterparty.group', 'create', [{
                    'name': "Мои"}])
        fields = ['responsible', 'counterparty_status', 'tags',
            'counterparty_groups', region.field_name]
        before = Party.read([self.romashka.id], fields)
        for name, state, data in [
                ('crm.counterparty.change_responsible', 'change', {
                        'responsible': boris.employee.id}),
                ('crm.counterparty.mass_edit', 'change', {
                        'counterparty_status': status.id}),
                ('crm.counterparty.mass_edit', 'change', {
                        'custom_field': region.id,
                        'custom_value': "Сибирь"}),
                ('crm.counterparty.mass_edit', 'change', {
                        'add_tags': [tag.id]}),
                ('crm.counterparty.mass_edit', 'change', {
                        'add_groups': [own]}),
                ('crm.counterparty.group.assign', 'apply', {
                        'action': 'add', 'group': own}),
                ]:
            with self.subTest(wizard=name, data=data):
                with self.assertRaises(AccessError) as cm:
                    run_wizard(boris, name, [self.romashka],
                        ('start', {}), (state, {'start': data}))
                self.assertEqual(cm.exception.message, gettext(
                        'crm_counterparty.msg_access_edit_refused',
                        parties=self.romashka.rec_name))
        self.assertEqual(Party.read([self.romashka.id], fields), before)
        self.assertEqual(Group(own).parties, ())

    @with_transaction()
    def test_wizards_keep_to_own_groups(self):
        "No wizard puts a counterparty into another user's personal group"
        pool = Pool()
        Group = pool.get('crm.counterparty.group')
        self.setup_company(visibility='all', editing='involved')
        personal, = call(
            self.users['Anna'], 'crm.counterparty.group', 'create', [{
                    'name': "Мои клиенты"}])
        for name, state, data in [
                ('crm.counterparty.group.assign', 'apply', {
                        'action': 'add', 'group': personal}),
                ('crm.counterparty.mass_edit', 'change', {
                        'add_groups': [personal]}),
                ]:
            with self.subTest(wizard=name):
                with self.assertRaises(AccessError) as cm:
                    run_wizard(self.users['Boris'], name, [self.vasilek],
                        ('start', {}), (state, {'start': data}))
                self.assertEqual(cm.exception.message, gettext(
                        'crm_counterparty.msg_shared_not_visible',
                        **Group.__names__()))
        self.assertEqual(Group(personal).parties, ())

    @with_transaction()
    def test_wizards_for_editors(self):
        "Who may edit a counterparty changes it through the wizards"
        pool = Pool()
        Party = pool.get('party.party')
        Group = pool.get('crm.counterparty.group')
        self.setup_company(visibility='all', editing='involved')
        anna, maria = self.users['Anna'], self.users['Maria']
        status, tag, region = self.setup_wizard_values()
        result = run_wizard(
            anna, 'crm.counterparty.mass_edit', [self.romashka],
            ('start', {}), ('change', {'start': {
                        'counterparty_status': status.id,
                        'custom_field': region.id, 'custom_value': "Сибирь",
                        'add_tags': [tag.id]}}))
        self.assertEqual(result['view']['state'], 'done')
        run_wizard(
            anna, 'crm.counterparty.group.assign', [self.romashka],
            ('start', {}), ('apply', {'start': {
                        'action': 'add', 'new_group': "Выставка"}}))
        run_wizard(
            maria, 'crm.counterparty.change_responsible',
            [self.romashka, self.vasilek],
            ('start', {}), ('change', {'start': {
                        'responsible': self.users['Olga'].employee.id}}))
        romashka = Party(self.romashka.id)
        self.assertEqual(romashka.counterparty_status, status)
        self.assertEqual(getattr(romashka, region.field_name), "Сибирь")
        self.assertEqual(romashka.tags, (tag,))
        group, = Group.search([('name', '=', "Выставка")])
        self.assertEqual((group.user, group.parties), (anna, (romashka,)))
        self.assertEqual(
            {p.responsible for p in [romashka, Party(self.vasilek.id)]},
            {self.users['Olga'].employee})

    @with_transaction()
    def test_hand_over_out_of_sight(self):
        "A salesperson hands her card to a colleague she does not supervise"
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_company(visibility='involved', editing='all')
        anna, boris = self.users['Anna'], self.users['Boris']
        run_wizard(
            anna, 'crm.counterparty.change_responsible', [self.romashka],
            ('start', {}), ('change', {'start': {
                        'responsible': boris.employee.id}}))
        self.assertEqual(Party(self.romashka.id).responsible, boris.employee)
        # Now his: she no longer sees it, nor may hand it back
        with self.assertRaises(AccessError):
            run_wizard(
                anna, 'crm.counterparty.change_responsible', [self.romashka],
                ('start', {}), ('change', {'start': {
                            'responsible': anna.employee.id}}))
        self.assertEqual(Party(self.romashka.id).responsible, boris.employee)

    @with_transaction()
    def test_export_managers(self):
        "Where only managers export, a salesperson's export is refused"
        self.setup_company(visibility='all', export='managers')
        with self.assertRaises(AccessError):
            call(self.users['Anna'], 'party.party', 'export_data',
                [self.romashka.id], ['name'])
        with self.assertRaises(AccessError):
            call(self.users['Anna'], 'party.party', 'export_data_domain',
                [], ['name'])
        self.assertEqual(call(
                self.users['Maria'], 'party.party', 'export_data',
                [self.romashka.id], ['name']), [[self.romashka.name]])

    @with_transaction()
    def test_export_card_parts(self):
        """Where only managers export, a salesperson exports no part of a
        card from its own model either; our own company's phone he does"""
        pool = Pool()
        ContactMechanism = pool.get('party.contact_mechanism')
        Note = pool.get('ir.note')
        self.setup_company(visibility='all', export='managers')
        phone, own_phone = ContactMechanism.create([{
                    'party': self.romashka.id, 'type': 'phone',
                    'value': '+74951234567'}, {
                    'party': self.company.party.id, 'type': 'phone',
                    'value': '+74957654321'}])
        note, = Note.create([{
                    'resource': str(self.romashka), 'message': "Скидка 5%"}])
        meeting = self.create_meeting(self.company, self.ivan)
        parts = [
            ('party.contact_mechanism', phone.id, 'value'),
            ('ir.note', note.id, 'message'),
            ('crm.communication', meeting.id, 'subject'),
            ]
        for model, id_, name in parts:
            with self.subTest(model=model):
                with self.assertRaises(AccessError):
                    call(self.users['Anna'], model, 'export_data',
                        [id_], [name])
                with self.assertRaises(AccessError):
                    call(self.users['Anna'], model, 'export_data_domain',
                        [('id', '=', id_)], [name])
                self.assertEqual(len(call(self.users['Maria'], model,
                            'export_data', [id_], [name])), 1)
        self.assertEqual(call(
                self.users['Anna'], 'party.contact_mechanism', 'export_data',
                [own_phone.id], ['value']), [['8 (495) 765-43-21']])
        with self.assertRaises(AccessError):
            call(self.users['Anna'], 'crm.counterparty.statistics',
                'export_data_domain', [], ['count'])

    @with_transaction()
    def test_export_refused_as_unread_first(self):
        """Who may not export and asks for parts of cards he may not see is
        refused their read, which says nothing of what they hold"""
        ContactMechanism = Pool().get('party.contact_mechanism')
        self.setup_company(export='managers')
        phone, = ContactMechanism.create([{'party': self.romashka.id,
                    'type': 'phone', 'value': '+74951234567'}])
        with self.assertRaises(AccessError) as refused:
            call(self.users['Boris'], 'party.contact_mechanism',
                'export_data', [phone.id], ['value'])
        self.assertNotEqual(refused.exception.message, gettext(
                'crm_counterparty.msg_access_export_managers'))

    @with_transaction()
    def test_export_group_of_counterparties(self):
        "A list of counterparties is exported by name, not its counterparties"
        Group = Pool().get('crm.counterparty.group')
        self.setup_company(visibility='all', export='managers')
        anna = self.users['Anna']
        group, = Group.create([{
                    'name': "Ключевые", 'user': anna.id,
                    'parties': [('add', [self.romashka.id])]}])
        self.assertEqual(call(anna, 'crm.counterparty.group', 'export_data',
                [group.id], ['name']), [["Ключевые"]])
        for path in ['parties', 'parties/name', 'parties/phone']:
            with self.subTest(path=path), self.assertRaises(AccessError):
                call(anna, 'crm.counterparty.group', 'export_data',
                    [group.id], ['name', path])


    def edits_of_romashka(self, user):
        """The changes of Romashka a user may try over RPC, in order:
        the card, its status, a phone, an address and an identifier
        created, changed and deleted, the card moved to the trash"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        ContactMechanism = pool.get('party.contact_mechanism')
        Address = pool.get('party.address')
        Identifier = pool.get('party.identifier')
        romashka = self.romashka.id
        phone, = ContactMechanism.create([{
                    'party': romashka, 'type': 'phone',
                    'value': '+74951234567'}])
        address, = Address.create([{'party': romashka, 'city': "Москва"}])
        identifier, = Identifier.create([{
                    'party': romashka, 'code': "Р-1"}])
        self.children = {
            'phones': phone.value, 'cities': address.city,
            'identifiers': identifier.code}
        current = ModelData.get_id('crm_counterparty', 'status_current')
        edits = [
            ('party.party', 'write', [romashka], {'name': "Взломано"}),
            ('party.party', 'write', [romashka],
                {'counterparty_status': current}),
            ]
        for model, record, create, write in [
                ('party.contact_mechanism', phone,
                    {'type': 'email', 'value': 'boris@example.com'},
                    {'value': '+74957654321'}),
                ('party.address', address,
                    {'city': "Тверь"}, {'city': "Казань"}),
                ('party.identifier', identifier,
                    {'code': "Р-2"}, {'code': "Р-3"}),
                ]:
            edits += [
                (model, 'create', [dict(create, party=romashka)]),
                (model, 'write', [record.id], write),
                (model, 'delete', [record.id]),
                ]
        edits.append(('party.party', 'delete', [romashka]))
        return [(m, method, args, lambda m=m, method=method, args=args: call(
                        user, m, method, *args))
            for m, method, *args in edits]

    def romashka_state(self):
        "What the edits of edits_of_romashka change"
        pool = Pool()
        Party = pool.get('party.party')
        with Transaction().set_context(active_test=False):
            romashka = Party(self.romashka.id)
            return {
                'name': romashka.name,
                'status': romashka.counterparty_status,
                'trashed': bool(romashka.trash_date),
                'phones': [m.value for m in romashka.contact_mechanisms],
                'cities': [a.city for a in romashka.addresses],
                'identifiers': [i.code for i in romashka.identifiers],
                }

    @with_transaction()
    def test_editing_within_visibility(self):
        """Whoever edits everything they see does not edit, trash nor add
        contact data to a card they do not see"""
        self.setup_company(visibility='involved', editing='all')
        edits = self.edits_of_romashka(self.users['Boris'])
        before = self.romashka_state()
        # A refused creation leaves its row until the dispatcher rolls the
        # transaction back: the creations go last
        edits.sort(key=lambda e: e[1] == 'create')
        for model, method, args, edit in edits:
            with self.subTest(model=model, method=method, args=args):
                with self.assertRaises(AccessError):
                    edit()
                if method != 'create':
                    self.assertEqual(self.romashka_state(), before)

    @with_transaction()
    def test_editing_within_visibility_allowed(self):
        "Who sees a card edits it under 'everyone who sees it'"
        pool = Pool()
        Party = pool.get('party.party')
        Configuration = pool.get('party.configuration')
        self.setup_company(visibility='involved', editing='all')
        for name, visibility in [('Anna', 'involved'), ('Olga', 'involved'),
                ('Maria', 'involved'), ('Boris', 'all')]:
            with set_company(self.company):
                configuration = Configuration(1)
                configuration.counterparty_visibility = visibility
                configuration.save()
            with self.subTest(user=name, visibility=visibility):
                edits = self.edits_of_romashka(self.users[name])
                before = self.romashka_state()
                for model, method, args, edit in edits:
                    edit()
                after = self.romashka_state()
                self.assertEqual(after['name'], "Взломано")
                self.assertEqual(after['status'].name, "Current")
                self.assertTrue(after['trashed'])
                for key, new in [
                        ('phones', 'boris@example.com'),
                        ('cities', "Тверь"),
                        ('identifiers', "Р-2"),
                        ]:
                    expected = before[key]
                    expected.remove(self.children[key])
                    self.assertEqual(
                        sorted(after[key]), sorted(expected + [new]))
                Party.restore([Party(self.romashka.id)])

    def forged_contexts(self):
        """The company contexts a client may send: none, no company, and a
        company of others where everyone sees and exports everything"""
        pool = Pool()
        Configuration = pool.get('party.configuration')
        Company = pool.get('company.company')
        other = create_company(name="Other")
        with set_company(other):
            configuration = Configuration(1)
            configuration.counterparty_visibility = 'all'
            configuration.counterparty_editing = 'all'
            configuration.counterparty_export = 'all'
            configuration.save()
        nowhere = max(c.id for c in Company.search([])) + 1
        return [{'company': c} for c in [None, -1, nowhere, other.id]]

    @with_transaction()
    def test_forged_company_context(self):
        "The company a client sends does not switch the policy off"
        pool = Pool()
        User = pool.get('res.user')
        self.setup_company()
        romashka = self.romashka.id
        nobody = create_user('nobody')
        User.write([nobody], {
                'companies': [('remove', [self.company.id])],
                'company': None})
        for context in self.forged_contexts() + [
                {'company': self.company.id}]:
            for user in [self.users['Boris'], self.users['Pavel'], nobody]:
                with self.subTest(context=context, user=user.login):
                    def rpc(method, *args):
                        return call(user, 'party.party', method, *args,
                            context=context)
                    with self.assertRaises(AccessError):
                        rpc('read', [romashka], ['name'])
                    self.assertNotIn(
                        romashka, rpc('search', [], 0, None, None))
                    self.assertEqual(rpc(
                            'search_count', [('id', '=', romashka)]), 0)
                    self.assertEqual(rpc(
                            'search_read', [('id', '=', romashka)],
                            0, None, None, ['name']), [])
                    try:
                        exported = rpc('export_data_domain',
                            [('id', '=', romashka)], ['name'])
                    except AccessError:
                        exported = []
                    self.assertEqual(exported, [])

    @with_transaction()
    def test_forged_company_context_export(self):
        "The company a client sends does not lift 'export: managers only'"
        self.setup_company(export='managers')
        anna = self.users['Anna']
        for context in self.forged_contexts():
            with self.subTest(context=context):
                with self.assertRaises(AccessError):
                    call(anna, 'party.party', 'export_data',
                        [self.romashka.id], ['name'], context=context)
                with self.assertRaises(AccessError):
                    call(anna, 'party.party', 'export_data_domain',
                        [], ['name'], context=context)
                self.assertEqual(call(
                        anna, 'party.party', 'read', [self.romashka.id],
                        ['name'], context=context)[0]['name'],
                    self.romashka.name)

    @with_transaction()
    def test_history_revisions_of_hidden_card(self):
        "The revisions of a card are read by who sees it only"
        self.setup_company()
        romashka = self.romashka.id
        with self.assertRaises(AccessError):
            call(self.users['Boris'], 'party.party', 'history_revisions',
                [romashka])
        with self.assertRaises(AccessError):
            call(self.users['Pavel'], 'party.party', 'history_revisions',
                [romashka])
        revisions = call(self.users['Anna'], 'party.party',
            'history_revisions', [romashka])
        self.assertTrue(revisions)
        self.assertEqual({r[1] for r in revisions}, {romashka})

    def on_change_calls(self):
        """The on_change calls of the forms that name Romashka, its parts
        or its note; each with what it returns of them"""
        pool = Pool()
        Address = pool.get('party.address')
        ContactMechanism = pool.get('party.contact_mechanism')
        Party = pool.get('party.party')
        romashka = self.romashka
        with set_company(self.company):
            Party.write([romashka], {'inn': '7707083893'})
            address, = Address.create([{
                        'party': romashka.id, 'street': "ул. Тайная, 7"}])
            phone, = ContactMechanism.create([{
                        'party': romashka.id, 'type': 'phone',
                        'value': '+74957770707'}])
        identifier, = romashka.identifiers
        note = self.note
        return [
            ('party.address', 'on_change_with',
                {'id': address.id}, ['street_single_line'], "Тайная"),
            ('party.address', 'on_change_street',
                {'id': address.id}, "Тайная"),
            ('party.contact_mechanism', 'on_change',
                {'id': phone.id}, ['other_value'], "74957770707"),
            ('party.identifier', 'on_change_with_code',
                {'id': identifier.id}, "7707083893"),
            ('ir.note', 'on_change_with',
                {'id': note.id}, ['message_wrapped'], "в отпуске"),
            # A new record naming them by its relations
            ('company.company.tax_identifier', 'on_change_with',
                {'id': -1, 'tax_identifier': identifier.id},
                ['company_party'], None),
            ('party.party', 'on_change',
                {'id': -1, 'employer': romashka.id}, ['employer'], None),
            ('party.party', 'on_change_with',
                {'id': -1, 'addresses': [{'id': address.id}]}, [], None),
            ('ir.note', 'on_change_with',
                {'id': -1, 'resource': str(romashka)},
                ['message_wrapped'], None),
            ]

    @with_transaction()
    def test_on_change_of_hidden_records(self):
        "An on_change names only records its user may read"
        self.setup_company()
        for model, method, *args, shown in self.on_change_calls():
            with self.subTest(model=model, method=method, values=args[0]):
                for user, context in [('Boris', None), ('Pavel', None),
                        ('Boris', {'_datetime': datetime.datetime.now()})]:
                    with self.assertRaises(AccessError) as refusal:
                        call(self.users[user], model, method, *args,
                            context=context)
                    self.assertNotIn("Ромашка", str(refusal.exception))
                result = call(self.users['Anna'], model, method, *args)
                if shown:
                    self.assertIn(shown, str(result))

    @with_transaction()
    def test_on_change_of_new_records(self):
        "The forms' on_change of a new record naming visible records works"
        self.setup_company()
        boris, anna = self.users['Boris'], self.users['Anna']
        for user, party in [(anna, self.romashka), (boris, self.vasilek)]:
            with self.subTest(user=user.login):
                result = call(user, 'party.contact_mechanism', 'on_change', {
                        'id': -1, 'party': party.id, 'type': 'phone',
                        'value': '+7 495 111-22-33'}, ['value'])
                self.assertIn('74951112233', str(result))
                result = call(user, 'party.party', 'on_change', {
                        'id': -1, 'employer': party.id,
                        'responsible': user.employee.id}, ['employer'])
                self.assertEqual(result.get('kind'), 'person')

    @with_transaction()
    def test_preferences_of_others_refused(self):
        "A user does not work as another's employee nor in another company"
        pool = Pool()
        User = pool.get('res.user')
        self.setup_company()
        other = create_company(name="Other")
        boris, anna = self.users['Boris'], self.users['Anna']
        for values in [
                {'employee': anna.employee.id},
                {'company': other.id},
                {'company': other.id, 'employee': None},
                ]:
            with self.subTest(values=values):
                with self.assertRaises(UserError):
                    call(boris, 'res.user', 'set_preferences', values)
                self.assertEqual(User(boris.id).employee, boris.employee)
                self.assertEqual(User(boris.id).company, self.company)
                self.assertEqual(self.reveals(boris)['search_count'], 0)
        call(boris, 'res.user', 'set_preferences', {
                'employee': boris.employee.id, 'company': self.company.id,
                'signature': "Борис"})
        self.assertEqual(User(boris.id).signature, "Борис")


del _DBTestCase
