# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""What the user is told of a problem of the import: an ir.message of the
module and the values that fill it, translated where it is shown."""


def translated(message, values):
    "The text of the module's message in the user's language"
    # Imported here: the reading process needs no Tryton until it is shown
    from trytond.i18n import gettext
    return gettext('crm_counterparty.' + message, **values)


class ImportProblem(Exception):
    """A problem of the import to tell the user: message names an ir.message
    of the module (without its prefix) and values fill it"""

    def __init__(self, message, **values):
        super().__init__(message, values)
        self.message = message
        self.values = values

    def __reduce__(self):
        # Raised in the process that reads the file, told to the importer
        return _rebuilt, (type(self), self.message, self.values)

    def translated(self):
        return translated(self.message, self.values)


def _rebuilt(cls, message, values):
    return cls(message, **values)
