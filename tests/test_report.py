# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The printed list of counterparties with their contact persons."""
import io
import zipfile
from unittest.mock import patch

from lxml import etree

import trytond.config as config
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction

from trytond.modules.crm_counterparty.tests.test_access import call
from trytond.modules.crm_counterparty.tests.tools import create_user

TEXT = '{urn:oasis:names:tc:opendocument:xmlns:text:1.0}'


def document_text(content):
    "The paragraphs of an ODT document, flat or zipped"
    content = bytes(content)
    if zipfile.is_zipfile(io.BytesIO(content)):
        with zipfile.ZipFile(io.BytesIO(content)) as odt:
            content = odt.read('content.xml')
    tree = etree.fromstring(content)
    return [''.join(p.itertext()) for p in tree.iter(TEXT + 'p')]


def config_get(command):
    "config.get with [report] convert_command set to command (or missing)"
    get = config.get

    def config_get(section, option, *args, **kwargs):
        if (section, option) == ('report', 'convert_command'):
            return command or 'no-such-converter --convert-to pdf'
        return get(section, option, *args, **kwargs)
    return config_get


class CounterpartyListReportTestCase(_DBTestCase):
    "Test the printed list of counterparties"
    module = 'crm_counterparty'

    def create_parties(self):
        pool = Pool()
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            anna = create_employee(company, "Анна Петрова")
            romashka, vasilek = Party.create([{
                        'name': "ООО «Ромашка»",
                        'responsible': anna.id,
                        'inn': '7707083893',
                        'contact_mechanisms': [('create', [
                                    {'type': 'phone',
                                        'value': '+74951234567'},
                                    {'type': 'email',
                                        'value': 'info@romashka.ru'},
                                    ])],
                        }, {
                        'name': "ООО «Василёк»",
                        }])
            Party.create([{
                        'name': "Иванов Иван", 'kind': 'person',
                        'position': "Директор",
                        'employer': romashka.id,
                        'contact_mechanisms': [('create', [
                                    {'type': 'mobile',
                                        'value': '89161234567'}])],
                        }])
        return company, romashka, vasilek

    def execute(self, parties):
        pool = Pool()
        Report = pool.get('crm.counterparty.list', type='report')
        return Report.execute([p.id for p in parties], {
                'model': 'party.party',
                'ids': [p.id for p in parties],
                })

    @with_transaction()
    def test_selected_with_contact_persons(self):
        "The list shows the selected counterparties, persons and phones"
        company, romashka, vasilek = self.create_parties()
        with set_company(company), \
                patch.object(config, 'get', config_get(None)):
            director, = romashka.contact_persons
            oext, content, _, name = self.execute(
                [romashka, vasilek, director])
        self.assertEqual(oext, 'odt')
        self.assertEqual(name, "Counterparties with Contact Persons-%s"
            % Pool().get('ir.date').today().isoformat())
        text = document_text(content)
        for expected in [
                "Counterparties", "ООО «Ромашка»", "INN 7707083893",
                "Анна Петрова", "8 (495) 123-45-67", "info@romashka.ru",
                "Иванов Иван", "Директор", "8 (916) 123-45-67",
                "ООО «Василёк»", "Total: 2"]:
            with self.subTest(expected=expected):
                self.assertIn(expected, text)
        self.assertLess(
            text.index("ООО «Ромашка»"), text.index("Иванов Иван"))
        # Selected with its company, the director is printed once, under it
        self.assertEqual(text.count("Иванов Иван"), 1)
        self.assertNotIn("<for each", ' '.join(text))

    @with_transaction()
    def test_whole_list(self):
        "The list's own print action prints every listed counterparty"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        ActionReport = pool.get('ir.action.report')
        Keyword = pool.get('ir.action.keyword')
        Report = pool.get('crm.counterparty.list', type='report')
        company, romashka, vasilek = self.create_parties()
        action = ActionReport(ModelData.get_id(
                'crm_counterparty', 'report_counterparty_list_listed'))
        # The web client sends the listed records for such an action
        self.assertEqual(action.records, 'listed')
        self.assertIn(action.action.id, [
                a['id'] for a in Keyword.get_keyword(
                    'form_print', ('party.party', -1))])
        with set_company(company), \
                patch.object(config, 'get', config_get(None)):
            _, content, _, name = Report.execute(
                [romashka.id, vasilek.id], {
                    'model': 'party.party', 'action_id': action.id,
                    'ids': [romashka.id, vasilek.id]})
        self.assertEqual(name, "List of Counterparties with Contact "
            "Persons-%s" % Pool().get('ir.date').today().isoformat())
        self.assertIn("Total: 2", document_text(content))

    @with_transaction()
    def test_pdf_with_converter(self):
        "Where the converter is installed the list is converted to PDF"
        company, romashka, _ = self.create_parties()
        command = 'cp "%(input_path)s" "%(output_path)s"'
        with set_company(company), \
                patch.object(config, 'get', config_get(command)):
            oext, content, _, _ = self.execute([romashka])
        self.assertEqual(oext, 'pdf')
        # cp plays LibreOffice: the "PDF" is the document it was given
        self.assertIn("ООО «Ромашка»", document_text(content))

    @with_transaction()
    def test_pdf_with_libreoffice(self):
        "With the LibreOffice the Makefile installs, the print is a PDF"
        company, romashka, _ = self.create_parties()
        with set_company(company):
            oext, content, _, _ = self.execute([romashka])
        self.assertEqual(oext, 'pdf')
        self.assertTrue(bytes(content).startswith(b'%PDF-'))

    @with_transaction()
    def test_hidden_counterparty_not_printed(self):
        "A salesperson cannot print a counterparty hidden from them"
        pool = Pool()
        Configuration = pool.get('party.configuration')
        company, romashka, _ = self.create_parties()
        with set_company(company):
            Configuration.write([Configuration(1)], {
                    'counterparty_visibility': 'involved'})
            users = {
                'anna': create_user('anna', romashka.responsible),
                'boris': create_user(
                    'boris', create_employee(company, "Борис")),
                }

        def print_(user):
            with patch.object(config, 'get', config_get(None)):
                return call(
                    user, 'crm.counterparty.list', 'execute',
                    [romashka.id],
                    {'model': 'party.party', 'ids': [romashka.id]},
                    type='report')
        with self.assertRaises(AccessError):
            print_(users['boris'])
        _, content, _, _ = print_(users['anna'])
        text = document_text(content)
        self.assertIn("ООО «Ромашка»", text)
        self.assertIn("Иванов Иван", text)

    @with_transaction()
    def test_forged_company_not_in_header(self):
        """A company the client names that is not the user's does not
        break the print: the header names the user's own"""
        company, romashka, _ = self.create_parties()
        with set_company(company):
            anna = create_user('anna', romashka.responsible)
        for forged in [-1, None, company.id + 1]:
            with self.subTest(company=forged), \
                    patch.object(config, 'get', config_get(None)):
                _, content, _, _ = call(
                    anna, 'crm.counterparty.list', 'execute',
                    [romashka.id],
                    {'model': 'party.party', 'ids': [romashka.id]},
                    type='report', context={'company': forged})
                text = document_text(content)
                self.assertIn("ООО «Ромашка»", text)
                self.assertTrue(
                    any(line.startswith(company.rec_name) for line in text))

    @with_transaction()
    def test_print_managers(self):
        "Where only managers export, no print gives a salesperson a file"
        pool = Pool()
        Configuration = pool.get('party.configuration')
        ModelData = pool.get('ir.model.data')
        company, romashka, _ = self.create_parties()
        with set_company(company):
            Configuration.write([Configuration(1)], {
                    'counterparty_export': 'managers'})
            anna = create_user('anna', romashka.responsible)
            maria = create_user(
                'maria', create_employee(company, "Мария"),
                'group_crm_manager')

        def print_(user, action):
            module, action = action.split('.')
            report = {'company': 'party.letter'}.get(
                module, 'crm.counterparty.list')
            with patch.object(config, 'get', config_get(None)):
                return call(
                    user, report, 'execute',
                    [romashka.id], {
                        'model': 'party.party', 'ids': [romashka.id],
                        'action_id': ModelData.get_id(module, action)},
                    type='report')
        for action in [
                'crm_counterparty.report_counterparty_list',
                'crm_counterparty.report_counterparty_list_listed',
                'company.report_letter']:
            with self.subTest(action=action):
                with self.assertRaises(AccessError) as cm:
                    print_(anna, action)
                self.assertEqual(cm.exception.message, gettext(
                        'crm_counterparty.msg_access_export_managers'))
                _, content, _, _ = print_(maria, action)
                self.assertTrue(document_text(content))
                if action.startswith('crm_counterparty.'):
                    self.assertIn("ООО «Ромашка»", document_text(content))


del _DBTestCase
