# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Exporting counterparties with their contact persons."""
import csv
import io
import zipfile

from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_counterparty.importing import columns, tabular
from trytond.modules.crm_counterparty.tests.test_access import (
    call, run_wizard)
from trytond.modules.crm_counterparty.tests.tools import create_user
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction


class ExportTestCase(_DBTestCase):
    "Test exporting counterparties"
    module = 'crm_counterparty'

    def create_parties(self):
        Party = Pool().get('party.party')
        romashka, formula = Party.create([{
                    'name': "ООО «Ромашка»", 'inn': '7707083893',
                    'kpp': '773601001',
                    'contact_mechanisms': [('create', [
                                {'type': 'phone', 'value': '+74951234567'},
                                {'type': 'email',
                                    'value': 'info@romashka.ru'}])],
                    'contact_persons': [('create', [{
                                    'name': "Иванов Иван", 'kind': 'person',
                                    'position': "Директор",
                                    'contact_mechanisms': [('create', [{
                                                    'type': 'mobile',
                                                    'value': '+79161234567',
                                                    }])]}, {
                                    'name': "Петрова Анна",
                                    'kind': 'person'}])],
                    }, {
                    'name': '=HYPERLINK("http://evil.example","Жми")',
                    'contact_mechanisms': [('create', [
                                {'type': 'phone', 'value': '+442079460000'},
                                ])],
                    }])
        return romashka, formula

    def run_wizard(self, parties, **start):
        pool = Pool()
        Export = pool.get('crm.counterparty.export', type='wizard')
        with Transaction().set_context(
                active_model='party.party', active_id=parties[0].id,
                active_ids=[p.id for p in parties]):
            session_id, _, _ = Export.create()
            result = Export.execute(session_id, {}, 'start')
            self.assertEqual(
                result['view']['defaults']['selected'], len(parties))
            result = Export.execute(session_id, {'start': dict({
                            'scope': 'selected', 'format': 'xlsx',
                            'encoding': None}, **start)}, 'export')
            Export.delete(session_id)
        return result['view']['defaults']

    @with_transaction()
    def test_xlsx(self):
        "A row per contact person; a formula stays a text"
        pool = Pool()
        Party = pool.get('party.party')
        Tag = pool.get('crm.counterparty.tag')
        parties = self.create_parties()
        vip, = Tag.create([{'name': "VIP", 'shared': True}])
        Party.write([parties[0]], {'tags': [('add', [vip.id])]})
        result = self.run_wizard(parties)
        self.assertEqual(result['file_name'], 'counterparties.xlsx')
        rows = [v for _, v in tabular.rows(result['file'])]
        header = rows[0]
        self.assertEqual(header[:4], ['Name', 'Kind', 'INN', 'KPP'])
        self.assertEqual(len(rows), 4)
        by = [dict(zip(header, r)) for r in rows[1:]]
        self.assertEqual(
            [(r['Name'], r.get('Contact Person')) for r in by],
            [("ООО «Ромашка»", "Иванов Иван"),
                ("ООО «Ромашка»", "Петрова Анна"),
                ('=HYPERLINK("http://evil.example","Жми")', None)])
        self.assertEqual(by[0]['Phone'], '8 (495) 123-45-67')
        self.assertEqual(by[0]['Mobile Phone of Contact'], '8 (916) 123-45-67')
        self.assertEqual(by[0]['INN'], '7707083893')
        # The module's tags, which the import fills back
        self.assertEqual(by[0]['Tags'], "VIP")
        with zipfile.ZipFile(io.BytesIO(result['file'])) as archive:
            self.assertNotIn(
                '<f>', archive.read('xl/worksheets/sheet1.xml').decode())

    @with_transaction()
    def test_export_listed(self):
        "Launched as the list as filtered, the wizard offers and exports "
        "the listed rows the client gives, not all"
        pool = Pool()
        Export = pool.get('crm.counterparty.export', type='wizard')
        ModelData = pool.get('ir.model.data')
        Action = pool.get('ir.action')
        romashka, _ = self.create_parties()
        listed = Action.get_action_id(
            ModelData.get_id('crm_counterparty', 'wizard_export_listed'))
        with Transaction().set_context(
                active_model='party.party', active_id=None,
                active_ids=[romashka.id], action_id=listed):
            session_id, _, _ = Export.create()
            start = Export.execute(session_id, {}, 'start')
            defaults = start['view']['defaults']
            self.assertEqual(
                (defaults['given'], defaults['scope'], defaults['selected']),
                ('listed', 'listed', 1))
            result = Export.execute(session_id, {'start': {
                        'scope': 'listed', 'format': 'csv',
                        'encoding': 'utf-8-sig'}}, 'export')
            Export.delete(session_id)
        text = result['view']['defaults']['file'].decode('utf-8-sig')
        self.assertIn("ООО «Ромашка»", text)
        self.assertNotIn("HYPERLINK", text)

    @with_transaction()
    def test_export_managers(self):
        "Where only managers export, the wizard gives a salesperson no file"
        pool = Pool()
        Configuration = pool.get('party.configuration')
        romashka, _ = self.create_parties()
        company = create_company()
        with set_company(company):
            Configuration.write([Configuration(1)], {
                    'counterparty_export': 'managers'})
            anna = create_user('anna', create_employee(company, "Анна"))
            maria = create_user(
                'maria', create_employee(company, "Мария"),
                'group_crm_manager')
        export = ('export', {'start': {
                    'scope': 'selected', 'format': 'csv',
                    'encoding': 'utf-8-sig'}})
        # Through the form, or straight to the export as a client may
        for steps in [[('start', {}), export], [export]]:
            with self.subTest(steps=[s for s, _ in steps]):
                with self.assertRaises(AccessError) as cm:
                    run_wizard(
                        anna, 'crm.counterparty.export', [romashka], *steps)
                self.assertEqual(cm.exception.message, gettext(
                        'crm_counterparty.msg_access_export_managers'))
        result = run_wizard(
            maria, 'crm.counterparty.export', [romashka],
            ('start', {}), export)
        self.assertIn("ООО «Ромашка»",
            result['view']['defaults']['file'].decode('utf-8-sig'))

    @with_transaction()
    def test_csv(self):
        "CSV in UTF-8 with BOM or cp1251, formulas neutralised"
        parties = self.create_parties()
        for encoding in ['utf-8-sig', 'cp1251']:
            result = self.run_wizard(
                parties, format='csv', encoding=encoding)
            text = result['file'].decode(encoding)
            self.assertEqual(
                result['file'].startswith(b'\xef\xbb\xbf'),
                encoding == 'utf-8-sig')
            self.assertIn('"\'=HYPERLINK(""http://evil.example"",""Жми"")"',
                text)
            self.assertIn("'+44 20 7946 0000", text)

    @with_transaction()
    def test_csv_hidden_formulas(self):
        "A formula a user hides behind spaces, line breaks or in full width "
        "is neutralised in the CSV; a phone keeps its digits"
        company = create_company()
        with set_company(company):
            user = create_user('anna', create_employee(company, "Анна"))
        descriptions = [' =1+1', '\n=1+1', '\t=1+1', '\r=1+1', '\xa0=1+1',
            '\u3000=1+1', ' \n@SUM(1)', '\n-1+1', ' +1+1']
        names = ['＝1+1', '＋1+1', '－1+1', '＠SUM(1)', "ООО «Ромашка»"]
        ids = call(user, 'party.party', 'create', [
                {'name': n, 'description': d}
                for n, d in zip(names, descriptions)] + [
                {'name': "ООО «Лютик»", 'description': d}
                for d in descriptions[len(names):]])
        parties = Pool().get('party.party').browse(ids)
        result = self.run_wizard(parties, format='csv', encoding='utf-8-sig')
        cells = {c for r in csv.reader(io.StringIO(
                    result['file'].decode('utf-8-sig'), newline=''),
                delimiter=';') for c in r}
        for value in names[:-1] + descriptions:
            with self.subTest(value=value):
                self.assertIn("'" + value, cells)
                self.assertNotIn(value, cells)
        self.assertIn("ООО «Ромашка»", cells)

    @with_transaction()
    def test_export_imports_back(self):
        "The exported file goes back in: every column is recognised and "
        "every row is the counterparty it came from"
        pool = Pool()
        Party = pool.get('party.party')
        Import = pool.get('crm.counterparty.import')
        parties = self.create_parties()
        before = Party.search_count([])
        for format_ in ['xlsx', 'csv']:
            result = self.run_wizard(parties, format=format_,
                encoding='cp1251' if format_ == 'csv' else None)
            table = columns.open_table(result['file'])
            self.assertNotIn(None, [f for f, _ in table.mapping])
            batch, = Import.create([{'file': result['file']}])
            Import.read_columns([batch])
            Import.write([batch], {'state': 'waiting'})
            for _ in batch.process():
                pass
            batch = Import(batch.id)
            self.assertEqual(batch.skipped, 3,
                [(l.outcome, l.reason) for l in batch.lines])
            self.assertEqual(
                [l.party for l in batch.lines],
                [parties[0], parties[0], parties[1]])
        self.assertEqual(Party.search_count([]), before)
