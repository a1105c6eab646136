"""Score roll-ups, all-time totals, and model score snapshots.

Windows are computed by one ``GROUP BY`` over the roll-up buckets the widest window needs, with
one conditional sum per window: the cost depends on models × params × buckets per window, not on
how many predictions were ever scored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from podium.domain.rollups import RollupDelta
from podium.domain.timestamps import floor_to
from podium.domain.windows import WINDOW_NAMES, WindowSpec
from podium.store.database import dialect_insert
from podium.store.tables import ModelScoreSnapshotRow, ScoreRollupRow, ScoreTotalRow


@dataclass(frozen=True, slots=True)
class WindowSums:
    """Counts and sums of successful scores of one model on one param, per window."""

    model_id: str
    param_id: str
    counts: dict[str, int]
    totals: dict[str, float]


@dataclass(frozen=True, slots=True)
class ScoreTotals:
    count: int
    total: float
    failed: int


class ScoreRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_rollups(self, competition_id: str, deltas: Sequence[RollupDelta]) -> None:
        if not deltas:
            return
        rows = [
            {
                "competition_id": competition_id,
                "model_id": delta.model_id,
                "param_id": delta.param_id,
                "bucket_start": delta.bucket_start,
                "count": delta.count,
                "total": delta.total,
                "failed": delta.failed,
            }
            for delta in deltas
        ]
        self._add(ScoreRollupRow, rows, ["competition_id", "model_id", "param_id", "bucket_start"])
        totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0])
        for delta in deltas:
            entry = totals[(delta.model_id, delta.param_id)]
            entry[0] += delta.count
            entry[1] += delta.total
            entry[2] += delta.failed
        self._add(
            ScoreTotalRow,
            [
                {
                    "competition_id": competition_id,
                    "model_id": model_id,
                    "param_id": param_id,
                    "count": int(count),
                    "total": total,
                    "failed": int(failed),
                }
                for (model_id, param_id), (count, total, failed) in sorted(totals.items())
            ],
            ["competition_id", "model_id", "param_id"],
        )

    def _add(self, table: Any, rows: list[dict[str, Any]], keys: list[str]) -> None:
        """Insert rows, or add their count, total and failed to the stored ones."""
        statement = dialect_insert(self.session, table)
        columns = table.__table__.c
        statement = statement.on_conflict_do_update(
            index_elements=keys,
            set_={
                name: columns[name] + statement.excluded[name]
                for name in ("count", "total", "failed")
            },
        )
        self.session.execute(statement, rows)

    def window_sums(self, competition_id: str, spec: WindowSpec, now_ms: int) -> list[WindowSums]:
        last_bucket = floor_to(now_ms, spec.bucket_ms)
        bucket = ScoreRollupRow.bucket_start
        columns = []
        for name in WINDOW_NAMES:
            inside = bucket >= spec.first_bucket(name, now_ms)
            columns.append(func.sum(case((inside, ScoreRollupRow.count), else_=0)))
            columns.append(func.sum(case((inside, ScoreRollupRow.total), else_=0.0)))
        statement = (
            select(ScoreRollupRow.model_id, ScoreRollupRow.param_id, *columns)
            .where(
                ScoreRollupRow.competition_id == competition_id,
                bucket >= spec.earliest_bucket(now_ms),
                bucket <= last_bucket,
            )
            .group_by(ScoreRollupRow.model_id, ScoreRollupRow.param_id)
        )
        found = []
        for row in self.session.execute(statement):
            values = row[2:]
            found.append(
                WindowSums(
                    model_id=row[0],
                    param_id=row[1],
                    counts={name: int(values[2 * i] or 0) for i, name in enumerate(WINDOW_NAMES)},
                    totals={
                        name: float(values[2 * i + 1] or 0.0) for i, name in enumerate(WINDOW_NAMES)
                    },
                )
            )
        return found

    def totals(self, competition_id: str) -> dict[tuple[str, str], ScoreTotals]:
        statement = select(
            ScoreTotalRow.model_id,
            ScoreTotalRow.param_id,
            ScoreTotalRow.count,
            ScoreTotalRow.total,
            ScoreTotalRow.failed,
        ).where(ScoreTotalRow.competition_id == competition_id)
        return {
            (model_id, param_id): ScoreTotals(int(count), float(total), int(failed))
            for model_id, param_id, count, total, failed in self.session.execute(statement)
        }

    # snapshots -----------------------------------------------------------------------------
    def replace_snapshots(
        self, competition_id: str, performed_at: int, rows: Sequence[dict[str, Any]]
    ) -> None:
        """Store the snapshots of one instant (a rebuild at the same instant replaces them)."""
        self.session.execute(
            delete(ModelScoreSnapshotRow).where(
                ModelScoreSnapshotRow.competition_id == competition_id,
                ModelScoreSnapshotRow.performed_at == performed_at,
            )
        )
        if rows:
            self.session.execute(dialect_insert(self.session, ModelScoreSnapshotRow), list(rows))

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
