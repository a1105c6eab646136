"""Competitions: create, list, read, change; and run a score cycle on demand."""

from __future__ import annotations

from fastapi import APIRouter, status

from podium.api.deps import AdminDep, DatabaseDep, NowDep, ReadDep, SettingsDep
from podium.schemas.competitions import CompetitionCreate, CompetitionOut, CompetitionUpdate
from podium.schemas.reports import CycleReportOut
from podium.services import competitions as service
from podium.services.worker import run_exclusive_score_cycle

router = APIRouter(prefix="/api/competitions", tags=["competitions"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_competition(
    spec: CompetitionCreate, db: DatabaseDep, now_ms: NowDep, principal: AdminDep
) -> CompetitionOut:
    row = service.create_competition(db, spec=spec, now_ms=now_ms, tenant_id=principal.tenant_id)
    return CompetitionOut.from_row(row)


@router.get("")
def list_competitions(db: DatabaseDep, principal: ReadDep) -> list[CompetitionOut]:
    rows = service.list_competitions(db, tenant_id=principal.tenant_id)
    return [CompetitionOut.from_row(row) for row in rows]


@router.get("/{competition_id}")
def get_competition(competition_id: str, db: DatabaseDep, _: ReadDep) -> CompetitionOut:
    return CompetitionOut.from_row(service.get_competition(db, competition_id=competition_id))


@router.patch("/{competition_id}")
def update_competition(
    competition_id: str, changes: CompetitionUpdate, db: DatabaseDep, now_ms: NowDep, _: AdminDep
) -> CompetitionOut:
    row = service.update_competition(
        db, competition_id=competition_id, changes=changes, now_ms=now_ms
    )
    return CompetitionOut.from_row(row)


@router.post("/{competition_id}/score-cycles")
def run_cycle(
    competition_id: str, db: DatabaseDep, settings: SettingsDep, now_ms: NowDep, _: AdminDep
) -> CycleReportOut:
    """Run one score cycle of the competition now, and say what it did."""
    report = run_exclusive_score_cycle(
        db, competition_id=competition_id, now_ms=now_ms, batch_size=settings.score_batch
    )
    return CycleReportOut.model_validate(report)
