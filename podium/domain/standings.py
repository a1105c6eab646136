"""The candidates of one leaderboard as columns, and their ranking in columns.

A leaderboard of 1,000 models is built every cycle for ``overall`` and for each asset, so the
built-in rankers also rank columns (``rank_columns``: one ``np.lexsort``) instead of one
``Model`` per row. ``Standings`` holds one row per candidate: its three window scores (NaN where
the model has no score in that window, as ``None`` is in ``WindowScores``) and its prediction
count. The order of a ranking depends only on the keys and then on ``model_id``, as
``rank_by_key`` does; ``tiebreak`` is each row's position in the sorted model ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from podium.domain.series import FloatArray, IntArray
from podium.domain.windows import WINDOW_NAMES


@dataclass(frozen=True, slots=True)
class Standings:
    """Candidates of one leaderboard: ``scores[w, i]`` is row ``i``'s mean in window ``w``.

    Windows in ``WINDOW_NAMES`` order; NaN means no score in that window (never a score that
    is itself NaN: a table with one is ranked through ``Model`` objects instead).
    """

    model: IntArray  # row → index of the model in the roster
    tiebreak: IntArray  # row → position of its model_id among the sorted ids (distinct)
    scores: FloatArray  # (3, rows)
    prediction_count: IntArray

    def __len__(self) -> int:
        return int(self.model.size)

    def window(self, name: str) -> FloatArray:
        values: FloatArray = self.scores[WINDOW_NAMES.index(name)]
        return values

    def take(self, rows: IntArray) -> Standings:
        return Standings(
            model=self.model[rows],
            tiebreak=self.tiebreak[rows],
            scores=self.scores[:, rows],
            prediction_count=self.prediction_count[rows],
        )


@dataclass(frozen=True, slots=True)
class ColumnRanking:
    """Rows of a ``Standings`` in leaderboard order, with their ranks (and combined scores)."""

    order: IntArray
    rank: IntArray
    combined: FloatArray | None = None  # per row of ``order``; NaN: none (``None``)

    def __len__(self) -> int:
        return int(self.order.size)

    def of_rows(self, rows: IntArray) -> ColumnRanking:
        """This ranking of a subset (``rows`` of a larger ``Standings``) in that one's rows."""
        return ColumnRanking(order=rows[self.order], rank=self.rank, combined=self.combined)


def rank_rows_by_keys(
    keys: Sequence[FloatArray], tiebreak: IntArray, *, ties: str
) -> tuple[IntArray, IntArray]:
    """``rank_by_key`` in columns: ``(order, rank)`` of rows sorted by ``keys`` ascending.

    ``keys[0]`` first, then the next ones, then ``tiebreak``; NaN-free keys, so a float compares
    as it does in a tuple (``-0.0 == 0.0``, ``inf`` last). ``ties="shared"`` gives equal keys
    the rank of the first of them ("1224"), ``"ordered"`` every row its own.
    """
    order = np.lexsort((tiebreak, *reversed(keys))).astype(np.int64)
    count = order.size
    places = np.arange(1, count + 1, dtype=np.int64)
    if ties == "ordered" or count < 2:
        return order, places
    differs = np.zeros(count - 1, dtype=bool)
    for key in keys:
        ranked = key[order]
        differs |= ranked[1:] != ranked[:-1]
    starts = np.concatenate(([True], differs))
    return order, np.maximum.accumulate(np.where(starts, places, 0))
