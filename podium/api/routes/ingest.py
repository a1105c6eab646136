"""Bulk ingest of predictions and ground truth (observations, explicit truths)."""

from __future__ import annotations

from fastapi import APIRouter

from podium.api.deps import DatabaseDep, IngestDep, NowDep, SettingsDep
from podium.schemas.ingest import IngestResult, ObservationBatch, PredictionBatch, TruthBatch
from podium.services import ingest

router = APIRouter(prefix="/api/competitions/{competition_id}", tags=["ingest"])


@router.post("/predictions")
def ingest_predictions(
    competition_id: str,
    batch: PredictionBatch,
    db: DatabaseDep,
    settings: SettingsDep,
    now_ms: NowDep,
    _: IngestDep,
) -> IngestResult:
    """Store a batch of predictions, all or nothing; rows already stored count as duplicates."""
    return ingest.ingest_predictions(
        db,
        competition_id=competition_id,
        predictions=batch.predictions,
        now_ms=now_ms,
        max_rows=settings.ingest_max_rows,
        max_clock_skew_ms=round(settings.max_clock_skew * 1000),
    )


@router.post("/observations")
def ingest_observations(
    competition_id: str,
    batch: ObservationBatch,
    db: DatabaseDep,
    settings: SettingsDep,
    _: IngestDep,
) -> IngestResult:
    """Store points of observation feeds (an asset's value at an instant), all or nothing."""
    return ingest.ingest_observations(
        db,
        competition_id=competition_id,
        observations=batch.observations,
        max_rows=settings.ingest_max_rows,
    )


@router.post("/truths")
def ingest_truths(
    competition_id: str, batch: TruthBatch, db: DatabaseDep, settings: SettingsDep, _: IngestDep
) -> IngestResult:
    """Store explicit ground truths (a param's outcome at an instant), all or nothing."""
    return ingest.ingest_truths(
        db, competition_id=competition_id, truths=batch.truths, max_rows=settings.ingest_max_rows
    )
