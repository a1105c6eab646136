from __future__ import annotations

import pytest

from podium.domain.freeze import earliest_freeze, is_frozen, visible_before


@pytest.mark.parametrize(
    ("freeze_at", "now", "live", "expected"),
    [
        (None, 10, False, None),
        (20, 10, False, None),
        (20, 20, False, 20),
        (20, 30, False, 20),
        (20, 30, True, None),
    ],
)
def test_visible_before(freeze_at, now, live, expected) -> None:  # type: ignore[no-untyped-def]
    assert visible_before(freeze_at, now_ms=now, live=live) == expected


def test_is_frozen_and_earliest() -> None:
    assert is_frozen(5, now_ms=5)
    assert not is_frozen(5, now_ms=4)
    assert not is_frozen(None, now_ms=1)
    assert earliest_freeze(None, 7, 3) == 3
    assert earliest_freeze(None) is None
