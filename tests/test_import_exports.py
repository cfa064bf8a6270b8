# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Files shaped as other CRMs export their counterparties (their columns,
encodings, separators and title rows), imported as they come.  The contacts
of mail services (Google, Outlook, vCard) are in test_mail_contacts."""
from trytond.modules.crm_counterparty.tests import test_import
from trytond.modules.crm_counterparty.tests.test_import_rules import (
    Raw, html, xlsx)
from trytond.modules.crm_counterparty.tests.tools import run_import
from trytond.tests.test_tryton import _DBTestCase, with_transaction


def csv_file(lines, encoding, delimiter):
    "A CSV written as a Windows program writes it: CRLF, every cell quoted"
    return ''.join(delimiter.join('"%s"' % c.replace('"', '""') for c in l)
        + '\r\n' for l in lines).encode(encoding)


class ImportExportsTestCase(_DBTestCase):
    "Test importing the exports of other CRMs"
    module = 'crm_counterparty'
    setup_user = test_import.ImportTestCase.setup_user

    def imported(self, data, file_name):
        "The batch of data imported by a salesperson, and its employee"
        user, employee = self.setup_user()
        batch = run_import(data, user, file_name=file_name)
        self.assertEqual(batch.failed, 0, [l.reason for l in batch.lines])
        return batch, employee

    @with_transaction()
    def test_megaplan(self):
        "Megaplan: cp1251, semicolons, «Тип» holding the kind"
        batch, employee = self.imported(csv_file([
                    ['Тип', 'Название', 'ИНН', 'КПП', 'Телефоны', 'Email',
                        'Сайт', 'Адрес', 'Ответственный', 'Категория',
                        'Описание'],
                    ['Компания', 'ООО «Ромашка»', '7707083893', '773601001',
                        '+7 (495) 123-45-67, +7 (495) 765-43-21',
                        'info@romashka.ru', 'romashka.ru',
                        'г. Москва, ул. Ленина, д. 1', 'Анна Продажина',
                        'VIP', 'Оптовый клиент'],
                    ['Человек', 'Сидоров Иван Петрович', '', '',
                        '8 916 111-22-33', 'sidorov@mail.ru', '', '', '', '',
                        ''],
                    ], 'cp1251', ';'), 'megaplan.csv')
        self.assertEqual((batch.rows_total, batch.created), (2, 2))
        romashka, sidorov = [l.party for l in batch.lines]
        self.assertEqual((romashka.kind, romashka.inn, romashka.kpp),
            ('company', '7707083893', '773601001'))
        self.assertEqual(
            sorted(m.value for m in romashka.contact_mechanisms
                if m.type == 'phone'),
            ['8 (495) 123-45-67', '8 (495) 765-43-21'])
        self.assertEqual(romashka.responsible, employee)
        self.assertEqual(romashka.description, 'Оптовый клиент')
        self.assertEqual((sidorov.kind, sidorov.email),
            ('person', 'sidorov@mail.ru'))

    @with_transaction()
    def test_amocrm(self):
        "amoCRM companies: UTF-8 with BOM, commas, columns of its own"
        batch, employee = self.imported(csv_file([
                    ['ID', 'Название компании', 'Ответственный',
                        'Дата создания', 'Кем создана', 'Теги',
                        'Рабочий телефон', 'Web', 'Адрес', 'Рабочий email',
                        'Примечание'],
                    ['24816', 'ООО «Лютик»', 'Анна Продажина',
                        '01.12.2026 10:15:00', 'Анна Продажина',
                        'опт, москва', '+74951112233', 'https://lyutik.ru',
                        'Москва', 'sales@lyutik.ru', 'Звонить после обеда'],
                    ], 'utf-8-sig', ','), 'amocrm_export.csv')
        lyutik, = [l.party for l in batch.lines]
        self.assertEqual(lyutik.name, 'ООО «Лютик»')
        self.assertEqual((lyutik.phone, lyutik.email, lyutik.website),
            ('8 (495) 111-22-33', 'sales@lyutik.ru', 'https://lyutik.ru'))
        self.assertEqual(lyutik.responsible, employee)
        self.assertEqual(lyutik.description, 'Звонить после обеда')

    @with_transaction()
    def test_bitrix24(self):
        "Bitrix24 companies: cp1251, semicolons, work and mobile phones"
        batch, _ = self.imported(csv_file([
                    ['ID', 'Название компании', 'Тип компании',
                        'Сфера деятельности', 'Рабочий телефон',
                        'Мобильный телефон', 'Рабочий e-mail',
                        'Корпоративный сайт', 'Ответственный', 'Комментарий'],
                    ['7', 'ООО «Василёк»', 'Клиент', 'Производство',
                        '+7 (812) 555-55-55', '+7 (921) 000-11-22',
                        'office@vasilek.ru', 'vasilek.ru', 'Анна Продажина',
                        ''],
                    ], 'cp1251', ';'), 'company.csv')
        vasilek, = [l.party for l in batch.lines]
        self.assertEqual(vasilek.industry, 'Производство')
        self.assertEqual(
            sorted((m.type, m.value) for m in vasilek.contact_mechanisms),
            [('email', 'office@vasilek.ru'), ('mobile', '8 (921) 000-11-22'),
                ('phone', '8 (812) 555-55-55'), ('website', 'vasilek.ru')])

    @with_transaction()
    def test_bitrix24_excel(self):
        """Bitrix24's "Excel" export of companies: an HTML table saved as
        .xls, its values HTML-escaped, the address and comment in lines"""
        batch, employee = self.imported(html([
                    ['ID', 'Название компании', 'Тип компании',
                        'Сфера деятельности', 'Рабочий телефон',
                        'Мобильный телефон', 'Рабочий e-mail',
                        'Корпоративный сайт', 'Фактический адрес',
                        'Ответственный', 'Дата создания', 'Комментарий',
                        'ИНН', 'КПП'],
                    ['7', 'ООО "Василёк"', 'Клиент', 'Производство',
                        '+7 (812) 555-55-55, +7 (812) 555-55-56',
                        '+7 (921) 000-11-22', 'office@vasilek.ru',
                        'vasilek.ru', Raw('Санкт-Петербург<br />Невский '
                            'пр., 1'), 'Анна Продажина',
                        '01.12.2026 10:15:00',
                        Raw('Оптовый клиент<br>звонить после обеда'),
                        '7707083893', '773601001'],
                    ['9', 'ИП Смирнов С. С. & сыновья', '', '', '', '', '',
                        '', '', 'Анна Продажина', '02.12.2026 09:00:00', '',
                        '500100732259', ''],
                    ]), 'company.xls')
        self.assertEqual((batch.file_format, batch.rows_total,
                batch.created), ('html', 2, 2))
        vasilek, smirnov = [l.party for l in batch.lines]
        self.assertEqual((vasilek.name, vasilek.inn, vasilek.kpp),
            ('ООО "Василёк"', '7707083893', '773601001'))
        self.assertEqual(
            sorted((m.type, m.value) for m in vasilek.contact_mechanisms),
            [('email', 'office@vasilek.ru'), ('mobile', '8 (921) 000-11-22'),
                ('phone', '8 (812) 555-55-55'),
                ('phone', '8 (812) 555-55-56'), ('website', 'vasilek.ru')])
        self.assertEqual((vasilek.industry, vasilek.responsible),
            ('Производство', employee))
        self.assertEqual(vasilek.description,
            'Оптовый клиент звонить после обеда')
        self.assertEqual(vasilek.addresses[0].street_unstructured,
            'Санкт-Петербург Невский пр., 1')
        self.assertEqual((smirnov.name, smirnov.inn, smirnov.responsible),
            ('ИП Смирнов С. С. & сыновья', '500100732259', employee))

    @with_transaction()
    def test_megaplan_people(self):
        """Megaplan's people with their names split: «Фамилия Имя
        Отчество», a company's own row beside them"""
        batch, _ = self.imported(csv_file([
                    ['Тип', 'Название', 'Фамилия', 'Имя', 'Отчество',
                        'Телефоны', 'Email'],
                    ['Компания', 'ООО «Ромашка»', '', '', '',
                        '+7 (495) 123-45-67', 'info@romashka.ru'],
                    ['Человек', '', 'Сидоров', 'Иван', 'Петрович',
                        '8 916 111-22-33', 'sidorov@mail.ru'],
                    ], 'cp1251', ';'), 'megaplan.csv')
        romashka, sidorov = [l.party for l in batch.lines]
        self.assertEqual((romashka.kind, romashka.name, romashka.email),
            ('company', 'ООО «Ромашка»', 'info@romashka.ru'))
        self.assertEqual(
            (sidorov.kind, sidorov.name, sidorov.email, sidorov.phone),
            ('person', 'Сидоров Иван Петрович', 'sidorov@mail.ru',
                '8 (916) 111-22-33'))
        self.assertFalse(romashka.contact_persons)

    @with_transaction()
    def test_1c(self):
        """1C counterparties saved as a spreadsheet: a title above the
        header, numbers as numbers, the kind as «Юр./физ. лицо»"""
        batch, _ = self.imported(xlsx([
                    ['Контрагенты'],
                    ['Сформирован: 01.12.2026'],
                    [],
                    ['Наименование', 'Полное наименование', 'ИНН', 'КПП',
                        'Юр./физ. лицо', 'Комментарий'],
                    ['Ромашка ООО', 'Общество с ограниченной '
                        'ответственностью «Ромашка»', 7707083893, 773601001,
                        'Юридическое лицо', ''],
                    ['Смирнов С. С. ИП', 'Индивидуальный предприниматель '
                        'Смирнов Сергей Сергеевич', 500100732259, None,
                        'Физическое лицо', 'Поставщик'],
                    ]), 'Контрагенты.xlsx')
        self.assertEqual((batch.header_row, batch.rows_total), (4, 2))
        romashka, smirnov = [l.party for l in batch.lines]
        self.assertEqual((romashka.kind, romashka.inn, romashka.kpp),
            ('company', '7707083893', '773601001'))
        self.assertEqual((smirnov.kind, smirnov.inn), ('person', '500100732259'))
        self.assertEqual(smirnov.description, 'Поставщик')
