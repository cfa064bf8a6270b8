# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The project module's tasks on the counterparty's card."""
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction


class CounterpartyTaskTestCase(_DBTestCase):
    "Test the tasks of a counterparty with the project module"
    module = 'crm_counterparty'
    extras = ['project']

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
    def test_card_view(self):
        "The card shows the tasks beside the communications"
        Party = Pool().get('party.party')
        view = Party.fields_view_get(view_type='form')
        self.assertIn('tasks', view['fields'])
        self.assertIn('activity', view['fields'])
