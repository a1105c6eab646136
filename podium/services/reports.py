"""Reads behind the report API: leaderboards, models, score history, predictions.

Leaderboards are read as persisted by the score worker, never recomputed per request.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from pydantic import TypeAdapter
from sqlalchemy import Row
from sqlalchemy.orm import Session

from podium.domain.leaderboard import OVERALL_CATEGORY, rank_changes
from podium.domain.timestamps import from_ms
from podium.errors import NotFoundError
from podium.schemas.common import Instant
from podium.schemas.reports import LeaderboardEntryOut
from podium.services.ranking import eligibility_rule
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database
from podium.store.leaderboards import LeaderboardRepository
from podium.store.prediction_stats import PredictionStatsRepository
from podium.store.predictions import PredictionFilter, PredictionRepository, StoredPrediction
from podium.store.roster import RosterRepository
from podium.store.scores import ScoreRepository
from podium.store.tables import (
    CompetitionRow,
    LeaderboardEntryRow,
    LeaderboardRow,
    ModelRow,
    ModelScoreSnapshotRow,
    ParamRow,
    PlayerRow,
)

MAX_SNAPSHOT_ROWS = 100_000


RANK_CHANGE_SPAN_MS = 24 * 3_600_000
MAX_LEADERBOARD_ROWS = 10_000


@dataclass(frozen=True, slots=True)
class LeaderboardView:
    leaderboard: LeaderboardRow | None
    entries: list[LeaderboardEntryRow]
    # model_id → places gained against the leaderboard of 24 h earlier (None: new to the board)
    rank_changes: dict[str, int | None] = field(default_factory=dict)
    # model_id → whether the model is active now
    active: dict[str, bool] = field(default_factory=dict)


def latest_leaderboard_id(
    db: Database, *, competition_id: str, category: str = OVERALL_CATEGORY
) -> str | None:
    with db.read() as session:
        row = LeaderboardRepository(session).latest(competition_id, category=category)
        return row.id if row is not None else None


def leaderboard(
    db: Database,
    *,
    competition_id: str,
    category: str = OVERALL_CATEGORY,
    at_ms: int | None = None,
) -> LeaderboardView:
    """The leaderboard of a category as it stood at ``at_ms`` (default: the latest), with each
    model's rank change against the leaderboard of 24 hours before it."""
    with db.read() as session:
        repository = LeaderboardRepository(session)
        row = repository.latest(competition_id, category=category, at_ms=at_ms)
        if row is None:
            return LeaderboardView(None, [])
        entries = repository.entries(row.id)
        earlier = repository.latest(
            competition_id, category=category, at_ms=row.created_at - RANK_CHANGE_SPAN_MS
        )
        changes = rank_changes(
            {entry.model_id: entry.rank for entry in entries},
            repository.ranks(earlier.id) if earlier is not None else None,
        )
        active = {
            model.id: model.is_active
            for model, _ in RosterRepository(session).models(competition_id)
        }
        return LeaderboardView(row, entries, changes, active)


def leaderboard_history(
    db: Database, *, competition_id: str, category: str | None, start_ms: int, end_ms: int
) -> list[LeaderboardRow]:
    with db.read() as session:
        return LeaderboardRepository(session).history(
            competition_id,
            category=category,
            start_ms=start_ms,
            end_ms=end_ms,
            limit=MAX_LEADERBOARD_ROWS,
        )


def leaderboard_categories(db: Database, *, competition_id: str) -> list[tuple[str, int, int]]:
    with db.read() as session:
        return LeaderboardRepository(session).categories(competition_id)


def unranked_reasons(session: Session, competition: CompetitionRow) -> dict[str, str]:
    """``model_id → why`` for each model of the competition not on its latest overall board."""
    repository = LeaderboardRepository(session)
    latest = repository.latest(competition.id, category=OVERALL_CATEGORY)
    models = RosterRepository(session).models(competition.id)
    if latest is None:
        return {model.id: "no leaderboard has been built yet" for model, _ in models}
    ranked = repository.ranks(latest.id)
    counts = {
        snapshot.model_id: snapshot.prediction_count
        for snapshot in ScoreRepository(session).snapshots(
            competition.id,
            model_ids=None,
            start_ms=latest.created_at,
            end_ms=latest.created_at,
            limit=MAX_SNAPSHOT_ROWS,
        )
    }
    needed = eligibility_rule(competition.ranker_config).min_predictions
    reasons = {}
    for model, _ in models:
        if model.id in ranked:
            continue
        if not model.is_active:
            reasons[model.id] = "the model is not active"
        elif counts.get(model.id, 0) < needed:
            reasons[model.id] = (
                f"fewer than {needed} scored predictions ({counts.get(model.id, 0)} so far)"
            )
        else:
            reasons[model.id] = "registered after the latest leaderboard was built"
    return reasons


def latest_leaderboard_version(
    db: Database, *, competition_id: str, category: str = OVERALL_CATEGORY
) -> tuple[Row[str, int, int] | None, tuple[Any, ...]]:
    """The latest leaderboard's ``(id, revision, created_at)``, and a key that changes whenever
    what ``leaderboard`` returns for it may change: the board (id, revision), the board its rank
    changes are taken against, and the competition's revision (bumped by every roster change
    and rescore). Three indexed reads, nothing else: what a poller's ETag and a cached body are
    checked against."""
    with db.read() as session:
        boards = LeaderboardRepository(session)
        latest = boards.latest_version(competition_id, category=category)
        if latest is None:
            return None, ()
        earlier = boards.latest_version(
            competition_id, category=category, at_ms=latest.created_at - RANK_CHANGE_SPAN_MS
        )
        revision = CompetitionRepository(session).get(competition_id).revision
    return latest, (
        competition_id,
        category,
        latest.id,
        latest.revision,
        earlier.id if earlier is not None else None,
        revision,
    )


def leaderboard_entries(view: LeaderboardView) -> list[LeaderboardEntryOut]:
    """The rows of the report API for a leaderboard read by ``leaderboard``."""
    board = view.leaderboard
    if board is None:
        return []
    created_at = from_ms(board.created_at)
    return [
        LeaderboardEntryOut(
            rank=entry.rank,
            model_id=entry.model_id,
            model_name=entry.model_name,
            player_id=entry.player_id,
            player_name=entry.player_name,
            cruncher_name=entry.player_name,
            username=entry.player_name,
            status=view.active.get(entry.model_id, False),
            score_recent=entry.score_recent,
            score_steady=entry.score_steady,
            score_anchor=entry.score_anchor,
            combined_score=entry.combined_score,
            prediction_count=entry.prediction_count,
            rank_change_24h=view.rank_changes.get(entry.model_id),
            leaderboard_id=board.id,
            category=board.category,
            created_at=created_at,
        )
        for entry in view.entries
    ]


LEADERBOARD_ENTRIES = TypeAdapter(list[LeaderboardEntryOut])


def leaderboard_json(view: LeaderboardView) -> bytes:
    """``leaderboard_entries`` as the JSON array the API answers (by alias)."""
    return LEADERBOARD_ENTRIES.dump_json(leaderboard_entries(view), by_alias=True)


def latest_leaderboard_json(
    db: Database, *, competition_id: str, category: str = OVERALL_CATEGORY
) -> tuple[LeaderboardRow | None, bytes, tuple[Any, ...] | None]:
    """The latest leaderboard, its JSON body, and its version key (``latest_leaderboard_version``)
    when nothing changed while it was read (``None`` otherwise: the body must not be reused)."""
    _, before = latest_leaderboard_version(db, competition_id=competition_id, category=category)
    view = leaderboard(db, competition_id=competition_id, category=category)
    _, after = latest_leaderboard_version(db, competition_id=competition_id, category=category)
    board = view.leaderboard
    stable = board is not None and before == after and before[2:4] == (board.id, board.revision)
    return board, leaderboard_json(view), after if stable else None


def players(db: Database, *, tenant_id: str | None = None) -> list[PlayerRow]:
    with db.read() as session:
        return RosterRepository(session).players(tenant_id=tenant_id)


def models(db: Database, *, competition_id: str) -> list[tuple[ModelRow, PlayerRow]]:
    with db.read() as session:
        CompetitionRepository(session).get(competition_id)
        return RosterRepository(session).models(competition_id)


def models_with_reasons(
    db: Database, *, competition_id: str
) -> list[tuple[ModelRow, PlayerRow, str | None]]:
    """The competition's models, each with why it is not ranked (``None`` when it is)."""
    with db.read() as session:
        competition = CompetitionRepository(session).get(competition_id)
        reasons = unranked_reasons(session, competition)
        return [
            (model, player, reasons.get(model.id))
            for model, player in RosterRepository(session).models(competition_id)
        ]


@dataclass(frozen=True, slots=True)
class ModelStats:
    model_id: str
    model_name: str
    total_predictions: int
    successful_predictions: int
    average_score: float | None
    best_asset: str | None
    worst_asset: str | None
    rank: int | None
    unranked_reason: str | None


def model_stats(db: Database, *, competition_id: str, model_id: str) -> ModelStats:
    """The host's ``ModelStatsResponse``: counts, mean score, best and worst asset (by anchor
    on the latest snapshot, a missing anchor counting as lowest), and the model's rank."""
    _check_models(db, competition_id, [model_id])
    with db.read() as session:
        competition = CompetitionRepository(session).get(competition_id)
        model = RosterRepository(session).model_rows([model_id])[model_id]
        counts = PredictionStatsRepository(session).counts(competition_id, model_id)
        latest = LeaderboardRepository(session).latest(competition_id, category=OVERALL_CATEGORY)
        rank = LeaderboardRepository(session).ranks(latest.id).get(model_id) if latest else None
        reason = None if rank is not None else unranked_reasons(session, competition).get(model_id)
        snapshots = ScoreRepository(session).snapshots(
            competition_id,
            model_ids=[model_id],
            start_ms=-(2**62),
            end_ms=2**62,
            limit=MAX_SNAPSHOT_ROWS,
        )
        params = {row.id: row for row in RosterRepository(session).param_rows(competition_id)}
    best = worst = None
    if snapshots:
        by_asset: dict[str, list[float | None]] = {}
        for param_id, (_, _, anchor, _) in snapshots[-1].scores_by_param.items():
            param = params.get(param_id)
            if param is not None and param.asset is not None:
                by_asset.setdefault(param.asset, []).append(anchor)
        if by_asset:

            def asset_score(asset: str) -> float:
                anchors = [value for value in by_asset[asset] if value is not None]
                return sum(anchors) / len(anchors) if anchors else -math.inf

            ordered = sorted(sorted(by_asset), key=asset_score, reverse=True)
            best, worst = ordered[0], ordered[-1]
    return ModelStats(
        model_id=model.id,
        model_name=model.name,
        total_predictions=counts.total_predictions,
        successful_predictions=counts.successful_predictions,
        average_score=counts.average_score,
        best_asset=best,
        worst_asset=worst,
        rank=rank,
        unranked_reason=reason,
    )


def params(db: Database, *, competition_id: str) -> list[ParamRow]:
    with db.read() as session:
        CompetitionRepository(session).get(competition_id)
        return RosterRepository(session).param_rows(competition_id)


def check_models(db: Database, *, competition_id: str, model_ids: Sequence[str] | None) -> None:
    """``NotFoundError`` for the first of ``model_ids`` not in the competition."""
    _check_models(db, competition_id, model_ids)


def _check_models(db: Database, competition_id: str, model_ids: Sequence[str] | None) -> None:
    if not model_ids:
        return
    with db.read() as session:
        found = RosterRepository(session).model_rows(model_ids)
    for model_id in model_ids:
        row = found.get(model_id)
        if row is None or row.competition_id != competition_id:
            raise NotFoundError("model", model_id)


def score_history(
    db: Database,
    *,
    competition_id: str,
    model_ids: Sequence[str] | None,
    start_ms: int,
    end_ms: int,
) -> list[ModelScoreSnapshotRow]:
    _check_models(db, competition_id, model_ids)
    with db.read() as session:
        return ScoreRepository(session).snapshots(
            competition_id,
            model_ids=model_ids,
            start_ms=start_ms,
            end_ms=end_ms,
            limit=MAX_SNAPSHOT_ROWS,
        )


def score_points_json(
    db: Database,
    *,
    competition_id: str,
    model_ids: Sequence[str] | None,
    start_ms: int,
    end_ms: int,
) -> bytes:
    """Each model's overall scores per snapshot, without the per-param detail: the JSON array
    of ``ModelScoresPoint`` rows, written by orjson straight from the store's rows (each
    instant formatted once: every model shares the snapshot times)."""
    _check_models(db, competition_id, model_ids)
    with db.read() as session:
        rows = ScoreRepository(session).snapshot_points(
            competition_id,
            model_ids=model_ids,
            start_ms=start_ms,
            end_ms=end_ms,
            limit=MAX_SNAPSHOT_ROWS,
        )
    instants: dict[int, str] = {}
    points = []
    for row in rows:
        instant = instants.get(row.performed_at)
        if instant is None:
            instant = instants[row.performed_at] = _INSTANT.dump_python(
                from_ms(row.performed_at), mode="json"
            )
        points.append(
            {
                "model_id": row.model_id,
                "performed_at": instant,
                "score_recent": row.score_recent,
                "score_steady": row.score_steady,
                "score_anchor": row.score_anchor,
                "prediction_count": row.prediction_count,
            }
        )
    return orjson.dumps(points)


_INSTANT: TypeAdapter[datetime] = TypeAdapter(Instant)


def param_score_history(
    db: Database,
    *,
    competition_id: str,
    model_ids: Sequence[str] | None,
    start_ms: int,
    end_ms: int,
) -> list[dict[str, Any]]:
    """One flat row per model, param and snapshot."""
    snapshots = score_history(
        db, competition_id=competition_id, model_ids=model_ids, start_ms=start_ms, end_ms=end_ms
    )
    with db.read() as session:
        params = {row.id: row for row in RosterRepository(session).param_rows(competition_id)}
    rows = []
    for snapshot in snapshots:
        for param_id, (recent, steady, anchor, count) in sorted(snapshot.scores_by_param.items()):
            param = params.get(param_id)
            rows.append(
                {
                    "model_id": snapshot.model_id,
                    "performed_at": snapshot.performed_at,
                    "param": param_id,
                    "asset": param.asset if param else None,
                    "horizon": param.horizon if param else None,
                    "step": param.step if param else None,
                    "score_recent": recent,
                    "score_steady": steady,
                    "score_anchor": anchor,
                    "prediction_count": count,
                }
            )
    return rows


def predictions(
    db: Database, *, where: PredictionFilter, limit: int, offset: int
) -> list[tuple[StoredPrediction, ParamRow]]:
    _check_models(db, where.competition_id, where.model_ids)
    with db.read() as session:
        return PredictionRepository(session).listing(where, limit=limit, offset=offset)
