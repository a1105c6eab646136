"""Roll-ups: a batch of new scores folded into per model, param and time-bucket sums.

The score worker adds these deltas to the stored roll-ups, so windows are computed from a
bounded number of buckets instead of the whole history of scores. ``rollup_columns`` is the same
fold over columns (a ``np.unique`` and three ``bincount``s); each sum adds the same values in the
same order as ``rollup_deltas``, so both give bit-identical totals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from podium.domain.due_batch import Labels
from podium.domain.series import FloatArray, IntArray
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


def rollup_columns(
    model: Labels, param: Labels, scored_for_ms: IntArray, values: FloatArray, bucket_ms: int
) -> list[RollupDelta]:
    """``rollup_deltas`` of columns: ``values`` is NaN where the row failed."""
    if not len(model):
        return []
    buckets, bucket_codes = np.unique(
        scored_for_ms - scored_for_ms % bucket_ms, return_inverse=True
    )
    pair = model.codes * len(param.names) + param.codes
    keys, rows = np.unique(pair * buckets.size + bucket_codes, return_inverse=True)
    success = ~np.isnan(values)
    counts = np.bincount(rows[success], minlength=keys.size).tolist()
    totals = np.bincount(rows[success], weights=values[success], minlength=keys.size)
    totals = totals.astype(np.float64).tolist()  # bincount of nothing is of integers
    failed = np.bincount(rows[~success], minlength=keys.size).tolist()
    pairs, bucket_of = np.divmod(keys, buckets.size)
    models, params = np.divmod(pairs, len(param.names))
    deltas = [
        RollupDelta(model.names[m], param.names[p], bucket, count, total, fails)
        for m, p, bucket, count, total, fails in zip(
            models.tolist(),
            params.tolist(),
            buckets[bucket_of].tolist(),
            counts,
            totals,
            failed,
            strict=True,
        )
    ]
    deltas.sort(key=lambda delta: (delta.model_id, delta.param_id, delta.bucket_start))
    return deltas
