"""Predictions: bulk insert, the score worker's queue of due predictions, and listings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Row, Select, func, select, tuple_, update
from sqlalchemy.orm import Session

from podium.domain.predictions import PredictionStatus
from podium.store.database import dialect_insert
from podium.store.roster import chunked
from podium.store.tables import ParamRow, PredictionRow

AnySelect = TypeVar("AnySelect", bound="Select[*tuple[Any, ...]]")

_DUE_COLUMNS = (
    PredictionRow.pk,
    PredictionRow.id,
    PredictionRow.model_id,
    PredictionRow.param_id,
    PredictionRow.payload,
    PredictionRow.performed_at,
    PredictionRow.resolvable_at,
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

    def insert_many(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        statement = dialect_insert(self.session, PredictionRow)
        statement = statement.on_conflict_do_nothing(index_elements=["competition_id", "id"])
        self.session.execute(statement, list(rows))

    def fetch_due(
        self, competition_id: str, *, now_ms: int, after: tuple[int, int], limit: int
    ) -> list[Row[Any]]:
        """Pending predictions due at ``now_ms``, in (resolvable_at, pk) order after ``after``."""
        statement = (
            select(*_DUE_COLUMNS)
            .where(
                PredictionRow.competition_id == competition_id,
                PredictionRow.status == PredictionStatus.PENDING.value,
                PredictionRow.resolvable_at <= now_ms,
                tuple_(PredictionRow.resolvable_at, PredictionRow.pk) > tuple_(*after),
            )
            .order_by(PredictionRow.resolvable_at, PredictionRow.pk)
            .limit(limit)
        )
        return list(self.session.execute(statement))

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
