# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The pure rules of the card's journal (journal.py): what two consecutive
revisions of a record (rows of its ``__history`` table, as mappings of
column to value) tell, and how the journal's sources are merged newest
first.  Nothing here reads the database or knows a language."""
import heapq
from itertools import islice

# A revision stamps these whatever changed: they are not a change
STAMPS = frozenset({
        'id', '__id', 'create_uid', 'create_date', 'write_uid', 'write_date'})
EMPTY = '—'


def is_deletion(row):
    """Whether the history row records a deletion: Tryton writes only the
    id and who deleted when (``_insert_history`` with deleted)"""
    return row.get('create_date') is None


def revision_kind(previous, current):
    "'created', 'deleted' or 'changed': what current did to the record"
    if is_deletion(current):
        return 'deleted'
    if previous is None or is_deletion(previous):
        return 'created'
    return 'changed'


def _same(old, new):
    # An emptied text is stored as '' or NULL depending on the client
    return (old if old != '' else None) == (new if new != '' else None)


def changed_fields(previous, current, names):
    "The names among names whose value current changed from previous"
    if revision_kind(previous, current) != 'changed':
        return []
    return [n for n in names
        if n not in STAMPS and not _same(previous.get(n), current.get(n))]


def link_change(previous, current, name, value):
    """'joined' or 'left' when the revision current set the link name to
    value or took it away from value, else None (a contact person's
    employer, seen from the company value)"""
    before = (previous.get(name)
        if previous is not None and not is_deletion(previous) else None)
    after = current.get(name) if not is_deletion(current) else None
    if before == after:
        return None
    if after == value:
        return 'joined'
    if before == value:
        return 'left'
    return None


def trash_change(previous, current):
    """'trashed' or 'restored' when current moved the card to the trash or
    brought it back (trash.py stamps trash_date), else None"""
    if revision_kind(previous, current) != 'changed':
        return None
    before, after = previous.get('trash_date'), current.get('trash_date')
    if not before and after:
        return 'trashed'
    if before and not after:
        return 'restored'
    return None


def arrow(old, new):
    "old → new as the journal writes a change, an empty side as a dash"
    return '%s → %s' % (old or EMPTY, new or EMPTY)


def predecessors(rows, key='id', order='__id'):
    """For rows of a history table sorted newest first, the row each one
    follows (the next row of the same record), or None when it is not
    among rows: the caller looks those up"""
    found, latest = {}, {}
    for row in reversed(rows):
        found[row[order]] = latest.get(row[key])
        latest[row[key]] = row
    return found


def newest(streams, size, key):
    """The first size items of the streams (each sorted newest first by
    key) merged newest first, reading each stream only as far as needed"""
    return list(islice(heapq.merge(*streams, key=key, reverse=True), size))
