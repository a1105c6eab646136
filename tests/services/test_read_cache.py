"""``ReadCache``: a value is reused for ``max_age_ms`` or until this ``Database`` writes, and read
again in the background past half of it. ``BoundedCache``: least recently used out first, one
load per missing key."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from podium.services.read_cache import MISSING, BoundedCache, ReadCache
from podium.store.database import Database
from tests.conftest import Monotonic, Refreshes


def cache(
    database: Database,
    monotonic: Monotonic,
    max_age_ms: int = 1_000,
    refreshes: Refreshes | None = None,
) -> ReadCache[str, int]:
    return ReadCache(
        database, max_age_ms=max_age_ms, monotonic=monotonic, refresh_in=refreshes or Refreshes()
    )


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


def test_past_half_the_bound_the_value_is_served_and_read_again_in_the_background(
    database: Database, monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = cache(database, monotonic, refreshes=refreshes)
    reads = iter([1, 2])
    values.load("k", lambda: next(reads))
    monotonic.now_s += 0.5
    assert values.peek("k") == 1
    assert refreshes.tasks == []  # fresh enough: nothing to read yet
    monotonic.now_s += 0.1
    assert values.peek("k") == 1  # served at once...
    assert values.peek("k") == 1
    assert len(refreshes.tasks) == 1  # ...and read again once, however many ask meanwhile
    monotonic.now_s += 0.2
    refreshes.run()
    assert values.peek("k") == 2
    monotonic.now_s += 1.0
    assert values.peek("k") == 2  # a full bound from when the refresh read it
    assert len(refreshes.tasks) == 1


def test_a_value_is_never_served_past_the_bound_even_while_it_is_refreshed(
    database: Database, monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = cache(database, monotonic, refreshes=refreshes)
    values.load("k", lambda: 1)
    monotonic.now_s += 0.9
    assert values.peek("k") == 1
    assert len(refreshes.tasks) == 1  # in flight, and slow
    monotonic.now_s += 0.101
    assert values.peek("k") is MISSING
    assert values.load("k", lambda: 3) == 3
    assert values.peek("k") == 3


def test_a_refresh_begun_before_a_write_of_this_process_is_not_served(
    database: Database, monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = cache(database, monotonic, refreshes=refreshes)
    values.load("k", lambda: 1)
    monotonic.now_s += 0.6
    assert values.peek("k") == 1
    [refresh] = refreshes.tasks

    def read_then_write() -> int:
        with database.write():  # the write commits while the refresh reads
            pass
        return 2

    values._entries["k"].read = read_then_write
    refresh()
    assert values.peek("k") is MISSING


def test_a_failed_refresh_leaves_the_value_to_its_bound(
    database: Database, monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = cache(database, monotonic, refreshes=refreshes)
    calls = [0]

    def read() -> int:
        calls[0] += 1
        if calls[0] > 1:
            raise RuntimeError("the store is down")
        return 1

    values.load("k", read)
    monotonic.now_s += 0.6
    assert values.peek("k") == 1
    refreshes.run()  # fails, logged
    assert values.peek("k") == 1
    assert refreshes.tasks == []  # not tried again in the background
    monotonic.now_s += 0.5
    assert values.peek("k") is MISSING  # a request reads it, and sees the error

    def broken() -> int:
        raise RuntimeError("the store is down")

    with pytest.raises(RuntimeError):
        values.load("k", broken)
    assert values.peek("k") is MISSING


def test_refreshes_run_on_a_thread_of_their_own(database: Database, monotonic: Monotonic) -> None:
    values: ReadCache[str, int] = ReadCache(database, max_age_ms=1_000, monotonic=monotonic)
    readers: list[str] = []
    read = threading.Event()

    def reader() -> int:
        readers.append(threading.current_thread().name)
        read.set()
        return len(readers)

    values.load("k", reader)
    read.clear()
    monotonic.now_s += 0.6
    assert values.peek("k") == 1
    assert read.wait(10)
    assert readers[0] == threading.current_thread().name
    assert readers[1].startswith("podium-refresh")


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
