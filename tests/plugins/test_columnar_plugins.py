"""The built-in plugins' columnar protocol gives what their per-row protocol gives."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.domain.due_batch import DueBatch
from podium.domain.model import Param
from podium.domain.predictions import DuePrediction
from podium.domain.scoring import score_batch, score_columns
from podium.domain.series import TimeSeries
from podium.plugins import RESOLVERS, SCORING_FUNCTIONS

PARAMS = [Param("BTC-1h", asset="BTC"), Param("BTC-2h", asset="BTC"), Param("rain")]
finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)
payloads = st.one_of(
    st.builds(lambda value: {"value": value}, finite),
    st.builds(lambda mean: {"distribution": {"type": "normal", "mean": mean, "std": 2.0}}, finite),
    st.builds(lambda samples: {"samples": samples}, st.lists(finite, min_size=1, max_size=4)),
    st.just({"other": 1}),
)


@pytest.mark.parametrize(
    ("function", "config"),
    [("mse", {}), ("mae", {}), ("direction", {}), ("pnl", {}), ("pnl", {"sizing": "linear"})],
)
@settings(deadline=None)  # a loaded machine must not fail a property
@given(rows=st.lists(st.tuples(payloads, finite), max_size=30))
def test_built_in_score_columns_equal_row_by_row_calls(
    function: str, config: dict[str, Any], rows: list[tuple[dict[str, Any], float]]
) -> None:
    scorer = SCORING_FUNCTIONS.create(function, config)
    assert hasattr(scorer, "score_columns")
    batch = [payload for payload, _ in rows]
    truths = [truth for _, truth in rows]
    columns = score_columns(scorer, batch, np.array(truths, dtype=np.float64), list)
    one_by_one = score_batch(scorer.__call__, batch, truths, [PARAMS[0]] * len(rows))
    for index, outcome in enumerate(one_by_one):
        if outcome.success:
            assert columns.values[index] == outcome.value
        else:
            assert math.isnan(columns.values[index])
            assert columns.failures[index] == outcome.failed_reason


class Source:
    def __init__(self, prices: list[tuple[int, float]], truths: list[tuple[int, float]]) -> None:
        self.prices = TimeSeries.from_points(sorted(dict(prices).items()))
        self.explicit = TimeSeries.from_points(sorted(dict(truths).items()))

    def observations(self, asset: str, start_ms: int, end_ms: int) -> TimeSeries:
        return self.prices if asset == "BTC" else TimeSeries.empty()

    def truths(self, param_id: str, start_ms: int, end_ms: int) -> TimeSeries:
        return self.explicit if param_id != "BTC-2h" else TimeSeries.empty()


def as_of(points: list[tuple[int, float]], at: int, max_age: int) -> float | None:
    """The naive oracle: the latest point at or before ``at``, at most ``max_age`` old."""
    found = dict(points)
    before = [ts for ts in found if ts <= at]
    if not before or at - max(before) > max_age:
        return None
    return found[max(before)]


instants = st.integers(min_value=0, max_value=100)
points = st.lists(st.tuples(instants, st.floats(0.5, 100)), max_size=12, unique_by=lambda p: p[0])
predictions = st.lists(
    st.tuples(st.sampled_from(PARAMS), instants, st.integers(0, 30)), min_size=1, max_size=25
)


@settings(deadline=None)  # a loaded machine must not fail a property
@given(prices=points, truths=points, rows=predictions)
def test_built_in_resolvers_match_a_naive_oracle_in_both_protocols(
    prices: list[tuple[int, float]],
    truths: list[tuple[int, float]],
    rows: list[tuple[Param, int, int]],
) -> None:
    due = [
        DuePrediction(index, f"p{index}", "m", param, {"value": 0.0}, start, start + length)
        for index, (param, start, length) in enumerate(rows)
    ]
    source = Source(prices, truths)
    explicit = RESOLVERS.create("explicit", {"tolerance_s": 0.01})
    price_return = RESOLVERS.create("price_return", {"max_staleness_s": 0.02})
    prices = sorted(dict(prices).items())
    truths = sorted(dict(truths).items())
    expected_explicit, expected_returns = [], []
    for item in due:
        known = item.param.id != "BTC-2h"
        expected_explicit.append(as_of(truths, item.resolvable_at, 10) if known else None)
        before = as_of(prices, item.performed_at, 20) if item.param.asset else None
        after = as_of(prices, item.resolvable_at, 20) if item.param.asset else None
        ratio = after / before - 1.0 if before and after else None
        expected_returns.append(ratio)
    batch = DueBatch.from_predictions(due)
    for resolver, expected in ((explicit, expected_explicit), (price_return, expected_returns)):
        per_row = resolver.resolve(due, source)
        columns = resolver.resolve_columns(batch, source).tolist()  # type: ignore[attr-defined]
        assert per_row == [None if math.isnan(value) else value for value in columns]
        assert per_row == [None if value is None else pytest.approx(value) for value in expected]
