"""Bulk ingest: players, models, params, predictions, observations and explicit truths.

Every batch is checked whole before anything is written, then written in one transaction: a
batch is stored entirely or not at all. Rows that repeat stored ones exactly are counted as
duplicates (a retried batch is harmless); a row that reuses a stored key with other content is
a conflict, and the batch is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from podium.domain.access import DEFAULT_TENANT
from podium.domain.timestamps import MS_PER_SECOND
from podium.errors import ConflictError, InvalidInputError, Problem
from podium.schemas.common import instant_ms
from podium.schemas.ingest import IngestResult, ObservationIn, PredictionIn, TruthIn
from podium.schemas.roster import ModelIn, ParamIn, PlayerIn
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database
from podium.store.ground_truth import GroundTruthRepository
from podium.store.predictions import PredictionRepository
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
    _check_batch_size(predictions, max_rows, "predictions")
    with db.write() as session:
        competition = CompetitionRepository(session).get(competition_id)
        roster = RosterRepository(session)
        models = roster.model_rows({row.model_id for row in predictions})
        params = roster.params(competition_id)
        problems: list[Problem] = []
        rows: list[dict[str, Any]] = []
        for index, prediction in enumerate(predictions):
            model = models.get(prediction.model_id)
            if model is None or model.competition_id != competition_id:
                problems.append(
                    Problem("model_id", f"unknown model {prediction.model_id!r}", index)
                )
                continue
            if not model.is_active:
                problems.append(Problem("model_id", f"model {model.id!r} is not active", index))
                continue
            param = params.get(prediction.param_id)
            if param is None:
                problems.append(
                    Problem("param_id", f"unknown param {prediction.param_id!r}", index)
                )
                continue
            performed_at = instant_ms(prediction.performed_at)
            if prediction.resolvable_at is not None:
                resolvable_at = instant_ms(prediction.resolvable_at)
            elif param.horizon is not None:
                resolvable_at = performed_at + param.horizon * MS_PER_SECOND
            else:
                problems.append(
                    Problem("resolvable_at", "required: the param has no horizon", index)
                )
                continue
            if performed_at > now_ms + max_clock_skew_ms:
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
            rows.append(
                {
                    "competition_id": competition_id,
                    "id": prediction.id or default_prediction_id(model.id, param.id, performed_at),
                    "model_id": model.id,
                    "param_id": param.id,
                    "payload": prediction.payload,
                    "performed_at": performed_at,
                    "resolvable_at": resolvable_at,
                    "submitted_at": now_ms,
                    "status": "PENDING",
                    "_index": index,
                }
            )
        _refuse_if(problems, noun="prediction")

        def same_prediction(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
            return all(a[key] == b[key] for key in _PREDICTION_IDENTITY)

        unique, problems = _dedupe(rows, lambda row: row["id"], same_prediction, "id")
        _refuse_if(problems, noun="prediction")
        # Insert first, then compare only the rows that were already stored (a retry): a
        # conflict raises, and the transaction, insert included, rolls back.
        repository = PredictionRepository(session)
        inserted = repository.insert_missing(unique)
        repeated = [row for row in unique if row["id"] not in inserted]
        stored = repository.existing(competition_id, (row["id"] for row in repeated))
        conflicts = [
            Problem("id", f"prediction {row['id']!r} is stored with other content", row["_index"])
            for row in repeated
            if not same_prediction(dict(stored[row["id"]]._mapping), row)
        ]
        if conflicts:
            raise ConflictError(
                f"{len(conflicts)} prediction id(s) already used for other content; nothing was stored",
                conflicts,
            )
    return IngestResult(
        received=len(predictions),
        stored=len(inserted),
        duplicates=len(predictions) - len(inserted),
    )


_PREDICTION_IDENTITY = ("model_id", "param_id", "payload", "performed_at", "resolvable_at")


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
