"""Score roll-ups, all-time totals, and model score snapshots.

Windows are computed by one ``GROUP BY`` over the roll-up buckets the widest window needs, with
one conditional sum per window: the cost depends on models × params × buckets per window, not on
how many predictions were ever scored.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Row, delete, select
from sqlalchemy.orm import Session

from podium.domain.predictions import PredictionStatus
from podium.domain.rollups import RollupColumns, RollupDelta, ScoredRow
from podium.domain.score_table import CountColumns, SnapshotColumns, WindowColumns
from podium.domain.timestamps import floor_to
from podium.domain.windows import WINDOW_NAMES, WindowSpec
from podium.store.database import fetch_columns, insert_rows, json_text, number_array
from podium.store.tables import (
    ModelScoreSnapshotRow,
    PredictionOutcomeRow,
    PredictionRow,
    ScoreRollupRow,
    ScoreTotalRow,
)


@dataclass(frozen=True, slots=True)
class ScoreTotals:
    count: int
    total: float
    failed: int


@dataclass(frozen=True, slots=True)
class _Upsert:
    sqlite: str
    postgresql: str


def _upsert(table: str, keys: tuple[str, ...], types: dict[str, str]) -> _Upsert:
    """``INSERT … ON CONFLICT (keys) DO UPDATE`` adding count, total and failed."""
    names = (*keys, "count", "total", "failed")
    add = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in names[-3:])
    conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {add}"
    arrays = ", ".join(f"%s::{types[name]}[]" for name in names)
    # Table and column names are constants of this module, never input.
    insert = f"INSERT INTO {table} ({', '.join(names)})"
    values = f"VALUES ({', '.join('?' for _ in names)})"
    return _Upsert(
        sqlite=f"{insert} {values} {conflict}",
        postgresql=f"{insert} SELECT * FROM unnest({arrays}) {conflict}",  # noqa: S608
    )


_TYPES = {
    "competition_id": "varchar",
    "model_id": "varchar",
    "param_id": "varchar",
    "bucket_start": "bigint",
    "count": "bigint",
    "total": "float8",
    "failed": "bigint",
}
_ROLLUPS = _upsert(
    "score_rollups", ("competition_id", "model_id", "param_id", "bucket_start"), _TYPES
)
_SCORED_STATUSES = (PredictionStatus.SCORED.value, PredictionStatus.FAILED.value)
_TOTALS = _upsert("score_totals", ("competition_id", "model_id", "param_id"), _TYPES)

# One conditional count and sum per window (recent, steady, anchor), over the buckets of the
# widest window: one range of the window index (on SQLite it covers the sums, see tables.py).
_WINDOW_SUMS = (
    "SELECT model_id, param_id, "  # noqa: S608 (constants only)
    + ", ".join(
        "sum(CASE WHEN bucket_start >= {p} THEN count ELSE 0 END){count_type}, "
        "sum(CASE WHEN bucket_start >= {p} THEN total ELSE 0.0 END)"
        for _ in WINDOW_NAMES
    )
    + " FROM score_rollups WHERE competition_id = {p} AND bucket_start >= {p} "
    "AND bucket_start <= {p} GROUP BY model_id, param_id"
)
_WINDOW_SUMS_SQLITE = _WINDOW_SUMS.format(p="?", count_type="")
# PostgreSQL sums bigints into numerics: cast back, so that no Decimal is made per value.
_WINDOW_SUMS_POSTGRESQL = _WINDOW_SUMS.format(p="%s", count_type="::bigint")
_SNAPSHOT_COLUMNS = (
    "competition_id",
    "model_id",
    "performed_at",
    "score_recent",
    "score_steady",
    "score_anchor",
    "prediction_count",
    "scores_by_param",
)


class ScoreRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_rollups(
        self, competition_id: str, deltas: Sequence[RollupDelta], *, kept_from: int | None = None
    ) -> None:
        """Add a batch's deltas to the roll-ups and the all-time totals (see ``add_rollup_columns``)."""
        self.add_rollup_columns(competition_id, RollupColumns.of(deltas), kept_from=kept_from)

    def add_rollup_columns(
        self, competition_id: str, rollups: RollupColumns, *, kept_from: int | None = None
    ) -> None:
        """Add a batch's roll-ups and their all-time totals, one statement each.

        Buckets before ``kept_from`` are added to the totals only (no window reads them).
        Rows are sent in key order, so that concurrent writers lock them in the same order.
        """
        if not len(rollups):
            return
        self.add_buckets(
            competition_id, rollups if kept_from is None else rollups.from_bucket(kept_from)
        )
        self._add(_TOTALS, competition_id, rollups.totals(), with_bucket=False)

    def add_buckets(self, competition_id: str, rollups: RollupColumns) -> None:
        """Add to the roll-ups only (the totals already count these scores)."""
        if len(rollups):
            self._add(_ROLLUPS, competition_id, rollups, with_bucket=True)

    def delete_rollups(
        self, competition_id: str, *, start: int | None = None, end: int | None = None
    ) -> int:
        """Delete the roll-ups of buckets in ``[start, end)`` (unbounded where ``None``).

        One range of the window index: its cost is the rows deleted, not the history's length.
        """
        bucket = ScoreRollupRow.bucket_start
        statement = delete(ScoreRollupRow).where(ScoreRollupRow.competition_id == competition_id)
        if start is not None:
            statement = statement.where(bucket >= start)
        if end is not None:
            statement = statement.where(bucket < end)
        deleted: int = self.session.execute(statement).rowcount  # type: ignore[attr-defined]
        return deleted

    def delete_totals(self, competition_id: str) -> None:
        self.session.execute(
            delete(ScoreTotalRow).where(ScoreTotalRow.competition_id == competition_id)
        )

    def stored_scores(
        self,
        competition_id: str,
        *,
        after_pk: int,
        limit: int,
        resolvable_from: int | None = None,
        resolvable_before: int | None = None,
    ) -> tuple[int, list[ScoredRow]]:
        """The next ``limit`` scored or failed predictions after ``after_pk``, in key order,
        with the last key read (``after_pk`` when there are none)."""
        where = [
            PredictionRow.competition_id == competition_id,
            PredictionOutcomeRow.status.in_(_SCORED_STATUSES),
            PredictionRow.pk > after_pk,
        ]
        if resolvable_from is not None:
            where.append(PredictionRow.resolvable_at >= resolvable_from)
        if resolvable_before is not None:
            where.append(PredictionRow.resolvable_at < resolvable_before)
        rows = list(
            self.session.execute(
                select(
                    PredictionRow.pk,
                    PredictionRow.model_id,
                    PredictionRow.param_id,
                    PredictionRow.resolvable_at,
                    PredictionOutcomeRow.score_value,
                    PredictionOutcomeRow.score_success,
                )
                .join(PredictionOutcomeRow, PredictionOutcomeRow.pk == PredictionRow.pk)
                .where(*where)
                .order_by(PredictionRow.pk)
                .limit(limit)
            )
        )
        scored = [
            ScoredRow(
                row.model_id,
                row.param_id,
                row.resolvable_at,
                row.score_value,
                bool(row.score_success),
            )
            for row in rows
        ]
        return (rows[-1].pk if rows else after_pk), scored

    def _add(
        self, target: _Upsert, competition_id: str, rollups: RollupColumns, *, with_bucket: bool
    ) -> None:
        """Insert rows, or add their count, total and failed to the stored ones.

        ``INSERT … SELECT FROM unnest(arrays)`` on PostgreSQL (one round trip), the driver's
        ``executemany`` on SQLite.
        """
        columns: list[list[Any]] = [
            [competition_id] * len(rollups),
            rollups.model_id,
            rollups.param_id,
            *([rollups.bucket_start] if with_bucket else []),
            rollups.count,
            rollups.total,
            rollups.failed,
        ]
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            # The ids as lists, the numbers as array literals (``number_array``: faster to send).
            connection.exec_driver_sql(
                target.postgresql, (*columns[:3], *map(number_array, columns[3:]))
            )
        else:
            connection.exec_driver_sql(target.sqlite, list(zip(*columns, strict=True)))

    def window_columns(self, competition_id: str, spec: WindowSpec, now_ms: int) -> WindowColumns:
        """The count and sum of every (model, param) pair in each window, as columns."""
        last_bucket = floor_to(now_ms, spec.bucket_ms)
        connection = self.session.connection()
        postgresql = connection.dialect.name == "postgresql"
        firsts = [spec.first_bucket(name, now_ms) for name in WINDOW_NAMES]
        result = connection.exec_driver_sql(
            _WINDOW_SUMS_POSTGRESQL if postgresql else _WINDOW_SUMS_SQLITE,
            (
                *(first for first in firsts for _ in range(2)),
                competition_id,
                spec.earliest_bucket(now_ms),
                last_bucket,
            ),
        )
        model_id, param_id, *sums = fetch_columns(result, 2 + 2 * len(WINDOW_NAMES))
        return WindowColumns(
            model_id=model_id,
            param_id=param_id,
            counts=np.array(sums[0::2], dtype=np.int64).reshape(len(WINDOW_NAMES), -1),
            sums=np.array(sums[1::2], dtype=np.float64).reshape(len(WINDOW_NAMES), -1),
        )

    def count_columns(self, competition_id: str) -> CountColumns:
        """How many predictions of each (model, param) pair were ever scored, as columns."""
        statement = select(
            ScoreTotalRow.model_id, ScoreTotalRow.param_id, ScoreTotalRow.count
        ).where(ScoreTotalRow.competition_id == competition_id)
        model_id, param_id, count = fetch_columns(self.session.connection().execute(statement), 3)
        return CountColumns(model_id, param_id, np.array(count, dtype=np.int64))

    def totals(self, competition_id: str) -> dict[tuple[str, str], ScoreTotals]:
        statement = select(
            ScoreTotalRow.model_id,
            ScoreTotalRow.param_id,
            ScoreTotalRow.count,
            ScoreTotalRow.total,
            ScoreTotalRow.failed,
        ).where(ScoreTotalRow.competition_id == competition_id)
        columns = fetch_columns(self.session.connection().execute(statement), 5)
        return {
            (model_id, param_id): ScoreTotals(int(count), float(total), int(failed))
            for model_id, param_id, count, total, failed in zip(*columns, strict=True)
        }

    # snapshots -----------------------------------------------------------------------------
    def replace_snapshots(
        self, competition_id: str, performed_at: int, snapshots: SnapshotColumns
    ) -> None:
        """Store the snapshots of one instant (a rebuild at the same instant replaces them)."""
        self.session.execute(
            delete(ModelScoreSnapshotRow).where(
                ModelScoreSnapshotRow.competition_id == competition_id,
                ModelScoreSnapshotRow.performed_at == performed_at,
            )
        )
        insert_rows(
            self.session,
            "model_score_snapshots",
            _SNAPSHOT_COLUMNS,
            zip(
                itertools.repeat(competition_id),
                snapshots.model_id,
                itertools.repeat(performed_at),
                snapshots.recent,
                snapshots.steady,
                snapshots.anchor,
                snapshots.prediction_count,
                map(json_text, snapshots.scores_by_param),
            ),
        )

    def snapshots(
        self,
        competition_id: str,
        *,
        model_ids: Sequence[str] | None,
        start_ms: int,
        end_ms: int,
        limit: int,
    ) -> list[ModelScoreSnapshotRow]:
        statement = select(ModelScoreSnapshotRow).where(
            ModelScoreSnapshotRow.competition_id == competition_id,
            ModelScoreSnapshotRow.performed_at >= start_ms,
            ModelScoreSnapshotRow.performed_at <= end_ms,
        )
        if model_ids:
            statement = statement.where(ModelScoreSnapshotRow.model_id.in_(model_ids))
        statement = statement.order_by(
            ModelScoreSnapshotRow.model_id, ModelScoreSnapshotRow.performed_at
        ).limit(limit)
        return list(self.session.scalars(statement))

    def snapshot_points(
        self,
        competition_id: str,
        *,
        model_ids: Sequence[str] | None,
        start_ms: int,
        end_ms: int,
        limit: int,
    ) -> list[Row[Any]]:
        """Like ``snapshots``, without the per-param scores: plain rows, no ORM objects."""
        snapshot = ModelScoreSnapshotRow
        statement = select(
            snapshot.model_id,
            snapshot.performed_at,
            snapshot.score_recent,
            snapshot.score_steady,
            snapshot.score_anchor,
            snapshot.prediction_count,
        ).where(
            snapshot.competition_id == competition_id,
            snapshot.performed_at >= start_ms,
            snapshot.performed_at <= end_ms,
        )
        if model_ids:
            statement = statement.where(snapshot.model_id.in_(model_ids))
        statement = statement.order_by(snapshot.model_id, snapshot.performed_at).limit(limit)
        return list(self.session.connection().execute(statement))
