"""Reads behind the report API: leaderboards, models, score history, predictions.

Leaderboards are read as persisted by the score worker, never recomputed per request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from podium.domain.leaderboard import OVERALL_CATEGORY
from podium.errors import NotFoundError
from podium.schemas.reports import LeaderboardEntryOut
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database
from podium.store.leaderboards import LeaderboardRepository
from podium.store.predictions import PredictionFilter, PredictionRepository
from podium.store.roster import RosterRepository
from podium.store.scores import ScoreRepository
from podium.store.tables import (
    LeaderboardEntryRow,
    LeaderboardRow,
    ModelRow,
    ModelScoreSnapshotRow,
    ParamRow,
    PlayerRow,
    PredictionRow,
)

MAX_SNAPSHOT_ROWS = 100_000


@dataclass(frozen=True, slots=True)
class LeaderboardView:
    leaderboard: LeaderboardRow | None
    entries: list[LeaderboardEntryRow]


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
    with db.read() as session:
        repository = LeaderboardRepository(session)
        row = repository.latest(competition_id, category=category, at_ms=at_ms)
        if row is None:
            return LeaderboardView(None, [])
        return LeaderboardView(row, repository.entries(row.id))


@dataclass(frozen=True, slots=True)
class LeaderboardVersion:
    id: str
    revision: int
    created_at: int


@dataclass(frozen=True, slots=True)
class LeaderboardBody:
    """A persisted leaderboard serialized once: its ETag, when it was built, its JSON."""

    id: str
    etag: str
    created_at: int
    json: bytes


_ENTRIES = TypeAdapter(list[LeaderboardEntryOut])


class LeaderboardBodies:
    """The JSON of the latest leaderboards, built once per (leaderboard, revision) and process.

    A read costs one indexed query (the latest leaderboard's id) and, for a poller sending its
    ETag, nothing more: the entries are read and serialized when a new leaderboard appears.
    """

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._bodies: OrderedDict[tuple[str, int], LeaderboardBody] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def etag_of(version: LeaderboardVersion) -> str:
        return f'"{version.id}.{version.revision}"'

    def latest(
        self, db: Database, *, competition_id: str, category: str = OVERALL_CATEGORY
    ) -> tuple[LeaderboardVersion | None, LeaderboardBody | None]:
        """The latest leaderboard's version, and its body when it is already serialized."""
        with db.read() as session:
            row = LeaderboardRepository(session).latest_version(competition_id, category=category)
        if row is None:
            return None, None
        version = LeaderboardVersion(row.id, row.revision, row.created_at)
        with self._lock:
            return version, self._bodies.get((version.id, version.revision))

    def body(self, db: Database, version: LeaderboardVersion) -> LeaderboardBody:
        with db.read() as session:
            entries = LeaderboardRepository(session).entries(version.id)
        body = LeaderboardBody(
            id=version.id,
            etag=self.etag_of(version),
            created_at=version.created_at,
            json=_ENTRIES.dump_json(
                [LeaderboardEntryOut.model_validate(entry) for entry in entries]
            ),
        )
        with self._lock:
            self._bodies[(version.id, version.revision)] = body
            while len(self._bodies) > self.size:
                self._bodies.popitem(last=False)
        return body


def players(db: Database) -> list[PlayerRow]:
    with db.read() as session:
        return RosterRepository(session).players()


def models(db: Database, *, competition_id: str) -> list[tuple[ModelRow, PlayerRow]]:
    with db.read() as session:
        CompetitionRepository(session).get(competition_id)
        return RosterRepository(session).models(competition_id)


def params(db: Database, *, competition_id: str) -> list[ParamRow]:
    with db.read() as session:
        CompetitionRepository(session).get(competition_id)
        return RosterRepository(session).param_rows(competition_id)


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


def score_points(
    db: Database,
    *,
    competition_id: str,
    model_ids: Sequence[str] | None,
    start_ms: int,
    end_ms: int,
) -> list[dict[str, Any]]:
    """Each model's overall scores per snapshot, without the per-param detail."""
    _check_models(db, competition_id, model_ids)
    with db.read() as session:
        rows = ScoreRepository(session).snapshot_points(
            competition_id,
            model_ids=model_ids,
            start_ms=start_ms,
            end_ms=end_ms,
            limit=MAX_SNAPSHOT_ROWS,
        )
    return [dict(row._mapping) for row in rows]


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
) -> list[tuple[PredictionRow, ParamRow]]:
    _check_models(db, where.competition_id, where.model_ids)
    with db.read() as session:
        return PredictionRepository(session).listing(where, limit=limit, offset=offset)
