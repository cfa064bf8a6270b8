# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The Russian translation (locale/ru.po), loaded into a Russian database."""
import re
from unittest.mock import patch

import polib

import trytond.config as config
from trytond.i18n import gettext
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_counterparty.tests.test_journal import journal
from trytond.modules.crm_counterparty.tests.test_report import (
    config_get, document_text)

MODULE = 'crm_counterparty'
PLACEHOLDER = re.compile(r'%\(\w+\)[sd]')


def _export(lang):
    "The entries Tryton exports for the module in lang, by context and source"
    Translation = Pool().get('ir.translation')
    content = Translation.translation_export(lang, MODULE)
    entries = polib.pofile(content.decode('utf-8')) if content else []
    return {(e.msgctxt, e.msgid): e for e in entries}


class CrmCounterpartyTranslationTestCase(_DBTestCase):
    "Test the Russian translation of the crm_counterparty module"
    module = MODULE
    # As the demo, the card's tasks too; the database of
    # test_translation_reach
    extras = ['project']
    language = 'ru'

    @with_transaction(context={'language': 'ru'})
    def test_field_labels(self):
        "Field labels, help and selections of the card are Russian"
        pool = Pool()
        Party = pool.get('party.party')
        fields = Party.fields_get(['kind', 'inn', 'responsible'])
        self.assertEqual(fields['kind']['string'], "Вид")
        self.assertEqual(
            fields['kind']['help'],
            "Является ли контрагент компанией или человеком.")
        self.assertEqual(
            fields['kind']['selection'],
            [('company', "Компания"), ('person', "Человек")])
        self.assertEqual(fields['inn']['string'], "ИНН")
        self.assertEqual(
            fields['inn']['help'],
            "Идентификационный номер налогоплательщика.")
        self.assertEqual(fields['responsible']['string'], "Ответственный")

    @with_transaction(context={'language': 'ru'})
    def test_list_selection_names(self):
        "The list names a counterparty's kind in Russian"
        Party = Pool().get('party.party')
        party, = Party.create([{'name': "Ромашка", 'kind': 'company'}])
        self.assertEqual(
            Party.read([party.id], ['kind:string']),
            [{'id': party.id, 'kind:string': "Компания"}])

    @with_transaction()
    def test_field_labels_context(self):
        "The labels follow the language of the context"
        Party = Pool().get('party.party')
        with Transaction().set_context(language='ru'):
            self.assertEqual(
                Party.fields_get(['kind'])['kind']['string'], "Вид")
        with Transaction().set_context(language='en'):
            self.assertEqual(
                Party.fields_get(['kind'])['kind']['string'], "Kind")

    @with_transaction(context={'language': 'ru'})
    def test_selections_of_other_models(self):
        "The values the module adds to selections of Tryton are Russian"
        pool = Pool()
        Configuration = pool.get('party.configuration')
        ContactMechanism = pool.get('party.contact_mechanism')
        fields = Configuration.fields_get(
            ['identifier_types', 'duplicate_tax_identifier'])
        self.assertIn(
            ('ru_kpp', "КПП (код причины постановки на учёт)"),
            fields['identifier_types']['selection'])
        self.assertEqual(
            fields['duplicate_tax_identifier']['selection'],
            [('error', "Запрещать"), ('warning', "Предупреждать")])
        self.assertEqual(
            fields['duplicate_tax_identifier']['string'], "Повтор ИНН")
        types = dict(
            ContactMechanism.fields_get(['type'])['type']['selection'])
        self.assertEqual(types['telegram'], "Telegram")
        self.assertEqual(types['vk'], "ВКонтакте")

    @with_transaction(context={'language': 'ru'})
    def test_view_strings(self):
        "The strings of the card's view are Russian"
        Party = Pool().get('party.party')
        arch = Party.fields_view_get(view_type='form')['arch']
        for string in ["Основное", "Контактные данные", "Общая информация",
                "Дополнительная информация", "Журнал"]:
            with self.subTest(string=string):
                self.assertIn('string="%s"' % string, arch)
        self.assertNotIn('string="Main"', arch)

    @with_transaction()
    def test_message(self):
        "The messages are Russian with their placeholders filled"
        with Transaction().set_context(language='ru'):
            message = gettext(
                'crm_counterparty.msg_duplicate_tax_identifier',
                inn='7707083893', kpp=' / 773601001',
                party="Сбербанк дубль", other="ПАО Сбербанк", code='12')
        self.assertEqual(
            message,
            "ИНН 7707083893 / 773601001 контрагента «Сбербанк дубль» уже "
            "указан у контрагента «ПАО Сбербанк» (код 12).")
        with Transaction().set_context(language='ru'):
            message = gettext(
                'crm_counterparty.msg_duplicate_tax_identifier_hidden',
                inn='7707083893', kpp='', party="Сбербанк дубль",
                responsible="Анна Петрова")
        self.assertEqual(
            message,
            "ИНН 7707083893 контрагента «Сбербанк дубль» уже указан у "
            "контрагента, к которому у вас нет доступа; обратитесь к его "
            "ответственному: Анна Петрова.")
        with Transaction().set_context(language='ru'):
            message = gettext(
                'crm_counterparty.msg_journal_contact_added',
                person="Анна")
        self.assertEqual(message, "Добавлено контактное лицо: Анна")

    @with_transaction(context={'language': 'ru'})
    def test_journal_reader_language(self):
        "The same change of a card read in Russian and in English"
        pool = Pool()
        Party = pool.get('party.party')
        Status = pool.get('crm.counterparty.status')
        company = create_company()
        with set_company(company):
            anna = create_employee(company, "Анна")
            party, = Party.create([{'name': "Ромашка"}])
            current, = Status.search([('name', '=', "Текущий")])
            Party.write([party], {
                    'counterparty_status': current.id,
                    'responsible': anna.id})
        self.assertIn(
            "Статус: Потенциальный → Текущий\nОтветственный: — → Анна",
            journal(party, 'ru'))
        self.assertIn("Карточка создана.", journal(party, 'ru'))
        self.assertIn(
            "Status: Potential → Current\nResponsible: — → Анна",
            journal(party, 'en'))

    @with_transaction(context={'language': 'ru'})
    def test_email_reason(self):
        "An invalid e-mail is refused in Russian, saying how to mend it"
        Party = Pool().get('party.party')
        with self.assertRaises(ValidationError) as cm:
            Party.create([{
                        'name': "Ромашка",
                        'contact_mechanisms': [('create', [{
                                        'type': 'email',
                                        'value': 'ivanov,petrov@mail.ru'}])],
                        }])
        self.assertEqual(
            cm.exception.message,
            "Адрес эл. почты «ivanov,petrov@mail.ru» контрагента «Ромашка» "
            "некорректен.")
        self.assertEqual(
            cm.exception.description, "В адресе недопустимые символы: ,")

    @with_transaction()
    def test_data_records(self):
        "The default types and statuses are named in Russian"
        pool = Pool()
        Type = pool.get('crm.counterparty.type')
        Status = pool.get('crm.counterparty.status')
        with Transaction().set_context(language='en'):
            client, = Type.search([('name', '=', "Client")])
            potential, = Status.search([('name', '=', "Potential")])
        with Transaction().set_context(language='ru'):
            self.assertEqual(Type(client.id).name, "Клиент")
            self.assertEqual(Status(potential.id).name, "Потенциальный")
            self.assertEqual(
                [t.name for t in Type.search([])],
                ["Клиент", "Поставщик", "Подрядчик", "Партнёр", "Конкурент",
                    "Другое"])
            self.assertEqual(
                [s.name for s in Status.search([])],
                ["Потенциальный", "Текущий", "Бесперспективный", "Бывший"])

    @with_transaction(context={'language': 'ru'})
    def test_menu(self):
        "The menu of the module is Russian"
        pool = Pool()
        Menu = pool.get('ir.ui.menu')
        ModelData = pool.get('ir.model.data')
        menu = Menu(ModelData.get_id(MODULE, 'menu_counterparty'))
        self.assertEqual(menu.complete_name, "Клиенты / Контрагенты")

    @with_transaction(context={'language': 'ru'})
    def test_report(self):
        "The printed list of counterparties is Russian"
        pool = Pool()
        Party = pool.get('party.party')
        Report = pool.get('crm.counterparty.list', type='report')
        party, = Party.create([{
                    'name': "ООО «Ромашка»", 'inn': '7707083893'}])
        with patch.object(config, 'get', config_get(None)):
            _, content, _, name = Report.execute([party.id], {
                    'model': 'party.party', 'ids': [party.id]})
        self.assertTrue(name.startswith("Контрагенты с контактными лицами"))
        text = document_text(content)
        for string in ["Контрагенты", "Контрагент", "Телефоны",
                "ИНН 7707083893", "Всего: 1"]:
            with self.subTest(string=string):
                self.assertIn(string, text)

    @with_transaction()
    def test_complete(self):
        "Every string Tryton exports for the module has a Russian value"
        pool = Pool()
        TranslationSet = pool.get('ir.translation.set', type='wizard')
        # The view strings get their source rows from "Set Translations";
        # its transition refuses a database whose default language is not
        # English, so run its steps directly.
        session_id, _, _ = TranslationSet.create()
        translation_set = TranslationSet(session_id)
        translation_set.set_report()
        translation_set.set_view()

        sources = _export('en')
        russian = _export('ru')
        # Every kind of string the module has
        self.assertEqual(
            {ctxt.split(':')[0] for ctxt, _ in sources},
            {'field', 'help', 'model', 'report', 'selection', 'view',
                'wizard_button'})
        self.assertGreaterEqual(len(sources), 100)
        problems = {
            "not in ru.po": sorted(set(sources) - set(russian)),
            "empty in ru.po": sorted(
                k for k in sources
                if k in russian and not russian[k].msgstr.strip()),
            "fuzzy in ru.po": sorted(
                k for k in sources
                if k in russian and 'fuzzy' in russian[k].flags),
            # ru.po also gives Russian to core strings a user of the card
            # meets; only a stale string of the module's own models counts
            "in ru.po but not in the module": sorted(
                k for k in set(russian) - set(sources)
                if k[0].split(':')[1].startswith('crm.')),
            "placeholders differ": sorted(
                k for k, e in russian.items()
                if sorted(PLACEHOLDER.findall(e.msgstr))
                != sorted(PLACEHOLDER.findall(k[1]))),
            }
        self.assertEqual(
            {p: keys for p, keys in problems.items() if keys}, {})

