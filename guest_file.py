# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Files on the portal: what employees share with the guests of a record,
and what a guest uploads to it.

A file (``ir.attachment``) of a communication or a task is shown on the
portal when an employee ticks *Shown to Guests*; a guest's upload is shown
to him and to the employees, with its uploader kept.  A guest reaches a
file only through a record of his (``WebUser.guest_record``), and
``routes.py`` sends it as bytes that no browser renders."""
import trytond.config as config
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta

from .exceptions import GuestFileError

# The largest file a guest may upload unless [web] portal_upload_max says
UPLOAD_MAX = 10 * 1024 * 1024


def upload_max():
    "The largest file a guest may upload, in bytes"
    return config.getint('web', 'portal_upload_max', default=UPLOAD_MAX)


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
        attachment, = Attachment.create([{
                    'resource': str(record),
                    'name': name,
                    'type': 'data',
                    'data': data,
                    'guest_shared': True,
                    'guest_uploader': self.id,
                    }])
        return attachment
