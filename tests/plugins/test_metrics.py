"""Built-in metrics on small, hand-checked series, and IC against a naive Spearman oracle."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.plugins import METRICS
from podium.plugins.metrics import InformationCoefficient
from podium.plugins.protocols import MetricPoint


def points(
    values: list[float | None], truths: list[float], scores: list[float] | None = None
) -> list[MetricPoint]:
    scores = scores or [0.0] * len(values)
    return [
        MetricPoint(resolvable_at=index, value=value, truth=truth, score=score)
        for index, (value, truth, score) in enumerate(zip(values, truths, scores, strict=True))
    ]


@pytest.mark.parametrize(
    ("metric", "series", "expected"),
    [
        ("prediction_volatility", points([1.0, 3.0], [0, 0]), 1.0),
        ("prediction_volatility", points([1.0], [0]), None),
        ("prediction_volatility", points([1.0, None, 3.0], [0, 0, 0]), 1.0),
        ("hit_rate", points([1.0, -1.0, 2.0, 0.5], [1.0, 1.0, 0.0, 3.0]), 0.5),
        ("hit_rate", [], None),
        ("ic", points([1.0, 2.0, 3.0], [10.0, 20.0, 30.0]), 1.0),
        ("ic", points([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]), -1.0),
        ("ic", points([1.0, 2.0], [1.0, 2.0]), None),
        ("ic", points([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]), None),
        ("max_drawdown", points([0, 0, 0, 0], [0, 0, 0, 0], [1.0, -3.0, 1.0, -0.5]), 3.0),
        ("max_drawdown", points([0, 0], [0, 0], [-1.0, -1.0]), 2.0),
        ("max_drawdown", points([0, 0], [0, 0], [1.0, 1.0]), 0.0),
        ("max_drawdown", [], None),
        ("prediction_count", points([1.0, None], [0, 0]), 2.0),
    ],
)
def test_built_in_metrics(metric: str, series: list[MetricPoint], expected: float | None) -> None:
    value = METRICS.create(metric).compute(series)
    if expected is None:
        assert value is None
    else:
        assert value == pytest.approx(expected)


def naive_spearman(xs: list[float], ys: list[float]) -> float | None:
    def ranks(values: list[float]) -> list[float]:
        return [
            sum(1 for other in values if other < value)
            + (sum(1 for other in values if other == value) + 1) / 2
            for value in values
        ]

    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    if vx == 0 or vy == 0:
        return None
    return cov / math.sqrt(vx * vy)


small = st.integers(-5, 5).map(float)


@given(st.lists(st.tuples(small, small), min_size=3, max_size=30))
def test_ic_matches_a_naive_spearman(pairs: list[tuple[float, float]]) -> None:
    xs = [x for x, _ in pairs]
    ys = [y for _, y in pairs]
    found = InformationCoefficient().compute(points(list(xs), ys))
    expected = naive_spearman(xs, ys)
    if expected is None:
        assert found is None
    else:
        assert found == pytest.approx(expected, abs=1e-9)
