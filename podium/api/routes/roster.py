"""Players, and the models and params of a competition (bulk upserts and listings)."""

from __future__ import annotations

from fastapi import APIRouter

from podium.api.deps import DatabaseDep, IngestDep, NowDep, ReadDep
from podium.schemas.roster import (
    ModelOut,
    ModelsIn,
    ParamOut,
    ParamsIn,
    PlayerOut,
    PlayersIn,
    RosterResult,
)
from podium.services import ingest, reports

router = APIRouter(tags=["players, models and params"])


@router.post("/api/players")
def upsert_players(
    body: PlayersIn, db: DatabaseDep, now_ms: NowDep, principal: IngestDep
) -> RosterResult:
    """Create players of the key's tenant, or rename existing ones (by id)."""
    count = ingest.register_players(
        db, players=body.players, now_ms=now_ms, tenant_id=principal.tenant_id
    )
    return RosterResult(received=count)


@router.get("/api/players")
def list_players(db: DatabaseDep, principal: ReadDep) -> list[PlayerOut]:
    return [
        PlayerOut.model_validate(row) for row in reports.players(db, tenant_id=principal.tenant_id)
    ]


@router.post("/api/competitions/{competition_id}/models")
def upsert_models(
    competition_id: str, body: ModelsIn, db: DatabaseDep, now_ms: NowDep, _: IngestDep
) -> RosterResult:
    """Register models of existing players, or change their name, player or activity."""
    count = ingest.register_models(
        db, competition_id=competition_id, models=body.models, now_ms=now_ms
    )
    return RosterResult(received=count)


@router.get("/api/competitions/{competition_id}/models")
def list_models(competition_id: str, db: DatabaseDep, _: ReadDep) -> list[ModelOut]:
    return [
        ModelOut(
            model_id=model.id,
            model_name=model.name,
            player_id=player.id,
            player_name=player.name,
            is_active=model.is_active,
            competition_id=model.competition_id,
            created_at=model.created_at,
        )
        for model, player in reports.models(db, competition_id=competition_id)
    ]


@router.post("/api/competitions/{competition_id}/params")
def upsert_params(
    competition_id: str, body: ParamsIn, db: DatabaseDep, now_ms: NowDep, _: IngestDep
) -> RosterResult:
    """Declare the params (asset, horizon, step…) models predict, or change them."""
    count = ingest.register_params(
        db, competition_id=competition_id, params=body.params, now_ms=now_ms
    )
    return RosterResult(received=count)


@router.get("/api/competitions/{competition_id}/params")
def list_params(competition_id: str, db: DatabaseDep, _: ReadDep) -> list[ParamOut]:
    return [
        ParamOut.model_validate(row) for row in reports.params(db, competition_id=competition_id)
    ]
