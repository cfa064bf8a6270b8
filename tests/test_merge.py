# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Merging counterparties (merge.py) and undoing it, as a CRM user runs the
wizard: five cards carrying every kind of record, compared table by table
after the merge and after its undo."""
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.crm_counterparty import merge as merge_module
from trytond.modules.crm_counterparty.exceptions import MergeError
from trytond.modules.crm_counterparty.tests.test_access import (
    call, meeting_values, run_wizard)
from trytond.modules.crm_counterparty.tests.test_counterparty_link import (
    attempt)
from trytond.modules.crm_counterparty.tests.test_journal import journal
from trytond.modules.crm_counterparty.tests.tools import create_user
from trytond.exceptions import UserWarning
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction


def snapshot():
    """Every link to a card and every chat message's channel, by table:
    {(model, field): {row id: value}}"""
    pool = Pool()
    tables = {}
    for Model, name in [*merge_module.links(),
            (pool.get('ir.chat.message'), 'channel')]:
        table = Model.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                table.id, getattr(table, name), order_by=[table.id]))
        tables[Model.__name__, name] = dict(cursor)
    return tables


class MergeTestCase(_DBTestCase):
    "Test the merge of counterparties and its undo"
    module = 'crm_counterparty'

    def setup_cards(self):
        """Anna's five cards «Ромашка», each with a contact person, a phone
        (the first two the same), an e-mail, an address, a meeting, a
        comment, a note, a file, in one group; the first two with one INN,
        the third tagged, the fourth starred with a custom value, the last
        with a payer and a relation to «Партнёр»"""
        pool = Pool()
        Party = pool.get('party.party')
        Channel = pool.get('ir.chat.channel')
        Note = pool.get('ir.note')
        Attachment = pool.get('ir.attachment')
        Communication = pool.get('crm.communication')
        Group = pool.get('crm.counterparty.group')
        Tag = pool.get('crm.counterparty.tag')
        Payer = pool.get('crm.counterparty.payer')
        RelationType = pool.get('party.relation.type')
        CustomField = pool.get('crm.counterparty.custom_field')
        self.company = company = create_company()
        with set_company(company):
            configuration = pool.get('party.configuration')(1)
            configuration.counterparty_visibility = 'involved'
            # Two cards of one INN: the duplicates a merge is for
            configuration.duplicate_tax_identifier = 'warning'
            configuration.save()
            anna = create_employee(company, "Анна")
            self.anna = create_user('anna', anna)
            self.boris = create_user('boris', create_employee(company, "Борис"))
            self.slot = CustomField.create([{
                        'name': "Источник", 'kind': 'text'}])[0].field_name
            partner, = Party.create([{'name': "Партнёр"}])
            relation_type, = RelationType.create([{'name': "Партнёр"}])
            self.cards = Party.create([{
                        'name': name, 'responsible': anna.id,
                        'contact_persons': [('create', [{
                                        'name': "Контакт %s" % i,
                                        'kind': 'person'}])],
                        'contact_mechanisms': [('create', [
                                    {'type': 'phone', 'value':
                                        '+7 916 000-00-0%s' % max(i, 1)},
                                    {'type': 'email',
                                        'value': 'r%s@romashka.ru' % i}])],
                        'addresses': [('create', [{
                                        'street': "ул. Садовая, %s" % i}])],
                        } for i, name in enumerate([
                            "ООО «Ромашка»", "Ромашка, ООО", "Ромашка",
                            "Ромашка Москва", "Ромашкаа"])])
            first, second, third, fourth, fifth = self.cards
            # The warning of a second card with the INN, accepted
            with Transaction().set_context(_skip_warnings=True):
                Party.write([first, second], {'inn': '7707083893'})
            Party.write([fourth], {self.slot: "Выставка"})
            group, = Group.create([{'name': "Цветы",
                        'parties': [('add', [c.id for c in self.cards])]}])
            tag, = Tag.create([{'name': "VIP"}])
            Party.write([third], {'tags': [('add', [tag.id])]})
            Payer.create([{'party': fifth.id, 'name': "ООО Плательщик",
                        'inn': '500100732259'}])
            Party.write([fifth], {'relations': [('create', [{
                                'to': partner.id,
                                'type': relation_type.id}])]})
            for i, card in enumerate(self.cards):
                Channel.post(card, "Звонок %s" % i)
                Note.create([{'resource': str(card),
                            'message': "Заметка %s" % i}])
                Attachment.create([{'resource': str(card),
                            'name': "договор%s.txt" % i, 'data': b"x"}])
                Communication.create([meeting_values(
                            company, self.anna, [card.id], day=i + 1)])
        with Transaction().set_user(self.anna.id):
            Party.write([fourth], {'favorite': True})
        return self.cards

    def merge(self, user, cards, **chosen):
        """Run the wizard as user on cards, the first kept, each field's
        value as chosen ({field: card}) else as the wizard proposes"""
        result = run_wizard(user, 'crm.counterparty.merge.wizard', cards,
            ('start', {}))
        # What the client sends back: the fields, not their names
        values = {k: v for k, v in result['view']['defaults'].items()
            if '.' not in k}
        choices = [dict(c, card=str(chosen[c['field_name']].id))
            if c['field_name'] in chosen else c for c in values['choices']]
        return run_wizard(user, 'crm.counterparty.merge.wizard', cards,
            ('merge', {'start': {**values, 'choices': choices}}))

    @with_transaction()
    def test_merge_five_and_undo(self):
        "Everything of five cards goes to one, and comes back on undo"
        pool = Pool()
        Party = pool.get('party.party')
        Merge = pool.get('crm.counterparty.merge')
        cards = self.setup_cards()
        kept, *others = cards
        before = snapshot()
        other_ids = {c.id for c in others}
        self.merge(self.anna, cards, **{self.slot: cards[3]})

        after = snapshot()
        kept = Party(kept.id)
        self.assertEqual(getattr(kept, self.slot), "Выставка")
        self.assertEqual(kept.name, "ООО «Ромашка»")
        with Transaction().set_context(active_test=False):
            self.assertFalse(any(p.active for p in Party.browse(others)))
            self.assertEqual(
                {p.replaced_by for p in Party.browse(others)}, {kept})
        # Each table: what pointed at a merged card points at the kept one,
        # but the part the kept card already had (its INN, its phone, its
        # group) stays with its merged card
        stayed = {}
        for key, rows in before.items():
            for row, value in rows.items():
                was = _card(value, key)
                if was in other_ids:
                    now = _card(after[key][row], key)
                    if now != kept.id:
                        stayed.setdefault(key[0], []).append(row)
        self.assertEqual(sorted(stayed), [
                'crm.counterparty.group-party.party',
                'ir.chat.channel',
                'party.contact_mechanism',
                'party.identifier',
                ])
        self.assertEqual(len(kept.contact_persons), 5)
        self.assertEqual(
            [i.code for i in kept.identifiers], ['7707083893'])
        self.assertEqual(len([m for m in kept.contact_mechanisms
                    if m.type == 'phone']), 4)
        self.assertEqual(len([m for m in kept.contact_mechanisms
                    if m.type == 'email']), 5)
        self.assertEqual(len(kept.addresses), 5)
        self.assertEqual(len(kept.payers), 1)
        self.assertEqual([t.name for t in kept.tags], ["VIP"])
        self.assertEqual(len(kept.counterparty_groups), 1)
        self.assertEqual([r.to.name for r in kept.relations], ["Партнёр"])
        with Transaction().set_user(self.anna.id):
            self.assertTrue(Party(kept.id).favorite)
        channel, = pool.get('ir.chat.channel').search(
            [('resource', '=', str(kept))])
        self.assertEqual(len(pool.get('ir.chat.message').search(
                    [('channel', '=', channel.id)])), 5)
        merge, = Merge.search([])
        self.assertEqual(merge.kept, kept)
        self.assertIn(
            "Merged into this card: Ромашка, ООО, Ромашка, Ромашка Москва, "
            "Ромашкаа", journal(kept))

        # Two cards with one INN again: Anna accepts the warning, as the
        # client does, and undoes again
        with self.assertRaises(UserWarning) as cm:
            attempt(lambda: call(
                    self.anna, 'crm.counterparty.merge', 'undo', [merge.id]))
        pool.get('res.user.warning').create([{
                    'user': self.anna.id, 'name': cm.exception.name}])
        call(self.anna, 'crm.counterparty.merge', 'undo', [merge.id])
        self.assertEqual(snapshot(), before)
        self.assertTrue(all(p.active for p in Party.browse(cards)))
        self.assertIsNone(getattr(Party(kept.id), self.slot))
        self.assertEqual(Merge(merge.id).state, 'undone')

    @with_transaction()
    def test_two_taxpayers_refused(self):
        "Cards of two INNs, or one INN with two KPPs, are not merged"
        pool = Pool()
        Party = pool.get('party.party')
        first, second, *_ = cards = self.setup_cards()
        Party.write([second], {'inn': '7736050003'})
        before = snapshot()
        with self.assertRaises(MergeError) as cm:
            self.merge(self.anna, [first, second])
        self.assertIn('7736050003', cm.exception.message)
        with Transaction().set_context(_skip_warnings=True):
            Party.write([second], {'inn': '7707083893'})
            Party.write([first], {'kpp': '770701001'})
            Party.write([second], {'kpp': '772801001'})
        before = snapshot()
        with self.assertRaises(MergeError):
            self.merge(self.anna, [first, second])
        self.assertEqual(len(Party.search([('id', 'in', cards)])), 5)
        self.assertEqual(snapshot(), before)

    @with_transaction()
    def test_undo_refused_after_edit(self):
        "A merge whose kept card changed since is not undone, and says why"
        pool = Pool()
        Party = pool.get('party.party')
        Merge = pool.get('crm.counterparty.merge')
        cards = self.setup_cards()
        self.merge(self.anna, cards[:2])
        merge, = Merge.search([])
        call(self.anna, 'party.party', 'write', [cards[0].id],
            {'industry': "Цветы"})
        with self.assertRaises(MergeError) as cm:
            call(self.anna, 'crm.counterparty.merge', 'undo', [merge.id])
        self.assertIn(cards[0].rec_name, cm.exception.message)
        self.assertFalse(Party(cards[1].id).active)

    @with_transaction()
    def test_merge_only_editable(self):
        "Who may not edit the cards does not merge them"
        cards = self.setup_cards()
        with self.assertRaises(AccessError):
            self.merge(self.boris, cards[:2])


def _card(value, key):
    "The id of the card a link's value names (a reference's too)"
    if isinstance(value, str):
        model, _, id_ = value.partition(',')
        return int(id_) if model == 'party.party' else None
    return value if key != ('ir.chat.message', 'channel') else None
