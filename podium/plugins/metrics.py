"""Built-in metrics: what a leaderboard's scores do not show, measured per model over a window.

=====================  ==================================================================
id                     value over the model's scored predictions in the window
=====================  ==================================================================
prediction_volatility  population standard deviation of the predicted values (the host's
                       guide's example); ``None`` under 2 predictions
hit_rate               share of predictions whose sign matches the outcome's (0 never hits)
ic                     information coefficient: Spearman rank correlation of predictions and
                       outcomes over the whole window (not per batch); ``None`` under
                       ``min_points`` (default 3) or when either side is constant
max_drawdown           largest fall of the cumulative score from a previous peak (≥ 0)
prediction_count       number of scored predictions
=====================  ==================================================================

Each is a class with ``compute(points) -> float | None``; points come in ``resolvable_at``
order. The window is set per metric in the competition's ``metrics`` list, not here. A class
attribute ``format`` (a dashboard number format, default ``"decimal-4"``) tells
``GET /reports/schema`` how to show its values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from podium.domain.series import FloatArray
from podium.plugins.protocols import MetricPoint


def _values(points: Sequence[MetricPoint]) -> list[float]:
    return [point.value for point in points if point.value is not None]


class PredictionVolatility:
    def compute(self, points: Sequence[MetricPoint]) -> float | None:
        values = _values(points)
        if len(values) < 2:
            return None
        return float(np.std(np.asarray(values, dtype=np.float64)))


class HitRate:
    format = "percentage"

    def compute(self, points: Sequence[MetricPoint]) -> float | None:
        pairs = [(point.value, point.truth) for point in points if point.value is not None]
        if not pairs:
            return None
        hits = sum(1 for value, truth in pairs if value * truth > 0)
        return hits / len(pairs)


def _ranks(values: FloatArray) -> FloatArray:
    """Ranks 1..n, ties given their mean rank (as Spearman's coefficient wants)."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=np.float64)
    sorted_values = values[order]
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


class InformationCoefficient:
    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")

        min_points: int = Field(3, ge=2, description="Fewer points give no value")

    def __init__(self, min_points: int = 3) -> None:
        self.min_points = min_points

    def compute(self, points: Sequence[MetricPoint]) -> float | None:
        pairs = [(point.value, point.truth) for point in points if point.value is not None]
        if len(pairs) < self.min_points:
            return None
        values = np.asarray([value for value, _ in pairs], dtype=np.float64)
        truths = np.asarray([truth for _, truth in pairs], dtype=np.float64)
        value_ranks, truth_ranks = _ranks(values), _ranks(truths)
        if np.all(value_ranks == value_ranks[0]) or np.all(truth_ranks == truth_ranks[0]):
            return None
        return float(np.corrcoef(value_ranks, truth_ranks)[0, 1])


class MaxDrawdown:
    def compute(self, points: Sequence[MetricPoint]) -> float | None:
        if not points:
            return None
        cumulative = np.cumsum(np.asarray([point.score for point in points], dtype=np.float64))
        peaks = np.maximum.accumulate(np.concatenate(([0.0], cumulative)))[1:]
        return float(np.max(peaks - cumulative))


class PredictionCount:
    format = "integer"

    def compute(self, points: Sequence[MetricPoint]) -> float | None:
        return float(len(points))
