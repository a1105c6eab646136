"""``TimedCache`` (what access control reads from the store, kept ``CACHE_TTL_S``): an entry
asked for past half its time is loaded again in the background, so none expires under traffic."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from podium.api.access import _CACHED_ONLY, NotCachedError, TimedCache
from tests.conftest import Monotonic, Refreshes


@contextmanager
def cached_only() -> Iterator[None]:
    """As ``principal_for`` on the event loop: a lookup that would wait for the store raises."""
    token = _CACHED_ONLY.set(True)
    try:
        yield
    finally:
        _CACHED_ONLY.reset(token)


def cache(monotonic: Monotonic, refreshes: Refreshes) -> TimedCache[str, int | None]:
    return TimedCache(2.0, monotonic=monotonic, refresh_in=refreshes)


def test_past_half_its_time_an_entry_is_returned_and_loaded_again_off_the_request(
    monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = cache(monotonic, refreshes)
    loads = iter([1, 2, 3])
    assert values.get_or_load("k", lambda: next(loads)) == 1
    monotonic.now_s += 1.0
    assert values.get_or_load("k", lambda: next(loads)) == 1
    assert refreshes.tasks == []
    monotonic.now_s += 0.5
    assert values.get_or_load("k", lambda: next(loads)) == 1
    assert values.get_or_load("k", lambda: next(loads)) == 1
    assert len(refreshes.tasks) == 1  # one load at a time per key
    refreshes.run()
    monotonic.now_s += 1.0  # past the first entry's time, within the reloaded one's
    with cached_only():  # no request waits for the store
        assert values.get_or_load("k", lambda: next(loads)) == 2


def test_an_entry_nobody_asks_for_expires_and_is_loaded_by_the_request(
    monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = cache(monotonic, refreshes)
    values.get_or_load("k", lambda: 1)
    monotonic.now_s += 2.001
    with cached_only(), pytest.raises(NotCachedError):
        values.get_or_load("k", lambda: 2)
    assert values.get_or_load("k", lambda: 2) == 2
    assert refreshes.tasks == []


def test_a_reload_begun_before_clear_is_not_kept(
    monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = cache(monotonic, refreshes)
    values.get_or_load("key", lambda: 1)
    monotonic.now_s += 1.5
    values.get_or_load("key", lambda: 2)
    values.clear()  # keys revoked meanwhile: what the reload read may predate it
    refreshes.run()
    assert values.get_or_load("key", lambda: 3) == 3


def test_a_reload_finding_nothing_drops_an_entry_that_keeps_no_none(
    monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = cache(monotonic, refreshes)
    values.get_or_load("c1", lambda: 1, keep_none=False)
    monotonic.now_s += 1.5
    assert values.get_or_load("c1", lambda: None, keep_none=False) == 1
    refreshes.run()  # the competition was deleted
    assert values.get_or_load("c1", lambda: 5, keep_none=False) == 5


def test_a_failed_reload_leaves_the_entry_to_its_time(
    monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = cache(monotonic, refreshes)
    values.get_or_load("k", lambda: 1)
    monotonic.now_s += 1.5

    def broken() -> int:
        raise RuntimeError("the store is down")

    assert values.get_or_load("k", broken) == 1
    refreshes.run()
    assert values.get_or_load("k", lambda: 2) == 1
    assert len(refreshes.tasks) == 1  # tried again, in the background
