"""Predictions: bulk insert, outcomes by primary key, and listings.

The score worker reads and writes the due queue through ``podium.store.score_queue``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Row, Select, func, select, update
from sqlalchemy.orm import Session

from podium.store.database import json_text
from podium.store.roster import chunked
from podium.store.tables import ParamRow, PredictionRow

AnySelect = TypeVar("AnySelect", bound="Select[*tuple[Any, ...]]")

_INSERT_COLUMNS = (
    "competition_id",
    "id",
    "model_id",
    "param_id",
    "payload",
    "performed_at",
    "resolvable_at",
    "submitted_at",
    "status",
)
_INSERT_SQLITE = (
    "INSERT INTO predictions (competition_id, id, model_id, param_id, payload, performed_at, "
    "resolvable_at, submitted_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (competition_id, id) DO NOTHING"
)
_INSERT_POSTGRESQL = (
    "INSERT INTO predictions (competition_id, id, model_id, param_id, payload, performed_at, "
    "resolvable_at, submitted_at, status) "
    "SELECT u.competition_id, u.id, u.model_id, u.param_id, u.payload::jsonb, u.performed_at, "
    "u.resolvable_at, u.submitted_at, u.status "
    "FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], %s::text[], "
    "%s::bigint[], %s::bigint[], %s::bigint[], %s::varchar[]) AS u(competition_id, id, model_id, "
    "param_id, payload, performed_at, resolvable_at, submitted_at, status) "
    "ON CONFLICT (competition_id, id) DO NOTHING RETURNING id"
)


@dataclass(frozen=True, slots=True)
class PredictionFilter:
    competition_id: str
    model_ids: Sequence[str] | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    status: str | None = None


class PredictionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def existing(self, competition_id: str, ids: Iterable[str]) -> dict[str, Row[Any]]:
        """Stored predictions among ``ids``, keyed by id."""
        wanted = sorted(set(ids))
        found: dict[str, Row[Any]] = {}
        for chunk in chunked(wanted):
            statement = select(
                PredictionRow.id,
                PredictionRow.model_id,
                PredictionRow.param_id,
                PredictionRow.payload,
                PredictionRow.performed_at,
                PredictionRow.resolvable_at,
            ).where(PredictionRow.competition_id == competition_id, PredictionRow.id.in_(chunk))
            for row in self.session.execute(statement):
                found[row.id] = row
        return found

    def insert_missing(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        """Insert the rows whose (competition, id) is not stored yet; the ids inserted.

        One statement per batch (``INSERT … SELECT FROM unnest(arrays) … RETURNING`` on
        PostgreSQL, the driver's ``executemany`` on SQLite): no lookup before the insert. The
        caller compares the rows that were not inserted with the stored ones.
        """
        if not rows:
            return set()
        columns = [[row[name] for row in rows] for name in _INSERT_COLUMNS]
        payload = _INSERT_COLUMNS.index("payload")
        columns[payload] = [json_text(value) for value in columns[payload]]
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            result = connection.exec_driver_sql(_INSERT_POSTGRESQL, tuple(columns))
            return {row[0] for row in result}
        before = self.session.scalar(select(func.max(PredictionRow.pk))) or 0
        result = connection.exec_driver_sql(_INSERT_SQLITE, list(zip(*columns, strict=True)))
        ids = columns[_INSERT_COLUMNS.index("id")]
        if result.rowcount == len(rows):
            return set(ids)
        competition_id = rows[0]["competition_id"]
        inserted: set[str] = set()
        for chunk in chunked(sorted(set(ids))):
            inserted.update(
                self.session.scalars(
                    select(PredictionRow.id).where(
                        PredictionRow.competition_id == competition_id,
                        PredictionRow.id.in_(chunk),
                        PredictionRow.pk > before,
                    )
                )
            )
        return inserted

    def write_outcomes(self, updates: Sequence[dict[str, Any]]) -> None:
        """Bulk update by primary key: each dict has ``pk`` and the columns to set."""
        if updates:
            self.session.execute(update(PredictionRow), list(updates))

    def count_by_status(self, competition_id: str) -> dict[str, int]:
        statement = (
            select(PredictionRow.status, func.count())
            .where(PredictionRow.competition_id == competition_id)
            .group_by(PredictionRow.status)
        )
        return {status: int(count) for status, count in self.session.execute(statement)}

    def count_by_model_status(self, competition_id: str, model_id: str) -> dict[str, int]:
        statement = (
            select(PredictionRow.status, func.count())
            .where(PredictionRow.competition_id == competition_id)
            .where(PredictionRow.model_id == model_id)
            .group_by(PredictionRow.status)
        )
        return {status: int(count) for status, count in self.session.execute(statement)}

    def listing(
        self, where: PredictionFilter, *, limit: int, offset: int
    ) -> list[tuple[PredictionRow, ParamRow]]:
        """Predictions newest first, with their param."""
        statement = (
            self._filtered(select(PredictionRow, ParamRow), where)
            .join(
                ParamRow,
                (ParamRow.competition_id == PredictionRow.competition_id)
                & (ParamRow.id == PredictionRow.param_id),
            )
            .order_by(PredictionRow.performed_at.desc(), PredictionRow.pk.desc())
            .limit(limit)
            .offset(offset)
        )
        return [(prediction, param) for prediction, param in self.session.execute(statement)]

    def count(self, where: PredictionFilter) -> int:
        statement = self._filtered(select(func.count()).select_from(PredictionRow), where)
        return int(self.session.scalar(statement) or 0)

    def after_pk(
        self, where: PredictionFilter, *, after: int, limit: int
    ) -> list[tuple[PredictionRow, ParamRow]]:
        """Predictions in storage order after primary key ``after``: a full export, page by page."""
        statement = (
            self._filtered(select(PredictionRow, ParamRow), where)
            .join(
                ParamRow,
                (ParamRow.competition_id == PredictionRow.competition_id)
                & (ParamRow.id == PredictionRow.param_id),
            )
            .where(PredictionRow.pk > after)
            .order_by(PredictionRow.pk)
            .limit(limit)
        )
        return [(prediction, param) for prediction, param in self.session.execute(statement)]

    @staticmethod
    def _filtered(statement: AnySelect, where: PredictionFilter) -> AnySelect:
        statement = statement.where(PredictionRow.competition_id == where.competition_id)
        if where.model_ids:
            statement = statement.where(PredictionRow.model_id.in_(where.model_ids))
        if where.start_ms is not None:
            statement = statement.where(PredictionRow.performed_at >= where.start_ms)
        if where.end_ms is not None:
            statement = statement.where(PredictionRow.performed_at <= where.end_ms)
        if where.status is not None:
            statement = statement.where(PredictionRow.status == where.status)
        return statement
