"""Instants as Podium stores them: integer epoch milliseconds, UTC.

Every stored time is an ``int`` of milliseconds since the Unix epoch; ``datetime`` appears only at
the edges (API schemas, CLI). Integers compare, bucket and index the same way on SQLite and
PostgreSQL and cost nothing to convert in bulk.
"""

from __future__ import annotations

from datetime import UTC, datetime

MS_PER_SECOND = 1_000
MS_PER_MINUTE = 60 * MS_PER_SECOND
MS_PER_HOUR = 60 * MS_PER_MINUTE
MS_PER_DAY = 24 * MS_PER_HOUR


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * MS_PER_SECOND + delta.microseconds // 1_000


def from_ms(epoch_ms: int) -> datetime:
    """The aware UTC datetime of epoch milliseconds."""
    return datetime.fromtimestamp(epoch_ms / MS_PER_SECOND, tz=UTC)


def floor_to(epoch_ms: int, step_ms: int) -> int:
    """The start of the ``step_ms``-long bucket holding ``epoch_ms``."""
    return epoch_ms - epoch_ms % step_ms
