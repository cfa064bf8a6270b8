# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The import's engine: no Tryton model lives here (import_.py holds the
batch, its columns, lines, preview, mappings, wizard and reports), so nothing
here is registered.  It is entered from import_.py, cli.py and export.py; each
file below imports only those above it, and of the module the rules the
cards keep anyway (requisites, phones, the search text, the access rules).

problem.py tells the user a problem of any step, translated.  The pipeline,
one uploaded file at a time:

source      tabular.py reads .xlsx .xls .ods .csv and HTML tables into rows
            (and writes the export's and the report's files); contacts.py
            turns vCards and Google or Outlook CSV into rows; carddav.py
            fetches the vCards of an address book.
columns     columns.py: the catalogue of the importable fields (FIELDS),
            what each column holds, the header row found, the file opened
            once for a request as a Table.
records     rules.py: rows into Records (one per counterparty, its contact
            persons with it) with their problems, read a chunk at a time
            (reader_process.py does it in a process of its own for a big
            file).
matches     rules.py: the keys (INN, e-mail, phone, name) of each Record
            against the counterparties already there and the earlier rows.
writes      importer.py: a chunk through the ORM, new cards in bulk.py's
            set-based SQL when its rules vouch for them.
report      importer.py: a line per input row, its outcome and reason.
"""
