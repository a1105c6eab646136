"""Bulk ingest: players, models, params, predictions, observations and explicit truths.

Every batch is checked whole before anything is written, then written in one transaction: a
batch is stored entirely or not at all. Rows that repeat stored ones exactly are counted as
duplicates (a retried batch is harmless); a row that reuses a stored key with other content is
a conflict, and the batch is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from podium.domain.access import DEFAULT_TENANT
from podium.domain.timestamps import MS_PER_SECOND
from podium.errors import ConflictError, InvalidInputError, Problem
from podium.schemas.common import instant_ms
from podium.schemas.ingest import (
    IngestResult,
    ObservationIn,
    PredictionIn,
    PredictionRowIn,
    TruthIn,
)
from podium.schemas.roster import ModelIn, ParamIn, PlayerIn
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database
from podium.store.ground_truth import GroundTruthRepository
from podium.store.predictions import NewPrediction, PredictionRepository
from podium.store.roster import RosterRepository


def _refuse_if(problems: list[Problem], *, noun: str = "row") -> None:
    if problems:
        raise InvalidInputError.for_rows(problems, noun=noun)


def _check_batch_size(rows: Sequence[Any], max_rows: int, field: str) -> None:
    if len(rows) > max_rows:
        raise InvalidInputError.for_field(
            field, f"{len(rows)} rows in one request; the limit is {max_rows}, split the batch"
        )


def _dedupe(
    rows: Sequence[dict[str, Any]],
    key: Callable[[dict[str, Any]], Hashable],
    same: Callable[[dict[str, Any], dict[str, Any]], bool],
    field: str,
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Rows with repeats inside the batch removed; a repeat with other content is a problem."""
    first: dict[Hashable, dict[str, Any]] = {}
    unique: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for row in rows:
        seen = first.get(key(row))
        if seen is None:
            first[key(row)] = row
            unique.append(row)
        elif not same(seen, row):
            problems.append(
                Problem(
                    field, "repeats an earlier row of this batch with other content", row["_index"]
                )
            )
    return unique, problems


# players, models, params -------------------------------------------------------------------
def register_players(
    db: Database, *, players: Sequence[PlayerIn], now_ms: int, tenant_id: str = DEFAULT_TENANT
) -> int:
    rows = {
        player.id: {
            "id": player.id,
            "tenant_id": tenant_id,
            "name": player.name,
            "created_at": now_ms,
        }
        for player in players
    }
    with db.write() as session:
        roster = RosterRepository(session)
        tenants = roster.player_tenants(rows)
        _refuse_if(
            [
                Problem("id", f"player id {player.id!r} is not available", index)
                for index, player in enumerate(players)
                if tenants.get(player.id, tenant_id) != tenant_id
            ],
            noun="player",
        )
        roster.upsert_players(list(rows.values()))
    return len(players)


def register_models(
    db: Database, *, competition_id: str, models: Sequence[ModelIn], now_ms: int
) -> int:
    with db.write() as session:
        competition = CompetitionRepository(session).get(competition_id)
        roster = RosterRepository(session)
        # A competition's models belong to players of its own tenant.
        known_players = {
            player_id
            for player_id, tenant in roster.player_tenants(
                model.player_id for model in models
            ).items()
            if tenant == competition.tenant_id
        }
        stored = roster.model_rows(model.id for model in models)
        problems = []
        for index, model in enumerate(models):
            if model.player_id not in known_players:
                problems.append(Problem("player_id", f"unknown player {model.player_id!r}", index))
            existing = stored.get(model.id)
            if existing is not None and existing.competition_id != competition_id:
                problems.append(
                    Problem("id", f"model {model.id!r} belongs to another competition", index)
                )
        _refuse_if(problems, noun="model")
        roster.upsert_models(
            [
                {
                    "id": model.id,
                    "competition_id": competition_id,
                    "player_id": model.player_id,
                    "name": model.name,
                    "is_active": model.is_active,
                    "created_at": now_ms,
                    "updated_at": now_ms,
                }
                for model in {model.id: model for model in models}.values()
            ]
        )
        CompetitionRepository(session).bump_revision(competition_id)
    return len(models)


def register_params(
    db: Database, *, competition_id: str, params: Sequence[ParamIn], now_ms: int
) -> int:
    with db.write() as session:
        CompetitionRepository(session).get(competition_id)
        RosterRepository(session).upsert_params(
            [
                {
                    "competition_id": competition_id,
                    "id": param.id,
                    "asset": param.asset,
                    "horizon": param.horizon,
                    "step": param.step,
                    "extra": param.extra,
                    "created_at": now_ms,
                }
                for param in {param.id: param for param in params}.values()
            ]
        )
    return len(params)


# predictions -------------------------------------------------------------------------------
def default_prediction_id(model_id: str, param_id: str, performed_at_ms: int) -> str:
    return f"{model_id}/{param_id}/{performed_at_ms}"


def ingest_predictions(
    db: Database,
    *,
    competition_id: str,
    predictions: Sequence[PredictionIn],
    now_ms: int,
    max_rows: int,
    max_clock_skew_ms: int,
) -> IngestResult:
    """Store a batch of ``PredictionIn`` (clients, imports, the demo); see ``ingest_prediction_rows``."""
    rows: list[PredictionRowIn] = [
        {
            "id": prediction.id,
            "model_id": prediction.model_id,
            "param_id": prediction.param_id,
            "payload": prediction.payload,
            "performed_at": instant_ms(prediction.performed_at),
            "resolvable_at": None
            if prediction.resolvable_at is None
            else instant_ms(prediction.resolvable_at),
        }
        for prediction in predictions
    ]
    return ingest_prediction_rows(
        db,
        competition_id=competition_id,
        rows=rows,
        now_ms=now_ms,
        max_rows=max_rows,
        max_clock_skew_ms=max_clock_skew_ms,
    )


def ingest_prediction_rows(
    db: Database,
    *,
    competition_id: str,
    rows: Sequence[PredictionRowIn],
    now_ms: int,
    max_rows: int,
    max_clock_skew_ms: int,
) -> IngestResult:
    """Store a batch of predictions, all or nothing; rows already stored count as duplicates.

    The bulk path (the HTTP route reads its body straight into these rows): one pass over the
    rows with plain values, one insert statement, and a comparison only for the rows that were
    already stored.
    """
    _check_batch_size(rows, max_rows, "predictions")
    with db.write() as session:
        competition = CompetitionRepository(session).get(competition_id)
        roster = RosterRepository(session)
        # predictions has no foreign keys: these reads are its checks, and their locks (on
        # PostgreSQL; SQLite has one writer) keep the rows found until the batch commits.
        active = roster.model_activity(competition_id, {row["model_id"] for row in rows}, lock=True)
        horizons = roster.param_horizons(
            competition_id, {row["param_id"] for row in rows}, lock=True
        )
        latest_performed_at = now_ms + max_clock_skew_ms
        problems: list[Problem] = []
        checked: list[NewPrediction] = []
        indexes: list[int] = []
        for index, row in enumerate(rows):
            model_id = row["model_id"]
            is_active = active.get(model_id)
            if is_active is None:
                problems.append(Problem("model_id", f"unknown model {model_id!r}", index))
                continue
            if not is_active:
                problems.append(Problem("model_id", f"model {model_id!r} is not active", index))
                continue
            param_id = row["param_id"]
            if param_id not in horizons:
                problems.append(Problem("param_id", f"unknown param {param_id!r}", index))
                continue
            performed_at = row["performed_at"]
            resolvable_at = row.get("resolvable_at")
            if resolvable_at is None:
                horizon = horizons[param_id]
                if horizon is None:
                    problems.append(
                        Problem("resolvable_at", "required: the param has no horizon", index)
                    )
                    continue
                resolvable_at = performed_at + horizon * MS_PER_SECOND
            if performed_at > latest_performed_at:
                problems.append(Problem("performed_at", "is in the future", index))
                continue
            if resolvable_at <= performed_at:
                problems.append(Problem("resolvable_at", "must be after performed_at", index))
                continue
            if not competition.allow_backfill and resolvable_at <= now_ms:
                problems.append(
                    Problem(
                        "resolvable_at",
                        "has passed: the outcome is already known "
                        "(this competition does not accept backfill)",
                        index,
                    )
                )
                continue
            checked.append(
                (
                    row.get("id") or default_prediction_id(model_id, param_id, performed_at),
                    model_id,
                    param_id,
                    row["payload"],
                    performed_at,
                    resolvable_at,
                )
            )
            indexes.append(index)
        _refuse_if(problems, noun="prediction")
        unique, index_of = _unique_predictions(checked, indexes)
        # Insert first, then compare only the rows that were already stored (a retry): a
        # conflict raises, and the transaction, insert included, rolls back.
        repository = PredictionRepository(session)
        inserted = repository.insert_missing(competition_id, unique, submitted_at=now_ms)
        repeated = [row for row in unique if row[0] not in inserted]
        stored = repository.existing(competition_id, (row[0] for row in repeated))
        conflicts = [
            Problem("id", f"prediction {row[0]!r} is stored with other content", index_of[row[0]])
            for row in repeated
            if stored[row[0]] != row
        ]
        if conflicts:
            raise ConflictError(
                f"{len(conflicts)} prediction id(s) already used for other content; nothing was stored",
                conflicts,
            )
    return IngestResult(
        received=len(rows), stored=len(inserted), duplicates=len(rows) - len(inserted)
    )


def _unique_predictions(
    rows: Sequence[NewPrediction], indexes: Sequence[int]
) -> tuple[list[NewPrediction], dict[str, int]]:
    """The batch without its repeats (same id, same content), and each id's row index.

    A repeat with other content refuses the batch.
    """
    index_of: dict[str, int] = {}
    unique: list[NewPrediction] = []
    problems: list[Problem] = []
    first: dict[str, NewPrediction] = {}
    for row, index in zip(rows, indexes, strict=True):
        seen = first.setdefault(row[0], row)
        if seen is row:
            unique.append(row)
            index_of[row[0]] = index
        elif seen != row:
            problems.append(
                Problem("id", "repeats an earlier row of this batch with other content", index)
            )
    _refuse_if(problems, noun="prediction")
    return unique, index_of


# ground truth ------------------------------------------------------------------------------
ExistingPoints = Callable[
    [GroundTruthRepository, list[tuple[str, int]]], dict[tuple[str, int], float]
]
InsertPoints = Callable[[GroundTruthRepository, Sequence[dict[str, Any]]], None]
CheckPoints = Callable[[GroundTruthRepository, list[dict[str, Any]]], list[Problem]]


def _ingest_points(
    db: Database,
    *,
    competition_id: str,
    points: list[dict[str, Any]],
    subject: str,
    noun: str,
    existing: ExistingPoints,
    insert: InsertPoints,
    check: CheckPoints | None = None,
) -> IngestResult:
    """Store points of a series keyed by (``subject``, ts), all or nothing."""
    unique, problems = _dedupe(
        points,
        lambda row: (row[subject], row["ts"]),
        lambda a, b: a["value"] == b["value"],
        "value",
    )
    _refuse_if(problems, noun=noun)
    with db.write() as session:
        CompetitionRepository(session).get(competition_id)
        truth = GroundTruthRepository(session, competition_id)
        if check is not None:
            _refuse_if(check(truth, unique), noun=noun)
        stored = existing(truth, [(row[subject], row["ts"]) for row in unique])
        fresh = []
        conflicts = []
        for row in unique:
            stored_value = stored.get((row[subject], row["ts"]))
            if stored_value is None:
                fresh.append(row)
            elif stored_value != row["value"]:
                conflicts.append(
                    Problem(
                        "value", f"another value is stored for this {subject} and ts", row["_index"]
                    )
                )
        if conflicts:
            raise ConflictError(
                f"{len(conflicts)} {noun}(s) contradict stored values; nothing was stored",
                conflicts,
            )
        insert(
            truth, [{key: value for key, value in row.items() if key != "_index"} for row in fresh]
        )
    return IngestResult(
        received=len(points), stored=len(fresh), duplicates=len(points) - len(fresh)
    )


def ingest_observations(
    db: Database, *, competition_id: str, observations: Sequence[ObservationIn], max_rows: int
) -> IngestResult:
    _check_batch_size(observations, max_rows, "observations")
    points = [
        {
            "competition_id": competition_id,
            "asset": row.asset,
            "ts": instant_ms(row.ts),
            "value": row.value,
            "_index": index,
        }
        for index, row in enumerate(observations)
    ]
    return _ingest_points(
        db,
        competition_id=competition_id,
        points=points,
        subject="asset",
        noun="observation",
        existing=GroundTruthRepository.existing_observations,
        insert=GroundTruthRepository.insert_observations,
    )


def ingest_truths(
    db: Database, *, competition_id: str, truths: Sequence[TruthIn], max_rows: int
) -> IngestResult:
    _check_batch_size(truths, max_rows, "truths")
    points = [
        {
            "competition_id": competition_id,
            "param_id": row.param_id,
            "ts": instant_ms(row.ts),
            "value": row.value,
            "_index": index,
        }
        for index, row in enumerate(truths)
    ]

    def known_params(truth: GroundTruthRepository, rows: list[dict[str, Any]]) -> list[Problem]:
        params = RosterRepository(truth.session).params(competition_id)
        return [
            Problem("param_id", f"unknown param {row['param_id']!r}", row["_index"])
            for row in rows
            if row["param_id"] not in params
        ]

    return _ingest_points(
        db,
        competition_id=competition_id,
        points=points,
        subject="param_id",
        noun="truth",
        existing=GroundTruthRepository.existing_truths,
        insert=GroundTruthRepository.insert_truths,
        check=known_params,
    )
