"""A competition with many due predictions on PostgreSQL, and `podium` processes run against it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from sqlalchemy import func, select, text

from podium.schemas.competitions import CompetitionCreate
from podium.schemas.roster import ModelIn, ParamIn, PlayerIn
from podium.services import ingest
from podium.services.clock import wall_clock_ms
from podium.services.competitions import create_competition
from podium.store.database import Database
from podium.store.predictions import PredictionRepository
from podium.store.tables import (
    LeaderboardEntryRow,
    LeaderboardRow,
    ModelScoreSnapshotRow,
    ScoreTotalRow,
)

MODELS = 50
MINUTE_MS = 60_000


def load_due_predictions(db: Database, *, count: int, competition_id: str = "fleet") -> int:
    """``count`` predictions of ``MODELS`` models, all due now, each with its ground truth."""
    now_ms = wall_clock_ms()
    create_competition(
        db,
        spec=CompetitionCreate(
            id=competition_id, name="Fleet", resolver="explicit", allow_backfill=True
        ),
        now_ms=now_ms,
    )
    ingest.register_players(db, players=[PlayerIn(id="p", name="P")], now_ms=now_ms)
    ingest.register_models(
        db,
        competition_id=competition_id,
        models=[ModelIn(id=f"m{m}", name=f"M{m}", player_id="p") for m in range(MODELS)],
        now_ms=now_ms,
    )
    ingest.register_params(
        db, competition_id=competition_id, params=[ParamIn(id="x")], now_ms=now_ms
    )
    per_model = count // MODELS
    # Due in the last ~50 minutes: inside every window, and past by the time workers run.
    # Generated in SQL: the ingest path has its own tests, here only the volume matters.
    # Payloads and truths are whole numbers, so squared errors and their sums are exact floats:
    # scores compare equal whatever order batches were summed in.
    start = now_ms - 50 * MINUTE_MS
    step = max(1, (45 * MINUTE_MS) // per_model)
    values = {"c": competition_id, "start": start, "step": step, "n": per_model, "now": now_ms}
    with db.write() as session:
        session.execute(
            text(
                "INSERT INTO truths (competition_id, param_id, ts, value) "
                "SELECT :c, 'x', :start + i * :step + 60000, (i % 7)::float "
                "FROM generate_series(0, :n - 1) AS i"
            ),
            values,
        )
        # Each new prediction queued in the same statement, as the ingest service does.
        session.execute(
            text(
                "WITH inserted AS (INSERT INTO predictions (competition_id, id, model_id, "
                "param_id, payload, performed_at, resolvable_at, submitted_at) "
                "SELECT :c, 'm' || m || '/' || i, 'm' || m, 'x', "
                "jsonb_build_object('value', ((i + m) % 11)::float), "
                ":start + i * :step, :start + i * :step + 60000, :now "
                "FROM generate_series(0, :n - 1) AS i, generate_series(0, "
                f"{MODELS - 1}) AS m RETURNING competition_id, resolvable_at, pk) "
                "INSERT INTO prediction_queue (competition_id, resolvable_at, pk) "
                "SELECT competition_id, resolvable_at, pk FROM inserted"
            ),
            values,
        )
    return per_model * MODELS


def podium_process(url: str, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "podium", *args],
        env={**os.environ, "PODIUM_DATABASE_URL": url, "PODIUM_LOG_LEVEL": "WARNING", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def status_counts(db: Database, competition_id: str = "fleet") -> dict[str, int]:
    with db.read() as session:
        counts = PredictionRepository(session).count_by_status(competition_id)
        return {str(status): int(count) for status, count in counts.items()}


def wait_until(condition: Any, *, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def scored_total(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.coalesce(func.sum(ScoreTotalRow.count), 0))) or 0)


def leaderboard_count(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(LeaderboardRow)) or 0)


def latest_ranking(db: Database) -> list[tuple[Any, ...]]:
    """The latest leaderboard's entries, without ids or times."""
    with db.read() as session:
        latest = session.scalar(
            select(LeaderboardRow.id).order_by(LeaderboardRow.created_at.desc()).limit(1)
        )
        rows = session.execute(
            select(
                LeaderboardEntryRow.rank,
                LeaderboardEntryRow.model_id,
                LeaderboardEntryRow.score_recent,
                LeaderboardEntryRow.score_steady,
                LeaderboardEntryRow.score_anchor,
                LeaderboardEntryRow.prediction_count,
            )
            .where(LeaderboardEntryRow.leaderboard_id == latest)
            .order_by(LeaderboardEntryRow.rank, LeaderboardEntryRow.model_id)
        )
        return [tuple(row) for row in rows]


def scores_state(db: Database) -> dict[str, Any]:
    """What scoring produced, without ids or times: the latest ranking, snapshots, totals."""
    with db.read() as session:
        snapshots = session.execute(
            select(
                ModelScoreSnapshotRow.model_id,
                ModelScoreSnapshotRow.score_recent,
                ModelScoreSnapshotRow.score_steady,
                ModelScoreSnapshotRow.score_anchor,
                ModelScoreSnapshotRow.prediction_count,
            ).order_by(ModelScoreSnapshotRow.model_id)
        )
        totals = session.execute(
            select(ScoreTotalRow.model_id, ScoreTotalRow.param_id, ScoreTotalRow.count).order_by(
                ScoreTotalRow.model_id, ScoreTotalRow.param_id
            )
        )
        return {
            "ranking": latest_ranking(db),
            "snapshots": [tuple(row) for row in snapshots],
            "totals": [tuple(row) for row in totals],
        }


def forget_scores(db: Database) -> None:
    """Back to 'nothing scored yet', keeping the data: to replay the same work in one process."""
    with db.write() as session:
        for table in ("leaderboard_entries", "leaderboards", "model_score_snapshots"):
            session.execute(text(f"DELETE FROM {table}"))
        session.execute(text("DELETE FROM score_rollups"))
        session.execute(text("DELETE FROM score_totals"))
        session.execute(text("DELETE FROM prediction_outcomes"))
        session.execute(text("DELETE FROM prediction_queue"))
        session.execute(
            text(
                "INSERT INTO prediction_queue (competition_id, resolvable_at, pk) "
                "SELECT competition_id, resolvable_at, pk FROM predictions"
            )
        )
        session.execute(text("UPDATE competitions SET last_cycle_at = NULL, revision = 0"))
