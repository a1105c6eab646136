"""Attempt limits: lifetime, UTC day and per-minute checks, with the time to retry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.domain.attempt_limits import (
    DAY_MS,
    MINUTE_MS,
    AttemptLimits,
    LimitDecision,
    check_attempt,
    utc_day_start,
)

DAY = 20_000 * DAY_MS  # a UTC midnight
NOON = DAY + DAY_MS // 2


@pytest.mark.parametrize(
    ("limits", "earlier", "now", "expected"),
    [
        pytest.param(AttemptLimits(), [NOON] * 100, NOON, LimitDecision(True), id="no-limits"),
        pytest.param(
            AttemptLimits(max_attempts_per_player=2),
            [1, 2],
            NOON,
            LimitDecision(False, "max_attempts_per_player", None),
            id="lifetime-reached",
        ),
        pytest.param(
            AttemptLimits(max_attempts_per_player=3),
            [1, 2],
            NOON,
            LimitDecision(True),
            id="lifetime-not-reached",
        ),
        pytest.param(
            AttemptLimits(max_attempts_per_day=2),
            [DAY - 1, DAY, DAY + 5],
            NOON,
            LimitDecision(False, "max_attempts_per_day", DAY + DAY_MS),
            id="day-reached",
        ),
        pytest.param(
            AttemptLimits(max_attempts_per_day=2),
            [DAY - 2, DAY - 1, DAY + 5],
            NOON,
            LimitDecision(True),
            id="yesterday-does-not-count",
        ),
        pytest.param(
            AttemptLimits(max_attempts_per_minute=2),
            [NOON - 50_000, NOON - 10_000],
            NOON,
            LimitDecision(False, "max_attempts_per_minute", NOON - 50_000 + MINUTE_MS),
            id="minute-reached",
        ),
        pytest.param(
            AttemptLimits(max_attempts_per_minute=2),
            [NOON - 60_000, NOON - 10_000],
            NOON,
            LimitDecision(True),
            id="minute-window-is-sliding",
        ),
        pytest.param(
            AttemptLimits(max_attempts_per_minute=1, max_attempts_per_day=1),
            [NOON - 1],
            NOON,
            LimitDecision(False, "max_attempts_per_day", DAY + DAY_MS),
            id="day-checked-first",
        ),
    ],
)
def test_check_attempt(limits, earlier, now, expected) -> None:  # type: ignore[no-untyped-def]
    assert check_attempt(limits, earlier, now) == expected


def test_retry_after_is_whole_seconds_rounded_up() -> None:
    decision = LimitDecision(False, "max_attempts_per_minute", 10_001)
    assert decision.retry_after_seconds(0) == 11
    assert decision.retry_after_seconds(10_001) == 1
    assert LimitDecision(False, "max_attempts_per_player").retry_after_seconds(0) is None


def test_any() -> None:
    assert not AttemptLimits().any
    assert AttemptLimits(max_attempts_per_minute=1).any


@given(
    st.lists(st.integers(0, 10 * MINUTE_MS), max_size=20),
    st.integers(1, 5),
    st.integers(0, 10 * MINUTE_MS),
)
def test_retrying_at_retry_at_is_allowed_by_the_minute_limit(earlier, limit, now) -> None:  # type: ignore[no-untyped-def]
    earlier = [at for at in earlier if at <= now]
    limits = AttemptLimits(max_attempts_per_minute=limit)
    decision = check_attempt(limits, earlier, now)
    if not decision.allowed:
        assert decision.retry_at is not None
        assert decision.retry_at > now
        assert check_attempt(limits, earlier, decision.retry_at).allowed


@given(st.integers(0, 10**13))
def test_day_start(now) -> None:  # type: ignore[no-untyped-def]
    assert 0 <= now - utc_day_start(now) < DAY_MS
