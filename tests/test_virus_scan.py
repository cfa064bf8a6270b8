# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The client of clamd against a real clamd (tests/clamav_server.py), by
TCP and by its Unix socket."""
import unittest

from trytond.modules.crm_counterparty.tests.clamav_server import (
    EICAR, FOUND, STREAM_MAX, clamd_server)
from trytond.modules.crm_counterparty.virus_scan import (
    CHUNK, ScannerError, scan, verdict)


class VirusScanTestCase(unittest.TestCase):
    "Test the INSTREAM client of clamd"

    def test_scan(self):
        """EICAR is found, a clean file of several chunks is not; a file
        over clamd's StreamMaxLength and a stopped clamd give no verdict"""
        with clamd_server() as clamd:
            addresses = [clamd.tcp, clamd.unix]
            for address in addresses:
                with self.subTest(address=address):
                    self.assertEqual(scan(address, EICAR), FOUND)
                    self.assertEqual(
                        scan(address, b'\0clean' * CHUNK), None)
                    self.assertEqual(scan(address, b''), None)
                    with self.assertRaises(ScannerError):
                        scan(address, b'x' * (STREAM_MAX + 1))
            clamd.stop()
            for address in addresses:
                with self.subTest(address=address, stopped=True):
                    with self.assertRaises(ScannerError):
                        scan(address, b'clean')

    def test_address(self):
        "An address that names no clamd gives no verdict"
        for address in ['', 'http://127.0.0.1:3310', 'tcp://127.0.0.1',
                'tcp://127.0.0.1:99999', 'unix://', 'unix:///nonexistent']:
            with self.subTest(address=address):
                with self.assertRaises(ScannerError):
                    scan(address, b'clean')

    def test_verdict(self):
        "clamd's replies as clamd(8) documents them"
        self.assertEqual(verdict('stream: OK'), None)
        self.assertEqual(
            verdict('stream: Win.Test.EICAR_HDB-1 FOUND'),
            'Win.Test.EICAR_HDB-1')
        for reply in ['', 'INSTREAM size limit exceeded. ERROR',
                'stream: lstat() failed. ERROR', 'UNKNOWN COMMAND']:
            with self.subTest(reply=reply):
                with self.assertRaises(ScannerError):
                    verdict(reply)
