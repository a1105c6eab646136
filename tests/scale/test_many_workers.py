"""Several `podium` processes on one PostgreSQL database: nothing scored twice, nothing lost.

These start real processes and score 50k predictions, so they take seconds, not milliseconds.
"""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from podium.services.clock import wall_clock_ms
from podium.services.score_cycle import run_score_cycle
from podium.store.database import Database
from tests.conftest import _truncate_all
from tests.scale import fleet

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PREDICTIONS = 50_000
KILLED_RUN = 10_000  # small batches, so that the kill lands between commits of one cycle


@pytest.fixture
def pg(postgres_database: Database) -> Database:
    _truncate_all(postgres_database)
    return postgres_database


def stop(processes: list[subprocess.Popen[str]], how: int = signal.SIGTERM) -> list[str]:
    """Signal the processes, wait for them, and return what each wrote on stderr."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(how)
    errors = []
    for process in processes:
        try:
            errors.append(process.communicate(timeout=30)[1] or "")
        except subprocess.TimeoutExpired:
            process.kill()
            errors.append(process.communicate()[1] or "")
    return errors


def replay_in_one_process(db: Database, count: int = PREDICTIONS) -> dict[str, object]:
    """Score the same predictions again, from scratch, in this one process."""
    fleet.forget_scores(db)
    report = run_score_cycle(db, competition_id="fleet", now_ms=wall_clock_ms(), batch_size=count)
    assert report.scored == count
    return fleet.scores_state(db)


def test_three_workers_score_every_prediction_exactly_once(pg: Database) -> None:
    assert fleet.load_due_predictions(pg, count=PREDICTIONS) == PREDICTIONS
    workers = [
        fleet.podium_process(
            pg.url, "worker", PODIUM_SCORE_BATCH_SIZE="5000", PODIUM_SCORE_INTERVAL="3600"
        )
        for _ in range(3)
    ]
    try:
        fleet.wait_until(
            lambda: (
                fleet.status_counts(pg) == {"SCORED": PREDICTIONS} and fleet.leaderboard_count(pg)
            ),
            timeout_s=180,
            what="the workers to score every prediction",
        )
        # A few more polls of every worker (each polls every second): none starts a second cycle.
        time.sleep(2.5)
    finally:
        stop(workers)
    for worker in workers:
        assert worker.returncode in (0, -signal.SIGTERM), (
            worker.stderr.read() if worker.stderr else ""
        )
    assert fleet.scored_total(pg) == PREDICTIONS  # every roll-up counted each score once
    assert fleet.leaderboard_count(pg) == 1
    state = fleet.scores_state(pg)
    assert len(state["ranking"]) == len(state["snapshots"]) == fleet.MODELS
    assert state == replay_in_one_process(pg)


def test_a_worker_killed_mid_cycle_is_resumed_by_the_next_without_loss_or_double_counting(
    pg: Database,
) -> None:
    assert fleet.load_due_predictions(pg, count=KILLED_RUN) == KILLED_RUN
    env = {"PODIUM_SCORE_BATCH_SIZE": "500", "PODIUM_SCORE_INTERVAL": "3600"}
    victim = fleet.podium_process(pg.url, "worker", **env)
    try:
        fleet.wait_until(
            lambda: fleet.status_counts(pg).get("SCORED", 0) >= 1_000,
            timeout_s=120,
            what="the first batches to commit",
        )
    finally:
        stop([victim], signal.SIGKILL)
    partial = fleet.status_counts(pg)
    assert 0 < partial.get("SCORED", 0) < KILLED_RUN, partial
    # What was committed is whole: each scored prediction is counted once in the roll-ups.
    assert fleet.scored_total(pg) == partial["SCORED"]
    successor = fleet.podium_process(pg.url, "worker", **env)
    try:
        fleet.wait_until(
            lambda: (
                fleet.status_counts(pg) == {"SCORED": KILLED_RUN} and fleet.leaderboard_count(pg)
            ),
            timeout_s=180,
            what="the restarted worker to finish the cycle",
        )
    finally:
        stop([successor])
    assert fleet.scored_total(pg) == KILLED_RUN
    assert fleet.leaderboard_count(pg) == 1
    state = fleet.scores_state(pg)
    assert len(state["snapshots"]) == fleet.MODELS  # one cycle, one snapshot per model
    assert state == replay_in_one_process(pg, KILLED_RUN)
