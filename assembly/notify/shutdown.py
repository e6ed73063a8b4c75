"""Tells a batch in progress that its worker is stopping, across the fork into Celery's pool.

Celery hears SIGTERM in the worker's main process, while batches run in the pool's children: a flag made
before the pool forks is shared by all of them (and by a solo pool, which is the main process itself).
"""

import multiprocessing

_flag = None


def prepare() -> None:
    """Make the flag; called in the worker's main process before its pool starts."""
    global _flag
    if _flag is None:
        _flag = multiprocessing.get_context("fork").Event()


def announce() -> None:
    """The worker is stopping: batches finish the message in hand and give back the rest."""
    if _flag is not None:
        _flag.set()


def requested() -> bool:
    return _flag is not None and _flag.is_set()
