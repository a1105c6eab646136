from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.domain.rollups import ScoredRow, rollup_deltas
from podium.domain.timestamps import MS_PER_HOUR, floor_to
from podium.domain.windows import (
    WINDOW_NAMES,
    BucketTotal,
    WindowScores,
    WindowSpec,
    score_windows,
)

HOUR = MS_PER_HOUR
NOW = 1_000 * HOUR + 30 * 60_000  # half past an hour


def test_default_windows_are_24_72_168_hours_of_hourly_buckets() -> None:
    spec = WindowSpec()
    assert (spec.recent_ms, spec.steady_ms, spec.anchor_ms) == (24 * HOUR, 72 * HOUR, 168 * HOUR)
    assert spec.bucket_ms == HOUR


def test_a_window_covers_its_buckets_up_to_the_current_one() -> None:
    spec = WindowSpec()
    current = floor_to(NOW, HOUR)
    assert spec.first_bucket("recent", NOW) == current - 23 * HOUR
    assert spec.earliest_bucket(NOW) == current - 167 * HOUR


@pytest.mark.parametrize(
    ("buckets", "expected"),
    [
        ([], WindowScores(None, None, None)),
        # the current bucket counts in every window
        ([BucketTotal(1_000 * HOUR, 2, 3.0)], WindowScores(1.5, 1.5, 1.5)),
        # 30 h ago: outside recent, inside steady and anchor
        ([BucketTotal(970 * HOUR, 1, 4.0)], WindowScores(None, 4.0, 4.0)),
        # 100 h ago: only in anchor; 200 h ago: in none
        (
            [BucketTotal(900 * HOUR, 1, 5.0), BucketTotal(800 * HOUR, 9, 9.0)],
            WindowScores(None, None, 5.0),
        ),
        # a bucket after now is ignored
        ([BucketTotal(1_001 * HOUR, 1, 7.0)], WindowScores(None, None, None)),
        # means weigh every score, not every bucket
        (
            [BucketTotal(1_000 * HOUR, 1, 1.0), BucketTotal(999 * HOUR, 3, 9.0)],
            WindowScores(2.5, 2.5, 2.5),
        ),
    ],
)
def test_score_windows(buckets: list[BucketTotal], expected: WindowScores) -> None:
    assert score_windows(buckets, WindowSpec(), NOW) == expected


@pytest.mark.parametrize(
    "kwargs",
    [{"bucket_ms": 0}, {"recent_ms": HOUR + 1}, {"anchor_ms": 30 * 60_000}],
)
def test_window_spec_refuses_windows_that_are_not_whole_buckets(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=r"bucket|window"):
        WindowSpec(**kwargs)


scores = st.lists(
    st.tuples(
        st.integers(min_value=NOW - 200 * HOUR, max_value=NOW),  # when the score is dated
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
        st.booleans(),  # success
    ),
    max_size=60,
)


@given(scores)
def test_windows_from_rollups_equal_a_naive_recomputation_from_raw_scores(
    raw: list[tuple[int, float, bool]],
) -> None:
    spec = WindowSpec()
    rows = [ScoredRow("m", "p", at, value, success) for at, value, success in raw]
    deltas = rollup_deltas(rows, spec.bucket_ms)
    from_rollups = score_windows(
        [BucketTotal(delta.bucket_start, delta.count, delta.total) for delta in deltas], spec, NOW
    )
    for name in WINDOW_NAMES:
        start = spec.first_bucket(name, NOW)
        inside = [value for at, value, success in raw if success and floor_to(at, HOUR) >= start]
        expected = sum(inside) / len(inside) if inside else None
        got = from_rollups.get(name)
        if expected is None:
            assert got is None
        else:
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert sum(delta.failed for delta in deltas) == sum(1 for *_, success in raw if not success)
