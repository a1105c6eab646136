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


@dataclass(frozen=True, slots=True)
class RollupColumns:
    """Roll-up deltas as columns, one row per (model, param, bucket), in that key's order."""

    model_id: list[str]
    param_id: list[str]
    bucket_start: list[int]
    count: list[int]
    total: list[float]
    failed: list[int]

    def __len__(self) -> int:
        return len(self.model_id)

    @classmethod
    def of(cls, deltas: Iterable[RollupDelta]) -> RollupColumns:
        ordered = sorted(
            deltas, key=lambda delta: (delta.model_id, delta.param_id, delta.bucket_start)
        )
        return cls(
            [delta.model_id for delta in ordered],
            [delta.param_id for delta in ordered],
            [delta.bucket_start for delta in ordered],
            [delta.count for delta in ordered],
            [delta.total for delta in ordered],
            [delta.failed for delta in ordered],
        )

    def deltas(self) -> list[RollupDelta]:
        return [
            RollupDelta(*row)
            for row in zip(
                self.model_id,
                self.param_id,
                self.bucket_start,
                self.count,
                self.total,
                self.failed,
                strict=True,
            )
        ]

    def from_bucket(self, bucket_start: int) -> RollupColumns:
        """The rows of buckets from ``bucket_start`` on, in the same order."""
        keep = [index for index, start in enumerate(self.bucket_start) if start >= bucket_start]
        if len(keep) == len(self):
            return self
        return RollupColumns(
            [self.model_id[index] for index in keep],
            [self.param_id[index] for index in keep],
            [self.bucket_start[index] for index in keep],
            [self.count[index] for index in keep],
            [self.total[index] for index in keep],
            [self.failed[index] for index in keep],
        )

    def totals(self) -> RollupColumns:
        """Summed over buckets per (model, param) (``bucket_start`` 0), bucket by bucket."""
        index: dict[tuple[str, str], int] = {}
        codes = np.asarray(
            [
                index.setdefault(pair, len(index))
                for pair in zip(self.model_id, self.param_id, strict=True)
            ],
            dtype=np.int64,
        )
        size = len(index)
        return RollupColumns(
            [model for model, _ in index],
            [param for _, param in index],
            [0] * size,
            np.bincount(codes, weights=self.count, minlength=size).astype(np.int64).tolist(),
            np.bincount(codes, weights=self.total, minlength=size).astype(np.float64).tolist(),
            np.bincount(codes, weights=self.failed, minlength=size).astype(np.int64).tolist(),
        )


def _ranks(names: list[str]) -> IntArray:
    """The position of each name in sorted order."""
    ranks = np.empty(len(names), dtype=np.int64)
    ranks[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    return ranks


def rollup_columns(
    model: Labels, param: Labels, scored_for_ms: IntArray, values: FloatArray, bucket_ms: int
) -> RollupColumns:
    """``rollup_deltas`` of columns (``values`` is NaN where the row failed), as columns."""
    if not len(model):
        return RollupColumns([], [], [], [], [], [])
    buckets, bucket_codes = np.unique(
        scored_for_ms - scored_for_ms % bucket_ms, return_inverse=True
    )
    model_rank = _ranks(model.names)
    param_rank = _ranks(param.names)
    pair = model_rank[model.codes] * len(param.names) + param_rank[param.codes]
    # Keys built from sorted ranks: np.unique returns them in (model, param, bucket) order.
    keys, rows = np.unique(pair * buckets.size + bucket_codes, return_inverse=True)
    success = ~np.isnan(values)
    totals = np.bincount(rows[success], weights=values[success], minlength=keys.size)
    pairs, bucket_of = np.divmod(keys, buckets.size)
    models, params = np.divmod(pairs, len(param.names))
    model_names = sorted(model.names)
    param_names = sorted(param.names)
    return RollupColumns(
        [model_names[index] for index in models.tolist()],
        [param_names[index] for index in params.tolist()],
        buckets[bucket_of].tolist(),
        np.bincount(rows[success], minlength=keys.size).tolist(),
        totals.astype(np.float64).tolist(),  # bincount of nothing is of integers
        np.bincount(rows[~success], minlength=keys.size).tolist(),
    )
