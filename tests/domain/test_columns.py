"""The columnar path of the score worker equals the per-row one, row for row and bit for bit."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.domain.due_batch import DueBatch, Labels
from podium.domain.leaderboard import asset_categories, models_by_asset, models_on_asset
from podium.domain.model import Model, ModelScore, Param, ParamScore, Player
from podium.domain.predictions import DuePrediction
from podium.domain.rollups import RollupColumns, ScoredRow, rollup_columns, rollup_deltas
from podium.domain.scoring import NON_FINITE, point_values, score_batch, score_columns
from podium.domain.windows import WindowScores

HOUR = 3_600_000
PARAM = Param("p")

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
payloads = st.one_of(
    st.builds(lambda value: {"value": value}, finite),
    st.builds(lambda mean: {"distribution": {"type": "normal", "mean": mean, "std": 1.0}}, finite),
    st.builds(lambda samples: {"samples": samples}, st.lists(finite, min_size=1, max_size=5)),
    st.just({"quantiles": [1, 2]}),
    st.just({"value": "junk"}),
    st.builds(lambda value: {"value": value}, st.integers(-5, 5)),
)


def test_labels_code_values_in_order_of_first_appearance() -> None:
    labels = Labels.of(["b", "a", "b", "c", "a"])
    assert labels.names == ["b", "a", "c"]
    assert labels.codes.tolist() == [0, 1, 0, 2, 1]
    assert labels.values() == ["b", "a", "b", "c", "a"]
    assert {name: rows.tolist() for name, rows in labels.groups().items()} == {
        "b": [0, 2],
        "a": [1, 4],
        "c": [3],
    }
    assert labels.take(np.array([3, 0])).values() == ["c", "b"]
    assert Labels.of([]).groups() == {}


def test_a_batch_turns_back_into_the_same_rows() -> None:
    btc, eth = Param("BTC-1h", asset="BTC"), Param("ETH-1h", asset="ETH")
    rows = [
        DuePrediction(1, "a", "m1", btc, {"value": 1.0}, 10, 20),
        DuePrediction(2, "b", "m2", eth, {"value": 2.0}, 11, 21),
        DuePrediction(3, "c", "m1", btc, {"value": 3.0}, 12, 22),
    ]
    batch = DueBatch.from_predictions(rows)
    assert batch.predictions() == rows
    assert {asset: list(found) for asset, found in batch.rows_by_asset().items()} == {
        "BTC": [0, 2],
        "ETH": [1],
    }


class Columnar:
    """A scoring function with the three protocols, like the built-ins."""

    def __call__(self, payload: Any, truth: float, param: Param) -> float:
        return float(self.score_columns(np.array([_point(payload)]), np.array([truth]))[0])

    def score_columns(self, values: np.ndarray, truths: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return -np.square(values - truths) / truths


def _point(payload: Any) -> float:
    values, errors = point_values([payload])
    if errors:
        raise errors[0]
    return float(values[0])


@settings(deadline=None)  # a loaded machine must not fail a property
@given(st.lists(st.tuples(payloads, st.floats(-1e3, 1e3, allow_nan=False)), max_size=40))
def test_score_columns_equals_the_per_row_protocol(rows: list[tuple[Any, float]]) -> None:
    function = Columnar()
    batch = [payload for payload, _ in rows]
    truths = np.array([truth for _, truth in rows], dtype=np.float64)
    columns = score_columns(function, batch, truths, lambda: [PARAM] * len(rows))
    per_row = score_batch(function, batch, truths.tolist(), [PARAM] * len(rows))
    for index, outcome in enumerate(per_row):
        if outcome.success:
            assert columns.values[index] == outcome.value
            assert index not in columns.failures
        else:
            assert math.isnan(columns.values[index])
            assert columns.failures[index] == outcome.failed_reason
    assert columns.success.tolist() == [outcome.success for outcome in per_row]


def test_a_non_finite_column_score_fails_that_row_only() -> None:
    scored = score_columns(Columnar(), [{"value": 1.0}, {"value": 1.0}], np.array([0.0, 2.0]), list)
    assert scored.failures == {0: NON_FINITE}
    assert scored.values[1] == -0.5


class RaisingColumns:
    def __call__(self, payload: Any, truth: float, param: Param) -> float:
        return 1.0

    def score_columns(self, values: np.ndarray, truths: np.ndarray) -> np.ndarray:
        raise RuntimeError("no columns today")


class ShortColumns(RaisingColumns):
    def score_columns(self, values: np.ndarray, truths: np.ndarray) -> np.ndarray:
        return values[:1]


@pytest.mark.parametrize("function", [RaisingColumns(), ShortColumns()])
def test_a_broken_score_columns_falls_back_to_the_per_row_protocol(function: Any) -> None:
    scored = score_columns(
        function, [{"value": 3.0}, {"x": 1}], np.array([0.0, 0.0]), lambda: [PARAM, PARAM]
    )
    assert scored.values.tolist() == [1.0, 1.0]
    assert scored.failures == {}


rollup_rows = st.lists(
    st.tuples(
        st.sampled_from(["m1", "m2", "a"]),
        st.sampled_from(["p1", "p2"]),
        st.integers(min_value=0, max_value=50 * HOUR),
        st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)),
    ),
    max_size=80,
)


@settings(deadline=None)  # a loaded machine must not fail a property
@given(rollup_rows)
def test_rollup_columns_equal_rollup_deltas_bit_for_bit(
    rows: list[tuple[str, str, int, float | None]],
) -> None:
    expected = rollup_deltas(
        [ScoredRow(m, p, at, value, value is not None) for m, p, at, value in rows], HOUR
    )
    columns = rollup_columns(
        Labels.of(m for m, *_ in rows),
        Labels.of(p for _, p, *_ in rows),
        np.array([at for *_, at, _ in rows], dtype=np.int64),
        np.array([np.nan if value is None else value for *_, value in rows], dtype=np.float64),
        HOUR,
    )
    got = columns.deltas()
    assert RollupColumns.of(expected) == columns
    assert [
        (d.model_id, d.param_id, d.bucket_start, d.count, d.total.hex(), d.failed) for d in got
    ] == [
        (d.model_id, d.param_id, d.bucket_start, d.count, d.total.hex(), d.failed) for d in expected
    ]
    totals: dict[tuple[str, str], list[float]] = {}
    for delta in expected:
        entry = totals.setdefault((delta.model_id, delta.param_id), [0, 0.0, 0])
        entry[0] += delta.count
        entry[1] += delta.total
        entry[2] += delta.failed
    summed = columns.totals()
    assert list(zip(summed.model_id, summed.param_id, strict=True)) == list(totals)
    assert [
        [c, t.hex(), f] for c, t, f in zip(summed.count, summed.total, summed.failed, strict=True)
    ] == [[c, t.hex(), f] for c, t, f in totals.values()]


def test_models_by_asset_equals_models_on_asset_for_every_asset() -> None:
    params = [Param("a1", asset="A"), Param("b1", asset="B"), Param("a2", asset="A"), Param("x")]
    models = [
        Model(
            f"m{index}",
            f"m{index}",
            Player("p", "p"),
            score=ModelScore.from_params(
                ParamScore(param, WindowScores(recent=float(index * k)), index + k)
                for k, param in enumerate(params)
                if (index + k) % 3
            ),
        )
        for index in range(7)
    ]
    grouped = models_by_asset(models)
    assert list(grouped) == asset_categories(models) == ["A", "B"]
    for asset in grouped:
        assert grouped[asset] == models_on_asset(models, asset)
