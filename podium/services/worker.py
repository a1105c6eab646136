"""The score worker: runs each competition's score cycle at its interval.

It runs in its own thread (inside ``podium serve``) or as the main loop of ``podium worker``.
A failing cycle is logged and retried at the next interval; it never stops the worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from podium.services.clock import Clock, wall_clock_ms
from podium.services.score_cycle import CycleReport, run_score_cycle
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database

log = logging.getLogger(__name__)

CycleListener = Callable[[CycleReport], None]


class ScoreWorker:
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
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

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
        report = run_score_cycle(
            self.db, competition_id=competition_id, now_ms=self.clock(), batch_size=self.batch_size
        )
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
        return report

    def run_due(self) -> list[CycleReport]:
        """One pass: a cycle for every competition whose interval has elapsed."""
        reports = []
        for competition_id in self.due_competitions(self.clock()):
            if self._stop.is_set():
                break
            try:
                reports.append(self.run_cycle(competition_id))
            except Exception:
                log.exception("score cycle of competition %s failed", competition_id)
        return reports

    def run_forever(self) -> None:
        log.info("score worker started (default interval %.0f s)", self.default_interval_s)
        while not self._stop.is_set():
            self.run_due()
            self._stop.wait(self.poll_s)
        log.info("score worker stopped")

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.run_forever, name="podium-score-worker", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
