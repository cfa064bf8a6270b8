# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Merging counterparties into one, and undoing it.

Everything that points at a merged card moves to the one kept: every
stored Many2One and Reference to party.party of every model in the pool
(``counterparty_links``, as counterparty_link.py finds them), so a module
activated later is covered too, except the links of ``STAYING``; a row the
kept card already has (the same identifier, phone, tag, group, star...)
stays behind with its inactive card rather than being doubled or deleted,
and the chat's messages join the kept card's chat.  Each row moved is
written down (``crm.counterparty.merge.move``) with the value it had, so
that *Undo Merge* puts it back; the merged cards go to the trash, replaced
by the kept one, and come back from there.  A merge that would give the
kept card two taxpayers (two INNs, or one INN with two KPPs) is refused
before anything changes."""
import datetime as dt
import json
from decimal import Decimal

from sql import Column, Literal
from sql.aggregate import Max

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import requisites
from .access import check_editable, editing
from .exceptions import MergeError

# The links to a card that stay with it, and why
STAYING = {
    # The pairs said not to be duplicates are of the cards as they were
    ('crm.counterparty.not_duplicate', 'party'),
    ('crm.counterparty.not_duplicate', 'other'),
    # What a scan found is of the cards as they were
    ('crm.counterparty.duplicate_scan.pair', 'party'),
    ('crm.counterparty.duplicate_scan.pair', 'other'),
    # The record of a merge names the cards as they were
    ('crm.counterparty.merge', 'kept'),
    # Tryton's own log of what was done to the card
    ('ir.model.log', 'resource'),
    }
# What makes a part of a card the same as one the kept card has, where no
# unique constraint says it
SAME_PART = {
    'party.identifier': ('type', 'code'),
    'party.contact_mechanism': ('type', 'value_compact'),
    'party.party-party.category': ('category',),
    }
# The fields of a card that are not chosen value by value in a merge
NOT_CHOSEN = {
    'id', 'create_uid', 'create_date', 'write_uid', 'write_date', 'active',
    'code', 'journal_comment',
    }
CHOSEN_TYPES = {
    'char', 'text', 'selection', 'many2one', 'integer', 'float', 'numeric',
    'date', 'datetime', 'boolean',
    }


def chosen_fields():
    "The names of the card's stored fields whose value a merge chooses"
    Party = Pool().get('party.party')
    # A read-only field is the card's own bookkeeping (its code's parts,
    # its trash date...), not a value of the counterparty
    return sorted(name for name, field in Party._fields.items()
        if field._type in CHOSEN_TYPES and name not in NOT_CHOSEN
        and not isinstance(field, fields.Function) and not field.readonly
        and not name.startswith('_'))


def check_taxpayers(parties):
    """Refuse parties whose INN and KPP say they are different
    taxpayers: a card holds one INN (and a company one KPP)"""
    inns = {requisites.compact(p.inn) for p in parties if p.inn}
    if len(inns) > 1:
        raise MergeError(gettext('crm_counterparty.msg_merge_two_inns',
                inns=', '.join(sorted(inns))))
    kpps = {requisites.compact(p.kpp) for p in parties
        if p.kpp and p.kind == 'company'}
    if inns and len(kpps) > 1:
        raise MergeError(gettext('crm_counterparty.msg_merge_two_kpps',
                inn=inns.pop(), kpps=', '.join(sorted(kpps))))


def links():
    "(Model, field name) of every stored link that may hold a card"
    pool = Pool()
    for _, Model in pool.iterobject():
        if not issubclass(Model, ModelSQL) or Model._is_table_query():
            continue
        for name in Model.counterparty_links():
            if (Model.__name__, name) not in STAYING:
                yield Model, name


class Merge(ModelSQL, ModelView):
    "The merge of counterparties into one, with what it moved"
    __name__ = 'crm.counterparty.merge'
    __string__ = "Counterparty Merge"

    kept = fields.Many2One(
        'party.party', "Kept", required=True, readonly=True,
        ondelete='RESTRICT')
    merged_names = fields.Char("Merged", readonly=True)
    state = fields.Selection([
            ('done', "Done"),
            ('undone', "Undone"),
            ], "State", readonly=True)
    # The ids of the merged cards and the kept card's values before, JSON
    merged_ids = fields.Char("Merged Ids", readonly=True)
    previous_values = fields.Text("Previous Values", readonly=True)
    # The last revision of each card after the merge, JSON: a newer one is
    # an edit, whenever it was made
    card_revisions = fields.Text("Card Revisions", readonly=True)
    moves = fields.One2Many(
        'crm.counterparty.merge.move', 'merge', "Moves", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('create_date', 'DESC'))
        cls._buttons.update({
                'undo': {
                    'invisible': Eval('state') != 'done',
                    'depends': ['state'],
                    'icon': 'tryton-undo',
                    },
                })

    @classmethod
    def default_state(cls):
        return 'done'

    @classmethod
    def check_modification(cls, mode, merges, values=None, external=False):
        super().check_modification(
            mode, merges, values=values, external=external)
        # Written only by the merge and its undo: the ids it holds are
        # what an undo brings back
        if external and mode in {'create', 'write'}:
            raise AccessError(gettext(
                    'crm_counterparty.msg_merge_written_by_merge'))

    @classmethod
    def merge(cls, kept, others, values):
        """Merge others into kept, the card's fields set to values; the
        user must edit them all.  Return the Merge."""
        pool = Pool()
        Party = pool.get('party.party')
        check_editable([kept, *others])
        check_taxpayers([kept, *others])
        previous = {n: _stored(getattr(kept, n)) for n in values}
        names = ', '.join(p.rec_name for p in others)
        with without_check_access():
            moves = _move_links(kept, others) + _move_chat(kept, others)
            # The rows moved in SQL: the records read before are stale
            Transaction().counter += 1
            Party.write(list(others), {'replaced_by': kept.id})
            Party.move_to_trash(list(others))
        # Once the others are gone: the kept card's INN is no one else's
        with editing([kept]):
            Party.write([kept], values)
        with without_check_access():
            Party.update_search_text([kept])
            # Made last, so that what was written after it is an edit
            merge, = cls.create([{
                        'kept': kept.id,
                        'merged_names': names,
                        'merged_ids': json.dumps([p.id for p in others]),
                        'previous_values': json.dumps(previous),
                        'card_revisions': json.dumps(
                            _last_revisions([kept, *others])),
                        'moves': [('create', moves)],
                        }])
        return merge

    @classmethod
    @ModelView.button
    def undo(cls, merges):
        for merge in merges:
            merge._undo()

    def _undo(self):
        "Put back what the merge moved, unless it changed since"
        pool = Pool()
        Party = pool.get('party.party')
        with without_check_access():
            merged = Party.browse(json.loads(self.merged_ids))
        check_editable([self.kept, *merged])
        edited = self.edited_since()
        if edited:
            raise MergeError(gettext('crm_counterparty.msg_merge_edited',
                    changes='\n'.join(edited)))
        with without_check_access():
            for move in reversed(self.moves):
                move.put_back()
            Transaction().counter += 1
            Party.write(merged, {'replaced_by': None})
            Party.restore(merged)
        with editing([self.kept]):
            Party.write([self.kept], _loaded(json.loads(self.previous_values)))
        with without_check_access():
            Party.update_search_text([self.kept, *merged])
            self.state = 'undone'
            self.save()

    def edited_since(self):
        "The texts of what was changed since the merge, which undo refuses"
        pool = Pool()
        Party = pool.get('party.party')
        since = self.create_date
        edited = []
        with without_check_access():
            cards = Party.browse(
                [self.kept.id] + json.loads(self.merged_ids))
            revisions = json.loads(self.card_revisions)
            now = _last_revisions(cards)
            edited += [gettext('crm_counterparty.msg_merge_edited_card',
                    party=p.rec_name) for p in cards
                if now.get(str(p.id)) != revisions.get(str(p.id))]
            for move in self.moves:
                found, write_date = move.written()
                if not found or (write_date and write_date > since):
                    edited.append(gettext(
                            'crm_counterparty.msg_merge_edited_part',
                            model=pool.get(move.model).__names__()['model'],
                            record=move.record))
        return edited


class MergeMove(ModelSQL):
    "A row a merge moved to the kept card, with the value it had"
    __name__ = 'crm.counterparty.merge.move'
    __string__ = "Counterparty Merge Move"

    merge = fields.Many2One(
        'crm.counterparty.merge', "Merge", required=True, ondelete='CASCADE')
    model = fields.Char("Model", required=True)
    field = fields.Char("Field", required=True)
    record = fields.Integer("Record", required=True)
    value = fields.Char("Previous Value", required=True)

    def written(self):
        "Whether the row moved is still there, and when it was last written"
        table = Pool().get(self.model).__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.write_date,
                where=table.id == self.record))
        row = cursor.fetchone()
        return (True, row[0]) if row else (False, None)

    def put_back(self):
        Model = Pool().get(self.model)
        table = Model.__table__()
        value = self.value
        if Model._fields[self.field]._type != 'reference':
            value = int(value)
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([Column(table, self.field)], [value],
                where=table.id == self.record))


def _last_revisions(parties):
    "The id of the last history row of each of parties, by id as text"
    Party = Pool().get('party.party')
    history = Party.__table_history__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*history.select(history.id, Max(Column(history, '__id')),
            where=history.id.in_([p.id for p in parties]),
            group_by=[history.id]))
    return {str(i): revision for i, revision in cursor}


def _stored(value):
    "A value of the card as JSON holds it"
    if hasattr(value, 'id'):
        return value.id
    if hasattr(value, 'isoformat'):
        return ['date', value.isoformat()]
    if value is not None and not isinstance(value, (str, int, float, bool)):
        return ['decimal', str(value)]
    return value


def _loaded(values):
    "The values _stored made, as the card writes them"
    result = {}
    for name, value in values.items():
        if isinstance(value, list) and value[0] == 'date':
            value = (dt.datetime.fromisoformat(value[1]) if 'T' in value[1]
                else dt.date.fromisoformat(value[1]))
        elif isinstance(value, list):
            value = Decimal(value[1])
        result[name] = value
    return result


def _move_links(kept, others):
    "Point every link of others at kept; the moves made"
    moves = []
    for Model, name in links():
        moves += _move_field(Model, name, kept, others)
    return moves


def _move_field(Model, name, kept, others):
    "Point the field name of Model's rows of others at kept, as it may"
    table = Model.__table__()
    column = Column(table, name)
    reference = Model._fields[name]._type == 'reference'

    def value(party):
        return str(party) if reference else party.id
    cursor = Transaction().connection.cursor()
    moves = []
    for other in others:
        cursor.execute(*table.select(table.id,
                where=column == value(other), order_by=[table.id]))
        ids = [r for r, in cursor]
        ids = [i for i in ids if i not in _already_held(
                    Model, name, value(kept), value(other), ids)]
        if not ids:
            continue
        cursor.execute(*table.update([column], [value(kept)],
                where=table.id.in_(ids)))
        moves += [{'model': Model.__name__, 'field': name, 'record': i,
                'value': str(value(other))} for i in ids]
    return moves


def _already_held(Model, name, kept_value, other_value, ids):
    """The ids of the rows that the kept card already has the like of:
    the same values of a unique constraint's other columns, or of
    SAME_PART"""
    table = Model.__table__()
    column = Column(table, name)
    keys = [tuple(SAME_PART[Model.__name__])] if Model.__name__ in SAME_PART \
        else []
    for _, constraint, _ in Model._sql_constraints:
        columns = [c.name for c in getattr(constraint, 'columns', [])]
        if name in columns:
            keys.append(tuple(c for c in columns if c != name))
    cursor = Transaction().connection.cursor()
    held = set()
    for key in keys:
        if not key:
            # The link alone is unique: the kept card's row stays its own
            cursor.execute(*table.select(Literal(1),
                    where=column == kept_value, limit=1))
            if cursor.fetchone():
                held.update(ids)
            continue
        columns = [Column(table, c) for c in key]
        cursor.execute(*table.select(*columns, where=column == kept_value))
        kept_keys = set(cursor)
        cursor.execute(*table.select(table.id, *columns,
                where=column == other_value))
        held.update(r[0] for r in cursor if tuple(r[1:]) in kept_keys)
    return held


def _move_chat(kept, others):
    "Move the messages of the others' chats into the kept card's"
    pool = Pool()
    Channel = pool.get('ir.chat.channel')
    Message = pool.get('ir.chat.message')
    kept_channels = Channel.search([('resource', '=', str(kept))])
    if not kept_channels:
        # No chat on the kept card: the links moved the others' channel
        return []
    kept_channel, = kept_channels
    channels = Channel.search([('resource', 'in', [str(o) for o in others])])
    messages = Message.search([('channel', 'in', [c.id for c in channels])],
        order=[('id', 'ASC')])
    moves = [{'model': Message.__name__, 'field': 'channel',
            'record': m.id, 'value': str(m.channel.id)} for m in messages]
    table = Message.__table__()
    if messages:
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([table.channel], [kept_channel.id],
                where=table.id.in_([m.id for m in messages])))
    return moves


class MergeStart(ModelView):
    "Which card is kept and which value of each field survives"
    __name__ = 'crm.counterparty.merge.start'
    __string__ = "Merge Counterparties"

    parties = fields.Many2Many(
        'party.party', None, None, "Counterparties", readonly=True)
    kept = fields.Many2One('party.party', "Kept", required=True,
        domain=[('id', 'in', Eval('parties', []))],
        help="The card that stays; the others go into it and to the trash.")
    choices = fields.One2Many(
        'crm.counterparty.merge.choice', None, "Values",
        help="For each field where the cards differ, the value kept.")
    preview = fields.Text("Result", readonly=True)

    @fields.depends('parties', 'kept', 'choices')
    def on_change_kept(self):
        if self.kept:
            self.choices = _choices(self.parties, self.kept)
        self.preview = self.on_change_with_preview()

    @fields.depends('kept', 'choices')
    def on_change_with_preview(self):
        "The kept card's name and every chosen value, as the merge writes"
        if not self.kept:
            return ''
        return '\n'.join('%s: %s' % (c.label, c.shown()) for c in self.choices
            or [])

    def values(self):
        "The values of the chosen cards for the kept card"
        pool = Pool()
        Party = pool.get('party.party')
        values = {}
        merged = {p.id for p in self.parties}
        for choice in self.choices:
            # Only a value of the cards merged, whatever the client says
            if not choice.card or int(choice.card) not in merged:
                continue
            source = Party(int(choice.card))
            values[choice.field_name] = _stored(
                getattr(source, choice.field_name))
        return _loaded(values)


class MergeChoice(ModelView):
    "The card whose value of a field the kept card takes"
    __name__ = 'crm.counterparty.merge.choice'
    __string__ = "Merge Choice"

    field_name = fields.Char("Field Name", readonly=True)
    label = fields.Char("Field", readonly=True)
    options = fields.Text("Options", readonly=True)
    card = fields.Selection('get_cards', "Value", sort=False)

    @fields.depends('options')
    def get_cards(self):
        return [tuple(o) for o in json.loads(self.options or '[]')]

    @fields.depends('options', 'card')
    def shown(self):
        return dict(self.get_cards()).get(self.card, '')


def _choices(parties, kept):
    "A choice for each field whose values differ, the kept's if it has one"
    Party = Pool().get('party.party')
    choices = []
    fields_ = Party.fields_get(chosen_fields())
    for name in chosen_fields():
        shown = {}
        for party in [kept, *[p for p in parties if p != kept]]:
            text = _text(party, name, fields_[name])
            if text:
                shown.setdefault(text, str(party.id))
        if len(shown) < 2 and not (shown and not _text(
                    kept, name, fields_[name])):
            continue
        options = [(card, '%s (%s)' % (text, Party(int(card)).rec_name))
            for text, card in shown.items()]
        choices.append({'field_name': name, 'label': fields_[name]['string'],
                'options': json.dumps(options), 'card': options[0][0]})
    return choices


def _text(party, name, definition):
    "The value of the field name of party as the user reads it"
    value = getattr(party, name)
    if value is None or value == '' or value is False:
        return ''
    if hasattr(value, 'rec_name'):
        return value.rec_name
    if isinstance(definition.get('selection'), (list, tuple)):
        return dict(definition['selection']).get(value, str(value))
    return str(value)


class MergeWizard(Wizard):
    "Merge the selected counterparties into one"
    __name__ = 'crm.counterparty.merge.wizard'
    start = StateView('crm.counterparty.merge.start',
        'crm_counterparty.merge_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Merge", 'merge', 'tryton-ok', default=True),
            ])
    merge = StateTransition()

    def default_start(self, fields):
        parties = self._parties()
        if len(parties) < 2:
            raise MergeError(gettext('crm_counterparty.msg_merge_one'))
        check_editable(parties)
        kept = parties[0]
        return {
            'parties': [p.id for p in parties],
            'kept': kept.id,
            'choices': _choices(parties, kept),
            }

    def _parties(self):
        "The cards selected, or those of the duplicates (scan) selected"
        if self.model.__name__ == 'party.party':
            return list(self.records)
        return list(dict.fromkeys(
                p for r in self.records for p in r.duplicate_parties()))

    def transition_merge(self):
        Merge = Pool().get('crm.counterparty.merge')
        others = [p for p in self.start.parties if p != self.start.kept]
        Merge.merge(self.start.kept, others, self.start.values())
        return 'end'
