# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Which imports (and mailings) are really running.

The process that runs an import holds a lock for as long as it runs; the
lock goes with the process when it dies (killed, or its server stopped), so
an import left "running" whose lock nobody holds was interrupted.  On
PostgreSQL the lock is a session advisory lock on the connection of the run,
seen by any server in pg_locks; on SQLite, a lock (flock) on a file next to
the database file, which only the processes of that machine use anyway."""
import fcntl
import os
import tempfile
import zlib
from contextlib import contextmanager

from psycopg import pq

from trytond import backend, config
from trytond.transaction import Transaction

IMPORT = 'crm.counterparty.import'


def _key(model):
    "The first key of the advisory locks of model's records, the id the second"
    return zlib.crc32(model.encode()) & 0x7fffffff


@contextmanager
def hold(batch_id, model=IMPORT):
    """Hold the lock of the import (or record of model) batch_id while in
    the block; the value is False when another process holds it"""
    if backend.name == 'postgresql':
        cursor = Transaction().connection.cursor()
        cursor.execute(
            'SELECT pg_try_advisory_lock(%s, %s)', (_key(model), batch_id))
        held, = cursor.fetchone()
        try:
            yield held
        finally:
            if held:
                _unlock(_key(model), batch_id)
        return
    path = _path(batch_id, model)
    file = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(file)
        yield False
        return
    try:
        yield True
    finally:
        os.unlink(path)
        os.close(file)


def _unlock(*key):
    "Release the advisory lock key of the session of the transaction"
    connection = Transaction().connection
    # A failed transaction runs nothing until rolled back, and the lock of
    # the session would outlive the run
    if connection.info.transaction_status == pq.TransactionStatus.INERROR:
        connection.rollback()
    connection.cursor().execute('SELECT pg_advisory_unlock(%s, %s)', key)


@contextmanager
def exclusive(name, model):
    """Wait until no other process holds the lock name of model, then hold
    it while in the block"""
    if backend.name == 'postgresql':
        key = (_key(model), _key(name))
        Transaction().connection.cursor().execute(
            'SELECT pg_advisory_lock(%s, %s)', key)
        try:
            yield
        finally:
            _unlock(*key)
        return
    # Never removed: a process waiting on it would hold a file nobody sees
    file = os.open(_path(name, model), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(file, fcntl.LOCK_EX)
        yield
    finally:
        os.close(file)


def held(batch_ids, model=IMPORT):
    "The batches (records of model) among batch_ids whose lock a process holds"
    if backend.name == 'postgresql':
        cursor = Transaction().connection.cursor()
        cursor.execute("SELECT objid FROM pg_locks "
            "WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database "
                "WHERE datname = current_database()) "
            "AND classid = %s AND objsubid = 2", (_key(model),))
        return {int(i) for i, in cursor} & set(batch_ids)
    return {i for i in batch_ids if _file_held(_path(i, model))}


def _file_held(path):
    try:
        file = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(file, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        # Closing releases the lock this check took, if it took it
        os.close(file)
    return False


def _path(batch_id, model=IMPORT):
    "The lock file of batch_id of model, next to the database file"
    name = Transaction().database.name
    if name == ':memory:':
        # Only this process sees an in-memory database
        directory, name = tempfile.gettempdir(), 'memory-%s' % os.getpid()
    else:
        directory = config.get('database', 'path')
    kind = 'import' if model == IMPORT else model
    return os.path.join(directory, '%s.%s-%s.lock' % (name, kind, batch_id))
