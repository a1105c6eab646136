"""Custom metric values: written per cycle instant, read as time series."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from podium.store.database import dialect_insert
from podium.store.report_tables import CustomMetricRow


class MetricRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def replace(
        self, competition_id: str, *, recorded_at: int, rows: Sequence[dict[str, Any]]
    ) -> None:
        """Store the values of one instant (a rebuild at the same instant replaces them)."""
        self.session.execute(
            delete(CustomMetricRow).where(
                CustomMetricRow.competition_id == competition_id,
                CustomMetricRow.recorded_at == recorded_at,
            )
        )
        if rows:
            self.session.execute(dialect_insert(self.session, CustomMetricRow), list(rows))

    def series(
        self,
        competition_id: str,
        *,
        model_ids: Sequence[str] | None,
        names: Sequence[str] | None,
        start_ms: int,
        end_ms: int,
        limit: int,
    ) -> list[CustomMetricRow]:
        statement = select(CustomMetricRow).where(
            CustomMetricRow.competition_id == competition_id,
            CustomMetricRow.recorded_at >= start_ms,
            CustomMetricRow.recorded_at <= end_ms,
        )
        if model_ids:
            statement = statement.where(CustomMetricRow.model_id.in_(model_ids))
        if names:
            statement = statement.where(CustomMetricRow.metric_name.in_(names))
        statement = statement.order_by(
            CustomMetricRow.metric_name, CustomMetricRow.model_id, CustomMetricRow.recorded_at
        ).limit(limit)
        return list(self.session.scalars(statement))
