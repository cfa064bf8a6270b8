# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""make demo's database is made by scripts/demo.py: it must load whole,
through the module's own validation, into a fresh SQLite database."""
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class DemoDatabaseTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.TemporaryDirectory()
        env = dict(os.environ, TRYTOND_DATABASE__PATH=cls.directory.name)
        result = subprocess.run([
                sys.executable, ROOT / 'scripts' / 'demo.py',
                '--config', ROOT / 'etc' / 'trytond.conf',
                '--database', 'demo'],
            env=env, capture_output=True, text=True, timeout=600)
        if result.returncode:
            raise AssertionError(result.stderr[-3000:])
        cls.output = result.stdout
        cls.db = sqlite3.connect(Path(cls.directory.name) / 'demo.sqlite')

    @classmethod
    def tearDownClass(cls):
        cls.db.close()
        cls.directory.cleanup()

    def count(self, query):
        return self.db.execute(query).fetchone()[0]

    def test_counterparties(self):
        # Our company and its 5 employees are parties too
        self.assertGreaterEqual(self.count(
                "SELECT COUNT(*) FROM party_party "
                "WHERE responsible IS NOT NULL"), 300)
        self.assertGreaterEqual(self.count(
                "SELECT COUNT(*) FROM party_party "
                "WHERE kind = 'person' AND employer IS NOT NULL"), 100)
        self.assertIn("556 counterparties", self.output)

    def test_requisites_and_phones(self):
        self.assertGreaterEqual(self.count(
                "SELECT COUNT(*) FROM party_identifier "
                "WHERE type = 'ru_kpp'"), 150)
        # Every phone was parsed: its compact form is E.164
        self.assertEqual(self.count(
                "SELECT COUNT(*) FROM party_contact_mechanism "
                "WHERE type IN ('phone', 'mobile') "
                "AND value_compact NOT LIKE '+7%'"), 0)

    def test_admin_employee_of_his_own(self):
        "The admin is one employee, none of the sales staff's"
        employees = self.db.execute(
            'SELECT p.name FROM "res_user-company_employee" ue '
            'JOIN res_user u ON u.id = ue."user" '
            'JOIN company_employee e ON e.id = ue.employee '
            'JOIN party_party p ON p.id = e.party '
            "WHERE u.login = 'admin'").fetchall()
        self.assertEqual(employees, [("Администратор",)])

    def test_staff_log_in_russian(self):
        "The sales staff and the admin work in Russian"
        self.assertEqual(self.count(
                "SELECT COUNT(*) FROM res_user u JOIN ir_lang l "
                "ON u.language = l.id WHERE l.code = 'ru'"), 6)
        self.assertEqual(self.count(
                "SELECT l.code FROM res_user u JOIN ir_lang l "
                "ON u.language = l.id WHERE u.login = 'admin'"), 'ru')

    def test_no_config_wizard_at_first_login(self):
        "The admin's first login opens no configuration wizard"
        self.assertGreaterEqual(self.count(
                "SELECT COUNT(*) FROM ir_module_config_wizard_item"), 4)
        self.assertEqual(self.count(
                "SELECT COUNT(*) FROM ir_module_config_wizard_item "
                "WHERE state = 'open'"), 0)

    def test_one_language(self):
        "The company works in Russian only: the card offers no language"
        self.assertEqual(self.db.execute(
                "SELECT code FROM ir_lang "
                "WHERE active AND translatable").fetchall(), [('ru',)])

    def test_communications(self):
        self.assertGreaterEqual(self.count(
                "SELECT COUNT(*) FROM crm_communication"), 90)
        # The held ones give their counterparties a last contact
        self.assertGreaterEqual(self.count(
                "SELECT COUNT(*) FROM crm_communication "
                "WHERE state = 'done' AND result IS NOT NULL"), 30)
        self.assertEqual(self.count(
                "SELECT COUNT(*) FROM crm_communication "
                "WHERE state = 'done' AND result IS NULL"), 0)
        self.assertGreaterEqual(self.count(
                "SELECT COUNT(*) FROM party_party "
                "WHERE last_contact IS NOT NULL"), 30)

    def test_moscow_clock(self):
        "The company keeps Moscow's clock: the meetings are in its hours"
        self.assertEqual(self.count(
                "SELECT timezone FROM company_company"), 'Europe/Moscow')
        # 9:00 to 17:00 in Moscow is 6:00 to 14:00 UTC
        hours = {int(h) for h, in self.db.execute(
                "SELECT strftime('%H', start) FROM crm_communication")}
        self.assertTrue(hours <= set(range(6, 15)), hours)

    def test_tasks(self):
        "Tryton's project is activated: the cards show their tasks"
        self.assertEqual(self.count(
                "SELECT state FROM ir_module WHERE name = 'project'"),
            'activated')
        self.assertGreaterEqual(self.count(
                "SELECT COUNT(*) FROM project_work w "
                "JOIN party_party p ON w.party = p.id "
                "WHERE w.type = 'task' AND p.responsible IS NOT NULL"), 40)

    def test_comments_and_files(self):
        self.assertGreaterEqual(self.count(
                "SELECT COUNT(*) FROM ir_chat_message"), 100)
        self.assertGreaterEqual(self.count(
                "SELECT COUNT(*) FROM ir_attachment "
                "WHERE resource LIKE 'party.party,%'"), 10)
        self.assertGreaterEqual(self.count(
                "SELECT COUNT(*) FROM crm_counterparty_payer"), 150)

    def test_guests(self):
        "Two contact persons log in to the portal, with their talk on it"
        guests = self.db.execute(
            'SELECT w.email, p.kind FROM web_user w '
            'JOIN party_party p ON p.id = w.party '
            "WHERE w.guest_state = 'active' AND w.password_hash IS NOT NULL"
            ).fetchall()
        self.assertEqual(len(guests), 2)
        self.assertEqual({k for _, k in guests}, {'person'})
        for email, _ in guests:
            self.assertIn(email, self.output)
        self.assertIn("/demo/portal/", self.output)
        self.assertEqual(self.count(
                'SELECT COUNT(*) FROM ir_chat_message '
                "WHERE audience = 'public' AND email IS NOT NULL"), 2)
