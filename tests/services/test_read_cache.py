"""``RefreshingCache``: a value is served up to its bound and read again in the background past
half of it, one read per key at a time, never kept from before a ``clear()``. ``ReadCache``: the
same, until this ``Database`` writes. ``BoundedCache``: least recently used out first, one load
per missing key."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

import pytest

from podium.services.read_cache import MISSING, BoundedCache, ReadCache, RefreshingCache
from podium.store.database import Database
from tests.conftest import Monotonic, Refreshes


def refreshing(
    monotonic: Monotonic, refreshes: Refreshes, *, keep_none: bool = True
) -> RefreshingCache[str, int | None]:
    return RefreshingCache(1.0, keep_none=keep_none, monotonic=monotonic, refresh_in=refreshes)


def refreshed_while(
    values: RefreshingCache[str, int | None],
    monotonic: Monotonic,
    refreshes: Refreshes,
    meanwhile: Callable[[], None],
) -> None:
    """Load "k", then past half its bound refresh it while ``meanwhile`` happens."""
    reads = iter([1, 2])

    def read() -> int:
        value = next(reads)
        if value == 2:
            meanwhile()
        return value

    values.load("k", read)
    monotonic.now_s += 0.6
    assert values.peek("k") == 1
    refreshes.run()


def test_a_value_is_reused_until_it_is_older_than_the_bound(
    monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = refreshing(monotonic, refreshes)
    assert values.peek("k") is MISSING
    assert values.load("k", lambda: 1) == 1
    monotonic.now_s += 1.0
    assert values.peek("k") == 1
    monotonic.now_s += 0.001
    assert values.peek("k") is MISSING
    assert values.load("k", lambda: 2) == 2
    assert values.peek("k") == 2


def test_only_past_half_the_bound_is_the_value_served_and_read_again_in_the_background(
    monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = refreshing(monotonic, refreshes)
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


def test_one_background_read_per_key_however_many_threads_ask(monotonic: Monotonic) -> None:
    started, release = threading.Event(), threading.Event()
    reads: list[int] = []

    def read() -> int:
        reads.append(1)
        if len(reads) > 1:  # the refreshes: slow
            started.set()
            assert release.wait(10)
        return len(reads)

    with ThreadPoolExecutor(2) as runner, ThreadPoolExecutor(8) as requests:
        refreshes: list[Future[None]] = []
        values: RefreshingCache[str, int] = RefreshingCache(
            1.0, monotonic=monotonic, refresh_in=lambda task: refreshes.append(runner.submit(task))
        )
        values.load("k", read)
        values.load("other", lambda: 9)
        monotonic.now_s += 0.6
        served = [requests.submit(values.peek, "k") for _ in range(32)]
        assert [found.result(10) for found in served] == [1] * 32
        assert started.wait(10)
        assert [values.peek("k") for _ in range(8)] == [1] * 8  # while the refresh reads
        assert values.peek("other") == 9  # another key is refreshed on its own
        assert len(refreshes) == 2
        release.set()
        wait(refreshes, timeout=10)
        assert len(reads) == 2
        assert values.peek("k") == 2
        monotonic.now_s += 0.6
        assert values.peek("k") == 2  # that refresh done, the next may start
        wait(refreshes, timeout=10)
        assert len(reads) == 3


def test_a_value_is_never_served_past_the_bound_even_while_it_is_refreshed(
    monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = refreshing(monotonic, refreshes)
    values.load("k", lambda: 1)
    monotonic.now_s += 0.9
    assert values.peek("k") == 1
    assert len(refreshes.tasks) == 1  # in flight, and slow
    monotonic.now_s += 0.101
    assert values.peek("k") is MISSING
    assert values.load("k", lambda: 3) == 3
    assert values.peek("k") == 3
    monotonic.now_s += 0.6
    assert values.peek("k") == 3
    assert len(refreshes.tasks) == 1  # the first refresh still in flight: no second one


def test_a_refresh_begun_before_clear_is_not_kept(
    monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = refreshing(monotonic, refreshes)
    values.load("k", lambda: 1)
    monotonic.now_s += 0.6
    assert values.peek("k") == 1
    values.clear()  # before the refresh runs: what it reads may predate the clear
    refreshes.run()
    assert values.peek("k") is MISSING

    refreshed_while(values, monotonic, refreshes, values.clear)
    assert values.peek("k") is MISSING


def test_a_load_begun_before_clear_is_the_callers_only(
    monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = refreshing(monotonic, refreshes)

    def read_while_cleared() -> int:
        values.clear()
        return 1

    assert values.load("k", read_while_cleared) == 1
    assert values.peek("k") is MISSING


def test_a_failed_refresh_leaves_the_value_to_its_bound_and_is_tried_again(
    monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = refreshing(monotonic, refreshes)
    reads = [0]

    def read() -> int:
        reads[0] += 1
        if reads[0] > 1:
            raise RuntimeError("the store is down")
        return 1

    values.load("k", read)
    monotonic.now_s += 0.6
    assert values.peek("k") == 1
    refreshes.run()  # fails, logged
    assert values.peek("k") == 1
    assert len(refreshes.tasks) == 1  # the next caller past half tries again
    monotonic.now_s += 0.5
    assert values.peek("k") is MISSING  # a caller reads it, and sees the error
    with pytest.raises(RuntimeError):
        values.load("k", read)
    assert values.peek("k") is MISSING


def test_a_refresh_finding_none_drops_the_value_when_none_is_not_kept(
    monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = refreshing(monotonic, refreshes, keep_none=False)
    assert values.load("k", lambda: None) is None
    assert values.peek("k") is MISSING
    reads = iter([1, None])
    values.load("k", lambda: next(reads))
    monotonic.now_s += 0.6
    assert values.peek("k") == 1
    refreshes.run()  # deleted meanwhile
    assert values.peek("k") is MISSING
    kept = refreshing(monotonic, refreshes)
    kept.load("k", lambda: None)
    assert kept.peek("k") is None


def test_a_new_key_past_the_size_bound_drops_every_value(
    monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values: RefreshingCache[str, int] = RefreshingCache(
        1.0, max_entries=2, monotonic=monotonic, refresh_in=refreshes
    )
    values.load("a", lambda: 1)
    values.load("b", lambda: 2)
    values.load("b", lambda: 3)  # a known key: kept beside the others
    assert (values.peek("a"), values.peek("b")) == (1, 3)
    values.load("c", lambda: 4)
    assert (values.peek("a"), values.peek("b"), values.peek("c")) == (MISSING, MISSING, 4)


def test_a_zero_bound_never_reuses(monotonic: Monotonic, refreshes: Refreshes) -> None:
    values: RefreshingCache[str, int] = RefreshingCache(
        0, monotonic=monotonic, refresh_in=refreshes
    )
    assert values.load("k", lambda: 1) == 1
    assert values.peek("k") is MISSING


def test_refreshes_run_on_a_thread_of_their_own(monotonic: Monotonic) -> None:
    values: RefreshingCache[str, int] = RefreshingCache(1.0, monotonic=monotonic)
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


def test_a_read_cache_drops_every_value_when_the_same_database_writes(
    database: Database, monotonic: Monotonic
) -> None:
    values: ReadCache[str, int] = ReadCache(
        database, max_age_ms=1_000, monotonic=monotonic, refresh_in=Refreshes()
    )
    assert values.max_age_s == 1.0
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


def test_a_read_cache_refresh_begun_before_a_write_of_this_process_is_not_served(
    database: Database, monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values: ReadCache[str, int | None] = ReadCache(
        database, max_age_ms=1_000, monotonic=monotonic, refresh_in=refreshes
    )

    def write() -> None:
        with database.write():
            pass

    refreshed_while(values, monotonic, refreshes, write)
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
    cache.clear()
    assert (len(cache), cache.get("c")) == (0, None)


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
