# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A generator run in a process of its own, so that reading and checking a
big file (pure Python) takes another core while this one writes."""
import logging
import multiprocessing
import os
import queue

from trytond import config

logger = logging.getLogger(__name__)

# Items read ahead: enough to keep the writer busy, few enough to bound
# the memory the reader holds
AHEAD = 4


def iterate(function, *args):
    """Yield what function(*args) yields, computed in a child process (its
    exceptions raised here); inline when this process may have no child or
    the child cannot start (a server whose executable is not Python)"""
    if multiprocessing.current_process().daemon:
        yield from function(*args)
        return
    # Spawned rather than forked: a server's threads may hold locks
    context = multiprocessing.get_context('spawn')
    # The child reads no configuration file, and importing the module (its
    # routes) needs the kind of database
    os.environ.setdefault(
        'TRYTOND_DATABASE__URI', config.get('database', 'uri', default=''))
    items = context.Queue(AHEAD)
    child = context.Process(
        target=_produce, args=(items, function, args), daemon=True)
    received = False
    try:
        child.start()
        while True:
            try:
                kind, item = items.get(timeout=1)
            except queue.Empty:
                if child.is_alive():
                    continue
                if received:
                    raise ChildProcessError(
                        'reader stopped (exit code %s)' % child.exitcode)
                logger.warning('reading in a child process failed '
                    '(exit code %s): reading inline', child.exitcode)
                yield from function(*args)
                return
            received = True
            if kind == 'item':
                yield item
            elif kind == 'error':
                raise item
            else:
                break
    finally:
        if child.is_alive():
            child.terminate()
        if child.pid is not None:
            child.join()
        items.close()


def _produce(items, function, args):
    try:
        for item in function(*args):
            items.put(('item', item))
    except Exception as exception:
        items.put(('error', exception))
    else:
        items.put(('end', None))
