"""Compile the project's translations of the Tryton web client (sao).

tryton-sao 8.0 ships Russian 0 % translated: its ``locale/ru.po`` has no
msgstr at all, so ``locale/ru.json`` is empty and a Russian user sees sao in
English.  The project keeps its own catalogues in ``web/locale/<lang>.po``
(currently only ``ru.po``); this script compiles each of them into
``WEB_ROOT/locale/<lang>.json``, overwriting the file sao shipped.

The JSON has the layout sao's Gruntfile builds with grunt-po2json
(``format: 'raw'``), which ``Sao.i18n.setlang`` fetches from
``locale/<lang>.json`` and hands to gettext.js::

    {"": {<PO header, keys lower-cased: "language", "plural-forms", ...>},
     "<msgid>": [null, "<msgstr>"],
     "<msgid>": ["<msgid_plural>", "<msgstr[0]>", "<msgstr[1]>", ...],
     "<msgctxt>\\u0004<msgid>": [...]}

Unlike po2json, fuzzy, obsolete *and untranslated* entries are left out, so
gettext.js falls back to the English msgid instead of showing an empty
string (which is what an empty plural entry would do).

Usage: python scripts/sao_locale.py WEB_ROOT [--po-dir DIR]

WEB_ROOT is the directory holding sao's index.html and locale/ (e.g.
web/node_modules/tryton-sao).  Running it again rewrites nothing.
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import polib

PO_DIR = Path(__file__).resolve().parent.parent / 'web' / 'locale'
CONTEXT_SEPARATOR = '\x04'  # gettext's msgctxt/msgid glue, as gettext.js uses


def po_to_sao_json(po_path):
    """Return the catalogue at po_path as the dict sao loads.

    The header comes first; the entries follow grouped by context in the
    order they first appear, as gettext-parser (behind po2json) does.
    """
    po_path = Path(po_path)
    po = polib.pofile(str(po_path))
    header = {k.strip().lower(): v for k, v in po.metadata.items()}
    language = header.get('language')
    if language and language != po_path.stem:
        # gettext.js files the messages under the header's language, while
        # sao looks them up under the code it fetched the file for.
        raise ValueError(
            f'{po_path}: "Language: {language}" does not match the file name')

    by_context = {}
    for entry in po.translated_entries():
        context = entry.msgctxt or ''
        key = entry.msgid
        if context:
            key = context + CONTEXT_SEPARATOR + key
        if entry.msgid_plural:
            forms = entry.msgstr_plural
            value = [entry.msgid_plural] + [forms[i] for i in sorted(forms)]
        else:
            value = [None, entry.msgstr]
        by_context.setdefault(context, {})[key] = value

    result = {'': header}
    for messages in by_context.values():
        result.update(messages)
    return result


def to_json_text(data):
    """Serialise like JSON.stringify: compact, UTF-8, no trailing newline."""
    return json.dumps(data, ensure_ascii=False, separators=(',', ':'))


def compile_locales(web_root, po_dir=PO_DIR):
    """Write WEB_ROOT/locale/<lang>.json for each <lang>.po in po_dir.

    Return the list of (path, changed) pairs; a file whose content is
    already right is left untouched.
    """
    locale_dir = Path(web_root) / 'locale'
    if not locale_dir.is_dir():
        raise FileNotFoundError(
            f'{locale_dir} does not exist: is {web_root} the sao root?')
    po_paths = sorted(Path(po_dir).glob('*.po'))
    if not po_paths:
        raise FileNotFoundError(f'no .po file in {po_dir}')

    written = []
    for po_path in po_paths:
        target = locale_dir / (po_path.stem + '.json')
        content = to_json_text(po_to_sao_json(po_path)).encode('utf-8')
        changed = not (target.is_file() and target.read_bytes() == content)
        if changed:
            _write_atomically(target, content)
        written.append((target, changed))
    return written


def _write_atomically(path, content):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix='.' + path.name)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Compile web/locale/*.po into WEB_ROOT/locale/*.json '
        'for the Tryton web client (sao).')
    parser.add_argument(
        'web_root', type=Path,
        help="sao's root directory (the one with index.html and locale/)")
    parser.add_argument(
        '--po-dir', type=Path, default=PO_DIR,
        help='directory of the .po files (default: %(default)s)')
    args = parser.parse_args(argv)
    try:
        written = compile_locales(args.web_root, args.po_dir)
    except (OSError, ValueError) as e:
        parser.exit(1, f'{parser.prog}: error: {e}\n')
    for path, changed in written:
        print(f'{path}: {"written" if changed else "unchanged"}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
