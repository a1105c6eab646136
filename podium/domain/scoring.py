"""Applying a scoring function to a batch of resolved predictions, one failure at a time.

A scoring function maps (payload, truth, param) to a float, higher is better. It may also offer
``score_batch(payloads, truths, params)`` returning one value per row, which is used when present
(the built-ins do it with NumPy). A row whose function raises or returns something that is not a
finite number fails alone, with a reason; the batch and the cycle go on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from podium.domain.model import Param

ScoreFunction = Callable[[Mapping[str, Any], float, Param], float]


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
        return ScoreOutcome(None, False, "scoring function returned a non-finite number")
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
        return ScoreOutcome(None, False, "scoring function returned a non-finite number")
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
