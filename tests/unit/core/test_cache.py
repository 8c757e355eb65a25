"""The one cache: least recently used entries go first, by count or by bytes."""
import pytest

from app.core.cache import ENTRY_OVERHEAD_BYTES, LruCache


def test_entry_bound_drops_the_least_recently_used():
    cache = LruCache(max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3


def test_byte_bound_counts_the_values():
    cache = LruCache(max_bytes=2 * (10 + ENTRY_OVERHEAD_BYTES))
    for key in "xyz":
        cache.put(key, b"0123456789")
    assert cache.get("x") is None and cache.get("y") and cache.get("z")
    assert cache.size == 2 * (10 + ENTRY_OVERHEAD_BYTES)


def test_get_or_compute_computes_once_per_key():
    cache, calls = LruCache(max_entries=4), []

    def compute():
        calls.append(1)
        return "value"
    assert cache.get_or_compute(("zones", 7), compute) == ("value", False)
    assert cache.get_or_compute(("zones", 7), compute) == ("value", True)
    assert len(calls) == 1 and (cache.hits, cache.misses) == (1, 1)


def test_a_cache_needs_exactly_one_bound():
    with pytest.raises(ValueError):
        LruCache()
    with pytest.raises(ValueError):
        LruCache(max_entries=1, max_bytes=1)
