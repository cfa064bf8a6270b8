# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Listeners kept in step with their records (`listen-mail`,
`listen-asterisk`): one thread a record, started for a record added,
stopped for one removed, and started again for one whose settings changed
or whose listener ended."""
import logging
import threading

logger = logging.getLogger(__name__)


def supervise(wanted, listen, stop, reread):
    """Run listen(id, own) in a thread for each id of wanted() (the settings
    of each record listened to, by id), own being the threading event that
    stops it, until the threading event stop is set; wanted is called again
    every reread seconds"""
    running = {}
    while not stop.is_set():
        try:
            settings = wanted()
        # The base out of reach for a while: the listeners go on as they are
        except Exception:
            logger.warning("the listened records not read again",
                exc_info=True)
            stop.wait(reread)
            continue
        for id_, (known, own, thread) in list(running.items()):
            if settings.get(id_) != known or not thread.is_alive():
                own.set()
                thread.join()
                del running[id_]
        for id_ in settings.keys() - running.keys():
            own = threading.Event()
            thread = threading.Thread(target=listen, args=(id_, own))
            thread.start()
            running[id_] = (settings[id_], own, thread)
            logger.info("listening to %s", id_)
        stop.wait(reread)
    for _, own, _ in running.values():
        own.set()
    for _, _, thread in running.values():
        thread.join()
