"""Helpers that set up competitions through the services, as a host would."""

from __future__ import annotations

from typing import Any

from podium.schemas.competitions import CompetitionCreate
from podium.schemas.ingest import ObservationIn, PredictionIn, TruthIn
from podium.schemas.roster import ModelIn, ParamIn, PlayerIn
from podium.services import ingest
from podium.services.competitions import create_competition
from podium.store.database import Database

HOUR_MS = 3_600_000


def competition(db: Database, now_ms: int, *, competition_id: str = "c1", **fields: Any) -> str:
    """A competition that ranks every model from its first score (``min_predictions`` 0)
    unless ``ranker_config`` says otherwise: tests score a handful of predictions."""
    fields["ranker_config"] = {"min_predictions": 0, **(fields.get("ranker_config") or {})}
    spec = {
        "id": competition_id,
        "name": f"Competition {competition_id}",
        "scoring_function": "mse",
        "resolver": "explicit",
        "allow_backfill": True,
        **fields,
    }
    create_competition(db, spec=CompetitionCreate.model_validate(spec), now_ms=now_ms)
    return competition_id


def roster(
    db: Database,
    now_ms: int,
    competition_id: str,
    *,
    models: dict[str, str],
    params: list[dict[str, Any]],
) -> None:
    """``models`` maps model id → player id; players are created as needed."""
    ingest.register_players(
        db,
        players=[
            PlayerIn(id=player, name=player.title()) for player in sorted(set(models.values()))
        ],
        now_ms=now_ms,
    )
    ingest.register_models(
        db,
        competition_id=competition_id,
        models=[
            ModelIn(id=model, name=f"Model {model}", player_id=player)
            for model, player in models.items()
        ],
        now_ms=now_ms,
    )
    ingest.register_params(
        db,
        competition_id=competition_id,
        params=[ParamIn.model_validate(param) for param in params],
        now_ms=now_ms,
    )


def predictions(db: Database, now_ms: int, competition_id: str, rows: list[dict[str, Any]]) -> Any:
    return ingest.ingest_predictions(
        db,
        competition_id=competition_id,
        predictions=[PredictionIn.model_validate(row) for row in rows],
        now_ms=now_ms,
        max_rows=1_000_000,
        max_clock_skew_ms=300_000,
    )


def truths(db: Database, competition_id: str, rows: list[dict[str, Any]]) -> Any:
    return ingest.ingest_truths(
        db,
        competition_id=competition_id,
        truths=[TruthIn.model_validate(row) for row in rows],
        max_rows=1_000_000,
    )


def observations(db: Database, competition_id: str, rows: list[dict[str, Any]]) -> Any:
    return ingest.ingest_observations(
        db,
        competition_id=competition_id,
        observations=[ObservationIn.model_validate(row) for row in rows],
        max_rows=1_000_000,
    )
