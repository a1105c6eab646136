"""Applying a scoring function to a batch of resolved predictions, one failure at a time.

A scoring function maps (payload, truth, param) to a float, higher is better. It may also offer
``score_batch(payloads, truths, params)`` returning one value per row, or ``score_columns(values,
truths)`` scoring NumPy arrays of point values (``point_value`` of each payload) against truths;
the score worker uses the most columnar one present (the built-ins offer all three). A row whose
function raises or returns something that is not a finite number fails alone, with a reason; the
batch and the cycle go on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from podium.domain.model import Param
from podium.domain.series import FloatArray

ScoreFunction = Callable[[Mapping[str, Any], float, Param], float]
NON_FINITE = "scoring function returned a non-finite number"


@dataclass(frozen=True, slots=True)
class ScoreOutcome:
    value: float | None
    success: bool
    failed_reason: str | None = None


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    name = type(error).__name__
    return f"{name}: {text}"[:500] if text else name


def check_score(value: Any) -> ScoreOutcome:
    """A successful outcome for a finite number, a failed one for anything else.

    An exception in place of a value (from ``score_batch``) is that row's failure.
    """
    if type(value) is float:  # the common case, first
        if math.isfinite(value):
            return ScoreOutcome(value, True)
        return ScoreOutcome(None, False, NON_FINITE)
    if isinstance(value, BaseException):
        return ScoreOutcome(None, False, _describe(value))
    if isinstance(value, bool):
        return ScoreOutcome(None, False, "scoring function returned bool")
    if not isinstance(value, int | float):
        try:
            number = float(value)  # NumPy scalars and other real numbers
        except (TypeError, ValueError):
            return ScoreOutcome(None, False, f"scoring function returned {type(value).__name__}")
    else:
        number = float(value)
    if not math.isfinite(number):
        return ScoreOutcome(None, False, NON_FINITE)
    return ScoreOutcome(number, True)


def score_batch(
    function: ScoreFunction,
    payloads: Sequence[Mapping[str, Any]],
    truths: Sequence[float],
    params: Sequence[Param],
) -> list[ScoreOutcome]:
    """One outcome per row; never raises because of the scoring function."""
    batch = getattr(function, "score_batch", None)
    if batch is not None:
        try:
            values = list(batch(payloads, truths, params))
        except Exception:
            values = None
        if values is not None and len(values) == len(payloads):
            return [check_score(value) for value in values]
    outcomes = []
    for payload, truth, param in zip(payloads, truths, params, strict=True):
        try:
            outcomes.append(check_score(function(payload, truth, param)))
        except Exception as error:
            outcomes.append(ScoreOutcome(None, False, _describe(error)))
    return outcomes


def point_value(payload: Mapping[str, Any]) -> float:
    """The point estimate of a payload: its value, its distribution's mean, or its samples' mean."""
    if "value" in payload:
        return float(payload["value"])
    distribution = payload.get("distribution")
    if isinstance(distribution, Mapping) and "mean" in distribution:
        return float(distribution["mean"])
    samples = payload.get("samples")
    if isinstance(samples, list) and samples:
        return float(np.mean(np.asarray(samples, dtype=np.float64)))
    raise ValueError("payload has no point value (value, distribution or samples)")


def point_values(payloads: Sequence[Mapping[str, Any]]) -> tuple[FloatArray, dict[int, Exception]]:
    """Each payload's ``point_value`` (0.0 where it has none) and the error of each such row."""
    # The common shape, {"value": <float>}, in one pass; anything else row by row.
    values = [
        value if type(value) is float else None
        for value in (
            payload.get("value") if type(payload) is dict else None for payload in payloads
        )
    ]
    errors: dict[int, Exception] = {}
    for index, value in enumerate(values):
        if value is None:
            try:
                values[index] = point_value(payloads[index])
            except (ValueError, TypeError) as error:
                values[index] = 0.0
                errors[index] = error
    return np.asarray(values, dtype=np.float64), errors


@dataclass(frozen=True, slots=True)
class ScoredColumns:
    """Scores of a batch: ``values`` (NaN where a row failed) and the reason of each failure."""

    values: FloatArray
    failures: dict[int, str]

    @property
    def success(self) -> npt.NDArray[np.bool_]:
        return ~np.isnan(self.values)


def _columnar(
    function: ScoreFunction, payloads: Sequence[Mapping[str, Any]], truths: FloatArray
) -> ScoredColumns | None:
    score_columns = getattr(function, "score_columns", None)
    if score_columns is None:
        return None
    values, errors = point_values(payloads)
    try:
        scores = np.array(score_columns(values, truths), dtype=np.float64)
    except Exception:
        return None  # the per-row protocol decides, row by row
    if scores.shape != values.shape:
        return None
    failures = {index: _describe(error) for index, error in errors.items()}
    bad = ~np.isfinite(scores)
    bad[list(errors)] = False
    failures.update(dict.fromkeys(np.flatnonzero(bad).tolist(), NON_FINITE))
    scores[list(failures)] = np.nan
    return ScoredColumns(scores, failures)


def score_columns(
    function: ScoreFunction,
    payloads: Sequence[Mapping[str, Any]],
    truths: FloatArray,
    params: Callable[[], Sequence[Param]],
) -> ScoredColumns:
    """``score_batch`` for a batch of columns: ``score_columns`` when the function has it.

    Equal, row for row, to the per-row protocol. ``params`` builds the per-row params only when
    the per-row protocol is used.
    """
    scored = _columnar(function, payloads, truths)
    if scored is not None:
        return scored
    outcomes = score_batch(function, payloads, truths.tolist(), params())
    return ScoredColumns(
        np.array([np.nan if item.value is None else item.value for item in outcomes]),
        {
            index: item.failed_reason or "unknown"
            for index, item in enumerate(outcomes)
            if not item.success
        },
    )
