"""Time series of ground truth, and "as of" lookups in them.

The value of a series at an instant ``t`` is its latest point at or before ``t``, provided that
point is at most ``max_age_ms`` old; otherwise the value is unknown (NaN). This is how a price
feed is read at a prediction's ``performed_at`` and ``resolvable_at``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class TimeSeries:
    """Points sorted by time: ``ts`` (epoch ms, strictly increasing) and their ``values``."""

    ts: IntArray
    values: FloatArray

    @classmethod
    def empty(cls) -> TimeSeries:
        return cls(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))

    @classmethod
    def from_points(cls, points: list[tuple[int, float]]) -> TimeSeries:
        if not points:
            return cls.empty()
        ts, values = zip(*sorted(points), strict=True)
        return cls(np.asarray(ts, dtype=np.int64), np.asarray(values, dtype=np.float64))

    def __len__(self) -> int:
        return int(self.ts.size)

    def as_of(self, instants: npt.ArrayLike, max_age_ms: int) -> FloatArray:
        """The value at each instant (NaN where no point is recent enough)."""
        at = np.asarray(instants, dtype=np.int64)
        result = np.full(at.shape, np.nan, dtype=np.float64)
        if self.ts.size == 0 or at.size == 0:
            return result
        index = np.searchsorted(self.ts, at, side="right") - 1
        found = index >= 0
        safe = np.where(found, index, 0)
        fresh = found & (at - self.ts[safe] <= max_age_ms)
        result[fresh] = self.values[safe[fresh]]
        return result
