# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The scan of the whole base for duplicates (duplicate_scan.py), started
over RPC as the web client does, its queued task run as the queue runs it
(without the commit of each chunk)."""
from contextlib import closing
from unittest.mock import patch

from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_counterparty import duplicate_scan
from trytond.modules.crm_counterparty.tests.test_access import (
    call, run_wizard)
from trytond.modules.crm_counterparty.tests.tools import (
    anna_and_boris, create_user)
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction

SCAN = 'crm.counterparty.duplicate_scan'


def card(name, responsible, inn=None, mechanisms=(), employer=None):
    "The values of a card"
    values = {'name': name, 'responsible': responsible.id,
        'contact_mechanisms': [('create', [
                    {'type': t, 'value': v} for t, v in mechanisms])]}
    if inn:
        values['inn'] = inn
    if employer:
        values.update(kind='person', employer=employer.id)
    return values


class DuplicateScanTestCase(_DBTestCase):
    "Test the scan of the base for duplicates"
    module = 'crm_counterparty'

    def setup_cards(self):
        """Anna's cards with a planted duplicate of each kind, Boris's
        two of one name, which Anna may not see (each sees his own)"""
        pool = Pool()
        Party = pool.get('party.party')
        Configuration = pool.get('party.configuration')
        company = create_company()
        with set_company(company):
            (anna, boris), (self.anna, self.boris) = anna_and_boris(
                company)
            configuration = Configuration(1)
            # Two cards of one INN are what the scan is for
            configuration.duplicate_tax_identifier = 'warning'
            configuration.save()
            with Transaction().set_context(_skip_warnings=True):
                cards = Party.create([
                        card("ООО «Ромашка»", anna, '7707083893'),
                        card("Цветочная база", anna, '7707 083 893'),
                        card("Берёзка", anna,
                            mechanisms=[('phone', '+7 916 555-11-22')]),
                        card("Кленов и партнёры", anna,
                            mechanisms=[('phone', '8 (916) 5551122')]),
                        card("Ольха", anna,
                            mechanisms=[('email', 'info@olha.ru')]),
                        card("Тополь", anna,
                            mechanisms=[('email', 'INFO@olha.ru')]),
                        card("ООО «Ландыш»", anna),
                        card("Ландыш, ООО", anna),
                        card("Колокольчик Трейд", anna),
                        card("Колакольчик Трейд", anna),
                        card("Одуванчик", anna, '7736050003'),
                        card("Одуванчик", anna, '7702070139'),
                        card("ООО «Василёк»", boris),
                        card("Василёк, ООО", boris),
                        ])
            self.cards = dict(zip([
                        'inn', 'inn2', 'phone', 'phone2', 'email', 'email2',
                        'form', 'form2', 'typo', 'typo2', 'other_inn',
                        'other_inn2', 'hidden', 'hidden2'], cards))
            c = self.cards
            c['person'], c['person2'] = Party.create([
                    card("Петров Пётр Петрович", anna,
                        mechanisms=[('mobile', '+7 903 111-22-33')],
                        employer=c['phone']),
                    card("Петров Пётр Петрович", anna,
                        mechanisms=[('mobile', '+79031112233')],
                        employer=c['email']),
                    ])

    def planted(self, *kinds):
        "The pairs (ids) of the planted duplicates of kinds"
        return {tuple(sorted((self.cards[k].id, self.cards[k + '2'].id)))
            for k in kinds}

    def scan(self, user):
        """Start a scan as user over RPC and run its queued task; the scan
        and its pairs as the user reads them"""
        Queue = Pool().get('ir.queue')
        Scan = Pool().get(SCAN)
        scan_id, = call(user, SCAN, 'create', [{}])
        call(user, SCAN, 'start', [scan_id])
        task, = Queue.search([])
        self.assertEqual((task.data['method'], list(task.data['instances'])),
            ('run', [scan_id]))
        Queue.delete([task])
        for _ in Scan(scan_id).process():
            pass
        return scan_id, self.pairs(user, scan_id)

    def pairs(self, user, scan_id):
        "{(party, other): reasons} of the scan's pairs user reads"
        pair_ids = call(user, SCAN + '.pair', 'search',
            [('scan', '=', scan_id)])
        pairs = call(user, SCAN + '.pair', 'read', pair_ids,
            ['party', 'other', 'reasons'])
        return {(p['party'], p['other']): sorted(p['reasons']) for p in pairs}

    @with_transaction()
    def test_finds_each_kind(self):
        "Each planted duplicate with its reasons, and nothing else"
        self.setup_cards()
        scan_id, pairs = self.scan(self.anna)
        c = self.cards
        self.assertEqual(pairs, {
                (c['inn'].id, c['inn2'].id): ['inn'],
                (c['phone'].id, c['phone2'].id): ['phone'],
                (c['email'].id, c['email2'].id): ['email'],
                (c['form'].id, c['form2'].id): ['name'],
                (c['typo'].id, c['typo2'].id): ['name'],
                (c['person'].id, c['person2'].id): ['name', 'phone'],
                })
        scan, = call(self.anna, SCAN, 'read', [scan_id],
            ['state', 'progress', 'pair_count', 'cards_total', 'groups'])
        self.assertEqual(
            (scan['state'], scan['progress'], scan['pair_count']),
            ('done', 100, 6))
        # Every card she sees was compared
        self.assertEqual(scan['cards_total'],
            call(self.anna, 'party.party', 'search_count', []))
        groups = call(self.anna, SCAN + '.group', 'read', scan['groups'],
            ['parties', 'pair_count'])
        self.assertEqual(sorted(tuple(g['parties']) for g in groups),
            sorted(pairs))

    @with_transaction()
    def test_name_alike_to_two_inns_the_nearer(self):
        """A card alike by name alone to two companies of two INNs is the
        nearer one's; a letter typed wrong that moves its word is found"""
        Party = Pool().get('party.party')
        self.setup_cards()
        anna = self.anna.employee
        with set_company(self.anna.company):
            own, other, copy, word, typo = Party.create([
                    card("АО «Пухожу Групп»", anna, '7728168971'),
                    card("АО «Пухяжу Групп»", anna, '7710140679'),
                    card("Пухожу Групп, АО", anna),
                    card("Ковола Консалт", anna),
                    card("Коъола Консалт", anna),
                    ])
        _, pairs = self.scan(self.anna)
        new = {c.id for c in [own, other, copy, word, typo]}
        self.assertEqual({p: r for p, r in pairs.items() if new & set(p)}, {
                (own.id, copy.id): ['name'],
                (word.id, typo.id): ['name'],
                })

    @with_transaction()
    def test_not_duplicates_never_proposed(self):
        "A pair marked not a duplicate, from a scan, is not found again"
        self.setup_cards()
        scan_id, pairs = self.scan(self.anna)
        pair_id, = call(self.anna, SCAN + '.pair', 'search', [
                ('scan', '=', scan_id),
                ('party', '=', self.cards['typo'].id),
                ])
        call(self.anna, SCAN + '.pair', 'dismiss', [pair_id])
        self.assertEqual(set(self.pairs(self.anna, scan_id)),
            set(pairs) - self.planted('typo'))
        # Another user's full scan does not propose it either
        admin = create_user('olga', self.anna.employee, 'group_crm_admin')
        Pool().get(SCAN).write(
            Pool().get(SCAN).search([]), {'state': 'draft'})
        _, again = self.scan(admin)
        self.assertFalse(self.planted('typo') & set(again))
        self.assertTrue(self.planted('inn', 'hidden') <= set(again))

    @with_transaction()
    def test_user_scans_only_what_he_sees(self):
        "Anna's scan does not reach Boris's cards; his finds them"
        self.setup_cards()
        _, anna_pairs = self.scan(self.anna)
        hidden = {self.cards['hidden'].id, self.cards['hidden2'].id}
        self.assertFalse({i for p in anna_pairs for i in p} & hidden)
        boris_scan, boris_pairs = self.scan(self.boris)
        self.assertEqual(set(boris_pairs), self.planted('hidden'))
        # Nor does she read his scan
        self.assertEqual(call(self.anna, SCAN, 'search',
                [('id', '=', boris_scan)]), [])

    @with_transaction()
    def test_rerun_finds_only_new(self):
        "A second scan compares only the cards changed since with all"
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_cards()
        self.scan(self.anna)
        cursor = Transaction().connection.cursor()
        # The cards were made before the first scan started
        for table in ['party_party', 'party_identifier',
                'party_contact_mechanism']:
            cursor.execute('UPDATE %s SET create_date = create_date - '
                "interval '1 day', write_date = NULL" % table
                if self.backend_postgresql() else
                "UPDATE %s SET create_date = datetime(create_date, "
                "'-1 day'), write_date = NULL" % table)
        with set_company(self.anna.company):
            new, = Party.create([card("Ромашка", self.anna.employee,
                        mechanisms=[('email', 'info@olha.ru')])])
        scan_id, pairs = self.scan(self.anna)
        c = self.cards
        self.assertEqual(pairs, {
                (c['inn'].id, new.id): ['name'],
                (c['email'].id, new.id): ['email'],
                (c['email2'].id, new.id): ['email'],
                })
        scan, = call(self.anna, SCAN, 'read', [scan_id], ['since',
                'cards_total'])
        self.assertIsNotNone(scan['since'])
        self.assertEqual(scan['cards_total'], 1)

    @staticmethod
    def backend_postgresql():
        from trytond import backend
        return backend.name == 'postgresql'

    @with_transaction()
    def test_resumed_run_no_double_rows(self):
        """A scan whose process stopped after a chunk goes on from there:
        each pair once, as a scan run at once"""
        pool = Pool()
        Scan = pool.get(SCAN)
        Pair = pool.get(SCAN + '.pair')
        self.setup_cards()
        _, whole = self.scan(self.anna)
        Scan.write(Scan.search([]), {'state': 'draft'})
        with patch.object(duplicate_scan, 'CHUNK', 5):
            scan_id, = call(self.anna, SCAN, 'create', [{}])
            call(self.anna, SCAN, 'start', [scan_id])
            with closing(Scan(scan_id).process()) as process:
                next(process)
                first = Pair.search_count([('scan', '=', scan_id)])
            scan = Scan(scan_id)
            self.assertEqual((scan.state, scan.cards_done), ('running', 5))
            call(self.anna, SCAN, 'resume', [scan_id])
            for _ in Scan(scan_id).process():
                pass
            # A task of the scan left over (resumed twice) does nothing
            for _ in Scan(scan_id).process():
                pass
        self.assertLess(first, len(whole))
        self.assertEqual(self.pairs(self.anna, scan_id), whole)
        self.assertEqual(Pair.search_count([('scan', '=', scan_id)]),
            len(whole))

    @with_transaction()
    def test_keys_an_administrator_turns_off(self):
        "Without the phone and the name counted, only the others are found"
        pool = Pool()
        Configuration = pool.get('party.configuration')
        self.setup_cards()
        Configuration.write([Configuration(1)], {
                'duplicate_scan_keys': ['inn', 'email']})
        _, pairs = self.scan(self.anna)
        self.assertEqual(set(pairs), self.planted('inn', 'email'))

    @with_transaction()
    def test_merge_opened_on_a_group(self):
        "Merge on a group opens the Merge wizard with its cards"
        self.setup_cards()
        scan_id, _ = self.scan(self.anna)
        group_ids = call(self.anna, SCAN + '.group', 'search', [
                ('scan', '=', scan_id)])
        group_id, = call(self.anna, SCAN + '.group', 'search', [
                ('scan', '=', scan_id),
                ('parties', '=', self.cards['form'].id),
                ])
        group = Pool().get(SCAN + '.group')(group_id)
        self.assertIn(group.id, group_ids)
        self.assertIn(self.cards['form'], group.parties)
        action_id = call(self.anna, SCAN + '.group', 'merge', [group.id])
        action, = Pool().get('ir.action.wizard').search([
                ('action', '=', action_id)])
        self.assertEqual(action.wiz_name, 'crm.counterparty.merge.wizard')
        result = run_wizard(self.anna, 'crm.counterparty.merge.wizard',
            [group], ('start', {}))
        start = result['view']['defaults']
        self.assertEqual(sorted(start['parties']),
            sorted([self.cards['form'].id, self.cards['form2'].id]))
