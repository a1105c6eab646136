from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.domain.model import Param
from podium.plugins import SCORING_FUNCTIONS
from podium.plugins.scoring_functions import crps_normal, crps_samples, point_value

PARAM = Param("BTC-1h", asset="BTC", horizon=3600)


@pytest.mark.parametrize(
    ("function", "config", "payload", "truth", "expected"),
    [
        ("mse", {}, {"value": 0.03}, 0.01, -0.0004),
        ("mse", {}, {"distribution": {"type": "normal", "mean": 1.0, "std": 9}}, 3.0, -4.0),
        ("mse", {}, {"samples": [1.0, 3.0]}, 0.0, -4.0),
        ("mae", {}, {"value": -1.0}, 2.0, -3.0),
        ("direction", {}, {"value": 0.2}, 0.01, 1.0),
        ("direction", {}, {"value": -0.2}, 0.01, 0.0),
        ("direction", {}, {"value": 0.2}, 0.0, 0.0),
        ("direction", {}, {"value": 0.0}, 0.5, 0.0),
        ("pnl", {}, {"value": -3.0}, -0.02, 0.02),
        ("pnl", {"sizing": "linear"}, {"value": -3.0}, -0.02, 0.06),
        ("crps", {}, {"value": 1.0}, 4.0, -3.0),
        ("crps", {}, {"samples": [2.0]}, 0.0, -2.0),
    ],
)
def test_scores(
    function: str, config: dict[str, Any], payload: dict[str, Any], truth: float, expected: float
) -> None:
    scorer = SCORING_FUNCTIONS.create(function, config)
    assert scorer(payload, truth, PARAM) == pytest.approx(expected)
    batch = getattr(scorer, "score_batch", None)
    if batch is not None:
        assert batch([payload], [truth], [PARAM]) == [pytest.approx(expected)]


def test_crps_of_a_standard_normal_at_its_mean() -> None:
    # CRPS(N(0,1), 0) = 2φ(0) - 1/√π = (√2 - 1)/√π
    assert crps_normal(0.0, 1.0, 0.0) == pytest.approx((math.sqrt(2) - 1) / math.sqrt(math.pi))


def test_crps_of_many_samples_approaches_the_closed_form() -> None:
    samples = np.random.default_rng(1).normal(0.5, 2.0, 20_000)
    assert crps_samples(samples.tolist(), 1.3) == pytest.approx(
        crps_normal(0.5, 2.0, 1.3), rel=0.02
    )


@given(
    st.lists(st.floats(-100, 100, allow_nan=False), min_size=1, max_size=30),
    st.floats(-100, 100, allow_nan=False),
)
def test_crps_of_samples_matches_its_definition(samples: list[float], truth: float) -> None:
    spread = sum(abs(x - truth) for x in samples) / len(samples)
    pairs = sum(abs(x - y) for x in samples for y in samples) / len(samples) ** 2
    assert crps_samples(samples, truth) == pytest.approx(spread - 0.5 * pairs, abs=1e-7)


@pytest.mark.parametrize("function", ["mse", "mae", "direction", "pnl"])
def test_batch_equals_row_by_row_and_isolates_bad_rows(function: str) -> None:
    scorer = SCORING_FUNCTIONS.create(function)
    payloads = [{"value": 0.1}, {"other": 1}, {"samples": [0.3, -0.1]}, {"value": -2.0}]
    truths = [0.05, 0.2, -0.3, 1.0]
    results = scorer.score_batch(payloads, truths, [PARAM] * 4)  # type: ignore[attr-defined]
    assert isinstance(results[1], ValueError)
    for index in (0, 2, 3):
        assert results[index] == pytest.approx(scorer(payloads[index], truths[index], PARAM))


def test_point_value_without_a_point_is_an_error() -> None:
    with pytest.raises(ValueError, match="no point value"):
        point_value({"quantiles": [1, 2]})


def test_crps_without_a_forecast_is_an_error() -> None:
    with pytest.raises(ValueError, match="crps needs"):
        SCORING_FUNCTIONS.create("crps")({"other": 1}, 0.0, PARAM)
