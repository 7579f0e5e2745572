"""Progress of long work, reported by the cores and shown by whoever listens (the CLI's Rich bar).

The cores call `report(task, done, total)` between units of work (pages, products); nothing happens
unless a listener is installed, so Dagster runs and tests pay nothing. The CLI installs one around
the in-process runs it launches (`listening`), which is how a 90-day import or a large push shows a
moving bar instead of silence.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, int, "int | None"], None]

_lock = threading.Lock()
_listeners: list[Listener] = []


def report(task: str, done: int, total: int | None = None) -> None:
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(task, done, total)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)
