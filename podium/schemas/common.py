"""Field types every schema shares: instants, durations, identifiers, strict models.

- An **instant** is given as an ISO 8601 string (``2026-01-01T00:00:00Z``; no offset means UTC)
  or as integer epoch milliseconds, and is always returned as ISO 8601 UTC.
- A **duration** is a number of seconds or a string with a unit: ``"500ms"``, ``"30s"``,
  ``"15m"``, ``"24h"``, ``"7d"``; it is returned in the largest of ``h``, ``m``, ``s``, ``ms``
  that divides it exactly (``"168h"`` for a week).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
)

from podium.domain.timestamps import from_ms, to_ms

_UNITS_MS = {"ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_MAX_MS = 10**15  # ~31,000 years: the range that fits in BIGINT with room to spare
# The instants a datetime can hold (years 1 to 9999), in epoch milliseconds.
_FIRST_INSTANT_MS = -62_135_596_800_000
_LAST_INSTANT_MS = 253_402_300_799_999


STRICT_CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class StrictModel(BaseModel):
    """Unknown fields are refused and NaN/Infinity never pass as numbers."""

    model_config = STRICT_CONFIG


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def parse_instant(value: Any) -> datetime:
    if isinstance(value, bool):
        raise ValueError("an instant is an ISO 8601 string or epoch milliseconds")
    if isinstance(value, int | float):
        if not _FIRST_INSTANT_MS <= value <= _LAST_INSTANT_MS:
            raise ValueError("epoch milliseconds out of range (years 1 to 9999)")
        return from_ms(int(value))
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return parse_instant(int(text))
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 instant") from None
    else:
        raise ValueError("an instant is an ISO 8601 string or epoch milliseconds")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_instant_ms(value: Any) -> int:
    """Epoch milliseconds of an instant read as ``Instant`` reads it (ISO 8601 or epoch ms).

    Integer epoch milliseconds, the common case in bulk ingest, are returned as they are,
    without a round trip through ``datetime``.
    """
    if type(value) is int and _FIRST_INSTANT_MS <= value <= _LAST_INSTANT_MS:
        return value
    return to_ms(parse_instant(value))


def _instant_out(value: datetime) -> str:
    text = value.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def instant_text(epoch_ms: int) -> str:
    """Epoch milliseconds as an ``Instant`` is written in JSON (ISO 8601 UTC)."""
    return _instant_out(from_ms(epoch_ms))


Instant = Annotated[
    datetime,
    BeforeValidator(parse_instant),
    PlainSerializer(_instant_out, return_type=str, when_used="json"),
]


def instant_ms(value: datetime) -> int:
    return to_ms(value)


InstantMs = Annotated[int, PlainValidator(parse_instant_ms, json_schema_input_type=int | str)]
"""An instant read like ``Instant`` (ISO 8601 or epoch ms), kept as epoch milliseconds."""


def parse_duration_ms(value: Any) -> int:
    """Milliseconds of a duration given in seconds or with a unit."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string like '15m'")
    if isinstance(value, int | float):
        milliseconds = round(float(value) * 1_000)
    elif isinstance(value, str):
        match = _DURATION.match(value)
        if match is None:
            raise ValueError(f"{value!r} is not a duration like '500ms', '30s', '15m', '24h', '7d'")
        milliseconds = round(float(match[1]) * _UNITS_MS[match[2]])
    else:
        raise ValueError("a duration is a number of seconds or a string like '15m'")
    if not 0 < milliseconds < _MAX_MS:
        raise ValueError("a duration must be positive and less than 30,000 years")
    return milliseconds


def format_duration(milliseconds: int) -> str:
    """The duration in the largest of h, m, s, ms that divides it (hours, as hosts count windows)."""
    for unit in ("h", "m", "s"):
        if milliseconds % _UNITS_MS[unit] == 0:
            return f"{milliseconds // _UNITS_MS[unit]}{unit}"
    return f"{milliseconds}ms"


Duration = Annotated[int, BeforeValidator(parse_duration_ms)]
"""A duration in milliseconds, read from seconds or a string with a unit."""

Identifier = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@/+-]*$"),
]
"""Ids of players, models, params and predictions: letters, digits and ``_.:@/+-``."""

Slug = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
]
"""Ids that appear in URLs and leaderboard ids (competitions): letters, digits, ``_`` and ``-``."""

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
