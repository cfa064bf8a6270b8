# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Files on the portal: what employees share with the guests of a record,
and what a guest uploads to it.

A file (``ir.attachment``) of a communication or a task is shown on the
portal when an employee ticks *Shown to Guests*; a guest's upload is shown
to him and to the employees, with its uploader kept.  A guest reaches a
file only through a record of his (``WebUser.guest_record``), and
``routes.py`` sends it as bytes that no browser renders.  When
``[crm_counterparty] clamd`` names a ClamAV daemon, an upload is stored
only once it found no virus in it."""
import logging

import trytond.config as config
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from . import virus_scan
from .exceptions import GuestFileError

logger = logging.getLogger(__name__)

# The largest file a guest may upload unless [web] portal_upload_max says
UPLOAD_MAX = 10 * 1024 * 1024


def upload_max():
    "The largest file a guest may upload, in bytes"
    return config.getint('web', 'portal_upload_max', default=UPLOAD_MAX)


def clamd_address():
    "The clamd that scans the guests' uploads (unix:// or tcp://), or None"
    return config.get('crm_counterparty', 'clamd', default=None) or None


def file_name(name):
    "The last part of the name a browser gives, the folders dropped"
    return name.replace('\\', '/').rsplit('/', 1)[-1].strip()[:255]


class Attachment(metaclass=PoolMeta):
    __name__ = 'ir.attachment'

    guest_shared = fields.Boolean("Shown to Guests",
        help="Show the file to the guests who see its record on the portal.")
    guest_uploader = fields.Many2One(
        'web.user', "Uploaded by Guest", readonly=True, ondelete='SET NULL')


class WebUser(metaclass=PoolMeta):
    __name__ = 'web.user'

    @staticmethod
    def guest_files(record):
        "The files of record shown to its guests, the oldest first"
        Attachment = Pool().get('ir.attachment')
        return Attachment.search([
                ('resource', '=', str(record)),
                ('type', '=', 'data'),
                ('guest_shared', '=', True),
                ], order=[('create_date', 'ASC'), ('id', 'ASC')])

    def guest_file(self, record, file_id):
        "The file file_id of record, a record of the guest's, else None"
        return next(
            (f for f in self.guest_files(record) if f.id == file_id), None)

    def upload(self, record, name, data):
        "Attach the file of the guest to record, his and shown to him"
        Attachment = Pool().get('ir.attachment')
        name = file_name(name or '')
        if not name or not data:
            raise GuestFileError(gettext(
                    'crm_counterparty.msg_guest_file_empty'))
        if len(data) > upload_max():
            raise GuestFileError(gettext(
                    'crm_counterparty.msg_guest_file_too_big',
                    name=name, size=upload_max()))
        self._check_clean(record, name, data)
        attachment, = Attachment.create([{
                    'resource': str(record),
                    'name': name,
                    'type': 'data',
                    'data': data,
                    'guest_shared': True,
                    'guest_uploader': self.id,
                    }])
        return attachment

    def _check_clean(self, record, name, data):
        """Refuse data when the configured clamd finds a virus in it (the
        guest's managers are told) or cannot scan it"""
        address = clamd_address()
        if not address:
            return
        try:
            virus = virus_scan.scan(address, data)
        except virus_scan.ScannerError as e:
            logger.warning("clamd %s did not scan %r: %s", address, name, e)
            raise GuestFileError(gettext(
                    'crm_counterparty.msg_guest_file_unscanned', name=name))
        if virus:
            self._tell_infected(record, name, virus)
            raise GuestFileError(gettext(
                    'crm_counterparty.msg_guest_file_infected', name=name))

    def _tell_infected(self, record, name, virus):
        "Notify the guest's managers in the web client of an infected upload"
        guest = self.party.rec_name if self.party else self.email
        for user in self.managers():
            language = user.language.code if user.language else None
            with Transaction().set_context(language=language):
                label = gettext(
                    'crm_counterparty.msg_guest_file_infected_told',
                    guest=guest, name=name, virus=virus)
            type(record).notify_user([record], 'tryton-warning', label,
                user=user.id)
