# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A chunk of records into the database through the ORM: their matches
against the counterparties already there, their creation (in bulk.py's SQL
when it vouches for them), the update of duplicates, and a report line per
row, each step undone alone when Tryton refuses it."""
import dataclasses
import json
import logging
from collections import defaultdict
from dataclasses import dataclass

from sql import Column, Literal
from sql.aggregate import Max
from sql.functions import Lower

from trytond import backend
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.exceptions import UserError as TrytonUserError
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from ..access import allowed_ids
from ..name_parts import PART_FIELDS, compose, is_composed
from ..person_name import parts_of, user_order
from . import rules
from .columns import FIELD, FIELDS
from .problem import translated
from .bulk import BulkRefused, BulkWriter, Card, requisites_of

logger = logging.getLogger(__name__)


# The message naming each kind of key (rules.KEY_KINDS)
_KEY_MESSAGES = {
    'inn': 'crm_counterparty.msg_import_key_inn',
    'email': 'crm_counterparty.msg_import_key_email',
    'phone': 'crm_counterparty.msg_import_key_phone',
    'name': 'crm_counterparty.msg_import_key_name',
    }


@dataclass
class Outcome:
    """What became of a record: its outcome (created, updated, merged,
    skipped or failed), the counterparty it made or met, why, and what it
    changed, to revert it (the ids created, the contact mechanisms and
    identifiers added, the previous values, the stamps)"""
    outcome: str
    party: int = None
    reason: str = None
    changes: dict = None

    def written(self):
        "The ids of the parties the record wrote"
        if not self.changes:
            return set()
        return set(self.changes['created']) | ({self.party} - {None})


def _reason(record):
    "The problems of record, translated"
    return '; '.join(translated(m, v) for _, m, v in record.problems)


def _warned(reason, record):
    "reason followed by the warnings of record, translated"
    return ' '.join([reason] * bool(reason)
        + [translated(m, v) for _, m, v in record.warnings])


def reported_rows(batch, rows):
    "The rows among rows that batch has reported, as committed"
    pool = Pool()
    Line = pool.get('crm.counterparty.import.line')
    line = Line.__table__()
    cursor = Transaction().connection.cursor()
    # Mostly none: the last row reported, one step down the index, says so
    # (the rows of a batch grow faster than the statistics of the table)
    cursor.execute(*line.select(Max(line.row),
            where=line.batch == batch.id))
    last, = cursor.fetchone()
    if last is None or last < min(rows):
        return set()
    cursor.execute(*line.select(line.row,
            where=(line.batch == batch.id) & line.row.in_(rows)))
    return {r for r, in cursor}


def last_revisions(party_ids):
    """The last revision of each party in its history: it changes on any
    write, even within one transaction, where the write date does not"""
    pool = Pool()
    Party = pool.get('party.party')
    history = Party.__table_history__()
    cursor = Transaction().connection.cursor()
    result = {}
    for sub_ids in grouped_slice(list(party_ids), backend.MAX_QUERY_PARAMS):
        cursor.execute(*history.select(
                history.id, Max(Column(history, '__id')),
                where=history.id.in_(list(sub_ids)),
                group_by=[history.id]))
        result.update(cursor)
    return result


class Importer:
    "Imports the chunks of one batch"

    def __init__(self, batch):
        pool = Pool()
        self.batch = batch
        self.Party = pool.get('party.party')
        self.Line = pool.get('crm.counterparty.import.line')
        self.lookups = {
            f.name: self._names(f.lookup) for f in FIELDS if f.lookup}
        self.default_status = self.Party.default_counterparty_status()
        self.default_type = (
            batch.counterparty_type.id if batch.counterparty_type else None)
        self.names = None
        self.name_order = user_order()
        # Of the chunk's holders: those this batch made, by row, and those
        # the user may see (see existing)
        self.ours, self.readable = {}, set()
        self.bulk = BulkWriter()
        if Transaction().context.get('_crm_import_orm'):
            # Only the ORM path: the tests compare the two
            self.bulk.unavailable = 'asked'

    @staticmethod
    def _names(model):
        "The ids of model by their names in Russian and English, lower-case"
        Model = Pool().get(model)
        names = {}
        for language in ['en', 'ru']:
            with Transaction().set_context(language=language):
                for record in Model.search([]):
                    names.setdefault(record.rec_name.lower(), record.id)
        return names

    def _lookup(self, record, field_):
        """The id of the record that the value of field_ names; an unknown
        type or status is created when the batch says so, else None with a
        warning"""
        value = getattr(record, field_.attribute)
        found = self.lookups[field_.name].get(value.lower())
        if (value.lower() not in self.lookups[field_.name]
                and self.batch.create_missing and field_.creatable):
            found = self._make(field_, {'name': value})
        if found is None:
            record.warn((record.rows[0], field_.unknown, {'value': value}))
        return found

    def _make(self, field_, values):
        """The id of a new record of field_'s lookup, None if refused: then
        for the rest of the batch, not tried again for each row"""
        Model = Pool().get(field_.lookup)
        try:
            with savepoint():
                made, = Model.create([values])
        except (TrytonUserError, AccessError):
            made = None
        found = self.lookups[field_.name][values['name'].lower()] = (
            made.id if made else None)
        return found

    def _scalar_values(self, record, defaults=True):
        """The values of the party of record itself (the catalogue's party
        fields the row fills, its lookups checked), with the defaults of a
        new card"""
        values = {
            'name': record.name,
            'kind': record.kind,
            }
        if defaults:
            values['counterparty_type'] = self.default_type
            values['counterparty_status'] = self.default_status
        for field_ in FIELDS:
            value = field_.party and getattr(record, field_.attribute)
            # The batch's type, when given to all, replaces the file's
            if not value or (
                    field_.name == 'type' and self.batch.type_for_all):
                continue
            value = (self._lookup(record, field_)
                if field_.lookup else value)
            if value is not None:
                values[field_.party] = value
        if record.kind == 'person':
            values.update(self._name_values(record))
        return values

    def values(self, record):
        "The values to create the counterparty of record"
        values = self._scalar_values(record)
        identifiers = [{'type': type_, 'code': code}
            for type_, code in requisites_of(record, record.kind)]
        if identifiers:
            values['identifiers'] = [('create', identifiers)]
        mechanisms = self._mechanisms(record)
        if mechanisms:
            values['contact_mechanisms'] = [('create', mechanisms)]
        if record.address:
            values['addresses'] = [('create', [{
                            'street_unstructured': record.address}])]
        tags = self._tags(record)
        if tags:
            values['tags'] = [('add', tags)]
        contacts = [self._contact_values(c) for c in record.contacts]
        if contacts and record.kind == 'company':
            values['contact_persons'] = [('create', contacts)]
        return values

    def _tags(self, record):
        """The ids of the tags of record: a tag the user sees none of is
        made, his own or global as the batch says"""
        field_ = FIELD['tags']
        ids = []
        for tag in record.tags:
            found = self.lookups['tags'].get(tag.lower())
            if tag.lower() not in self.lookups['tags']:
                # Its own by default (the tag's default user), shared
                # when the batch says so
                found = self._make(field_, {'name': tag,
                        **({'shared': True} if self.batch.tags_global
                            else {})})
            if found is None:
                record.warn((record.rows[0], field_.unknown, {'value': tag}))
            elif found not in ids:
                ids.append(found)
        return ids

    @staticmethod
    def _mechanisms(holder, known=()):
        ContactMechanism = Pool().get('party.contact_mechanism')
        known = set(known)
        mechanisms = []
        for type_, attribute in rules.MECHANISM_LISTS.items():
            for value in getattr(holder, attribute, []):
                key = rules.mechanism_key(type_, value)
                if key not in known:
                    known.add(key)
                    # Given as Tryton formats them, so that it finds nothing
                    # to rewrite after the creation (a second write of each
                    # record with its validation and history); it still
                    # checks them as for any card
                    mechanism = ContactMechanism(type=type_, value=value)
                    mechanisms.append({
                            'type': type_,
                            'value': mechanism.format_value(
                                value=value, type_=type_),
                            'value_compact': mechanism.format_value_compact(
                                value=value, type_=type_),
                            })
        return mechanisms

    def _contact_values(self, contact, mechanisms=True):
        values = {
            # A contact known only by an e-mail or a phone is named by it
            'name': contact.name or (
                contact.emails + contact.phones + contact.mobiles)[0],
            'kind': 'person',
            'counterparty_type': self.default_type,
            'counterparty_status': self.default_status,
            }
        values.update(self._name_values(contact))
        if contact.position:
            values['position'] = contact.position
        if mechanisms:
            mechanisms = self._mechanisms(contact)
            if mechanisms:
                values['contact_mechanisms'] = [('create', mechanisms)]
        return values

    def _name_values(self, holder):
        """The parts of the name of holder (a person's Record or Contact),
        and its name in the user's order when it is only their composition
        (see person_name)"""
        parts = parts_of(holder)
        if not parts:
            return {}
        values = parts.fields()
        if is_composed(holder.name, parts):
            values['name'] = compose(parts, self.name_order)
        return values

    def existing(self, records):
        """A KeyIndex of the counterparties holding the keys of records: one
        query per kind of key for the whole chunk, and one for which of them
        the user may see.  The others never match by their e-mail, phone or
        name: nothing ties such a card to the row for the user (a card made
        by hand with them is not refused either), and a match would tell
        him it exists; they still hold their INNs, unique across all
        (_duplicate).  Sets self.ours and self.readable."""
        pool = Pool()
        Identifier = pool.get('party.identifier')
        found = self._holding(records)
        holders = {p for _, _, p in found}
        self.ours = self._created_by_batch(holders)
        # What this batch made came from the user's own file, whoever is
        # responsible for it now
        self.readable = allowed_ids(
            self.Party, holders - self.ours.keys()) | self.ours.keys()
        index = rules.KeyIndex()
        # The holders the user sees first (the branch taken for an INN
        # without KPP), each kind in the order of the ids
        for kind, key, party_id in sorted(
                found, key=lambda f: f[2] not in self.readable):
            if kind == 'inn' or party_id in self.readable:
                index.add(kind, key, party_id)
        # The INN and KPP of the holders tell namesakes and branches apart
        identifier = Identifier.__table__()
        cursor = Transaction().connection.cursor()
        for sub in grouped_slice(sorted(index.holders()),
                backend.MAX_QUERY_PARAMS):
            cursor.execute(*identifier.select(
                    identifier.party, identifier.type, identifier.code_compact,
                    where=identifier.type.in_(['ru_vat', 'ru_kpp'])
                    & identifier.party.in_(list(sub))))
            for party_id, type_, code in cursor:
                if type_ == 'ru_vat':
                    index.inns.setdefault(party_id, code)
                else:
                    index.add_kpp(party_id, code)
        return index

    def _holding(self, records):
        """The (kind, key, party id) of the active counterparties holding
        the keys of records, whoever may see them"""
        pool = Pool()
        Identifier = pool.get('party.identifier')
        ContactMechanism = pool.get('party.contact_mechanism')
        party = self.Party.__table__()
        identifier = Identifier.__table__()
        mechanism = ContactMechanism.__table__()
        cursor = Transaction().connection.cursor()
        found = []
        wanted = defaultdict(set)
        for record in records:
            for kind, key in rules.keys(record):
                wanted[kind].add(key)
        active = party.active == Literal(True)
        for sub in grouped_slice(sorted(wanted['inn']),
                backend.MAX_QUERY_PARAMS):
            cursor.execute(*identifier.join(
                    party, condition=identifier.party == party.id
                    ).select(identifier.code_compact, party.id,
                    where=(identifier.type == 'ru_vat')
                    & identifier.code_compact.in_(list(sub)) & active,
                    order_by=party.id))
            found.extend(('inn', code, p) for code, p in cursor)
        for kind, where in [
                ('email', lambda s: (mechanism.type == 'email')
                    & Lower(mechanism.value_compact).in_(s)),
                # Lower, as for the e-mails, so that one index serves both
                ('phone', lambda s: mechanism.type.in_(
                        ['phone', 'mobile', 'whatsapp'])
                    & Lower(mechanism.value_compact).in_(s)),
                ]:
            for sub in grouped_slice(sorted(wanted[kind]),
                    backend.MAX_QUERY_PARAMS):
                cursor.execute(*mechanism.join(
                        party, condition=mechanism.party == party.id
                        ).select(Lower(mechanism.value_compact), party.id,
                        where=where(list(sub)) & active
                        & (mechanism.active == Literal(True)),
                        order_by=party.id))
                found.extend((kind, key, p) for key, p in cursor)
        if wanted['name']:
            found.extend(self._named(wanted['name']))
        return found

    def _named(self, names):
        """The ('name', name, party id) of the counterparties named as names
        (normalised): the names of all are read once per import, as
        normalising them takes Python"""
        if self.names is None:
            party = self.Party.__table__()
            cursor = Transaction().connection.cursor()
            self.names = {}
            cursor.execute(*party.select(
                    party.id, party.name,
                    where=party.active == Literal(True),
                    order_by=party.id))
            for party_id, name in cursor:
                self._add_name(name, party_id)
        for name in names:
            holders = self.names.get(name, ())
            for party_id in ([holders] if isinstance(holders, int)
                    else holders):
                yield 'name', name, party_id

    def _add_name(self, name, party_id):
        """Add to the names the counterparty party_id: the id alone, or a
        list of the ids of namesakes (each may be hidden from the user)"""
        name = rules.normalise_name(name)
        held = self.names.get(name)
        if held is None:
            # Most names have one holder: no list for them
            self.names[name] = party_id
        elif isinstance(held, int):
            self.names[name] = [held, party_id]
        else:
            held.append(party_id)

    def import_chunk(self, records, rows_of):
        "Import records, return the report lines of their rows"
        existing = self.existing([r for r in records if not r.failed])
        matches = rules.match_chunk(records, existing)
        results = {}  # index of record: its Outcome
        to_create, merged_into = self._plan(records, matches)
        self._create(records, to_create, results)
        duplicates = {i: m for i, m in enumerate(matches)
            if m and not m.same and i not in results
            and not records[i].failed}
        writable = allowed_ids(self.Party, {
                m.holder for m in duplicates.values()
                if m.holder in self.readable
                and (m.holder in self.ours
                    or self.batch.on_duplicate in {'update', 'overwrite'})},
            'write')
        for index, match in duplicates.items():
            results[index] = self._duplicate(
                records[index], match, writable)
        self._merged(records, results, merged_into)
        self._stamp(results)
        return self._report(records, results, rows_of)

    def _plan(self, records, matches):
        """The (index, values) of the records to create, and the indexes
        of those merged into an earlier one, by its index"""
        to_create = []
        merged_into = defaultdict(list)
        for index, (record, match) in enumerate(zip(records, matches)):
            if record.failed:
                continue
            if match and match.same:
                # Rows of the file that are one counterparty are merged
                merged_into[match.holder].append(index)
                records[match.holder].absorb(_without_rows(record))
                continue
            if match and (self.batch.on_duplicate != 'create'
                    or match.holder in self.ours):
                continue
            # A duplicate created anyway is for the ORM and its INN rule
            values = self._card(record) if not match else None
            to_create.append((index, values or self.values(record)))
        return to_create, merged_into

    def _merged(self, records, results, merged_into):
        """The outcome of the records merged into another: the other's; a
        failure of the other (its own problems when it has no outcome: a
        problem found only as its card was made) fails them with it"""
        for target, indexes in merged_into.items():
            outcome = results.get(target) or Outcome(
                'failed', reason=_reason(records[target]))
            for index in indexes:
                if outcome.outcome == 'failed':
                    results[index] = Outcome(
                        'failed', reason=outcome.reason)
                else:
                    results[index] = Outcome('merged', outcome.party,
                        gettext(
                            'crm_counterparty.msg_import_merged_with_file',
                            row=records[target].rows[0]))

    def _duplicate(self, record, match, writable):
        """What becomes of record, the existing counterparty of match: one
        the user may not see holds its INN (the only key such a card keeps);
        one he may not edit is left as it is"""
        holder = match.holder
        if holder not in self.readable:
            return Outcome('failed',
                reason=self.Party.duplicate_tax_identifier_message(
                    record.name, record.kind, record.inn, record.kpp,
                    self.Party(holder), False))
        if holder in self.ours:
            mode, outcome = 'update', 'merged'
            reason = gettext('crm_counterparty.msg_import_merged_with_file',
                row=self.ours[holder])
        else:
            mode, outcome = self.batch.on_duplicate, 'updated'
            reason = gettext('crm_counterparty.msg_import_duplicate',
                party=self.Party(holder).rec_name, key=match.key,
                by=gettext(_KEY_MESSAGES[match.kind]))
        if mode == 'skip':
            return Outcome('skipped', holder, reason)
        if holder not in writable:
            return Outcome('skipped', holder, reason + ' ' + gettext(
                    'crm_counterparty.msg_import_not_editable'))
        return self._update(record, holder, mode, outcome, reason)

    def _created_by_batch(self, holders):
        "The parties among the holders that this batch created, by row"
        if not holders:
            return {}
        lines = self.Line.search([
                ('batch', '=', self.batch.id),
                ('party', 'in', list(holders)),
                ('outcome', '=', 'created'),
                ], order=[('row', 'ASC')])
        ours = {}
        for line in lines:
            ours.setdefault(line.party.id, line.row)
        return ours

    def _card(self, record):
        """What the bulk path writes for record (see bulk.py), or None when
        the ORM must create it"""
        if self.bulk.unavailable:
            return None
        vouched = self.bulk.vouch(record)
        if vouched is None:
            return None
        values = self._scalar_values(record)
        identifiers, (mechanisms, *contacts) = vouched
        return Card(values, identifiers, mechanisms, [
                (self._contact_values(c, mechanisms=False), m)
                for c, m in zip(record.contacts, contacts)])

    def _create(self, records, to_create, results):
        """Create the counterparties: the cards the pure rules vouch for in
        set-based SQL, the others (or all, when that is refused) through the
        ORM"""
        bulk = [(i, v) for i, v in to_create if isinstance(v, Card)]
        to_create = [(i, v) for i, v in to_create if isinstance(v, dict)]
        logger.info('import %s: %d in bulk, %d by the ORM%s',
            self.batch.id, len(bulk), len(to_create),
            ' (%s)' % self.bulk.unavailable if self.bulk.unavailable else '')
        if bulk:
            try:
                with savepoint():
                    created = self.bulk.write([v for _, v in bulk])
            except (BulkRefused, TrytonUserError, AccessError) as e:
                logger.info('import %s: bulk refused, by the ORM: %s',
                    self.batch.id, e)
                # Undone: their ids may be given again
                self.bulk.stamps.clear()
                to_create = sorted(to_create + [
                        (i, self.values(records[i])) for i, _ in bulk],
                    key=lambda t: t[0])
            else:
                for (index, card), (party_id, person_ids) in zip(
                        bulk, created):
                    self._created_ids(
                        index, party_id, card.values['name'], person_ids,
                        results)
        self._create_orm(to_create, results)

    def _create_orm(self, to_create, results):
        """Create the counterparties in one call; when one of them is refused
        the others are created one by one to find which"""
        Party = self.Party
        if not to_create:
            return
        try:
            with savepoint():
                parties = Party.create([v for _, v in to_create])
        except (TrytonUserError, AccessError):
            parties = []
            for index, values in to_create:
                try:
                    with savepoint():
                        party, = Party.create([values])
                except (TrytonUserError, AccessError) as e:
                    results[index] = Outcome('failed', reason=e.message)
                else:
                    parties.append(party)
                    self._created(index, party, results)
            return
        for (index, _), party in zip(to_create, parties):
            self._created(index, party, results)

    def _created(self, index, party, results):
        # In the order of the file, as the bulk path gives them
        self._created_ids(index, party.id, party.name,
            sorted(c.id for c in party.contact_persons), results)

    def _created_ids(self, index, party_id, name, person_ids, results):
        if self.names is not None:
            self._add_name(name, party_id)
        results[index] = Outcome('created', party_id, '',
            {'created': [party_id] + person_ids})

    def _update(self, record, holder, mode, outcome, reason):
        """Give the existing counterparty holder what record says: only its
        empty fields (update) or every field the file fills (overwrite),
        adding the contact data and persons it lacks"""
        party = self.Party(holder)
        try:
            with savepoint():
                # Only what the row names: an unknown type keeps the card's
                previous = self._write_given(party, record,
                    self._scalar_values(record, defaults=False), mode)
                identifiers = self._add_identifiers(party, record)
                mechanisms = self._add_mechanisms(party, record)
                created = self._add_contacts(party, record)
        except (TrytonUserError, AccessError) as e:
            return Outcome('failed', holder, e.message)
        if not (previous or identifiers or mechanisms or created):
            # A row repeating one of the file is merged all the same
            return Outcome(outcome if outcome == 'merged' else 'skipped',
                holder, reason + ' ' + gettext(
                    'crm_counterparty.msg_import_nothing_new'))
        return Outcome(outcome, holder, reason, {
                'created': created, 'mechanisms': mechanisms,
                'identifiers': identifiers, 'previous': previous})

    def _write_given(self, party, record, values, mode):
        """Write on party what values has of the fields that the row fills
        and that an update may write: those party has empty, or all with
        overwrite (the type too when the batch gives it to all); return
        their previous values"""
        given = {f.party: values[f.party] for f in FIELDS
            if f.updated and values.get(f.party)}
        # A person's parts are filled in as her other fields
        given.update((f, values[f]) for f in PART_FIELDS.values()
            if values.get(f))
        if self.batch.type_for_all:
            given['counterparty_type'] = self.default_type
        new, previous = {}, {}
        for name, value in given.items():
            old = getattr(party, name)
            old = old.id if hasattr(old, 'id') else old
            if old != value and (mode == 'overwrite' or not old or (
                        name == 'counterparty_type'
                        and self.batch.type_for_all)):
                new[name] = value
                previous[name] = old
        if new:
            self.Party.write([party], new)
        return previous

    def _add_identifiers(self, party, record):
        "Add to party the requisites of record of a type it lacks; their ids"
        Identifier = Pool().get('party.identifier')
        held = {i.type for i in party.identifiers}
        identifiers = [Identifier(party=party, type=type_, code=code)
            for type_, code in requisites_of(record, party.kind)
            if type_ not in held]
        if identifiers:
            Identifier.save(identifiers)
        return [i.id for i in identifiers]

    def _add_mechanisms(self, party, record):
        "Add to party the contact data of record it lacks; their ids"
        ContactMechanism = Pool().get('party.contact_mechanism')
        known = {rules.mechanism_key(m.type, m.value)
            for m in party.contact_mechanisms}
        mechanisms = [ContactMechanism(party=party, **m)
            for m in self._mechanisms(record, known)]
        if mechanisms:
            ContactMechanism.save(mechanisms)
        return [m.id for m in mechanisms]

    def _add_contacts(self, party, record):
        """Add to party, a company, the contact persons of record it has
        none of the name of; their ids"""
        names = {rules.normalise_name(c.name) for c in party.contact_persons}
        contacts = [self._contact_values(c) for c in record.contacts
            if rules.normalise_name(c.name) not in names]
        if not contacts or party.kind != 'company':
            return []
        for contact in contacts:
            contact['employer'] = party.id
        return [p.id for p in self.Party.create(contacts)]

    def _stamp(self, results):
        "Note when each party was last written, to tell later edits"
        touched = set()
        for result in results.values():
            touched.update(result.written())
        # Those the bulk path wrote it knows; the others are read
        stamps = {i: self.bulk.stamps[i] for i in touched
            if i in self.bulk.stamps}
        stamps.update(last_revisions(touched - stamps.keys()))
        self.bulk.stamps.clear()
        for result in results.values():
            if result.changes:
                result.changes['stamps'] = {
                    i: stamps[i] for i in result.written() if i in stamps}

    def _report(self, records, results, rows_of):
        "A line per input row of records, and the counts of the batch"
        Line = self.Line
        lines = []
        counts = defaultdict(int)
        parties = self._merged_into(records, results)
        for index, record in enumerate(records):
            result = results.get(index) or Outcome(
                'failed', reason=_reason(record))
            for number in record.rows:
                first = number == record.rows[0]
                outcome, reason = result.outcome, result.reason
                if first and result.outcome != 'failed':
                    reason = _warned(reason, record)
                elif not first and outcome in {'created', 'updated'}:
                    outcome, reason = 'merged', self._row_merged(
                        record, number, result, parties)
                counts[outcome] += 1
                lines.append({
                        'batch': self.batch.id,
                        'row': number,
                        'outcome': outcome,
                        'party': result.party,
                        'reason': reason,
                        'values': json.dumps(
                            rows_of.get(number, []), ensure_ascii=False),
                        'changes': json.dumps(result.changes)
                        if result.changes and first else None,
                        })
        # The report is written with the root's rights: the user may not
        # edit the batch's lines by hand
        with Transaction().set_context(_check_access=False):
            self.bulk.create_lines(Line, lines)
            # The counts as committed, never as an instance cached them
            Import = self.batch.__class__
            table = Import.__table__()
            names = ['last_row'] + [o for o, _ in Line.outcome.selection]
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(
                    *[Column(table, n) for n in names],
                    where=table.id == self.batch.id))
            current = dict(zip(names, cursor.fetchone()))
            values = {'last_row': max(
                    [current['last_row'] or 0] + [l['row'] for l in lines])}
            for outcome, _ in Line.outcome.selection:
                values[outcome] = (current[outcome] or 0) + counts[outcome]
            Import.write([self.batch], values)
            self.batch = Import(self.batch.id)
        return lines

    def _merged_into(self, records, results):
        """The cards that later rows are merged into, and the contact
        persons made with them, by id: read at once for their names"""
        ids = set()
        for index, record in enumerate(records):
            result = results.get(index)
            if (len(record.rows) > 1 and result
                    and result.outcome in {'created', 'updated'}):
                ids.update(result.written())
        return {p.id: p for p in self.Party.browse(list(ids))}

    def _row_merged(self, record, number, result, parties):
        """Why a row after the first of record, whose outcome is result, is
        merged into its card: the contact person it attached, if it did
        (parties: those of _merged_into)"""
        attached = {rules.normalise_name(parties[i].name)
            for i in result.written() - {result.party}}
        contact = next(
            (c for c in record.contacts if c.row == number and c.name), None)
        if contact and rules.normalise_name(contact.name) in attached:
            return gettext('crm_counterparty.msg_import_contact_added',
                contact=contact.name,
                party=parties[result.party].rec_name)
        return gettext('crm_counterparty.msg_import_merged_with_file',
            row=record.rows[0])


def _without_rows(record):
    "A copy of record to absorb into another; its rows are reported apart"
    return dataclasses.replace(record, rows=[], problems=[])


class savepoint:
    """Undo what the block wrote when it raises, and only that: a refused
    row leaves the rest of its chunk in place; with rollback, undo it
    always (a preview)"""
    _count = 0

    def __init__(self, rollback=False):
        self.rollback = rollback

    def __enter__(self):
        savepoint._count += 1
        self.name = 'crm_import_%s' % savepoint._count
        connection = Transaction().connection
        self.cursor = connection.cursor()
        if getattr(connection, 'in_transaction', True) is False:
            # SQLite would make the savepoint a transaction of its own,
            # committed on release apart from the rest of the chunk
            self.cursor.execute('BEGIN IMMEDIATE')
        self.cursor.execute('SAVEPOINT %s' % self.name)
        return self

    def __exit__(self, type_, value, traceback):
        if type_ is None and not self.rollback:
            self.cursor.execute('RELEASE SAVEPOINT %s' % self.name)
        else:
            self.cursor.execute('ROLLBACK TO SAVEPOINT %s' % self.name)
            self.cursor.execute('RELEASE SAVEPOINT %s' % self.name)
            # What the cache holds of the undone writes is no more true
            Transaction().cache.clear()
        return False
