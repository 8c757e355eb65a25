"""Python's cyclic garbage collector paused for a bulk step (reading and validating an import).

An import of 100,000 rows builds about a million small objects (cells, rows, columns) that live until
the import ends. Each allocation burst triggers collections, and the full ones walk every live object:
at 100,000 rows that was half the time of reading and validating (0.5 s of 1 s), for cycles that do
not exist (lists of strings, tuples of numbers are freed by reference counting). The collector is
switched off while at least one such step runs in the process and back on (if it was on) after the
last; cycles made meanwhile elsewhere are collected then.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

__all__ = ["gc_paused"]

_lock = threading.Lock()
_active = 0
_was_enabled = False


@contextmanager
def gc_paused():
    global _active, _was_enabled
    with _lock:
        if _active == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _was_enabled:
                gc.enable()
