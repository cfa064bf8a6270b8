"""The Russian translation of the web client (sao) and its compiler.

No database, no network: reads web/locale/ru.po, scripts/sao_locale.py and,
when npm has installed it, the tryton-sao package in web/node_modules.
"""

import collections
import gettext
import importlib.util
import json
import re
import tempfile
import unittest
from pathlib import Path

import polib


def _find_root():
    # The checkout, wherever this file sits in it.  Installed with the
    # module (site-packages), there is no checkout: the tests skip.
    for parent in Path(__file__).resolve().parents:
        if (parent / 'scripts' / 'sao_locale.py').is_file():
            return parent
    return None


ROOT = _find_root()
NO_CHECKOUT = 'needs the repository checkout (scripts/sao_locale.py)'
RU_PO = ROOT / 'web' / 'locale' / 'ru.po' if ROOT else None
SAO = ROOT / 'web' / 'node_modules' / 'tryton-sao' if ROOT else None
SAO_POT = SAO / 'locale' / 'messages.pot' if ROOT else None

RUSSIAN_PLURAL_FORMS = (
    'nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 '
    '&& (n%100<10 || n%100>=20) ? 1 : 2);')
# gettext.js (getPluralFunc) rejects any Plural-Forms not matching this.
GETTEXT_JS_PLURAL_RE = re.compile(
    r'\s*nplurals\s*=\s*[0-9]+\s*;\s*plural\s*=\s*'
    r'(?:\s|[-?|&=!<>+*/%:;n0-9_()])+')
# sao's own %1, %2 (gettext.js strfmt) and, to be safe, the usual others.
PLACEHOLDER_RE = re.compile(r'%%|%\d+|%\(\w+\)[sdif]|%[sdif]|\{\w*\}')
# Endings that are UI conventions: menu items opening a dialog, labels.
KEPT_ENDINGS = ('...', ': ', ':', ', ')


def _load_script():
    # scripts/ is not a package: import the script from its path.
    spec = importlib.util.spec_from_file_location(
        'sao_locale', ROOT / 'scripts' / 'sao_locale.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sao_locale = _load_script() if ROOT else None


def _translations(entry):
    if entry.msgid_plural:
        return [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


@unittest.skipIf(ROOT is None, NO_CHECKOUT)
class RussianCatalogTest(unittest.TestCase):
    "web/locale/ru.po on its own"

    @classmethod
    def setUpClass(cls):
        cls.po = polib.pofile(str(RU_PO))

    def test_header(self):
        "The header declares Russian and its plural rule as gettext.js wants"
        metadata = self.po.metadata
        self.assertEqual(metadata['Language'], 'ru')
        self.assertIn('charset=utf-8', metadata['Content-Type'].lower())
        self.assertEqual(metadata['Plural-Forms'], RUSSIAN_PLURAL_FORMS)
        self.assertTrue(GETTEXT_JS_PLURAL_RE.fullmatch(RUSSIAN_PLURAL_FORMS))

    def test_plural_forms(self):
        "Plural messages have the three Russian forms in the right order"
        plural = gettext.c2py(
            RUSSIAN_PLURAL_FORMS.split('plural=', 1)[1].rstrip(';'))
        self.assertEqual(
            [plural(n) for n in (1, 2, 4, 5, 11, 12, 21, 22, 25, 111, 101)],
            [0, 1, 1, 2, 2, 2, 0, 1, 2, 2, 0])
        entries = [e for e in self.po if e.msgid_plural]
        self.assertTrue(entries)
        for entry in entries:
            with self.subTest(msgid=entry.msgid):
                one, few, many = _translations(entry)
                self.assertIn('запись', one)
                self.assertIn('записи', few)
                self.assertIn('записей', many)

    def test_nothing_fuzzy_or_obsolete(self):
        "Fuzzy or obsolete entries would be dropped from the JSON"
        self.assertEqual(
            [e.msgid for e in self.po if e.fuzzy or e.obsolete], [])

    def test_placeholders_and_form(self):
        "Translations keep placeholders, line breaks, spacing and endings"
        for entry in self.po:
            for msgstr in _translations(entry):
                with self.subTest(msgid=entry.msgid, msgstr=msgstr):
                    self.assertEqual(
                        collections.Counter(
                            PLACEHOLDER_RE.findall(entry.msgid)),
                        collections.Counter(PLACEHOLDER_RE.findall(msgstr)))
                    self.assertEqual(
                        entry.msgid.count('\n'), msgstr.count('\n'))
                    msgid = entry.msgid
                    self.assertEqual(
                        msgid[:len(msgid) - len(msgid.lstrip())],
                        msgstr[:len(msgstr) - len(msgstr.lstrip())])
                    self.assertEqual(
                        msgid[len(msgid.rstrip()):],
                        msgstr[len(msgstr.rstrip()):])
                    ending = next(
                        (e for e in KEPT_ENDINGS if msgid.endswith(e)), None)
                    if ending:
                        self.assertTrue(msgstr.endswith(ending))

    def test_timedelta_separators(self):
        "Duration units stay parsable by Sao.common.timedelta.parse"
        # parse() inserts a space after the first occurrence of each unit
        # and then matches the units as suffixes, so none may contain
        # another one; M (month) and m (minute) differ only by case.
        units = [self.po.find(u).msgstr for u in 'YMwdhms']
        self.assertEqual(len(set(units)), len(units), units)
        for unit in units:
            self.assertTrue(unit and ' ' not in unit and ':' not in unit)
            for other in units:
                if other != unit:
                    self.assertNotIn(other, unit)

    def test_json_layout(self):
        "po_to_sao_json(ru.po) is what Sao.i18n.setlang and gettext.js read"
        data = sao_locale.po_to_sao_json(RU_PO)
        self.assertEqual(next(iter(data)), '')
        header = data['']
        # gettext.js loadJSON() needs these two, lower-cased.
        self.assertEqual(header['language'], 'ru')
        self.assertEqual(header['plural-forms'], RUSSIAN_PLURAL_FORMS)
        self.assertTrue(all(k == k.lower() for k in header))
        self.assertEqual(len(data) - 1, len(self.po))
        for entry in self.po:
            value = data[entry.msgid]
            self.assertIsInstance(value, list)
            self.assertEqual(value[0], entry.msgid_plural or None)
            self.assertEqual(value[1:], _translations(entry))
        self.assertEqual(data['Save'], [None, 'Сохранить'])
        self.assertEqual(data['%1 record saved'], [
            '%1 records saved', '%1 запись сохранена',
            '%1 записи сохранены', '%1 записей сохранено'])
        text = sao_locale.to_json_text(data)
        self.assertEqual(json.loads(text), data)
        self.assertIn('"Сохранить"', text)  # UTF-8, not \u escapes

    def test_compile_is_idempotent(self):
        "The command overwrites sao's ru.json and a rerun changes nothing"
        with tempfile.TemporaryDirectory() as web_root:
            target = Path(web_root) / 'locale' / 'ru.json'
            target.parent.mkdir()
            target.write_text('{"":{"content-type":"text/plain"}}')
            self.assertEqual(sao_locale.main([web_root]), 0)
            first = target.read_bytes()
            self.assertEqual(
                sao_locale.compile_locales(web_root), [(target, False)])
            self.assertEqual(target.read_bytes(), first)
            self.assertEqual(
                json.loads(first), sao_locale.po_to_sao_json(RU_PO))

    def test_compile_needs_sao_root(self):
        "A web root without locale/ is refused rather than created"
        with tempfile.TemporaryDirectory() as web_root:
            with self.assertRaises(FileNotFoundError):
                sao_locale.compile_locales(web_root)


@unittest.skipIf(ROOT is None, NO_CHECKOUT)
@unittest.skipUnless(
    ROOT and SAO_POT.is_file(),
    'tryton-sao is not installed in web/node_modules (run npm ci in web/)')
class SaoCoverageTest(unittest.TestCase):
    "ru.po against the installed tryton-sao package"

    @classmethod
    def setUpClass(cls):
        cls.pot = polib.pofile(str(SAO_POT))
        cls.po = polib.pofile(str(RU_PO))

    def test_every_msgid_translated(self):
        "Every message of sao's messages.pot has a Russian translation"
        for template in self.pot:
            with self.subTest(msgid=template.msgid):
                entry = self.po.find(
                    template.msgid, msgctxt=template.msgctxt)
                self.assertIsNotNone(entry, 'missing from ru.po')
                self.assertEqual(entry.msgid_plural, template.msgid_plural)
                self.assertTrue(entry.translated())
                translations = _translations(entry)
                self.assertEqual(
                    len(translations), 3 if entry.msgid_plural else 1)
                self.assertTrue(all(t.strip() for t in translations))

    def test_no_stale_msgid(self):
        "ru.po has no message sao does not use (msgids are exact)"
        known = {(e.msgctxt, e.msgid) for e in self.pot}
        self.assertEqual(
            [e.msgid for e in self.po if (e.msgctxt, e.msgid) not in known],
            [])

    def test_layout_matches_shipped_fr_json(self):
        "po_to_sao_json(fr.po) gives sao's own fr.json (built by po2json)"
        fr_json = SAO / 'locale' / 'fr.json'
        shipped_text = fr_json.read_text(encoding='utf-8')
        shipped = json.loads(shipped_text)
        data = sao_locale.po_to_sao_json(SAO / 'locale' / 'fr.po')
        self.assertEqual(data[''], shipped[''])
        for key in ['Save', 'Attachment (%1)', ', ', '%1 record imported']:
            with self.subTest(key=key):
                self.assertEqual(data[key], shipped[key])
        self.assertEqual(shipped['Save'][0], None)
        self.assertEqual(
            shipped['%1 record imported'][0], '%1 records imported')
        # po2json also keeps untranslated entries ([null, ""]); we drop them.
        self.assertEqual(data, {
            k: v for k, v in shipped.items() if k == '' or all(v[1:])})
        if len(data) == len(shipped):
            self.assertEqual(sao_locale.to_json_text(data), shipped_text)
