# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Reading and writing tables of counterparties: .xlsx, .xls, .ods, .csv and
HTML tables (Bitrix24's "Excel" export) read row by row whatever their name
says, and .xlsx and .csv written so that no spreadsheet runs a cell as a
formula.  No database here."""
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from xml.etree.ElementTree import iterparse

from .problem import ImportProblem

# A zip member that unpacks to more than this, or more than RATIO times its
# packed size, is a zip bomb rather than a spreadsheet: a real sheet of a
# million rows unpacks to about 200 MB at a ratio near 10.
MAX_UNPACKED = 1024 ** 3
MAX_RATIO = 200
# openpyxl keeps the shared strings in memory whatever the mode
MAX_SHARED_STRINGS = 256 * 1024 ** 2
# The columns of a row read at most: the exports of CRMs, 1C and mail
# services have a few dozen to a few hundred, and each column costs the
# import a record and a check of every row (16,385 took 96 s of the server)
MAX_COLUMNS = 1000
_SAMPLE = 64 * 1024
_OLE = b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1'
_ENCRYPTED_PACKAGE = 'EncryptedPackage'.encode('utf-16-le')
_UTF16 = (b'\xff\xfe', b'\xfe\xff')
_CONTROL = re.compile(rb'[\x01-\x08\x0e-\x1f]')
_SHORTENED_NUMBER = re.compile(r'^-?\d([.,]\d+)?[eE]\+?\d+$')
# A web page, as Bitrix24 saves its "Excel" export (an HTML table named
# .xls beginning with its <meta>) and Excel a sheet "as a web page"
_HTML = re.compile(
    r'<(!doctype\s+html|html|head|meta|body|table|title|style)[\s>/]', re.I)


class FileUnusable(ImportProblem):
    "The file cannot be read as a table"


def sniff(data):
    "Return the format of the file in data (bytes) from its content"
    head = data[:_SAMPLE]
    if not head.strip():
        raise FileUnusable('msg_import_file_empty')
    if head.startswith(b'PK\x03\x04'):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            raise FileUnusable('msg_import_file_corrupt')
        if 'xl/workbook.xml' in names:
            return 'xlsx'
        if 'content.xml' in names and 'mimetype' in names:
            return 'ods'
        raise FileUnusable('msg_import_file_not_table')
    if head.startswith(_OLE):
        # A password-protected .xlsx is an OLE container of its encrypted
        # package; an .xls is an OLE container of a Workbook stream.
        if _ENCRYPTED_PACKAGE in data[:1024 * 1024]:
            raise FileUnusable('msg_import_file_encrypted')
        return 'xls'
    nul = data.find(b'\0')
    if nul >= 0:
        # A text in UTF-16 (Excel's "Unicode text") or with a stray NUL is
        # told so; with other control characters it is a binary file
        if not head.startswith(_UTF16) and _CONTROL.search(head):
            raise FileUnusable('msg_import_file_not_table')
        raise FileUnusable(
            'msg_import_file_nul', line=data.count(b'\n', 0, nul) + 1)
    text = head.decode(detect_encoding(head), errors='replace').lstrip(
        '\ufeff \r\n\t')
    if text.upper().startswith('BEGIN:VCARD'):
        return 'vcf'
    if _HTML.match(text):
        return 'html'
    return 'csv'


def detect_encoding(sample):
    "UTF-8 (with or without BOM) or, failing it, Windows' Cyrillic cp1251"
    if sample.startswith(b'\xef\xbb\xbf'):
        return 'utf-8-sig'
    try:
        sample.decode('utf-8')
    except UnicodeDecodeError as e:
        # The sample may cut a character in two at its end
        if e.start < len(sample) - 3:
            return 'cp1251'
    return 'utf-8'


def detect_delimiter(text):
    """The one of ; , and tab that splits the first lines into the same
    number of columns, the most of them"""
    lines = text.splitlines()[:20]
    if len(text) >= _SAMPLE and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    best, best_score = ';', (0, 0)
    for delimiter in ';,\t':
        counts = [len(r) for r in csv.reader(lines, delimiter=delimiter) if r]
        if not counts:
            continue
        consistent = sum(c == counts[0] for c in counts)
        score = (consistent if counts[0] > 1 else 0, counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def rows(data, format_=None, size=None):
    """Yield (row number, list of cell values) for the non-empty rows of the
    first sheet of the file in data (bytes), one at a time; size, when
    given, is called with how many rows the file has before the first is
    yielded, where the file tells it without reading them all (for the
    progress)"""
    format_ = format_ or sniff(data)
    size = size or _ignored
    if format_ == 'csv':
        size(data.count(b'\n') + (not data.endswith(b'\n')))
        reader = _csv_rows(data)
    elif format_ == 'xlsx':
        reader = _xlsx_rows(data, size)
    elif format_ == 'xls':
        reader = _xls_rows(data, size)
    elif format_ == 'html':
        reader = _html_rows(data, size)
    else:
        reader = _ods_rows(data)
    for number, values in reader:
        while values and _empty(values[-1]):
            values.pop()
        if len(values) > MAX_COLUMNS:
            raise FileUnusable('msg_import_file_too_many_columns',
                row=number, count=len(values), limit=MAX_COLUMNS)
        if values:
            yield number, values


def _ignored(count):
    pass


def _empty(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _check_zip(data):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except zipfile.BadZipFile:
        raise FileUnusable('msg_import_file_corrupt')
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if (total > MAX_UNPACKED
                or (ratio > MAX_RATIO and info.file_size > 10 * 1024 ** 2)
                or (info.filename == 'xl/sharedStrings.xml'
                    and info.file_size > MAX_SHARED_STRINGS)):
            raise FileUnusable('msg_import_file_zip_bomb')
    return archive


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')
_ROW = re.compile(rb'<(?:\w+:)?row[\s>/]')


def _load_xlsx(data):
    """The workbook of data read-only, without openpyxl measuring each sheet
    on opening: when a file does not state its size (openpyxl's and pandas'
    files), that reads the whole sheet once more for each opening"""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class Sheet(ReadOnlyWorksheet):
        def _get_size(self):
            # Its size is read with its rows (reset_dimensions)
            pass

    class Reader(ExcelReader):
        def read_worksheets(self):
            for sheet, rel in self.parser.find_sheets():
                if (rel.target not in self.valid_files
                        or 'chartsheet' in rel.Type):
                    continue
                worksheet = Sheet(
                    self.wb, sheet.name, rel.target, self.shared_strings)
                worksheet.sheet_state = sheet.state
                self.wb._sheets.append(worksheet)

    # data_only: the values Excel computed, never the formulas
    reader = Reader(io.BytesIO(data), read_only=True, data_only=True)
    reader.read()
    return reader.wb


def _xlsx_size(sheet):
    "The rows of sheet as the file states them, else by counting its rows"
    with sheet._get_source() as source:
        head = source.read(4096)
        found = _DIMENSION.search(head)
        if found and int(found.group(1)) > 1:
            return int(found.group(1))
        count, tail = 0, b''
        while head:
            chunk = tail + head
            count += len(_ROW.findall(chunk))
            # A tag cut at the end of a block is counted with the next one
            tail = chunk[-16:]
            count -= len(_ROW.findall(tail))
            head = source.read(1 << 20)
        return count


# python-calamine (Rust) reads a sheet six times faster than openpyxl, but
# holds it whole, its empty cells included (about a hundred bytes a cell:
# a million cells, 100 MB, within the import's memory bound), and a sheet
# whose cells lie far apart (A1 and XFD1048576: a file of 9 KB) makes it
# abort the process; it reads a sheet only when the extent of its cells,
# scanned first, stays under this many cells; openpyxl streams the others
CALAMINE_CELLS = 1_000_000
_CELL = re.compile(rb'<(?:\w+:)?c[\s/>]')
_CELL_REFERENCE = re.compile(
    rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')


def _calamine_may_read(sheet):
    "Whether the cells of sheet all name their place within CALAMINE_CELLS"
    columns, last_row = set(), 0
    with sheet._get_source() as source:
        rest = b''
        while True:
            block = source.read(1 << 20)
            text = rest + block
            if block:
                # No tag cut at the end: the last one goes with the next
                cut = text.rfind(b'<')
                text, rest = text[:cut], text[cut:]
            references = _CELL_REFERENCE.findall(text)
            if len(references) != len(_CELL.findall(text)):
                return False
            if references:
                columns.update(c for c, _ in references)
                last_row = max(
                    last_row, *map(int, {r for _, r in references}))
                if last_row * max(map(_column, columns)) > CALAMINE_CELLS:
                    return False
            if not block:
                return True


def _column(letters):
    "The number of a column named by letters (b'A' is 1)"
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _calamine_rows(data, title):
    """The rows of the sheet titled title as openpyxl gives them: numbered
    from 1, from column A, None for an empty cell, whole numbers as int"""
    from python_calamine import CalamineError, CalamineWorkbook
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_name(title)
    except CalamineError:
        raise FileUnusable('msg_import_file_corrupt')
    try:
        # Its rows come from the first one, its columns from its first used
        padding = [None] * (sheet.start[1] if sheet.start else 0)
        for number, values in enumerate(sheet.iter_rows(), 1):
            yield number, padding + [_calamine_value(v) for v in values]
    finally:
        workbook.close()


def _calamine_value(value):
    if value == '':
        return None
    if type(value) is dt.date:
        # openpyxl reads every date as a datetime
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _xlsx_rows(data, size):
    _check_zip(data)
    try:
        workbook = _load_xlsx(data)
    except Exception:
        raise FileUnusable('msg_import_file_corrupt')
    try:
        sheet = workbook.worksheets[0]
        size(_xlsx_size(sheet))
        if _calamine_may_read(sheet):
            yield from _calamine_rows(data, sheet.title)
            return
        # Files written by some programs claim a wrong size: read it all
        sheet.reset_dimensions()
        for number, values in enumerate(
                sheet.iter_rows(values_only=True), 1):
            yield number, list(values)
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError):
        raise FileUnusable('msg_import_file_corrupt')
    finally:
        workbook.close()


def _xls_rows(data, size):
    import xlrd
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except xlrd.XLRDError as e:
        if 'encrypted' in str(e).lower():
            raise FileUnusable('msg_import_file_encrypted')
        raise FileUnusable('msg_import_file_corrupt')
    except Exception:
        raise FileUnusable('msg_import_file_corrupt')
    sheet = book.sheet_by_index(0)
    size(sheet.nrows)
    for index in range(sheet.nrows):
        values = []
        for cell in sheet.row(index):
            if cell.ctype == xlrd.XL_CELL_DATE:
                values.append(xlrd.xldate_as_datetime(
                        cell.value, book.datemode))
            elif cell.ctype in {xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK}:
                values.append(None)
            elif cell.ctype == xlrd.XL_CELL_ERROR:
                values.append(None)
            else:
                values.append(cell.value)
        yield index + 1, values
    book.release_resources()


_TABLE = '{urn:oasis:names:tc:opendocument:xmlns:table:1.0}'
_OFFICE = '{urn:oasis:names:tc:opendocument:xmlns:office:1.0}'
_TEXT = '{urn:oasis:names:tc:opendocument:xmlns:text:1.0}'
# LibreOffice pads rows and columns to the sheet's end with one repeated
# empty element; never unfold those
_MAX_REPEAT = 1000


def _ods_cell(element):
    type_ = element.get(_OFFICE + 'value-type')
    if type_ in {'float', 'percentage', 'currency'}:
        value = float(element.get(_OFFICE + 'value'))
        return int(value) if value.is_integer() else value
    if type_ == 'date':
        return dt.datetime.fromisoformat(element.get(_OFFICE + 'date-value'))
    if type_ == 'boolean':
        return element.get(_OFFICE + 'boolean-value') == 'true'
    lines = [''.join(p.itertext()) for p in element.iter(_TEXT + 'p')]
    return '\n'.join(lines) or None


def _ods_rows(data):
    archive = _check_zip(data)
    number, in_first_table = 0, None
    try:
        with archive.open('content.xml') as content:
            for event, element in iterparse(content, events=('start', 'end')):
                if element.tag == _TABLE + 'table':
                    if event == 'start':
                        in_first_table = in_first_table is None
                    elif in_first_table:
                        return
                    continue
                if event != 'end' or not in_first_table:
                    continue
                if element.tag != _TABLE + 'table-row':
                    continue
                values = []
                for cell in element:
                    if cell.tag not in {
                            _TABLE + 'table-cell',
                            _TABLE + 'covered-table-cell'}:
                        continue
                    value = _ods_cell(cell)
                    repeat = int(cell.get(
                            _TABLE + 'number-columns-repeated', 1))
                    if value is None:
                        repeat = min(repeat, _MAX_REPEAT)
                    values.extend([value] * repeat)
                repeat = int(element.get(_TABLE + 'number-rows-repeated', 1))
                if any(not _empty(v) for v in values):
                    for _ in range(min(repeat, _MAX_REPEAT)):
                        number += 1
                        yield number, list(values)
                else:
                    number += repeat
                element.clear()
    except (KeyError, SyntaxError, ValueError, zipfile.BadZipFile):
        raise FileUnusable('msg_import_file_corrupt')


# The elements after which a browser goes to the next line of a cell
_LINE_ENDS = ('br', 'p', 'div', 'li')
_HTML_ROW = re.compile(rb'<tr[\s>]', re.I)
# libxml2's names of the encodings detect_encoding gives
_LIBXML_ENCODINGS = {'utf-8-sig': 'utf-8', 'cp1251': 'windows-1251'}
_HTML_BLOCK = 1 << 20


def _html_rows(data, size):
    """The rows of the first table of a web page, as lxml's HTML parser
    (as lenient as a browser) reads them one by one; each row read is let
    go of, so that a big page is never held whole as a tree"""
    from lxml import etree
    size(sum(1 for _ in _HTML_ROW.finditer(data)))
    encoding = detect_encoding(data[:_SAMPLE])
    # Without huge_tree, libxml2 silently drops a cell of more than 10 MB
    # and all that follows it
    parser = etree.HTMLPullParser(events=('start', 'end'),
        tag=('table', 'tr'), huge_tree=True,
        encoding=_LIBXML_ENCODINGS.get(encoding, encoding))
    depth, number, covered = 0, 0, {}
    try:
        for event, element in _html_events(parser, data):
            if element.tag == 'table':
                depth += 1 if event == 'start' else -1
                if depth == 0 and number:
                    return
            elif event == 'end' and depth == 1:
                number += 1
                yield number, _html_values(element, covered)
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except etree.LxmlError:
        raise FileUnusable('msg_import_file_corrupt')
    if not number:
        raise FileUnusable('msg_import_file_not_table')


def _html_events(parser, data):
    "The (event, element) of the pull parser fed data a block at a time"
    for start in range(0, len(data), _HTML_BLOCK):
        parser.feed(data[start:start + _HTML_BLOCK])
        yield from parser.read_events()
    parser.close()
    yield from parser.read_events()


def _html_values(row, covered):
    """The values of the cells of an HTML row where a browser shows them:
    after the columns that cells above span (covered: by column, how many
    more rows), and None in the other columns a cell spans"""
    values = []
    for cell in row:
        if cell.tag not in {'td', 'th'}:
            continue
        while covered.get(len(values)):
            covered[len(values)] -= 1
            values.append(None)
        values.append(_html_text(cell))
        if cell.attrib:
            _spread(cell, values, covered)
    for column in [c for c, n in covered.items() if n and c >= len(values)]:
        covered[column] -= 1
    return values


def _spread(cell, values, covered):
    """Note in covered the rows below that cell, just added to values,
    spans, and add a None for each other column it spans"""
    height = _span(cell, 'rowspan')
    # A span wider than a row may be is refused as one, not unfolded
    width = min(_span(cell, 'colspan'), MAX_COLUMNS + 1)
    if height > 1:
        for column in range(len(values) - 1, len(values) - 1 + width):
            covered[column] = height - 1
    values.extend([None] * (width - 1))


def _span(cell, attribute):
    "How many columns or rows (attribute) cell spans"
    try:
        return max(int(cell.get(attribute, 1)), 1)
    except ValueError:
        return 1


def _html_text(cell):
    """The text of an HTML cell as a browser shows it (entities read, a line
    for each <br> or paragraph), None when it has none"""
    if len(cell):
        for element in cell.iter(*_LINE_ENDS):
            element.tail = '\n' + (element.tail or '')
        text = ''.join(cell.itertext())
    else:
        text = cell.text or ''
    return text.strip() or None


def _csv_rows(data):
    encoding = detect_encoding(data[:_SAMPLE])
    sample = data[:_SAMPLE].decode(encoding, errors='ignore')
    delimiter = detect_delimiter(sample)
    text = io.TextIOWrapper(
        io.BytesIO(data), encoding=encoding, errors='replace', newline='')
    # The lines of the row being read, to find the cell of an error in
    record = []

    def lines():
        for line in text:
            record.append(line)
            yield line
    number = 0
    try:
        for number, values in enumerate(
                csv.reader(lines(), delimiter=delimiter), 1):
            record.clear()
            yield number, values
    except csv.Error:
        column = _long_cell(''.join(record), delimiter)
        if column:
            raise FileUnusable('msg_import_cell_too_long', row=number + 1,
                column=column, limit=csv.field_size_limit())
        raise FileUnusable('msg_import_file_corrupt')


def _long_cell(record, delimiter):
    """The column (from 1) of the first cell of the CSV text record longer
    than the csv module reads, or None"""
    column, length, quoted = 1, 0, False
    limit = csv.field_size_limit()
    for character in record:
        if character == '"':
            # A doubled quote inside quotes toggles twice
            quoted = not quoted
        elif character == delimiter and not quoted:
            column, length = column + 1, 0
        else:
            length += 1
            if length > limit:
                return column
    return None


def shortened_number(value):
    """Whether value is a number Excel wrote in its short scientific form
    (7.70708E+09), which has lost the digits of an INN or phone"""
    if isinstance(value, float):
        # A float holds 15 digits: longer numbers come back rounded
        return abs(value) >= 1e15
    return isinstance(value, str) and bool(
        _SHORTENED_NUMBER.match(value.strip()))


def text(value):
    "The text of a cell value as people read it"
    if value is None:
        return ''
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.strftime('%d.%m.%Y')
        return value.strftime('%d.%m.%Y %H:%M')
    if isinstance(value, dt.date):
        return value.strftime('%d.%m.%Y')
    if isinstance(value, dt.time):
        return value.strftime('%H:%M')
    value = str(value)
    if value[:1] == "'" and _formula(value[1:]):
        # A cell neutralised by an export comes back as it was
        value = value[1:]
    return ' '.join(value.replace('\xa0', ' ').split())


def _formula(value):
    """Whether a spreadsheet may run the text value as a formula: its first
    visible character is = + - or @ in any width (some spreadsheets read
    ＝ as =), whatever spaces, line breaks or invisible characters come
    before it; or it begins with a tab or a carriage return, which OWASP
    counts as formula starts of their own"""
    if value[:1] in {'\t', '\r'}:
        return True
    for character in value:
        if character.isspace() or unicodedata.category(character) in {
                'Cc', 'Cf'}:
            continue
        return unicodedata.normalize('NFKC', character)[:1] in {
            '=', '+', '-', '@'}
    return False


def neutralise(value):
    """A text a spreadsheet may run as a formula is given a leading
    apostrophe, as OWASP advises: a phone "+7 916 123-45-67" too, which
    Excel would otherwise compute; numbers are left as they are"""
    if isinstance(value, str) and _formula(value):
        return "'" + value
    return value


def write_xlsx(header, lines, file):
    """Write header and lines (lists of values) as a sheet into file; every
    text is stored as a string cell, which no spreadsheet runs"""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()

    def cells(values):
        for value in values:
            cell = WriteOnlyCell(sheet, value)
            if isinstance(value, str):
                # openpyxl would store a text beginning with = as a formula
                cell.data_type = 's'
            yield cell
    sheet.append(list(cells(header)))
    for line in lines:
        sheet.append(list(cells(line)))
    workbook.save(file)


def write_csv(header, lines, file, encoding='utf-8-sig'):
    """Write header and lines into the binary file as CSV separated by
    semicolons, as Russian Excel reads it; cp1251 replaces what it lacks"""
    text_file = io.TextIOWrapper(
        file, encoding=encoding, errors='replace', newline='')
    writer = csv.writer(text_file, delimiter=';')
    writer.writerow([neutralise(h) for h in header])
    for line in lines:
        writer.writerow([neutralise(v) if isinstance(v, str) else text(v)
                for v in line])
    text_file.flush()
    text_file.detach()
