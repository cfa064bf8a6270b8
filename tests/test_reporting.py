# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The pictures of counterparties: graphs reachable from the menu."""
from collections import Counter

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_counterparty.tests.tools import create_user
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction

GRAPHS = {
    'status': 'counterparty_status',
    'type': 'counterparty_type',
    'responsible': 'responsible',
    'month': 'month',
    }


class CounterpartyGraphTestCase(_DBTestCase):
    "Test the graphs of counterparties"
    module = 'crm_counterparty'

    def picture(self, key):
        """The bars of the graph as the web client draws them: the counts
        of the action's records added up by the value of the x field"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        ActWindow = pool.get('ir.action.act_window')
        action = ActWindow(ModelData.get_id(
                'crm_counterparty', 'act_counterparty_graph_%s' % key))
        Statistics = pool.get(action.res_model)
        view_id, = [v.view.id for v in action.act_window_views]
        view = Statistics.fields_view_get(view_id=view_id)
        self.assertEqual(view['type'], 'graph')
        field = GRAPHS[key]
        self.assertLessEqual({field, 'count'}, set(view['fields']))
        domain = PYSONDecoder().decode(action.pyson_domain)
        relation = view['fields'][field]['type'] == 'many2one'
        names = [field, 'count'] + ([field + '.rec_name'] if relation else [])
        bars = Counter()
        for row in Statistics.search_read(domain, fields_names=names):
            x = (row[field + '.'] or {}).get('rec_name') if relation \
                else row[field]
            bars[x] += row['count']
        return bars

    @with_transaction()
    def test_graphs(self):
        "Counterparties are counted by status, type, responsible and month"
        pool = Pool()
        Party = pool.get('party.party')
        Status = pool.get('crm.counterparty.status')
        Menu = pool.get('ir.ui.menu')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        with set_company(company):
            anna = create_employee(company, "Анна")
            current, = Status.search([('name', '=', "Current")])
            first, *_ = Party.create([
                    {'name': "А", 'responsible': anna.id},
                    {'name': "Б", 'responsible': anna.id,
                        'counterparty_status': current.id},
                    {'name': "В"},
                    ])
            status = self.picture('status')
            self.assertEqual(status, {"Potential": 2, "Current": 1})
            self.assertEqual(self.picture('type'), {"Client": 3})
            self.assertEqual(
                self.picture('responsible'), {"Анна": 2, None: 1})
            month, = self.picture('month').items()
            self.assertEqual(
                month[0], first.create_date.date().replace(day=1))
            self.assertEqual(month[1], 3)
        for key in GRAPHS:
            menu = Menu(ModelData.get_id(
                    'crm_counterparty', 'menu_counterparty_graph_%s' % key))
            self.assertEqual(
                menu.parent.parent.id,
                ModelData.get_id('crm_counterparty', 'menu_clients'))


    @with_transaction()
    def test_graphs_count_what_one_sees(self):
        """A CRM user who sees only his own counts only them; the trash and
        our own company are not counted"""
        pool = Pool()
        Party = pool.get('party.party')
        Configuration = pool.get('party.configuration')
        User = pool.get('res.user')
        company = create_company()
        with set_company(company):
            anna = create_employee(company, "Анна")
            boris = create_employee(company, "Борис")
            anna_user = create_user('anna', anna)
            configuration = Configuration(1)
            configuration.counterparty_visibility = 'involved'
            configuration.save()
            Party.create([
                    {'name': "А", 'responsible': anna.id},
                    {'name': "Б", 'responsible': boris.id},
                    ])
            trashed, = Party.create([{'name': "В", 'responsible': anna.id}])
            Party.delete([trashed])
            self.assertEqual(
                self.picture('responsible'), {"Анна": 1, "Борис": 1})
            with Transaction().set_user(anna_user.id), \
                    Transaction().set_context(
                        User.get_preferences(context_only=True),
                        _check_access=True):
                self.assertEqual(self.picture('responsible'), {"Анна": 1})


del _DBTestCase
