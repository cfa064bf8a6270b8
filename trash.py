# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Deleted counterparties go to a trash, from where they are restored.

A counterparty deleted by a user is not removed: it is deactivated with who
and when, so that its contact persons, communications, chat, files and
history stay attached and come back with it.  Restoring history rows
(``restore_history``) could not do that: the rows that reference it
(addresses, contact data, identifiers, payers) are deleted with it, and
payers keep no history.  Only a CRM administrator deletes for good, by
deleting from the trash; Tryton's erase wizard (``party.erase``) anonymises a
trashed counterparty that other records still point to."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .access import in_crm_group


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    # To the second: people read it, a timestamp's microseconds are noise
    trash_date = fields.DateTime(
        "Deleted On", readonly=True,
        states={
            'invisible': ~Eval('trash_date'),
            },
        help="When the counterparty was moved to the trash.")
    trashed_by = fields.Many2One(
        'res.user', "Deleted By", readonly=True, ondelete='SET NULL',
        states={
            'invisible': ~Eval('trash_date'),
            },
        help="Who moved the counterparty to the trash.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'restore': {
                    'invisible': ~Eval('trash_date'),
                    'depends': ['trash_date'],
                    'icon': 'tryton-undo',
                    },
                })

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        # Inactive records have their buttons read-only; the trash's own
        # button is for inactive records
        cls._buttons['restore'].pop('readonly', None)

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('trash_date', None)
        default.setdefault('trashed_by', None)
        return super().copy(parties, default=default)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        # Activated again by hand, it is no longer in the trash
        if mode == 'write' and values.get('active'):
            values.setdefault('trash_date', None)
            values.setdefault('trashed_by', None)
        return values

    @classmethod
    def delete(cls, parties):
        transaction = Transaction()
        # Code deletes; a user's deletion (check_access) goes to the trash
        if not transaction.check_access:
            super().delete(parties)
            return
        cls._check_trash_access(parties)
        trashed = [p for p in parties if p.trash_date]
        if trashed and not in_crm_group('group_crm_admin'):
            raise AccessError(gettext(
                    'crm_counterparty.msg_trash_purge_admin',
                    party=trashed[0].rec_name))
        to_trash = [p for p in parties if not p.trash_date]
        cls.move_to_trash(to_trash)
        if trashed:
            super().delete(trashed)

    @classmethod
    def _check_trash_access(cls, parties):
        "Only who may delete a counterparty moves it in and out of the trash"
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        Rule = pool.get('ir.rule')
        ModelAccess.check(cls.__name__, 'delete')
        Rule.check(cls.__name__, [p.id for p in parties], 'delete')

    @classmethod
    def move_to_trash(cls, parties):
        "Deactivate the parties and their contact persons with who and when"
        if not parties:
            return
        with without_check_access():
            persons = cls.search([
                    ('employer', 'in', [p.id for p in parties]),
                    ('id', 'not in', [p.id for p in parties]),
                    ])
            cls.write(list(parties) + persons, {
                    'active': False,
                    'trash_date': dt.datetime.now(dt.timezone.utc).replace(
                        tzinfo=None),
                    'trashed_by': Transaction().user,
                    })

    @classmethod
    @ModelView.button
    def restore(cls, parties):
        "Bring back the parties with the contact persons trashed with them"
        parties = [p for p in parties if p.trash_date]
        if not parties:
            return 'reload'
        cls._check_trash_access(parties)
        with without_check_access():
            persons = cls.search([
                    ('active', '=', False),
                    ('employer', 'in', [p.id for p in parties]),
                    ('id', 'not in', [p.id for p in parties]),
                    ])
            dates = {p.id: p.trash_date for p in parties}
            persons = [
                p for p in persons
                if p.trash_date and p.trash_date == dates[p.employer.id]]
            cls.write(list(parties) + persons, {
                    'active': True,
                    'trash_date': None,
                    'trashed_by': None,
                    })
        # The trash list shows the contact persons that came back too
        return 'reload'
