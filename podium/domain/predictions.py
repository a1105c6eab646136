"""Predictions: their life cycle and the shapes of their payloads.

A prediction is ``PENDING`` until the score worker resolves its ground truth and scores it:
``SCORED`` on success, ``FAILED`` when the scoring function raised or returned junk (that
prediction only; the cycle goes on), ``EXPIRED`` when its truth could not be resolved within the
competition's grace period.

A payload is a JSON object. Podium knows three shapes and checks them at ingest; any other keys
are kept for custom scoring functions:

- a point value: ``{"value": 0.012}`` (a bare number is accepted and stored in this form);
- a normal distribution: ``{"distribution": {"type": "normal", "mean": 0.01, "std": 0.02}}``;
- an ensemble of samples: ``{"samples": [0.01, 0.013, -0.002]}``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from podium.domain.model import Param

MAX_SAMPLES = 10_000


class PredictionStatus(StrEnum):
    PENDING = "PENDING"
    SCORED = "SCORED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"


class PayloadError(ValueError):
    """A payload that does not have one of the known shapes; the message says what is wrong."""


def _finite_number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"{where} must be a number")
    number = float(value)
    if not math.isfinite(number):
        raise PayloadError(f"{where} must be a finite number")
    return number


def normalize_payload(raw: Any) -> dict[str, Any]:
    """The stored form of a prediction payload, or ``PayloadError`` naming the bad part."""
    if type(raw) is dict and len(raw) == 1:
        # The common point value ``{"value": <float>}`` is already in its stored form.
        value = raw.get("value")
        if type(value) is float and math.isfinite(value):
            return {"value": value}
    if isinstance(raw, bool):
        raise PayloadError("payload must be a number or an object")
    if isinstance(raw, int | float):
        return {"value": _finite_number(raw, "payload")}
    if not isinstance(raw, Mapping):
        raise PayloadError("payload must be a number or an object")
    payload = dict(raw)
    if not payload:
        raise PayloadError("payload must not be empty")
    if "value" in payload:
        payload["value"] = _finite_number(payload["value"], "payload.value")
    if "distribution" in payload:
        payload["distribution"] = _normal_distribution(payload["distribution"])
    if "samples" in payload:
        payload["samples"] = _samples(payload["samples"])
    _check_other_keys(payload)
    return payload


_KNOWN_KEYS = frozenset(("value", "distribution", "samples"))


def _check_other_keys(payload: Mapping[str, Any]) -> None:
    """Other keys are kept as they are, but must be storable on every backend as they came.

    No NUL character in a string or a key (PostgreSQL's ``jsonb`` refuses it) and no NaN or
    infinity (JSON has none: they would be stored as ``null``, and a retry of the same row
    would then differ from the stored one).
    """
    pending = [
        (f"payload.{key}", value) for key, value in payload.items() if key not in _KNOWN_KEYS
    ]
    while pending:
        where, value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise PayloadError(f"{where} must not contain the NUL character")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise PayloadError(f"{where} must be a finite number")
        elif isinstance(value, Mapping):
            for key, item in value.items():
                if "\x00" in str(key):
                    raise PayloadError(f"{where} has a key with the NUL character")
                pending.append((f"{where}.{key}", item))
        elif isinstance(value, list):
            pending.extend((f"{where}[{index}]", item) for index, item in enumerate(value))
    for key in payload:
        if "\x00" in str(key):
            raise PayloadError("payload has a key with the NUL character")


def _normal_distribution(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise PayloadError("payload.distribution must be an object")
    if raw.get("type") != "normal":
        raise PayloadError('payload.distribution.type must be "normal"')
    mean = _finite_number(raw.get("mean"), "payload.distribution.mean")
    std = _finite_number(raw.get("std"), "payload.distribution.std")
    if std <= 0:
        raise PayloadError("payload.distribution.std must be positive")
    return {"type": "normal", "mean": mean, "std": std}


def _samples(raw: Any) -> list[float]:
    if not isinstance(raw, list) or not raw:
        raise PayloadError("payload.samples must be a non-empty list of numbers")
    if len(raw) > MAX_SAMPLES:
        raise PayloadError(f"payload.samples holds at most {MAX_SAMPLES} numbers")
    return [_finite_number(value, f"payload.samples[{index}]") for index, value in enumerate(raw)]


@dataclass(frozen=True, slots=True)
class DuePrediction:
    """A pending prediction whose ``resolvable_at`` has passed, as the score worker sees it."""

    pk: int
    id: str
    model_id: str
    param: Param
    payload: Mapping[str, Any]
    performed_at: int
    resolvable_at: int
