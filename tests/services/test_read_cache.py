"""``ReadCache``: a value is reused for ``max_age_ms`` or until this ``Database`` writes."""

from __future__ import annotations

import pytest

from podium.services.read_cache import MISSING, ReadCache
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
