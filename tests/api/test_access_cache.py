"""``TimedCache`` (what access control reads from the store, kept ``CACHE_TTL_S``): a
``RefreshingCache`` (``tests/services/test_read_cache.py``) whose lookups, while ``principal_for``
answers on the event loop, never wait for the store."""

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


def test_under_traffic_an_entry_is_reloaded_off_the_request_and_never_waited_for(
    monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values = cache(monotonic, refreshes)
    loads = iter([1, 2])
    assert values.get_or_load("k", lambda: next(loads)) == 1
    monotonic.now_s += 1.5
    with cached_only():
        assert values.get_or_load("k", lambda: next(loads)) == 1
    assert len(refreshes.tasks) == 1
    refreshes.run()
    monotonic.now_s += 1.0  # past the first entry's time, within the reloaded one's
    with cached_only():
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


def test_a_cache_that_keeps_no_none_asks_the_store_again(
    monotonic: Monotonic, refreshes: Refreshes
) -> None:
    values: TimedCache[str, int | None] = TimedCache(
        2.0, keep_none=False, monotonic=monotonic, refresh_in=refreshes
    )
    assert values.get_or_load("c1", lambda: None) is None  # no such competition yet
    with cached_only(), pytest.raises(NotCachedError):
        values.get_or_load("c1", lambda: 5)
    assert values.get_or_load("c1", lambda: 5) == 5
