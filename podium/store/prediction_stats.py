"""Aggregates over stored predictions: a model's counts and mean score, metric inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from podium.domain.predictions import PredictionStatus
from podium.store.tables import PredictionOutcomeRow, PredictionRow


@dataclass(frozen=True, slots=True)
class PredictionCounts:
    total_predictions: int
    successful_predictions: int
    average_score: float | None


class PredictionStatsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def counts(self, competition_id: str, model_id: str) -> PredictionCounts:
        """All the model's predictions, those scored successfully, and their mean score."""
        success = PredictionOutcomeRow.score_success.is_(True)
        statement = (
            select(
                func.count(),
                func.sum(case((success, 1), else_=0)),
                func.avg(case((success, PredictionOutcomeRow.score_value), else_=None)),
            )
            .select_from(PredictionRow)
            .outerjoin(PredictionOutcomeRow, PredictionOutcomeRow.pk == PredictionRow.pk)
            .where(
                PredictionRow.competition_id == competition_id, PredictionRow.model_id == model_id
            )
        )
        total, successful, average = self.session.execute(statement).one()
        return PredictionCounts(
            total_predictions=int(total or 0),
            successful_predictions=int(successful or 0),
            average_score=None if average is None else float(average),
        )

    def scored(self, competition_id: str, *, start_ms: int, end_ms: int) -> list[Any]:
        """Successfully scored predictions whose outcome became known in ``(start, end]``,
        by model then ``resolvable_at``: rows of ``model_id, resolvable_at, payload, truth,
        score_value``."""
        statement = (
            select(
                PredictionRow.model_id,
                PredictionRow.resolvable_at,
                PredictionRow.payload,
                PredictionOutcomeRow.truth,
                PredictionOutcomeRow.score_value,
            )
            .join(PredictionOutcomeRow, PredictionOutcomeRow.pk == PredictionRow.pk)
            .where(
                PredictionRow.competition_id == competition_id,
                PredictionOutcomeRow.status == PredictionStatus.SCORED.value,
                PredictionRow.resolvable_at > start_ms,
                PredictionRow.resolvable_at <= end_ms,
            )
            .order_by(PredictionRow.model_id, PredictionRow.resolvable_at, PredictionRow.pk)
        )
        return list(self.session.execute(statement))
