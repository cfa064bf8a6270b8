# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The pictures of counterparties: graphs reachable from the menu."""
from collections import Counter

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import _DBTestCase, with_transaction

GRAPHS = {
    'status': 'counterparty_status',
    'type': 'counterparty_type',
    'responsible': 'responsible',
    'month': 'creation_month',
    }


class CounterpartyGraphTestCase(_DBTestCase):
    "Test the graphs of counterparties"
    module = 'crm_counterparty'

    def picture(self, key):
        """The bars of the graph as the web client draws them: the
        records of the action counted by the value of the x field"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        ActWindow = pool.get('ir.action.act_window')
        Party = pool.get('party.party')
        action = ActWindow(ModelData.get_id(
                'crm_counterparty', 'act_counterparty_graph_%s' % key))
        view_id, = [v.view.id for v in action.act_window_views]
        view = Party.fields_view_get(view_id=view_id)
        self.assertEqual(view['type'], 'graph')
        field = GRAPHS[key]
        self.assertIn(field, view['fields'])
        domain = PYSONDecoder().decode(action.pyson_domain)
        order = PYSONDecoder().decode(action.pyson_order)
        relation = view['fields'][field]['type'] == 'many2one'
        names = [field, field + '.rec_name'] if relation else [field]
        records = Party.search_read(domain, order=order, fields_names=names)
        return Counter(
            (r[field + '.'] or {}).get('rec_name') if relation else r[field]
            for r in records)

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
            Party.create([
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
            self.assertRegex(month[0], r'^\d{4}-\d{2}$')
            self.assertEqual(month[1], 3)
        for key in GRAPHS:
            menu = Menu(ModelData.get_id(
                    'crm_counterparty', 'menu_counterparty_graph_%s' % key))
            self.assertEqual(
                menu.parent.parent.id,
                ModelData.get_id('crm_counterparty', 'menu_clients'))


del _DBTestCase
