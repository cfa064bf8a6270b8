# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The card's journal (journal.py): each change once with old → new, the
comments, newest first, in the reader's language, and only what the reader
may see, over RPC."""
import datetime

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_counterparty import journal as journal_module
from trytond.modules.crm_counterparty.tests import test_access
from trytond.modules.crm_counterparty.tests.test_access import call
from trytond.modules.crm_counterparty.tests.test_import_rules import xlsx
from trytond.modules.crm_counterparty.tests.tools import (
    create_user, run_import)
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction


def journal(party, language='en'):
    "The texts of the card's journal, newest first, read in language"
    pool = Pool()
    Party = pool.get('party.party')
    Entry = pool.get('crm.counterparty.journal.entry')
    with Transaction().set_context(language=language):
        ids = [e.id for e in Party(party.id).journal]
        return [e['text'] for e in Entry.read(ids, ['text'])]


class JournalTestCase(_DBTestCase):
    "Test the journal of a card"
    module = 'crm_counterparty'

    setup_company = test_access.CounterpartyAccessTestCase.setup_company

    def card(self):
        "A company card made by the administrator in a company"
        pool = Pool()
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            self.anna = create_employee(company, "Анна")
            party, = Party.create([{'name': "Ромашка"}])
        return company, party

    @with_transaction()
    def test_each_change_once(self):
        "Every kind of change of the card appears once, with old → new"
        pool = Pool()
        Party = pool.get('party.party')
        Status = pool.get('crm.counterparty.status')
        Type = pool.get('crm.counterparty.type')
        Mechanism = pool.get('party.contact_mechanism')
        Tag = pool.get('crm.counterparty.tag')
        Group = pool.get('crm.counterparty.group')
        company, party = self.card()
        current, = Status.search([('name', '=', "Current")])
        partner, = Type.search([('name', '=', "Partner")])
        vip, = Tag.create([{'name': "VIP", 'shared': True}])
        fair, = Group.create([{'name': "Выставка", 'shared': True}])
        with set_company(company):
            Party.write([party], {
                    'counterparty_status': current.id,
                    'counterparty_type': partner.id,
                    'responsible': self.anna.id,
                    'inn': '7707083893',
                    'tags': [('add', [vip.id])],
                    'counterparty_groups': [('add', [fair.id])],
                    })
            mechanism, = Mechanism.create([{
                        'party': party.id, 'type': 'email',
                        'value': 'a@example.com'}])
            Mechanism.write([mechanism], {'value': 'b@example.com'})
            Mechanism.delete([mechanism])
            ivan, = Party.create([{
                        'name': "Иван", 'kind': 'person',
                        'employer': party.id}])
            Party.write([ivan], {'employer': None})
            Party.write([party], {'tags': [('remove', [vip.id])]})
            Party.move_to_trash([party])
            with Transaction().set_context(active_test=False):
                Party.restore(Party.browse([party.id]))

        texts = journal(party)
        for expected in [
                "Card created.",
                "Status: Potential → Current",
                "Type: Client → Partner",
                "Responsible: — → Анна",
                "INN added: 7707083893",
                "Tags added: VIP",
                "Tags removed: VIP",
                "Groups added: Выставка",
                "Email added: a@example.com",
                "Email: a@example.com → b@example.com",
                "Email removed: b@example.com",
                "Contact person added: Иван",
                "Contact person removed: Иван",
                "Moved to the trash.",
                "Restored from the trash.",
                ]:
            lines = [line for t in texts for line in t.splitlines()]
            self.assertEqual(lines.count(expected), 1, (expected, texts))
        # A write that changes nothing one reads (the star) adds nothing
        Party.write([party], {'favorite': True})
        self.assertEqual(journal(party), texts)

    @with_transaction()
    def test_time_on_readers_clock(self):
        "A time in an entry is on the reader's clock, else his company's"
        pool = Pool()
        Party = pool.get('party.party')
        User = pool.get('res.user')
        company, _ = self.card()
        utc = datetime.datetime(2026, 3, 1, 9, 30)
        company.timezone = 'Asia/Yekaterinburg'
        company.save()
        with set_company(company):
            self.assertEqual(
                journal_module.shown_value(Party, 'trash_date', utc).split(),
                ['03/01/2026', '14:30'])
            User.write([User(Transaction().user)],
                {'timezone': 'Europe/Moscow'})
            self.assertEqual(
                journal_module.shown_value(Party, 'trash_date', utc).split(),
                ['03/01/2026', '12:30'])

    @with_transaction()
    def test_comment_and_order(self):
        "A comment posted from the card, newest first"
        pool = Pool()
        Party = pool.get('party.party')
        Status = pool.get('crm.counterparty.status')
        Entry = pool.get('crm.counterparty.journal.entry')
        company, party = self.card()
        current, former, hopeless = Status.search([
                ('name', 'in', ["Current", "Hopeless", "Former"])],
            order=[('name', 'ASC')])
        with set_company(company):
            for status in [current, hopeless, former]:
                Party.write([party], {'counterparty_status': status.id})
            Party.write([party], {'journal_comment': "  Звонили, ждут КП  "})

        texts = journal(party)
        self.assertEqual(texts[-1], "Card created.")
        changes = [t for t in texts if t.startswith("Status")]
        self.assertEqual(changes, [
                "Status: Hopeless → Former", "Status: Current → Hopeless",
                "Status: Potential → Current"])
        self.assertIn("Звонили, ждут КП", texts)
        entries = Party(party.id).journal
        comment, = [e for e in Entry.read(
                    [e.id for e in entries], ['kind', 'author', 'text'])
            if e['kind'] == 'comment']
        self.assertEqual(comment['author'], "Administrator")
        self.assertIsNone(Party(party.id).journal_comment)
        # The whole journal lists the same, page by page
        self.assertEqual(
            [e.id for e in Entry.search(
                    [('party', '=', party.id)], offset=1, limit=2)],
            [e.id for e in entries[1:3]])
        self.assertEqual(
            Entry.search_count([('party', '=', party.id)]), len(entries))
        # Entries read apart compare with the revision just before theirs
        status_ids = [e.id for e, t in zip(entries, texts)
            if t.startswith("Status")]
        self.assertEqual(
            [e['text'] for e in Entry.read(
                    [status_ids[0], status_ids[2]], ['text'])],
            ["Status: Hopeless → Former", "Status: Potential → Current"])

    @with_transaction()
    def test_import(self):
        "An import that updated the card is there, with what it changed"
        pool = Pool()
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            user = create_user('anna', create_employee(company, "Анна"))
            lyutik, = Party.create([{
                        'name': "ООО «Лютик»", 'inn': '500100732259'}])
        run_import(xlsx([['Название', 'ИНН', 'Сфера деятельности'],
                    ['Лютик', '500100732259', 'Розница']]),
            user, on_duplicate='update')
        texts = journal(lyutik)
        self.assertIn('Import "clients.xlsx": Updated', texts)
        self.assertIn("Line of Business: — → Розница", texts)

    @with_transaction()
    def test_reader_sees_only_his(self):
        "Over RPC: no other user's local tag, no card one may not read"
        pool = Pool()
        Party = pool.get('party.party')
        Tag = pool.get('crm.counterparty.tag')
        company = self.setup_company()
        anna, olga, boris = (self.users[n] for n in ['Anna', 'Olga', 'Boris'])
        with Transaction().set_user(anna.id), set_company(company):
            secret, vip = Tag.create([
                    {'name': "Секрет"}, {'name': "VIP", 'shared': True}])
            Party.write([self.romashka], {
                    'tags': [('add', [secret.id, vip.id])]})

        def texts(user):
            party, = call(user, 'party.party', 'read', [self.romashka.id],
                ['journal'])
            return [e['text'] for e in call(
                    user, 'crm.counterparty.journal.entry', 'read',
                    party['journal'], ['text', 'author', 'date'])]
        # Olga supervises Anna: she sees the card, not Anna's local tag
        self.assertIn("Tags added: Секрет", texts(anna))
        self.assertIn("Tags added: VIP", texts(olga))
        self.assertNotIn("Tags added: Секрет", texts(olga))
        self.assertIn("Звонили насчёт скидки", texts(olga))
        self.assertIn("Contact person added: Иванов Иван", texts(olga))

        anna_ids, = [p['journal'] for p in call(
                anna, 'party.party', 'read', [self.romashka.id], ['journal'])]
        secret_ids = [i for i, e in zip(anna_ids, call(
                    anna, 'crm.counterparty.journal.entry', 'read',
                    anna_ids, ['text']))
            if e['text'] == "Tags added: Секрет"]
        self.assertEqual(len(secret_ids), 1)
        with self.assertRaises(AccessError):
            call(olga, 'crm.counterparty.journal.entry', 'read',
                secret_ids, ['text'])
        # Boris does not see the card: neither its entries nor their count
        with self.assertRaises(AccessError):
            call(boris, 'crm.counterparty.journal.entry', 'read',
                anna_ids, ['text'])
        self.assertEqual(call(boris, 'crm.counterparty.journal.entry',
                'search', [('party', '=', self.romashka.id)], 0, None, None),
            [])
        self.assertEqual(call(boris, 'crm.counterparty.journal.entry',
                'search_count', [('party', '=', self.romashka.id)]), 0)

    @with_transaction()
    def test_revisions_with_parts(self):
        "Show revisions… of a card whose phone was removed since"
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        company = self.setup_company()
        anna = self.users['Anna']
        with Transaction().set_user(anna.id), set_company(company):
            kept, removed = Mechanism.create([{
                        'party': self.romashka.id, 'type': 'email',
                        'value': value}
                    for value in ['new@example.com', 'old@example.com']])
        # Made an hour ago
        hour_ago = datetime.datetime.now() - datetime.timedelta(hours=1)
        cursor = Transaction().connection.cursor()
        for Model in [Party, Mechanism]:
            history = Model.__table_history__()
            cursor.execute(*history.update(
                    [history.create_date, history.write_date],
                    [hour_ago, None]))
        Mechanism.delete([removed])
        # The card as it was, its parts as they are (as before they kept
        # history, which the journal tells)
        then = {'_datetime': hour_ago + datetime.timedelta(minutes=1)}
        card, = call(anna, 'party.party', 'read', [self.romashka.id],
            ['name', 'contact_mechanisms'], context=then)
        self.assertEqual(card['name'], self.romashka.name)
        self.assertEqual([m['value'] for m in call(
                    anna, 'party.contact_mechanism', 'read',
                    card['contact_mechanisms'], ['value'], context=then)],
            ['new@example.com'])
        self.assertIn("Email removed: old@example.com", journal(
                self.romashka))
