"""``ReadCache``: a value is reused for ``max_age_ms`` or until this ``Database`` writes.
``BoundedCache``: least recently used out first, one load per missing key."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from podium.services.read_cache import MISSING, BoundedCache, ReadCache
from podium.store.database import Database


class Monotonic:
    def __init__(self) -> None:
        self.now_s = 50.0

    def __call__(self) -> float:
        return self.now_s


@pytest.fixture
def monotonic() -> Monotonic:
    return Monotonic()


def cache(database: Database, monotonic: Monotonic, max_age_ms: int = 1_000) -> ReadCache[str, int]:
    return ReadCache(database, max_age_ms=max_age_ms, monotonic=monotonic)


def test_a_value_is_reused_until_it_is_older_than_the_bound(
    database: Database, monotonic: Monotonic
) -> None:
    values = cache(database, monotonic)
    assert values.peek("k") is MISSING
    assert values.load("k", lambda: 1) == 1
    monotonic.now_s += 1.0
    assert values.peek("k") == 1
    monotonic.now_s += 0.001
    assert values.peek("k") is MISSING
    assert values.load("k", lambda: 2) == 2
    assert values.peek("k") == 2


def test_a_write_through_the_same_database_drops_every_value_at_once(
    database: Database, monotonic: Monotonic
) -> None:
    values = cache(database, monotonic)
    values.load("k", lambda: 1)
    with database.write():
        pass
    assert values.peek("k") is MISSING
    other = Database(database.url)
    try:
        values.load("k", lambda: 2)
        with other.write():  # another process, as far as this cache knows
            pass
        assert values.peek("k") == 2
    finally:
        other.dispose()


def test_while_one_caller_reloads_an_aged_value_the_others_keep_it(
    database: Database, monotonic: Monotonic
) -> None:
    values = cache(database, monotonic)
    values.load("k", lambda: 1)
    monotonic.now_s += 1.5
    assert values.peek("k") is MISSING  # this caller reloads
    assert values.peek("k") == 1  # the others do not wait for it...
    monotonic.now_s += 0.6
    assert values.peek("k") is MISSING  # ...up to twice the bound
    values.load("k", lambda: 2)
    assert values.peek("k") == 2


def test_a_failed_reload_lets_the_next_caller_try(database: Database, monotonic: Monotonic) -> None:
    values = cache(database, monotonic)
    values.load("k", lambda: 1)
    monotonic.now_s += 1.5
    assert values.peek("k") is MISSING

    def broken() -> int:
        raise RuntimeError("the store is down")

    with pytest.raises(RuntimeError):
        values.load("k", broken)
    assert values.peek("k") is MISSING


def test_a_zero_bound_never_reuses(database: Database, monotonic: Monotonic) -> None:
    values = cache(database, monotonic, max_age_ms=0)
    assert values.load("k", lambda: 1) == 1
    assert values.peek("k") is MISSING


def test_a_bounded_cache_drops_the_least_recently_used() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    cache.forget("a")
    assert cache.get("a") is None
    assert len(cache) == 1


def test_a_missing_key_is_loaded_once_for_threads_asking_together() -> None:
    cache: BoundedCache[str, int] = BoundedCache(4)
    started, release = threading.Event(), threading.Event()
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        started.set()
        assert release.wait(10)
        return 42

    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(cache.get_or_load, "k", load)
        assert started.wait(10)
        others = [pool.submit(cache.get_or_load, "k", load) for _ in range(3)]
        release.set()
        assert [found.result(10) for found in (first, *others)] == [42] * 4
    assert loads == [1]
    assert cache.get_or_load("k", load) == 42
    assert loads == [1]


def test_a_failed_load_is_the_callers_error_and_the_next_caller_loads() -> None:
    cache: BoundedCache[str, int] = BoundedCache(4)

    def broken() -> int:
        raise RuntimeError("store down")

    with pytest.raises(RuntimeError):
        cache.get_or_load("k", broken)
    assert cache.get_or_load("k", lambda: 7) == 7
