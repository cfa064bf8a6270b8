# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The rules of the card's journal that need no database (journal_diff)."""
import datetime as dt
import unittest

from trytond.modules.crm_counterparty import journal_diff

T = dt.datetime(2026, 12, 3, 10)


def row(id_=7, history=1, **values):
    "A history row of record id_ as Tryton writes it on create or write"
    return {'id': id_, '__id': history, 'create_date': T, 'create_uid': 1,
        'write_date': None, 'write_uid': None, **values}


def deleted(id_=7, history=9):
    "The row Tryton writes when the record is deleted"
    return {'id': id_, '__id': history, 'create_date': None,
        'write_date': T, 'write_uid': 1}


class JournalDiffTestCase(unittest.TestCase):
    "Test what two consecutive revisions tell"

    def test_revision_kind(self):
        "Created, changed, deleted, and created again after a deletion"
        first = row(name="A")
        self.assertEqual(journal_diff.revision_kind(None, first), 'created')
        self.assertEqual(
            journal_diff.revision_kind(first, row(name="B")), 'changed')
        self.assertEqual(
            journal_diff.revision_kind(first, deleted()), 'deleted')
        self.assertEqual(
            journal_diff.revision_kind(deleted(), first), 'created')

    def test_changed_fields(self):
        "Only the fields asked for whose value changed, stamps never"
        before = row(name="A", status=1, description=None)
        after = row(history=2, name="A", status=2, description='',
            write_date=T, write_uid=2)
        self.assertEqual(journal_diff.changed_fields(
                before, after, ['name', 'status', 'description',
                    'write_date']), ['status'])

    def test_no_change(self):
        "A revision that only stamps the record changes nothing"
        before = row(name="A")
        after = row(history=2, name="A", write_date=T, write_uid=3)
        self.assertEqual(
            journal_diff.changed_fields(before, after, ['name']), [])
        # Nor is a creation or a deletion a change of fields
        self.assertEqual(journal_diff.changed_fields(None, before, ['name']),
            [])
        self.assertEqual(
            journal_diff.changed_fields(before, deleted(), ['name']), [])

    def test_link_change(self):
        "A contact person joins or leaves the company 5"
        free = row(employer=None)
        with5 = row(history=2, employer=5)
        with6 = row(history=3, employer=6)
        self.assertEqual(
            journal_diff.link_change(free, with5, 'employer', 5), 'joined')
        self.assertEqual(
            journal_diff.link_change(None, with5, 'employer', 5), 'joined')
        self.assertEqual(
            journal_diff.link_change(with5, with6, 'employer', 5), 'left')
        self.assertEqual(
            journal_diff.link_change(with5, with6, 'employer', 6), 'joined')
        self.assertEqual(
            journal_diff.link_change(with5, deleted(), 'employer', 5), 'left')
        self.assertIsNone(
            journal_diff.link_change(with5, with5, 'employer', 5))
        self.assertIsNone(
            journal_diff.link_change(free, with6, 'employer', 5))

    def test_trash_change(self):
        "Moved to the trash and back, told by its stamp"
        kept = row(trash_date=None, active=True)
        trashed = row(history=2, trash_date=T, active=False)
        self.assertEqual(
            journal_diff.trash_change(kept, trashed), 'trashed')
        self.assertEqual(
            journal_diff.trash_change(trashed, kept), 'restored')
        self.assertIsNone(journal_diff.trash_change(kept, kept))
        self.assertIsNone(journal_diff.trash_change(None, trashed))

    def test_arrow(self):
        "Old → new, an empty side as a dash"
        self.assertEqual(journal_diff.arrow("A", "B"), "A → B")
        self.assertEqual(journal_diff.arrow(None, "B"), "— → B")
        self.assertEqual(journal_diff.arrow("A", ''), "A → —")

    def test_predecessors(self):
        "Each row's previous row of the same record in a chunk"
        rows = [row(7, 5), row(8, 4), row(7, 3), row(8, 2)]
        previous = journal_diff.predecessors(rows)
        self.assertEqual(previous[5]['__id'], 3)
        self.assertEqual(previous[4]['__id'], 2)
        self.assertIsNone(previous[3])
        self.assertIsNone(previous[2])

    def test_newest(self):
        "Streams merged newest first, each read only as far as needed"
        read = []

        def stream(name, keys):
            for key in keys:
                read.append((name, key))
                yield key

        merged = journal_diff.newest(
            [stream('a', [9, 5, 1]), stream('b', [8, 7, 6, 2])], 3,
            key=lambda k: k)
        self.assertEqual(merged, [9, 8, 7])
        self.assertNotIn(('a', 1), read)
        self.assertNotIn(('b', 2), read)
        self.assertEqual(
            journal_diff.newest([iter([3, 1]), iter([2])], None,
                key=lambda k: k), [3, 2, 1])
