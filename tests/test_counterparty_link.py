# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Links to counterparties (counterparty_link.py), tried over RPC: a user
links a record only to a counterparty he sees, and adds, changes or removes
a part of a card only when he edits it.  The pool is read for every field
that points at party.party, so a link added later is checked or listed."""
import datetime

from trytond.model import ModelStorage, fields
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import set_company
from trytond.modules.crm_counterparty.counterparty_link import (
    CHILDREN, CounterpartyLinkMixin)
from trytond.modules.crm_counterparty.exceptions import CounterpartyLinkError
from trytond.modules.crm_counterparty.tests import test_access
from trytond.modules.crm_counterparty.tests.test_access import call
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction

# The fields to a counterparty that need no check, and why
EXEMPT = {
    ('party.relation.all', 'from_'):
        "a table query: its create, write and delete go to party.relation",
    ('party.relation.all', 'to'):
        "a table query: its create, write and delete go to party.relation",
    }

# The links that are not a part of the card they point at (CHILDREN), and
# why: who sets one must only see the counterparty
PLAIN = {
    ('party.party', 'replaced_by'):
        "a merged card names the one it went into; the merge edits both",
    ('crm.counterparty.favorite', 'party'):
        "a star only its user sees",
    ('crm.communication-party.party', 'party'):
        "a communication shows on the card without changing it",
    ('project.work', 'party'): "a task shows on the card without changing it",
    ('crm.counterparty.import.line', 'party'):
        "the import's report names the card it made or met",
    ('crm.counterparty.not_duplicate', 'party'):
        "a pair said not to be one names both without changing them",
    ('crm.counterparty.not_duplicate', 'other'):
        "a pair said not to be one names both without changing them",
    ('crm.counterparty.duplicate_scan.pair', 'party'):
        "what a scan found, written by the scan of cards its user sees",
    ('crm.counterparty.duplicate_scan.pair', 'other'):
        "what a scan found, written by the scan of cards its user sees",
    ('crm.counterparty.merge', 'kept'):
        "only a merge writes it, of cards its user edits",
    ('crm.counterparty.mailing-party.party', 'party'):
        "a mailing's recipient: mailing him leaves his card as it is",
    ('crm.counterparty.mailing.result', 'party'):
        "what a mailing sent to the card, written by the sending",
    ('crm.automation.run', 'party'):
        "a scenario's run names the card it acted on; the module writes it, "
        "the administrators read it",
    ('crm.counterparty.event', 'party'):
        "an event names the card it happened to; the module raises it",
    ('web.user', 'party'):
        "a guest's login names his card; Give Guest Access checks that its "
        "user edits the card",
    ('web.user-party.party.secondary', 'party'):
        "the other cards of a guest's login, which party administrators "
        "set",
    ('ir.chat.channel', 'resource'):
        "the chat of a card one reads; its messages are checked as its own",
    ('ir.model.log', 'resource'): "Tryton's own log of what was done",
    ('ir.action.keyword', 'model'): "an action offered on counterparties",
    }

# Links made by writing the card, which its own rules refuse first
CARD_WRITES = {
    'crm.counterparty.tag-party.party', 'crm.counterparty.favorite'}


def attempt(func):
    """Call func; when it fails, undo what it did, as the dispatcher rolls
    back the transaction of a call that fails"""
    cursor = Transaction().connection.cursor()
    cursor.execute('SAVEPOINT counterparty_link')
    try:
        return func()
    except Exception:
        cursor.execute('ROLLBACK TO SAVEPOINT counterparty_link')
        raise
    finally:
        cursor.execute('RELEASE SAVEPOINT counterparty_link')


def counterparty_fields(Model):
    """The (model, field) pairs that hold the links of Model's fields to a
    counterparty: the field itself, or the field of the model written
    through a One2Many or a Many2Many"""
    for name, field in Model._fields.items():
        if isinstance(field, fields.Function):
            if not field.setter:
                continue
            field = field._field
        if isinstance(field, fields.Reference):
            selection = field.selection
            if isinstance(selection, str):
                selection = getattr(Model, selection)()
            if 'party.party' in dict(selection):
                yield Model.__name__, name
        elif getattr(field, 'model_name', None) != 'party.party':
            continue
        elif isinstance(field, fields.One2Many):
            yield 'party.party', field.field
        elif isinstance(field, fields.Many2Many) and field.target:
            yield field.relation_name, field.target
        else:
            yield Model.__name__, name


class CounterpartyLinkTestCase(_DBTestCase):
    "Test the links of records to counterparties"
    module = 'crm_counterparty'
    extras = ['project']
    setup_company = test_access.CounterpartyAccessTestCase.setup_company

    @with_transaction()
    def test_every_link_checked(self):
        "Every stored field that points at a counterparty is checked"
        pool = Pool()
        checked, unchecked = set(), set()
        for _, Model in pool.iterobject():
            # A wizard's form is not stored: its wizard writes the models
            if not issubclass(Model, ModelStorage):
                continue
            for model, name in counterparty_fields(Model):
                Target = pool.get(model)
                if (issubclass(Target, CounterpartyLinkMixin)
                        and name in Target.counterparty_links()):
                    checked.add((model, name))
                else:
                    unchecked.add((model, name))
        self.assertEqual(unchecked, set(EXEMPT))
        # A part of a card is refused to who may not edit the card; the
        # other links to who may not see it: each says which it is
        plain = {(m, n) for m, n in checked if n not in CHILDREN.get(m, ())}
        self.assertEqual(plain, set(PLAIN))
        self.assertLessEqual({
                ('party.party', 'employer'), ('party.relation', 'to'),
                ('crm.counterparty.group-party.party', 'party'),
                ('project.work', 'party'), ('ir.note', 'resource'),
                }, checked)

    def setup_links(self, **policy):
        "The company, a relation type, and Boris in the project group"
        pool = Pool()
        RelationType = pool.get('party.relation.type')
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        company = self.setup_company(**policy)
        self.relation_type, = RelationType.create([{'name': "Партнёр"}])
        User.write([self.users['Anna'], self.users['Boris']], {
                'groups': [('add', [ModelData.get_id(
                                'project', 'group_project_admin')])]})
        return company

    def links(self, user, party, own):
        """What user may link party with: each a call that makes a record
        of the model named, from user's own card own"""
        pool = Pool()
        Group = pool.get('crm.counterparty.group')
        Tag = pool.get('crm.counterparty.tag')
        with Transaction().set_user(user.id):
            group, = Group.create([{'name': "Мои"}])
            tag, = Tag.create([{'name': "VIP"}])
        company, resource = self.company.id, str(party)
        start = datetime.datetime(2026, 11, 2, 10)
        return {
            'crm.counterparty.group-party.party': lambda: call(
                user, 'crm.counterparty.group', 'write', [group.id],
                {'parties': [('add', [party.id])]}),
            'crm.counterparty.tag-party.party': lambda: call(
                user, 'party.party', 'write', [party.id],
                {'tags': [('add', [tag.id])]}),
            'crm.counterparty.favorite': lambda: call(
                user, 'party.party', 'write', [party.id],
                {'favorite': True}),
            'party.relation': lambda: call(
                user, 'party.party', 'write', [own.id], {
                    'relations': [('create', [{
                                    'to': party.id,
                                    'type': self.relation_type.id}])]}),
            'crm.counterparty.payer': lambda: call(
                user, 'crm.counterparty.payer', 'create', [{
                        'party': party.id, 'name': "ПАО Сбербанк",
                        'inn': '7707083893'}]),
            'crm.communication-party.party': lambda: call(
                user, 'crm.communication', 'create', [{
                        'subject': "Звонок", 'company': company,
                        'start': start,
                        'end': start + datetime.timedelta(hours=1),
                        'organiser': user.employee.id,
                        'employees': [('add', [user.employee.id])],
                        'parties': [('add', [party.id])]}]),
            'party.party': lambda: call(
                user, 'party.party', 'create', [{
                        'name': "Петров Пётр", 'kind': 'person',
                        'employer': party.id}]),
            'project.work': lambda: call(
                user, 'project.work', 'create', [{
                        'name': "Перезвонить", 'type': 'task',
                        'company': company, 'party': party.id}]),
            'ir.attachment': lambda: call(
                user, 'ir.attachment', 'create', [{
                        'resource': resource, 'name': "счёт.txt",
                        'data': b"invoice"}]),
            'ir.note': lambda: call(
                user, 'ir.note', 'create', [{
                        'resource': resource, 'message': "Скидка 5%"}]),
            }

    def count(self, model, party):
        "How many records of model link to party"
        Model = Pool().get(model)
        field = 'resource' if model.startswith('ir.') else {
            'party.relation': 'to', 'party.party': 'employer'}.get(
            model, 'party')
        value = str(party) if field == 'resource' else party.id
        return Model.search([(field, '=', value)], count=True)

    def assertRefused(self, links, message):
        for model, link in links.items():
            with self.subTest(model=model):
                with self.assertRaises(AccessError) as cm:
                    attempt(link)
                # The card itself is written: its own rules refuse
                if model not in CARD_WRITES:
                    self.assertIsInstance(
                        cm.exception, CounterpartyLinkError)
                    self.assertIn(message, cm.exception.message)

    def assertCallRefused(self, user, *args, error=CounterpartyLinkError):
        with self.assertRaises(error):
            attempt(lambda: call(user, *args))

    def assertLinked(self, links, party):
        for model, link in links.items():
            with self.subTest(model=model):
                before = self.count(model, party)
                link()
                self.assertEqual(self.count(model, party), before + 1)

    @with_transaction()
    def test_hidden_counterparty_not_linked(self):
        "Nothing of Boris's links to a counterparty he does not see"
        self.setup_links()
        boris = self.users['Boris']
        with set_company(self.company):
            self.assertRefused(
                self.links(boris, self.romashka, self.vasilek),
                "you do not see")

    @with_transaction()
    def test_hidden_contact_person_not_linked(self):
        "Boris takes no hidden contact person to his card"
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_links()
        boris = self.users['Boris']
        for values in [
                {'contact_persons': [('add', [self.ivan.id])]},
                {'relations': [('create', [{
                                    'to': self.ivan.id,
                                    'type': self.relation_type.id}])]},
                ]:
            with self.subTest(values=values):
                self.assertCallRefused(boris, 'party.party', 'write',
                    [self.vasilek.id], values)
        self.assertEqual(Party(self.ivan.id).employer, self.romashka)
        self.assertEqual(list(Party(self.vasilek.id).relations), [])

    @with_transaction()
    def test_shared_group_reveals_no_hidden_counterparty(self):
        "Boris's group, once shared, shows nobody what he does not see"
        pool = Pool()
        Group = pool.get('crm.counterparty.group')
        self.setup_links()
        boris = self.users['Boris']
        self.assertCallRefused(boris, 'crm.counterparty.group', 'create', [{
                    'name': "Мои",
                    'parties': [('add', [self.romashka.id])]}])
        group, = call(boris, 'crm.counterparty.group', 'create', [{
                    'name': "Мои"}])
        self.assertCallRefused(boris, 'crm.counterparty.group', 'write',
            [group], {'parties': [('add', [self.romashka.id])]})
        call(boris, 'crm.counterparty.group', 'write', [group], {
                'shared': True})
        self.assertEqual(list(Group(group).parties), [])
        self.assertEqual(call(
                boris, 'party.party', 'search_count',
                [('id', 'in', [self.romashka.id, self.ivan.id])]), 0)

    @with_transaction()
    def test_visible_counterparty_not_edited(self):
        """A card Boris sees but does not edit gets none of his parts, but
        his own records may name it"""
        self.setup_links(visibility='all', editing='involved')
        boris = self.users['Boris']
        with set_company(self.company):
            links = self.links(boris, self.romashka, self.vasilek)
            plain = {m: links.pop(m) for m in [
                    'crm.communication-party.party', 'project.work']}
            self.assertRefused(links, "you may not edit it")
            self.assertLinked(plain, self.romashka)

    @with_transaction()
    def test_parts_follow_editing_managers(self):
        "Where only managers edit, Anna adds no part to her counterparty"
        self.setup_links(visibility='all', editing='managers')
        anna, maria = self.users['Anna'], self.users['Maria']
        with set_company(self.company):
            self.assertCallRefused(anna, 'crm.counterparty.payer', 'create', [{
                        'party': self.romashka.id,
                        'name': "ПАО Сбербанк", 'inn': '7707083893'}])
            call(maria, 'crm.counterparty.payer', 'create', [{
                        'party': self.romashka.id,
                        'name': "ПАО Сбербанк", 'inn': '7707083893'}])
        self.assertEqual(
            self.count('crm.counterparty.payer', self.romashka), 1)

    @with_transaction()
    def test_responsible_links(self):
        "Anna links her own records to her counterparty"
        self.setup_links()
        anna = self.users['Anna']
        with set_company(self.company):
            self.assertLinked(
                self.links(anna, self.romashka, self.ivan), self.romashka)

    @with_transaction()
    def test_removing_part_needs_editing(self):
        "Boris removes no part of a card he may not edit"
        pool = Pool()
        Payer = pool.get('crm.counterparty.payer')
        Note = pool.get('ir.note')
        self.setup_links(visibility='all', editing='involved')
        payer, = Payer.create([{
                    'party': self.romashka.id, 'name': "ПАО Сбербанк",
                    'inn': '7707083893'}])
        boris = self.users['Boris']
        self.assertCallRefused(
            boris, 'crm.counterparty.payer', 'delete', [payer.id])
        self.assertCallRefused(boris, 'crm.counterparty.payer', 'write',
            [payer.id], {'party': self.vasilek.id})
        # Tryton checks the note's card before its change
        self.assertCallRefused(boris, 'ir.note', 'write', [self.note.id],
            {'resource': str(self.vasilek)}, error=AccessError)
        self.assertEqual(Payer(payer.id).party, self.romashka)
        self.assertEqual(Note(self.note.id).resource, self.romashka)

    @with_transaction()
    def test_new_card_takes_its_parts(self):
        """Where only managers edit, a card is still created with its
        contact data: a card made in the same call is its creator's"""
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_links(editing='managers')
        party, = call(self.users['Boris'], 'party.party', 'create', [{
                    'name': "ООО «Лютик»",
                    'contact_mechanisms': [('create', [{
                                    'type': 'phone',
                                    'value': '+74951234567'}])],
                    'addresses': [('create', [{'city': "Москва"}])],
                    }])
        party = Party(party)
        self.assertEqual(len(party.contact_mechanisms), 1)
        self.assertEqual(len(party.addresses), 1)

    @with_transaction()
    def test_card_form_writes_its_parts(self):
        "The card's form adds contact data to a card one edits"
        pool = Pool()
        Party = pool.get('party.party')
        self.setup_links()
        call(self.users['Anna'], 'party.party', 'write', [self.romashka.id], {
                'contact_mechanisms': [('create', [{
                                'type': 'phone', 'value': '+74951234567'}])],
                'relations': [('create', [{
                                'to': self.ivan.id,
                                'type': self.relation_type.id}])],
                })
        romashka = Party(self.romashka.id)
        self.assertEqual(len(romashka.contact_mechanisms), 1)
        self.assertEqual([r.to for r in romashka.relations], [self.ivan])


del _DBTestCase
