from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.domain.rollup_retention import (
    NOTHING_KEPT,
    RollupUpkeep,
    first_kept_bucket,
    kept_for_new_scores,
    needs_rebuild,
    plan_upkeep,
)
from podium.domain.timestamps import MS_PER_HOUR, floor_to
from podium.domain.windows import WINDOW_NAMES, BucketTotal, WindowSpec, score_windows

HOUR = MS_PER_HOUR
NOW = 1_000 * HOUR + 30 * 60_000
SPEC = WindowSpec(recent_ms=2 * HOUR, steady_ms=4 * HOUR, anchor_ms=6 * HOUR)
FIRST = 1_000 * HOUR - 6 * HOUR  # the anchor's first bucket (995 h), one bucket of margin


def test_the_widest_window_and_one_bucket_more_are_kept() -> None:
    assert SPEC.earliest_bucket(NOW) == 995 * HOUR
    assert first_kept_bucket(SPEC, NOW) == FIRST


@pytest.mark.parametrize(
    ("kept_from", "expected"),
    [
        (None, RollupUpkeep(FIRST, drop_before=FIRST)),  # never dropped: drop the old ones
        (FIRST, RollupUpkeep(FIRST)),  # same bucket as the cycle before: nothing to do
        (FIRST - 3 * HOUR, RollupUpkeep(FIRST, drop_before=FIRST)),  # three buckets fell out
        # wider windows, or a cycle at an earlier time: rebuild what is read again
        (
            FIRST + 2 * HOUR,
            RollupUpkeep(FIRST, drop_before=FIRST, rebuild=(FIRST, FIRST + 2 * HOUR)),
        ),
        (NOTHING_KEPT, RollupUpkeep(FIRST, drop_before=FIRST, rebuild=(FIRST, NOTHING_KEPT))),
    ],
)
def test_upkeep_drops_what_fell_out_and_rebuilds_what_is_missing(
    kept_from: int | None, expected: RollupUpkeep
) -> None:
    assert plan_upkeep(SPEC, kept_from, NOW) == expected


@pytest.mark.parametrize(
    ("kept_from", "expected"),
    [
        (None, FIRST),
        (FIRST - HOUR, FIRST),
        (FIRST + HOUR, FIRST + HOUR),
        (NOTHING_KEPT, NOTHING_KEPT),
    ],
)
def test_new_scores_of_buckets_not_kept_go_to_the_totals_only(
    kept_from: int | None, expected: int
) -> None:
    assert kept_for_new_scores(SPEC, kept_from, NOW) == expected


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (SPEC, False),
        (WindowSpec(recent_ms=HOUR, steady_ms=2 * HOUR, anchor_ms=3 * HOUR), False),
        (WindowSpec(recent_ms=6 * HOUR, steady_ms=6 * HOUR, anchor_ms=6 * HOUR), False),
        (WindowSpec(recent_ms=2 * HOUR, steady_ms=4 * HOUR, anchor_ms=7 * HOUR), True),
        (WindowSpec(recent_ms=8 * HOUR, steady_ms=4 * HOUR, anchor_ms=6 * HOUR), True),
        (
            WindowSpec(
                recent_ms=2 * HOUR, steady_ms=4 * HOUR, anchor_ms=6 * HOUR, bucket_ms=2 * HOUR
            ),
            True,
        ),
    ],
)
def test_windows_reaching_further_back_or_a_new_bucket_need_a_rebuild(
    new: WindowSpec, expected: bool
) -> None:
    assert needs_rebuild(SPEC, new) is expected


SPECS = [
    SPEC,
    WindowSpec(recent_ms=HOUR, steady_ms=2 * HOUR, anchor_ms=3 * HOUR),
    WindowSpec(recent_ms=4 * HOUR, steady_ms=8 * HOUR, anchor_ms=12 * HOUR),
    WindowSpec(recent_ms=4 * HOUR, steady_ms=8 * HOUR, anchor_ms=12 * HOUR, bucket_ms=2 * HOUR),
]
# One step: hours since the cycle before (a clock may go back), the windows of the competition,
# and scores that became known since, as (hours before now, value): late ones included.
steps = st.lists(
    st.tuples(
        st.integers(-3, 20),
        st.sampled_from(range(len(SPECS))),
        st.lists(st.tuples(st.integers(0, 30 * 60), st.floats(-10, 10)), max_size=8),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200)
@given(steps)
def test_kept_rollups_give_the_windows_of_every_score(
    history: list[tuple[int, int, list[tuple[int, float]]]],
) -> None:
    """A cycle as the service runs it, over an in-memory store: whatever the order of clocks,
    late scores and changes of windows, the windows read from the kept roll-ups are those of
    every score ever stored."""
    now = NOW
    spec = SPECS[0]
    kept_from: int | None = None
    scores: list[tuple[int, float]] = []
    rollups: dict[int, list[float]] = {}

    def add(at: int, value: float, bucket_ms: int) -> None:
        rollups.setdefault(floor_to(at, bucket_ms), []).append(value)

    for hours, spec_index, new_scores in history:
        now += hours * HOUR
        new_spec = SPECS[spec_index]
        if needs_rebuild(spec, new_spec):
            kept_from = NOTHING_KEPT
        spec = new_spec
        floor = kept_for_new_scores(spec, kept_from, now)
        for minutes_before, value in new_scores:
            at = now - minutes_before * 60_000
            scores.append((at, value))
            if floor_to(at, spec.bucket_ms) >= floor:
                add(at, value, spec.bucket_ms)
        upkeep = plan_upkeep(spec, kept_from, now)
        if upkeep.drop_before is not None:
            rollups = {start: v for start, v in rollups.items() if start >= upkeep.drop_before}
        if upkeep.rebuild is not None:
            start, end = upkeep.rebuild
            rollups = {key: v for key, v in rollups.items() if not start <= key < end}
            for at, value in scores:
                if start <= floor_to(at, spec.bucket_ms) < end:
                    add(at, value, spec.bucket_ms)
        kept_from = upkeep.kept_from
        assert all(start >= kept_from for start in rollups)
        kept = score_windows(
            [BucketTotal(start, len(v), sum(v)) for start, v in rollups.items()], spec, now
        )
        every = score_windows(
            [BucketTotal(floor_to(at, spec.bucket_ms), 1, value) for at, value in scores],
            spec,
            now,
        )
        for name in WINDOW_NAMES:
            expected = every.get(name)
            if expected is None:
                assert kept.get(name) is None
            else:
                assert kept.get(name) == pytest.approx(expected, rel=1e-9, abs=1e-9)
