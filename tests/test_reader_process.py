# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A generator run in a process of its own (reading a big import)."""
import os
import unittest
from unittest.mock import patch

from trytond.modules.crm_counterparty.importing import reader_process, tabular


def _pids(count):
    for index in range(count):
        yield index, os.getpid()


def _unusable_after(count):
    yield from range(count)
    raise tabular.FileUnusable('msg_import_file_no_data', sheet='Лист1')


class ChildProcessTestCase(unittest.TestCase):
    "Test a generator run in a child process"

    def test_items_in_order_from_another_process(self):
        items = list(reader_process.iterate(_pids, 10))
        self.assertEqual([i for i, _ in items], list(range(10)))
        self.assertEqual(len({p for _, p in items}), 1)
        self.assertNotEqual(items[0][1], os.getpid())

    def test_error_raised_here(self):
        "The child's error is raised in this process, with its values"
        items = []
        with self.assertRaises(tabular.FileUnusable) as raised:
            for item in reader_process.iterate(_unusable_after, 3):
                items.append(item)
        self.assertEqual(items, [0, 1, 2])
        self.assertEqual(raised.exception.message, 'msg_import_file_no_data')
        self.assertEqual(raised.exception.values, {'sheet': 'Лист1'})

    def test_inline_when_child_cannot_start(self):
        "A server whose executable is not Python reads inline"
        with patch('multiprocessing.spawn.get_executable',
                    return_value=os.fsencode('/bin/false')), \
                self.assertLogs(reader_process.__name__, 'WARNING'):
            items = list(reader_process.iterate(_pids, 3))
        self.assertEqual(items, [(i, os.getpid()) for i in range(3)])

    def test_stopped_early(self):
        "Leaving the loop early stops the child"
        iterator = reader_process.iterate(_pids, 1000)
        self.assertEqual(next(iterator)[0], 0)
        iterator.close()
