"""Roll-ups: a batch of new scores folded into per model, param and time-bucket sums.

The score worker adds these deltas to the stored roll-ups, so windows are computed from a
bounded number of buckets instead of the whole history of scores.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from podium.domain.timestamps import floor_to


@dataclass(frozen=True, slots=True)
class ScoredRow:
    model_id: str
    param_id: str
    scored_for_ms: int
    value: float | None
    success: bool


@dataclass(slots=True)
class RollupDelta:
    model_id: str
    param_id: str
    bucket_start: int
    count: int = 0
    total: float = 0.0
    failed: int = 0


def rollup_deltas(rows: Iterable[ScoredRow], bucket_ms: int) -> list[RollupDelta]:
    """Sum the rows per (model, param, bucket), in a stable order."""
    deltas: dict[tuple[str, str, int], RollupDelta] = {}
    for row in rows:
        key = (row.model_id, row.param_id, floor_to(row.scored_for_ms, bucket_ms))
        delta = deltas.get(key)
        if delta is None:
            delta = deltas[key] = RollupDelta(*key)
        if row.success and row.value is not None:
            delta.count += 1
            delta.total += row.value
        else:
            delta.failed += 1
    return [deltas[key] for key in sorted(deltas)]
