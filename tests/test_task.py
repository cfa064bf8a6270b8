# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The project module's tasks on the counterparty's card."""
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_counterparty.tests import test_access
from trytond.modules.crm_counterparty.tests.test_access import call
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction


class CounterpartyTaskTestCase(_DBTestCase):
    "Test the tasks of a counterparty with the project module"
    module = 'crm_counterparty'
    extras = ['project']
    setup_company = test_access.CounterpartyAccessTestCase.setup_company

    @with_transaction()
    def test_card_tasks(self):
        "The card lists its tasks and those of its contact persons"
        pool = Pool()
        Party = pool.get('party.party')
        Work = pool.get('project.work')
        company = create_company()
        with set_company(company):
            client, other = Party.create([
                    {'name': "ООО «Северный ветер»"}, {'name': "Other"}])
            director, = Party.create([{
                        'name': "Иванов Иван", 'kind': 'person',
                        'employer': client.id}])
            send, call, _ = Work.create([{
                        'name': name, 'type': 'task', 'company': company.id,
                        'party': party.id,
                        } for name, party in [
                        ("Отправить договор", client),
                        ("Перезвонить директору", director),
                        ("Чужая задача", other),
                        ]])
            Work.create([{
                        'name': "Проект", 'type': 'project',
                        'company': company.id, 'party': client.id}])
            # Neither a project nor another counterparty's task
            self.assertEqual(list(client.tasks), [call, send])
            self.assertEqual(list(director.tasks), [call])
            # A task added from the card is the card's
            with Transaction().set_context(task_party=client.id):
                self.assertEqual(Work.default_party(), client.id)
            self.assertIsNone(Work.default_party())

    @with_transaction()
    def test_tasks_written_from_card(self):
        "Tasks added, changed and deleted in the card's list are the card's"
        pool = Pool()
        Party = pool.get('party.party')
        Work = pool.get('project.work')
        company = create_company()
        with set_company(company):
            client, = Party.create([{'name': "ООО «Северный ветер»"}])
            Party.write([client], {'tasks': [('create', [{
                                'name': "Отправить договор",
                                'company': company.id}])]})
            task, = client.tasks
            self.assertEqual((task.party, task.type), (client, 'task'))
            Party.write([client], {'tasks': [
                        ('write', [task.id], {'name': "Подписать договор"})]})
            self.assertEqual(task.name, "Подписать договор")
            Party.write([client], {'tasks': [('delete', [task.id])]})
            self.assertEqual(Work.search([]), [])

    @with_transaction()
    def test_card_view(self):
        "The card shows the tasks beside the communications"
        Party = Pool().get('party.party')
        view = Party.fields_view_get(view_type='form')
        self.assertIn('tasks', view['fields'])
        self.assertIn('activity', view['fields'])

    @with_transaction()
    def test_tasks_of_hidden_counterparty(self):
        """A task is seen with its counterparty, or by who takes part in
        it: not found, counted, read, exported nor completed by others"""
        pool = Pool()
        Work = pool.get('project.work')
        company = self.setup_company()
        users = self.users

        def task(name, party=None):
            return {'name': name, 'type': 'task', 'company': company.id,
                'party': party.id if party else None}
        with set_company(company):
            anna_task, free_task = Work.create([
                    task("Отправить договор Ромашке", self.romashka),
                    task("Обновить прайс")])
            # Boris took part before the card left his sight
            with Transaction().set_user(users['Boris'].id):
                boris_task, = Work.create([
                        task("Позвонить в Ромашку", self.romashka)])

        def found(user):
            ids = call(users[user], 'project.work', 'search', [], 0, None,
                None)
            return {i for i in ids
                if i in {anna_task.id, free_task.id, boris_task.id}}
        self.assertEqual(
            found('Anna'), {anna_task.id, free_task.id, boris_task.id})
        self.assertEqual(found('Boris'), {free_task.id, boris_task.id})
        self.assertEqual(found('Pavel'), {free_task.id})
        for user in ['Boris', 'Pavel']:
            with self.subTest(user=user):
                self.assertEqual(call(
                        users[user], 'project.work', 'search_count',
                        [('id', '=', anna_task.id)]), 0)
                self.assertEqual(call(
                        users[user], 'project.work', 'autocomplete',
                        "Ромашке", []), [])
                for method, args in [
                        ('read', [[anna_task.id], ['name']]),
                        ('export_data', [[anna_task.id], ['name']]),
                        ]:
                    with self.assertRaises(AccessError):
                        call(users[user], 'project.work', method, *args)
