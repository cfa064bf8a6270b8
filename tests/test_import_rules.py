# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Reading tables of counterparties and turning their rows into records:
no database, files the tests build."""
import csv
import datetime as dt
import io
from html import escape
import unittest
import zipfile
from unittest.mock import patch

import openpyxl

from trytond.modules.crm_counterparty.importing import columns, rules, tabular
from trytond.modules.crm_counterparty.importing.tabular import FileUnusable

HEADER = ['Название', 'ИНН', 'КПП', 'Телефон', 'Эл. почта',
    'Контактное лицо', 'Должность', 'Моб. телефон контакта']
ROWS = [
    ['ООО «Ромашка»', '7707083893', '773601001', '8 (495) 123-45-67',
        'info@romashka.ru', 'Иванов Иван', 'Директор', '+7 916 123-45-67'],
    ['ООО «Ромашка»', '7707083893', '773601001', '', '',
        'Петрова Анна', 'Бухгалтер', '8 916 765-43-21'],
    ['ИП Смирнов', '500100732259', '', '8 (812) 555-55-55', '', '', '', ''],
    ]


def xlsx(rows, edit=None):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if edit:
        edit(sheet)
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


def xls(rows):
    import xlwt
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet('Лист1')
    date_style = xlwt.easyxf(num_format_str='DD.MM.YYYY')
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write(r, c, value, date_style)
            else:
                sheet.write(r, c, value)
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


def csv_bytes(rows, encoding='utf-8', delimiter=';'):
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    return text.getvalue().encode(encoding)


class Raw(str):
    "A cell's HTML written as it is, not escaped"


def html(rows, encoding='utf-8'):
    """A table as Bitrix24 exports it "to Excel" (saved as .xls): a <meta>
    naming the charset, then a bordered table, its header in <thead>, the
    values HTML-escaped"""
    def cells(tag, row):
        return ''.join('<%s>%s</%s>' % (tag, value if isinstance(value, Raw)
                else escape(str(value)), tag) for value in row)
    charset = {'utf-8': 'UTF-8', 'cp1251': 'windows-1251'}[encoding]
    return ('<meta http-equiv="Content-type" content="text/html;charset=%s" '
        '/>\n<table border="1">\n<thead>\n<tr>%s</tr>\n</thead>\n<tbody>%s'
        '</tbody></table>' % (charset, cells('th', rows[0]), ''.join(
                '<tr>%s</tr>' % cells('td', row) for row in rows[1:]))
        ).encode(encoding)


def ods(rows):
    "A spreadsheet as LibreOffice writes it, padding included"
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    body = []
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, (int, float)):
                cells.append(
                    '<table:table-cell office:value-type="float" '
                    'office:value="%s"><text:p>%s</text:p></table:table-cell>'
                    % (value, value))
            else:
                cells.append(
                    '<table:table-cell office:value-type="string">'
                    '<text:p>%s</text:p></table:table-cell>' % value)
        cells.append(
            '<table:table-cell table:number-columns-repeated="16000"/>')
        body.append('<table:table-row>%s</table:table-row>' % ''.join(cells))
    body.append('<table:table-row table:number-rows-repeated="1048000">'
        '<table:table-cell table:number-columns-repeated="16000"/>'
        '</table:table-row>')
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content %s><office:body><office:spreadsheet>'
        '<table:table table:name="Лист1">%s</table:table>'
        '<table:table table:name="Лист2"><table:table-row><table:table-cell '
        'office:value-type="string"><text:p>другой лист</text:p>'
        '</table:table-cell></table:table-row></table:table>'
        '</office:spreadsheet></office:body></office:document-content>'
        % (ns, ''.join(body)))
    data = io.BytesIO()
    with zipfile.ZipFile(data, 'w') as archive:
        archive.writestr(
            'mimetype', 'application/vnd.oasis.opendocument.spreadsheet')
        archive.writestr('content.xml', content)
    return data.getvalue()


def read(data):
    table = columns.open_table(data)
    return table.header, table.mapping, list(
        rules.records(table.rows, table.mapping, table.header))


class ReadFileTestCase(unittest.TestCase):
    "Every format gives the same rows, whatever its name says"

    def assert_sample(self, data, format_):
        self.assertEqual(tabular.sniff(data), format_)
        header, mapping, records = read(data)
        self.assertEqual(header, HEADER)
        romashka, smirnov = records
        self.assertEqual(romashka.rows, [2, 3])
        self.assertEqual(romashka.inn, '7707083893')
        self.assertEqual(romashka.kpp, '773601001')
        self.assertEqual(romashka.phones, ['8 (495) 123-45-67'])
        self.assertEqual(romashka.emails, ['info@romashka.ru'])
        self.assertEqual(
            [(c.name, c.position, c.mobiles) for c in romashka.contacts],
            [("Иванов Иван", "Директор", ['+7 916 123-45-67']),
                ("Петрова Анна", "Бухгалтер", ['8 916 765-43-21'])])
        self.assertEqual(romashka.problems, [])
        self.assertEqual(smirnov.name, "ИП Смирнов")
        self.assertEqual(smirnov.inn, '500100732259')
        self.assertEqual(smirnov.contacts, [])

    def test_xlsx(self):
        self.assert_sample(xlsx([HEADER] + ROWS), 'xlsx')

    def test_xls(self):
        self.assert_sample(xls([HEADER] + ROWS), 'xls')

    def both_readers(self, data):
        """The rows of data as python-calamine reads them (checking that it
        does) and as openpyxl does"""
        with patch.object(tabular, '_calamine_rows',
                wraps=tabular._calamine_rows) as calamine:
            fast = list(tabular.rows(data))
        self.assertTrue(calamine.called)
        with patch.object(tabular, 'CALAMINE_CELLS', 0):
            streamed = list(tabular.rows(data))
        return fast, streamed

    def test_xlsx_readers_alike(self):
        "python-calamine and openpyxl read a sheet alike"
        def edit(sheet):
            sheet.title = 'Клиенты'
            sheet.parent.create_sheet('Второй')['A1'] = 'не этот'
            sheet['B7'] = dt.datetime(2026, 11, 24)
            sheet['C7'] = dt.datetime(2026, 11, 24, 13, 30)
            sheet['D7'] = dt.time(9, 15)
            sheet['E7'] = True
            sheet['F7'] = 3.5
            sheet['G7'] = 7707083893
            sheet['H7'] = -12
            sheet['J10'] = 'последняя'
            sheet.merge_cells('A2:A3')
        fast, streamed = self.both_readers(xlsx([HEADER] + ROWS, edit))
        self.assertEqual(fast, streamed)
        self.assertEqual(fast[4], (7, [None, dt.datetime(2026, 11, 24),
                    dt.datetime(2026, 11, 24, 13, 30), dt.time(9, 15), True,
                    3.5, 7707083893, -12]))
        # A sheet whose first cell is C3
        def offset(sheet):
            sheet['C3'] = 'Название'
            sheet['D4'] = 'ООО А'
        fast, streamed = self.both_readers(xlsx([], offset))
        self.assertEqual(fast, streamed)
        self.assertEqual(fast, [
                (3, [None, None, 'Название']), (4, [None, None, None, 'ООО А'])])

    def test_xlsx_far_apart_cells_streamed(self):
        """Cells far apart (a dense sheet of billions of cells to
        python-calamine, which aborts) are read by openpyxl"""
        def edit(sheet):
            sheet['A1'] = 'Название'
            # The last column the import reads
            sheet['ALL1048576'] = 'ООО А'
        with patch.object(tabular, '_calamine_rows') as calamine:
            rows = list(tabular.rows(xlsx([], edit)))
        calamine.assert_not_called()
        self.assertEqual(rows[0], (1, ['Название']))
        self.assertEqual(rows[1][0], 1048576)
        self.assertEqual(rows[1][1][-1], 'ООО А')

    def test_ods(self):
        self.assert_sample(ods([HEADER] + ROWS), 'ods')

    def test_html(self):
        "Bitrix24's «Excel» export, a web page's table, in either charset"
        for encoding in ['utf-8', 'cp1251']:
            with self.subTest(encoding=encoding):
                self.assert_sample(html([HEADER] + ROWS, encoding), 'html')

    def test_html_as_a_browser_shows_it(self):
        """Entities, line breaks, paragraphs, empty cells and cells spanning
        columns or rows are read as a browser shows them, in the first table
        of the page"""
        data = ('\ufeff<!DOCTYPE html><html><head><title>Компании</title>'
            '<style>td {mso-number-format:\\@;}</style></head><body>'
            '<table><tr><td colspan="4">Выгрузка компаний</td></tr>'
            '<tr><th>Название</th><th>Комментарий</th><th>Адрес</th>'
            '<th>Контактное лицо</th></tr>'
            '<tr><td rowspan="2">ООО &quot;Ромашка&quot; &amp; Ко</td>'
            '<td></td><td>Москва<br />ул. Ленина,&nbsp;1</td>'
            '<td>Иванов <!-- нет --></td></tr>'
            '<tr><td colspan="2"><p>Звонить</p><p>после <b>обеда</b></p></td>'
            '<td>Петрова</td></tr></table>'
            '<table><tr><td>Другая таблица</td></tr></table></body></html>'
            ).encode()
        self.assertEqual(list(tabular.rows(data)), [
                (1, ['Выгрузка компаний']),
                (2, ['Название', 'Комментарий', 'Адрес', 'Контактное лицо']),
                (3, ['ООО "Ромашка" & Ко', None, 'Москва\nул. Ленина,\xa01',
                        'Иванов']),
                (4, [None, 'Звонить\nпосле обеда', None, 'Петрова']),
                ])
        header, _, (romashka,) = read(data)
        self.assertEqual(header[0], 'Название')
        self.assertEqual((romashka.name, romashka.address,
                romashka.description), ('ООО "Ромашка" & Ко',
                'Москва ул. Ленина, 1', 'Звонить после обеда'))
        self.assertEqual(
            [c.name for c in romashka.contacts], ['Иванов', 'Петрова'])

    def test_html_refused(self):
        "A page without a table, or a row too wide, is refused with why"
        wide = '<td>x</td>' * (tabular.MAX_COLUMNS + 1)
        for data, message, values in [
                (b'<html><body><p>No table</p></body></html>',
                    'msg_import_file_not_table', {}),
                (('<table><tr><th>Название</th></tr><tr>%s</tr></table>'
                        % wide).encode(), 'msg_import_file_too_many_columns',
                    {'row': 2, 'count': tabular.MAX_COLUMNS + 1,
                        'limit': tabular.MAX_COLUMNS}),
                (b'<table><tr><th>Name</th></tr><tr><td colspan="999999999">'
                    b'A</td><td>B</td></tr></table>',
                    'msg_import_file_too_many_columns',
                    {'row': 2, 'count': tabular.MAX_COLUMNS + 2,
                        'limit': tabular.MAX_COLUMNS}),
                ]:
            with self.subTest(message=message, data=data[:40]):
                self.assertEqual(tabular.sniff(data), 'html')
                with self.assertRaises(FileUnusable) as cm:
                    read(data)
                self.assertEqual((cm.exception.message, cm.exception.values),
                    (message, values))

    def test_csv_encodings_and_separators(self):
        for encoding in ['utf-8', 'utf-8-sig', 'cp1251']:
            for delimiter in ';,\t':
                with self.subTest(encoding=encoding, delimiter=delimiter):
                    self.assert_sample(
                        csv_bytes([HEADER] + ROWS, encoding, delimiter),
                        'csv')

    def test_csv_quoted_separators(self):
        "A separator inside quotes does not fool the detection"
        rows = [['Название', 'Адрес'],
            ['ООО «Ромашка»', 'Москва, ул. Ленина, д. 1'],
            ['ООО «Лютик»', 'Тверь, пр. Мира, д. 2']]
        _, _, records = read(csv_bytes(rows, delimiter=';'))
        self.assertEqual(records[0].address, 'Москва, ул. Ленина, д. 1')

    def test_mislabelled(self):
        "The content decides, not the name: a CSV saved as .xlsx reads"
        data = csv_bytes([HEADER] + ROWS)
        self.assertEqual(tabular.sniff(data), 'csv')
        docx = io.BytesIO()
        with zipfile.ZipFile(docx, 'w') as archive:
            archive.writestr('word/document.xml', '<w:document/>')
        with self.assertRaises(FileUnusable) as cm:
            tabular.sniff(docx.getvalue())
        self.assertEqual(cm.exception.message, 'msg_import_file_not_table')
        with self.assertRaises(FileUnusable) as cm:
            tabular.sniff(b'\x89PNG\r\n\x1a\n\0\0\0\rIHDR')
        self.assertEqual(cm.exception.message, 'msg_import_file_not_table')

    def test_bad_files(self):
        good = xlsx([HEADER] + ROWS)
        for data, message in [
                (b'', 'msg_import_file_empty'),
                (b' \r\n', 'msg_import_file_empty'),
                (good[:len(good) // 2], 'msg_import_file_corrupt'),
                (b'PK\x03\x04' + b'garbage' * 10, 'msg_import_file_corrupt'),
                (b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + b'\0' * 600,
                    'msg_import_file_corrupt'),
                (xlsx([]), 'msg_import_file_no_rows'),
                (xlsx([['x', 'y'], [1, 2]]), 'msg_import_file_no_header'),
                (xlsx([HEADER]), 'msg_import_file_no_data'),
                (csv_bytes([HEADER]), 'msg_import_file_no_data'),
                ]:
            with self.subTest(message=message, data=data[:20]):
                with self.assertRaises(FileUnusable) as cm:
                    read(data)
                self.assertEqual(cm.exception.message, message)

    def test_too_many_columns(self):
        "A row wider than the import reads is refused at once, with why"
        width = tabular.MAX_COLUMNS + 1
        data = csv_bytes([['Название'] + ['Столбец %s' % i
                        for i in range(1, width)], ['ООО А'] * width])
        with self.assertRaises(FileUnusable) as cm:
            read(data)
        self.assertEqual((cm.exception.message, cm.exception.values), (
                'msg_import_file_too_many_columns',
                {'row': 1, 'count': width, 'limit': tabular.MAX_COLUMNS}))
        # Empty cells at a row's end are no columns
        read(csv_bytes([HEADER + [''] * width] + ROWS))

        def edit(sheet):
            sheet['A1'] = 'Название'
            sheet['XFD1048576'] = 'ООО А'
        with self.assertRaises(FileUnusable) as cm:
            read(xlsx([], edit))
        self.assertEqual(cm.exception.values, {
                'row': 1048576, 'count': 16384, 'limit': 1000})

    def test_cell_too_long(self):
        "A cell longer than a CSV cell may be is named by its row and column"
        limit = csv.field_size_limit()
        for cell in ['"%s"' % ('x' * 10 * 1024 ** 2), 'x' * (limit + 1),
                # An opening quote never closed takes the rest of the file
                '"ООО «А»' + ';7707083893\n' * (limit // 10)]:
            with self.subTest(cell=cell[:20]):
                data = ('Название;ИНН\nООО Б;7707083893\n7707083894;%s\n'
                    % cell).encode()
                with self.assertRaises(FileUnusable) as cm:
                    read(data)
                self.assertEqual(
                    (cm.exception.message, cm.exception.values),
                    ('msg_import_cell_too_long',
                        {'row': 3, 'column': 2, 'limit': limit}))

    def test_nul(self):
        "NUL characters in a text are named as such, wherever they are"
        for data, line in [
                (csv_bytes([HEADER] + ROWS).replace(b'\n', b'\0\n', 1), 1),
                (csv_bytes([HEADER] + ROWS * 3000) + b'\0', 9002),
                ('Название\tИНН\nООО А\t7707083893\n'.encode('utf-16'), 1),
                ]:
            with self.subTest(line=line):
                with self.assertRaises(FileUnusable) as cm:
                    read(data)
                self.assertEqual(
                    (cm.exception.message, cm.exception.values),
                    ('msg_import_file_nul', {'line': line}))

    def test_no_header_names_first_row(self):
        with self.assertRaises(FileUnusable) as cm:
            read(csv_bytes([['foo', 'bar'], ['1', '2']]))
        self.assertEqual(cm.exception.values, {'header': 'foo; bar'})

    def test_password_protected(self):
        "A workbook encrypted with a password, as Excel saves it"
        from msoffcrypto.format.ooxml import OOXMLFile
        encrypted = io.BytesIO()
        OOXMLFile(io.BytesIO(xlsx([HEADER] + ROWS))).encrypt(
            'секрет', encrypted)
        with self.assertRaises(FileUnusable) as cm:
            read(encrypted.getvalue())
        self.assertEqual(cm.exception.message, 'msg_import_file_encrypted')

    def test_zip_bomb(self):
        "A sheet that unpacks to gigabytes is refused before it is read"
        data = io.BytesIO()
        with zipfile.ZipFile(data, 'w', zipfile.ZIP_DEFLATED) as archive:
            archive.writestr('[Content_Types].xml', '<Types/>')
            archive.writestr('xl/workbook.xml', '<workbook/>')
            with archive.open('xl/worksheets/sheet1.xml', 'w') as sheet:
                block = b' ' * (1024 * 1024)
                for _ in range(64):
                    sheet.write(block)
        data = data.getvalue()
        self.assertLess(len(data), 1024 * 1024)
        with self.assertRaises(FileUnusable) as cm:
            read(data)
        self.assertEqual(cm.exception.message, 'msg_import_file_zip_bomb')

    def test_formula_merged_cells_and_dates(self):
        "Computed values are read, merged cells continue the company above"
        def edit(sheet):
            sheet['D2'] = '=CONCATENATE("8 495 ","1234567")'
            sheet.merge_cells('A2:A3')
            sheet['I1'] = 'Примечание'
            sheet['I2'] = dt.datetime(2026, 11, 24)
        data = xlsx([HEADER] + ROWS, edit)
        # openpyxl writes no computed value; put the one Excel would save
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {i: archive.read(i) for i in archive.namelist()}
        sheet = members['xl/worksheets/sheet1.xml'].decode()
        sheet = sheet.replace('</f><v></v>', '</f><v>8 495 1234567</v>')
        sheet = sheet.replace('</f><v />', '</f><v>8 495 1234567</v>')
        if '<v>8 495 1234567</v>' not in sheet:
            sheet = sheet.replace('</f>', '</f><v>8 495 1234567</v>', 1)
        sheet = sheet.replace('t="str"', '').replace(
            '<c r="D2"', '<c r="D2" t="str"', 1)
        members['xl/worksheets/sheet1.xml'] = sheet.encode()
        out = io.BytesIO()
        with zipfile.ZipFile(out, 'w') as archive:
            for name, content in members.items():
                archive.writestr(name, content)
        _, _, records = read(out.getvalue())
        romashka = records[0]
        self.assertEqual(romashka.phones, ['8 495 1234567'])
        self.assertEqual(romashka.rows, [2, 3])
        self.assertEqual(len(romashka.contacts), 2)
        self.assertEqual(romashka.description, '24.11.2026')

    def test_xls_serial_date(self):
        data = xls([['Название', 'Примечание'],
                ['ООО «Ромашка»', dt.date(2026, 11, 24)]])
        _, _, (record,) = read(data)
        self.assertEqual(record.description, '24.11.2026')

    def test_shortened_numbers(self):
        "An INN or a phone that Excel wrote as 7.70708E+09 is refused"
        rows = [['Название', 'ИНН', 'Телефон'],
            ['ООО «Ромашка»', '7,70708E+09', '79161234567'],
            ['ООО «Лютик»', '7707083893', '7.91612E+10']]
        _, _, (romashka, lyutik) = read(csv_bytes(rows))
        self.assertEqual(romashka.problems, [
                (2, 'msg_import_shortened_number',
                    {'column': 'ИНН', 'value': '7,70708E+09'})])
        self.assertEqual(lyutik.problems, [
                (3, 'msg_import_shortened_number',
                    {'column': 'Телефон', 'value': '7.91612E+10'})])
        # A whole number Excel stored in full reads as digits
        _, _, (record,) = read(xlsx([['Название', 'ИНН', 'Телефон'],
                    ['ООО «Ромашка»', 7707083893, 79161234567]]))
        self.assertEqual(record.inn, '7707083893')
        self.assertEqual(record.phones, ['79161234567'])
        self.assertEqual(record.problems, [])

    def test_leading_zero_of_inn(self):
        "Excel drops the leading zero of an INN stored as a number"
        _, _, (record,) = read(xlsx([['Название', 'ИНН'],
                    ['ООО «Ромашка»', 274062111]]))
        self.assertEqual(record.inn, '0274062111')
        self.assertEqual(record.problems, [])

    def test_million_rows_streamed(self):
        "Rows come one at a time: a long CSV is never held whole as rows"
        header = 'Название;Телефон\r\n'.encode()
        line = 'ООО «Ромашка»;8 495 123-45-67\r\n'.encode()
        data = header + line * 200000
        rows = tabular.rows(data)
        self.assertEqual(next(rows)[0], 1)
        self.assertIsInstance(rows, type(x for x in ()))
        self.assertEqual(sum(1 for _ in rows), 200000)


class RecogniseTestCase(unittest.TestCase):

    def test_russian_and_english_headers(self):
        for header, expected in [
                ('Наименование', 'name'), ('Компания', 'name'),
                ('Company Name', 'name'), ('ИНН', 'inn'), ('КПП', 'kpp'),
                ('Телефон', 'phone'), ('Моб. телефон', 'mobile'),
                ('E-mail', 'email'), ('Эл. почта', 'email'),
                ('Контактное лицо', 'contact_name'),
                ('Должность', 'contact_position'), ('Адрес', 'address'),
                ('Сайт', 'website'), ('Тип', 'type'), ('Статус', 'status'),
                ('Ответственный', 'responsible'), ('Метки', 'tags'),
                ('Телефон контакта', 'contact_phone'),
                ('E-mail контактного лица', 'contact_email'),
                ('Contact e-mail', 'contact_email'),
                ('Любимый цвет', None),
                ]:
            with self.subTest(header=header):
                self.assertEqual(
                    columns.recognise([header]), [(expected, 0)])

    def test_numbered_contacts(self):
        "Телефон 1 is the first contact's when there is a Контакт 1"
        mapping = columns.recognise([
                'Компания', 'Телефон 1', 'Телефон 2', 'Контакт 1',
                'Телефон контакта 1', 'Контакт 2', 'E-mail 2'])
        self.assertEqual(mapping, [
                ('name', 0), ('contact_phone', 1), ('contact_phone', 2),
                ('contact_name', 1), ('contact_phone', 1),
                ('contact_name', 2), ('contact_email', 2)])
        # Without numbered contacts they are the company's phones
        self.assertEqual(
            columns.recognise(['Компания', 'Телефон 1', 'Телефон 2']),
            [('name', 0), ('phone', 0), ('phone', 0)])

    def test_several_contacts_on_one_row(self):
        header = ['Компания', 'ИНН', 'Контакт 1', 'Телефон 1', 'Контакт 2',
            'Телефон 2', 'E-mail 2']
        rows = [(2, ['ООО «Ромашка»', '7707083893', 'Иванов',
                    '8 916 123-45-67', 'Петрова', '8 916 765-43-21',
                    'petrova@romashka.ru'])]
        (record,) = rules.records(
            rows, columns.recognise(header), header)
        self.assertEqual(
            [(c.name, c.phones, c.emails) for c in record.contacts],
            [('Иванов', ['8 916 123-45-67'], []),
                ('Петрова', ['8 916 765-43-21'], ['petrova@romashka.ru'])])
        self.assertEqual(record.phones, [])

    def test_header_below_a_title(self):
        "A title and an empty row above the header are passed over"
        data = csv_bytes([['Выгрузка клиентов от 24.11.2026'], [],
                HEADER] + ROWS)
        header, _, records = read(data)
        self.assertEqual(header, HEADER)
        self.assertEqual(records[0].rows, [4, 5])


class CatalogueTestCase(unittest.TestCase):
    "The field catalogue is what the recognition and the records read"

    def test_headers_name_their_field(self):
        "Every header of the catalogue is recognised as its own field"
        for field_ in columns.FIELDS:
            for header in field_.headers:
                with self.subTest(header=header):
                    self.assertEqual(
                        columns.recognise([header.upper()]),
                        [(field_.name, 0)])

    def test_row_fills_each_field(self):
        """A row giving every field fills each one's attribute, on the
        record or on its contact person, split into a list where it is one"""
        mapping = [(f.name, 0) for f in columns.FIELDS]
        values = ['value %s' % i for i, _ in enumerate(mapping)]
        record = rules.read_row(2, values, mapping)
        self.assertEqual(len(record.contacts), 1)
        for field_, value in zip(columns.FIELDS, values):
            with self.subTest(field=field_.name):
                holder = record.contacts[0] if field_.contact else record
                self.assertEqual(getattr(holder, field_.attribute),
                    [value] if field_.split else value)

    def test_shortened_numbers(self):
        "Only the fields of numbers refuse a number Excel shortened"
        for field_ in columns.FIELDS:
            with self.subTest(field=field_.name):
                record = rules.read_row(
                    2, ['7,70708E+09'], [(field_.name, 0)], ['Column'])
                self.assertEqual(
                    [m for _, m, _ in record.problems],
                    ['msg_import_shortened_number'] if field_.number else [])


class RecordsTestCase(unittest.TestCase):

    def records(self, header, rows, kind='company'):
        mapping = columns.recognise(header)
        return list(rules.records(
                enumerate(rows, 2), mapping, header, kind))

    def test_problems(self):
        header = ['Название', 'ИНН', 'КПП', 'Телефон', 'E-mail', 'Кто']
        bad, good, no_name, bad_kind = self.records(header, [
                ['ООО А', '7707083894', '77', 'abc', 'not-an-email', ''],
                ['ООО Б', '7707083893', '773601001', '8 916 123-45-67',
                    'b@example.com', 'юр. лицо'],
                ['', '500100732259', '', '', '', ''],
                ['ООО В', '', '', '', '', 'робот'],
                ])
        self.assertEqual([m for _, m, _ in bad.problems], [
                'msg_import_bad_inn', 'msg_import_bad_kpp',
                'msg_import_bad_phone', 'msg_import_bad_email'])
        self.assertEqual(bad.problems[0][2], {'value': '7707083894'})
        self.assertEqual(good.problems, [])
        self.assertEqual(good.kind, 'company')
        self.assertEqual([m for _, m, _ in no_name.problems],
            ['msg_import_no_name'])
        self.assertEqual([m for _, m, _ in bad_kind.problems],
            ['msg_import_bad_kind'])

    def test_people_list(self):
        "A list without a company column is a list of persons"
        (anna, ivan) = self.records(['ФИО', 'Телефон', 'E-mail'], [
                ['Петрова Анна', '8 916 765-43-21', 'anna@example.com'],
                ['Иванов Иван', '', 'ivan@example.com']])
        self.assertEqual(anna.kind, 'person')
        self.assertEqual(anna.name, 'Петрова Анна')
        self.assertEqual(anna.phones, ['8 916 765-43-21'])
        self.assertEqual(anna.emails, ['anna@example.com'])
        self.assertEqual(ivan.name, 'Иванов Иван')

    def test_name_in_parts(self):
        "Фамилия, Имя, Отчество name a person; ФИО gives the clear parts"
        def parts(holder):
            return (holder.last_name, holder.first_name, holder.middle_name)
        (olga, ivan, unclear) = self.records(
            ['ФИО', 'Фамилия', 'Имя', 'Отчество', 'Телефон'], [
                ['', 'Кузнецова', 'Ольга', 'Ивановна', '8 916 765-43-21'],
                ['Иван Петрович Сидоров', '', '', '', '8 916 765-43-22'],
                ['Иван Сидоров', '', '', '', '8 916 765-43-23']])
        self.assertEqual((olga.kind, olga.name, parts(olga)),
            ('person', 'Кузнецова Ольга Ивановна',
                ('Кузнецова', 'Ольга', 'Ивановна')))
        self.assertEqual((ivan.name, parts(ivan)),
            ('Иван Петрович Сидоров', ('Сидоров', 'Иван', 'Петрович')))
        self.assertEqual((unclear.name, parts(unclear)),
            ('Иван Сидоров', ('', '', '')))
        self.assertEqual([r.problems for r in [olga, ivan, unclear]],
            [[], [], []])

        # Of a company, the contact person's; of a person named in the
        # company's column (as the export writes her), her own
        (company, person) = self.records(
            ['Название', 'Кто', 'Фамилия', 'Имя', 'Отчество'], [
                ['ООО А', 'Компания', 'Петрова', 'Анна', ''],
                ['Ваня', 'Человек', 'Иванов', 'Иван', 'Иванович']])
        self.assertEqual(parts(company), ('', '', ''))
        anna, = company.contacts
        self.assertEqual((anna.name, parts(anna)),
            ('Петрова Анна', ('Петрова', 'Анна', '')))
        self.assertEqual((person.kind, person.name, person.contacts,
                parts(person)),
            ('person', 'Ваня', [], ('Иванов', 'Иван', 'Иванович')))

    def test_name_parts(self):
        """A name split into columns is «Фамилия Имя Отчество» whatever
        their order; a column of the whole name says it better; a nickname
        names one who has no other name"""
        header = ['Имя', 'Отчество', 'Фамилия', 'Никнейм', 'E-mail']
        sidorov, petrova, ksu = self.records(header, [
                ['Иван', 'Петрович', 'Сидоров', 'vanya', 'ivan@example.com'],
                ['Анна', '', 'Петрова', '', ''],
                ['', '', '', 'ksu', 'ksu@example.com']])
        self.assertEqual([(r.kind, r.name) for r in [sidorov, petrova, ksu]],
            [('person', 'Сидоров Иван Петрович'), ('person', 'Петрова Анна'),
                ('person', 'ksu')])
        self.assertEqual(sidorov.emails, ['ivan@example.com'])
        (whole,) = self.records(['ФИО', 'Имя', 'Фамилия'],
            [['Сидоров И. П.', 'Иван', 'Сидоров']])
        self.assertEqual(whole.name, 'Сидоров И. П.')

    def test_person_name(self):
        self.assertEqual(rules.person_name(
                {'first': 'Иван', 'middle': 'Петрович', 'last': 'Сидоров'}),
            'Сидоров Иван Петрович')
        self.assertEqual(
            rules.person_name({'first': 'Иван', 'nickname': 'vanya'}), 'Иван')
        self.assertEqual(rules.person_name({'nickname': 'vanya'}), 'vanya')
        self.assertEqual(rules.person_name({}), '')

    def test_people_with_companies(self):
        """In a list of people, one with a company is its contact person,
        with the row's phones and e-mails; one without is a counterparty of
        his own, not a contact person of the company above"""
        header = ['Фамилия', 'Имя', 'Компания', 'Должность', 'Телефон',
            'E-mail']
        romashka, sidorov = self.records(header, [
                ['Иванов', 'Иван', 'ООО Ромашка', 'Директор',
                    '8 916 123-45-67', 'ivan@romashka.ru'],
                ['Петрова', 'Анна', 'ООО Ромашка', '', '',
                    'anna@romashka.ru'],
                ['Сидоров', 'Пётр', '', '', '8 916 000-11-22', '']])
        self.assertEqual(
            (romashka.kind, romashka.name, romashka.phones, romashka.emails),
            ('company', 'ООО Ромашка', [], []))
        self.assertEqual([(c.name, c.position, c.phones, c.emails)
                for c in romashka.contacts], [
                ('Иванов Иван', 'Директор', ['8 916 123-45-67'],
                    ['ivan@romashka.ru']),
                ('Петрова Анна', '', [], ['anna@romashka.ru'])])
        self.assertEqual((sidorov.kind, sidorov.name, sidorov.phones),
            ('person', 'Сидоров Пётр', ['8 916 000-11-22']))

    def test_several_values_in_a_cell(self):
        (record,) = self.records(['Название', 'Телефон', 'E-mail', 'Метки'], [
                ['ООО А', '8 916 123-45-67, 8 (495) 123-45-67',
                    'a@example.com; b@example.com', 'опт, VIP']])
        self.assertEqual(
            record.phones, ['8 916 123-45-67', '8 (495) 123-45-67'])
        self.assertEqual(record.emails, ['a@example.com', 'b@example.com'])
        self.assertEqual(record.tags, ['опт', 'VIP'])


class MatchTestCase(unittest.TestCase):

    def record(self, **values):
        record = rules.Record(rows=[2], **values)
        return record

    def test_keys(self):
        record = self.record(name='ООО «Ромашка»', inn='7707083893',
            emails=['Info@Romashka.RU'], phones=['8 (916) 123-45-67'])
        self.assertEqual(list(rules.keys(record)), [
                ('inn', '7707083893'), ('email', 'info@romashka.ru'),
                ('phone', '+79161234567'), ('name', 'ромашка')])

    def test_normalise_name(self):
        for a, b in [
                ('ООО «Ромашка»', 'Ромашка, ООО'),
                ('ООО "РОМАШКА"', 'ромашка'),
                ('Ёлка LLC', 'елка'),
                ]:
            self.assertEqual(
                rules.normalise_name(a), rules.normalise_name(b))

    def test_order_of_keys(self):
        "INN, then e-mail, then phone, then name; another INN never matches"
        index = rules.KeyIndex()
        index.add('inn', '7707083893', 1)
        index.add('name', 'ромашка', 1)
        index.add('email', 'info@lyutik.ru', 2)
        index.add('phone', '+79161234567', 3)
        index.add('name', 'василек', 4)
        for values, expected in [
                ({'inn': '7707083893', 'name': 'Лютик',
                    'emails': ['info@lyutik.ru']},
                    rules.Match(1, 'inn', '7707083893')),
                ({'name': 'Ромашка', 'emails': ['INFO@lyutik.ru'],
                    'phones': ['+7 916 123-45-67']},
                    rules.Match(2, 'email', 'info@lyutik.ru')),
                ({'name': 'Ромашка', 'phones': ['8 916 123 45 67']},
                    rules.Match(3, 'phone', '+79161234567')),
                ({'name': 'ООО Василёк'}, rules.Match(4, 'name', 'василек')),
                # A branch of another company with the same name
                ({'inn': '500100732259', 'name': 'Ромашка'}, None),
                ({'name': 'Незнакомец'}, None),
                ]:
            with self.subTest(values=values):
                self.assertEqual(
                    index.match(self.record(**values)), expected)

    def test_branches(self):
        "A company's branches share its INN, each with its own KPP"
        index = rules.KeyIndex()
        index.add('inn', '7707083893', 1)
        index.add_kpp(1, '773601001')
        index.add('inn', '7707083893', 2)
        index.add_kpp(2, '500101001')
        index.add('inn', '500100732259', 3)
        for inn, kpp, expected in [
                ('7707083893', '500101001', 2),
                ('7707083893', '773601001', 1),
                ('7707083893', '', 1),
                ('7707083893', '616401001', None),
                ('500100732259', '', 3),
                ]:
            with self.subTest(kpp=kpp):
                found = index.match(self.record(
                        name='Сбербанк', inn=inn, kpp=kpp))
                self.assertEqual(found and found.holder, expected)

    def test_match_chunk(self):
        "Rows of one counterparty anywhere in the file are one"
        existing = rules.KeyIndex()
        existing.add('inn', '7707083893', 42)
        chunk = [
            self.record(name='ООО «Ромашка»', inn='7707083893'),
            self.record(name='Лютик', emails=['a@lyutik.ru']),
            self.record(name='Лютик ООО'),
            self.record(name='Василёк', inn='7707083894',
                problems=[(5, 'msg_import_bad_inn', {})]),
            self.record(name='Василёк'),
            ]
        self.assertEqual(rules.match_chunk(chunk, existing), [
                rules.Match(42, 'inn', '7707083893'),
                None,
                rules.Match(1, 'name', 'лютик', same=True),
                None,
                None,
                ])


class WriteTestCase(unittest.TestCase):

    def test_neutralise(self):
        for value, expected in [
                ('=1+1', "'=1+1"), ('+7 916', "'+7 916"), ('-5', "'-5"),
                ('@SUM(A1)', "'@SUM(A1)"), ('\t=1', "'\t=1"),
                ('ООО А', 'ООО А'), (5, 5), (-5, -5), ('a=1', 'a=1')]:
            self.assertEqual(tabular.neutralise(value), expected)

    def test_neutralise_hidden_starts(self):
        "A formula behind spaces, line breaks or in full width is one too"
        for value in [' =1+1', '\n=1+1', '\r=1+1', '\t+1', '\xa0-1',
                '\u3000@SUM(A1)', ' \n\xa0=1', '\u200b=1', '＝1+1',
                '＋1', '－1', '＠SUM(A1)', ' ＝1+1']:
            with self.subTest(value=value):
                self.assertEqual(tabular.neutralise(value), "'" + value)
                # The import reads it back as it was
                self.assertEqual(tabular.text("'" + value), tabular.text(
                        value))

    def test_csv(self):
        for encoding in ['utf-8-sig', 'cp1251']:
            data = io.BytesIO()
            tabular.write_csv(['Название', 'Формула'],
                [['ООО «Ромашка»', '=HYPERLINK("http://x")'], ['Ёж', 5]],
                data, encoding)
            text = data.getvalue().decode(encoding)
            self.assertEqual(text.splitlines(), [
                    'Название;Формула',
                    'ООО «Ромашка»;"\'=HYPERLINK(""http://x"")"',
                    'Ёж;5'])
        self.assertTrue(data.getvalue().startswith('Назв'.encode('cp1251')))

    def test_csv_numbers(self):
        "A number is never a formula: -5 stays a number for Excel"
        data = io.BytesIO()
        tabular.write_csv(['Число', 'Текст'], [[-5, '-5'], [-1.5, '＝1']],
            data)
        self.assertEqual(data.getvalue().decode('utf-8-sig').splitlines(),
            ['Число;Текст', "-5;'-5", "-1.5;'＝1"])

    def test_xlsx(self):
        "A text beginning with = is stored as text, never as a formula"
        data = io.BytesIO()
        tabular.write_xlsx(['Название', 'Формула'],
            [['ООО «Ромашка»', '=1+1'], ['Ёж', 5]], data)
        with zipfile.ZipFile(data) as archive:
            sheet = archive.read('xl/worksheets/sheet1.xml').decode()
        self.assertNotIn('<f>', sheet)
        self.assertEqual(list(tabular.rows(data.getvalue())), [
                (1, ['Название', 'Формула']),
                (2, ['ООО «Ромашка»', '=1+1']),
                (3, ['Ёж', 5])])
