"""The score worker: runs each competition's score cycle at its interval.

It runs in its own thread (inside ``podium serve``) or as the main loop of ``podium worker``.
A failing cycle is logged and retried at the next interval; it never stops the worker.

Many workers (and API processes) may share one PostgreSQL database: a competition's cycle runs
under a session-level advisory lock of that competition (``competition_cycle_lock``), so at
most one process runs it at a time. A worker that finds the lock taken skips the competition;
one that takes it checks again that the cycle is still due (another worker may just have run
it), so exactly one cycle, and one leaderboard, is built per interval. If the process holding
the lock dies, PostgreSQL drops its connection and the lock with it; every batch of a cycle
commits whole, so the next holder resumes where the dead one stopped. SQLite has one writer
and needs no lock (scale-out needs PostgreSQL).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import text

from podium import metrics
from podium.services.clock import Clock, wall_clock_ms
from podium.services.jobs import ThreadJob
from podium.services.score_cycle import CycleReport, run_score_cycle
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database

log = logging.getLogger(__name__)

CycleListener = Callable[[CycleReport], None]


def cycle_lock_key(competition_id: str) -> int:
    """The advisory lock id of a competition's score cycle (a signed 64-bit integer)."""
    digest = hashlib.sha256(f"podium:score-cycle:{competition_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def competition_cycle_lock(db: Database, competition_id: str, *, wait: bool) -> Iterator[bool]:
    """Hold the competition's cycle lock for the block; yields whether it is held.

    With ``wait``, block until the lock is free (always yields ``True``); without, yield
    ``False`` at once when another process holds it. PostgreSQL only; SQLite always yields
    ``True`` (its single writer already serializes the cycle's transactions).
    """
    if not db.is_postgresql:
        yield True
        return
    key = {"key": cycle_lock_key(competition_id)}
    with db.engine.connect() as connection:
        if wait:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), key)
            held = True
        else:
            held = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), key).scalar())
        connection.commit()
        try:
            yield held
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)
                connection.commit()


def run_exclusive_score_cycle(
    db: Database, *, competition_id: str, now_ms: int | Clock, batch_size: int
) -> CycleReport:
    """A score cycle under the competition's lock (waiting for it), with its metrics recorded."""
    with competition_cycle_lock(db, competition_id, wait=True):
        started_ms = now_ms() if callable(now_ms) else now_ms
        report = run_score_cycle(
            db, competition_id=competition_id, now_ms=started_ms, batch_size=batch_size
        )
    record_cycle_metrics(report)
    return report


def record_cycle_metrics(report: CycleReport) -> None:
    metrics.record_cycle(
        report.competition_id,
        duration_s=report.duration_s,
        scored=report.scored,
        failed=report.failed,
        expired=report.expired,
    )
    if report.failed:
        metrics.PLUGIN_FAILURES.labels("scoring_function").inc(report.failed)


class ScoreWorker(ThreadJob):
    thread_name = "podium-score-worker"
    stop_timeout_s = 30.0

    def __init__(
        self,
        db: Database,
        *,
        default_interval_s: float,
        batch_size: int,
        clock: Clock = wall_clock_ms,
        poll_s: float = 1.0,
    ) -> None:
        self.db = db
        self.default_interval_s = default_interval_s
        self.batch_size = batch_size
        self.clock = clock
        self.poll_s = poll_s
        self.listeners: list[CycleListener] = []
        super().__init__()

    def due_competitions(self, now_ms: int) -> list[str]:
        with self.db.read() as session:
            competitions = CompetitionRepository(session).list()
        due = []
        for competition in competitions:
            interval_s = competition.score_interval_s or self.default_interval_s
            last = competition.last_cycle_at
            if last is None or now_ms - last >= interval_s * 1000:
                due.append(competition.id)
        return due

    def run_cycle(self, competition_id: str) -> CycleReport:
        """Run the competition's cycle now (after any other process's cycle of it ends)."""
        report = run_exclusive_score_cycle(
            self.db, competition_id=competition_id, now_ms=self.clock, batch_size=self.batch_size
        )
        self._announce(report)
        return report

    def run_cycle_if_due(self, competition_id: str) -> CycleReport | None:
        """Run the cycle unless another process is running it or has just run it."""
        with competition_cycle_lock(self.db, competition_id, wait=False) as held:
            if not held:
                log.debug("competition %s: another worker is running its cycle", competition_id)
                return None
            now_ms = self.clock()
            if competition_id not in self.due_competitions(now_ms):
                return None
            report = run_score_cycle(
                self.db, competition_id=competition_id, now_ms=now_ms, batch_size=self.batch_size
            )
        record_cycle_metrics(report)
        self._announce(report)
        return report

    def _announce(self, report: CycleReport) -> None:
        competition_id = report.competition_id
        log.info(
            "cycle %s: %d scored, %d failed, %d expired, %d waiting, leaderboard %s (%.3f s)",
            competition_id,
            report.scored,
            report.failed,
            report.expired,
            report.waiting,
            report.leaderboard_id or "unchanged",
            report.duration_s,
        )
        for listener in self.listeners:
            listener(report)

    def run_due(self) -> list[CycleReport]:
        """One pass: a cycle for every competition whose interval has elapsed."""
        reports = []
        for competition_id in self.due_competitions(self.clock()):
            if self._stop.is_set():
                break
            try:
                report = self.run_cycle_if_due(competition_id)
            except Exception:
                log.exception("score cycle of competition %s failed", competition_id)
                continue
            if report is not None:
                reports.append(report)
        return reports

    def run_forever(self) -> None:
        log.info("score worker started (default interval %.0f s)", self.default_interval_s)
        while not self._stop.is_set():
            self.run_due()
            self._stop.wait(self.poll_s)
        log.info("score worker stopped")
