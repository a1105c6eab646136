"""Built-in scoring functions of prediction tournaments. Every score is "higher is better".

==========  ===========================================================  =====================
id          score of one prediction (``v`` its point value, ``y`` truth)   payloads
==========  ===========================================================  =====================
mse         ``-(v - y)²`` — windows average it to the negated MSE          point, distribution
                                                                           (its mean), samples
mae         ``-|v - y|`` — windows average it to the negated MAE           same
direction   ``1`` when ``v`` and ``y`` have the same sign, else ``0``      same
            (a hit rate once averaged; ``y = 0`` is never a hit)
pnl         profit of a unit position: ``sign(v) · y``; with               same
            ``{"sizing": "linear"}``, ``v · y``
crps        ``-CRPS``: the continuous ranked probability score of a        distribution,
            normal distribution (closed form) or of an ensemble of          samples, point
            samples; for a point value it is ``-|v - y|``                   (as a step CDF)
==========  ===========================================================  =====================

Losses are negated, as scikit-learn does with ``neg_mean_squared_error``, so that every ranking
rule can sort "higher first". Each class but ``crps`` also scores whole columns with NumPy
(``score_columns``, see ``podium.domain.scoring``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from podium.domain.model import Param
from podium.domain.scoring import point_value as point_value  # re-exported: public before
from podium.domain.scoring import point_values
from podium.domain.series import FloatArray


class _PointScore:
    """A score computed from the point estimate and the truth, vectorised over a batch."""

    def _scores(self, values: FloatArray, truths: FloatArray) -> FloatArray:
        raise NotImplementedError

    def __call__(self, payload: Mapping[str, Any], truth: float, param: Param) -> float:
        values = np.asarray([point_value(payload)], dtype=np.float64)
        return float(self._scores(values, np.asarray([truth], dtype=np.float64))[0])

    def score_columns(self, values: FloatArray, truths: FloatArray) -> FloatArray:
        """The columnar protocol: one score per (point value, truth)."""
        return self._scores(values, truths)

    def score_batch(
        self,
        payloads: Sequence[Mapping[str, Any]],
        truths: Sequence[float],
        params: Sequence[Param],
    ) -> list[float | Exception]:
        estimates, failures = point_values(payloads)
        scores: list[float | Exception] = list(
            self._scores(estimates, np.asarray(truths, dtype=np.float64)).tolist()
        )
        for index, failure in failures.items():
            scores[index] = failure
        return scores


class SquaredError(_PointScore):
    def _scores(self, values: FloatArray, truths: FloatArray) -> FloatArray:
        return -np.square(values - truths)


class AbsoluteError(_PointScore):
    def _scores(self, values: FloatArray, truths: FloatArray) -> FloatArray:
        return -np.abs(values - truths)


class DirectionHit(_PointScore):
    def _scores(self, values: FloatArray, truths: FloatArray) -> FloatArray:
        return (values * truths > 0).astype(np.float64)


class ProfitAndLoss(_PointScore):
    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        sizing: Literal["sign", "linear"] = "sign"

    def __init__(self, sizing: Literal["sign", "linear"] = "sign") -> None:
        self.sizing = sizing

    def _scores(self, values: FloatArray, truths: FloatArray) -> FloatArray:
        position = np.sign(values) if self.sizing == "sign" else values
        return position * truths


_SQRT_PI = math.sqrt(math.pi)


def crps_normal(mean: float, std: float, truth: float) -> float:
    """CRPS of N(mean, std²) at ``truth`` (Gneiting & Raftery, 2007)."""
    z = (truth - mean) / std
    cdf = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
    pdf = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return std * (z * (2.0 * cdf - 1.0) + 2.0 * pdf - 1.0 / _SQRT_PI)


def crps_samples(samples: Sequence[float], truth: float) -> float:
    """CRPS of the empirical distribution of ``samples``: E|X - y| - ½ E|X - X'|."""
    ordered = np.sort(np.asarray(samples, dtype=np.float64))
    n = ordered.size
    spread = np.abs(ordered - truth).mean()
    weights = 2.0 * np.arange(1, n + 1) - n - 1
    pairwise = 2.0 * float(np.dot(weights, ordered)) / (n * n)
    return float(spread - 0.5 * pairwise)


class ContinuousRankedProbabilityScore:
    def __call__(self, payload: Mapping[str, Any], truth: float, param: Param) -> float:
        distribution = payload.get("distribution")
        if isinstance(distribution, Mapping) and distribution.get("type") == "normal":
            return -crps_normal(float(distribution["mean"]), float(distribution["std"]), truth)
        samples = payload.get("samples")
        if isinstance(samples, list) and samples:
            return -crps_samples(samples, truth)
        if "value" in payload:
            return -abs(float(payload["value"]) - truth)
        raise ValueError("crps needs a distribution, samples or a value in the payload")
