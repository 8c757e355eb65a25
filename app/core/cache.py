"""The one cache of the service: a thread-safe LRU bounded by entries or by bytes.

Callers key entries on the data versions their result depends on (app.core.store bumps them in
every writer's transaction), so an entry is never older than the last commit: a new version is a
new key, and the old entries age out.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

ENTRY_OVERHEAD_BYTES = 100  # the key and bookkeeping of an entry, roughly


class LruCache:
    """At most `max_entries` entries, or at most `max_bytes` of values measured by `weigh`."""

    def __init__(self, max_entries: int | None = None, max_bytes: int | None = None,
                 weigh: Callable[[Any], int] = len):
        if (max_entries is None) == (max_bytes is None):
            raise ValueError("bound a cache by entries or by bytes")
        self.max_entries, self.max_bytes, self._weigh = max_entries, max_bytes, weigh
        self.size = 0  # bytes held, when bounded by bytes
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def _cost(self, value) -> int:
        return self._weigh(value) + ENTRY_OVERHEAD_BYTES if self.max_bytes is not None else 0

    def get(self, key: Hashable):
        with self._lock:
            if key not in self._data:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return self._data[key]

    def put(self, key: Hashable, value) -> None:
        with self._lock:
            if key in self._data:
                return
            self._data[key] = value
            self.size += self._cost(value)
            while self._data and ((self.max_entries is not None and len(self._data) > self.max_entries)
                                  or (self.max_bytes is not None and self.size > self.max_bytes)):
                _, old = self._data.popitem(last=False)
                self.size -= self._cost(old)

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> tuple[Any, bool]:
        """(value, whether it came from the cache); `compute` runs outside the lock."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key], True
            self.misses += 1
        value = compute()
        self.put(key, value)
        return value, False

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.size = 0
