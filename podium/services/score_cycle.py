"""One score cycle of one competition: resolve → score → roll up → windows → snapshot → rank.

1. Due predictions (queued in ``prediction_queue``, ``resolvable_at`` passed) are read in
   batches of ``batch_size``, as columns (``DueBatch``). For each batch, in one transaction:
   the resolver finds their ground truth, the scoring function scores the resolved ones (a
   failure fails that prediction only), the predictions whose truth is still unknown after the
   grace period are ``EXPIRED``, their outcomes are inserted (``prediction_outcomes``) and they
   leave the queue, and the new scores are added to the per model/param/bucket roll-ups.
   Plugins with the columnar protocol (``resolve_columns``, ``score_columns``) take the whole batch as
   NumPy arrays; the others are called through their per-row protocol, with the same results.
2. If the inputs changed since the latest leaderboard (new scores, models, settings) or time
   moved into a new bucket, then in one transaction: window scores are read from the roll-ups,
   snapshotted per model, ranked, and stored as a leaderboard (``overall``) and one per asset
   (``podium.services.leaderboards``), then the competition's custom metrics are recorded
   (``podium.services.metrics``).

A crash leaves the store consistent: each batch commits whole (scores with their roll-ups),
the leaderboard commits whole, and the next cycle picks up where this one stopped. On
PostgreSQL a batch commits without waiting for its WAL flush: a server crash may lose the last
batches whole (scored again by the next cycle); the leaderboard's durable commit flushes them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy.orm import Session

from podium.domain.due_batch import DueBatch
from podium.domain.predictions import PredictionStatus
from podium.domain.rollups import rollup_columns
from podium.domain.scoring import score_columns
from podium.domain.series import FloatArray
from podium.plugins import RESOLVERS, SCORING_FUNCTIONS
from podium.plugins.protocols import Resolver, ScoringFunction
from podium.services.leaderboards import build_leaderboard_if_stale
from podium.services.metrics import record_custom_metrics
from podium.services.rollup_retention import keep_window_rollups, kept_for_cycle
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database
from podium.store.ground_truth import GroundTruthRepository
from podium.store.roster import RosterRepository
from podium.store.score_queue import OutcomeColumns, ScoreQueueRepository
from podium.store.scores import ScoreRepository
from podium.store.tables import CompetitionRow

log = logging.getLogger(__name__)

EXPIRED_REASON = "ground truth not available within the grace period"
_START = (-(2**62), 0)


@dataclass(slots=True)
class CycleReport:
    competition_id: str
    performed_at: int
    scored: int = 0
    failed: int = 0
    expired: int = 0
    waiting: int = 0
    leaderboard_id: str | None = None
    duration_s: float = 0.0
    failures: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Plugins:
    scoring: ScoringFunction
    resolver: Resolver


def run_score_cycle(
    db: Database, *, competition_id: str, now_ms: int, batch_size: int
) -> CycleReport:
    started = time.perf_counter()
    report = CycleReport(competition_id=competition_id, performed_at=now_ms)
    with db.read() as session:
        competition = CompetitionRepository(session).get(competition_id)
        params = RosterRepository(session).params(competition_id)
    plugins = _Plugins(
        scoring=SCORING_FUNCTIONS.create(competition.scoring_function, competition.scoring_config),
        resolver=RESOLVERS.create(competition.resolver, competition.resolver_config),
    )
    cursor = _START
    while True:
        with db.write() as session:
            queue = ScoreQueueRepository(session)
            queue.prepare_batch_transaction()
            due = queue.fetch_due(
                competition_id, now_ms=now_ms, after=cursor, limit=batch_size, params=params
            )
            if not len(due):
                break
            cursor = (int(due.resolvable_at[-1]), int(due.pk[-1]))
            _score_due(session, competition, plugins, due, now_ms, report)
        if len(due) < batch_size:
            break
    with db.write() as session:
        keep_window_rollups(
            session, competition_id=competition_id, now_ms=now_ms, batch_size=batch_size
        )
        leaderboard = build_leaderboard_if_stale(
            session, competition_id=competition_id, now_ms=now_ms
        )
        if leaderboard is not None:
            record_custom_metrics(session, competition=competition, now_ms=now_ms)
        CompetitionRepository(session).mark_cycle(competition_id, at_ms=now_ms)
    report.leaderboard_id = leaderboard.id if leaderboard is not None else None
    report.duration_s = time.perf_counter() - started
    if report.failures:
        log.warning(
            "competition %s: %d prediction(s) failed to score: %s",
            competition_id,
            report.failed,
            report.failures,
        )
    return report


def _resolve(
    resolver: Resolver, due: DueBatch, session: Session, competition_id: str
) -> FloatArray:
    """The truth of each due prediction, NaN where it is not known (yet)."""
    unknown = np.full(len(due), np.nan)
    source = GroundTruthRepository(session, competition_id)
    columnar = getattr(resolver, "resolve_columns", None)
    try:
        if columnar is not None:
            truths = np.array(columnar(due, source), dtype=np.float64)
        else:
            truths = np.array(
                [
                    float(truth) if isinstance(truth, int | float) else np.nan
                    for truth in resolver.resolve(due.predictions(), source)
                ],
                dtype=np.float64,
            )
    except Exception:
        # A broken resolver leaves the batch pending: it is retried until the grace period ends.
        log.exception("competition %s: resolver failed on a batch of %d", competition_id, len(due))
        return unknown
    if truths.shape != unknown.shape:
        log.error(
            "competition %s: resolver returned %d truths for %d predictions",
            competition_id,
            truths.size,
            len(due),
        )
        return unknown
    truths[~np.isfinite(truths)] = np.nan
    return truths


def _score_due(
    session: Session,
    competition: CompetitionRow,
    plugins: _Plugins,
    due: DueBatch,
    now_ms: int,
    report: CycleReport,
) -> None:
    # Columns end to end: this runs for every prediction, so no object per row where avoidable.
    truths = _resolve(plugins.resolver, due, session, competition.id)
    known = ~np.isnan(truths)
    resolved = np.flatnonzero(known)
    every = resolved.size == len(due)
    payloads = due.payloads if every else [due.payloads[index] for index in resolved.tolist()]
    scores = score_columns(
        plugins.scoring,
        payloads,
        truths[resolved],
        lambda: [due.params[name] for name in due.param.take(resolved).values()],
    )
    count = int(resolved.size)
    status = [PredictionStatus.SCORED.value] * count
    success = np.ones(count, dtype=bool)
    reasons: list[str | None] = [None] * count
    for index, reason in scores.failures.items():
        status[index] = PredictionStatus.FAILED.value
        success[index] = False
        reasons[index] = reason
        report.failures[reason] = report.failures.get(reason, 0) + 1
    report.failed += len(scores.failures)
    report.scored += count - len(scores.failures)
    waiting = np.flatnonzero(~known)
    expired = waiting[due.resolvable_at[waiting] < now_ms - competition.grace_period_ms]
    report.expired += int(expired.size)
    report.waiting += int(waiting.size - expired.size)
    gone = int(expired.size)
    none = np.full(gone, np.nan)
    outcomes = OutcomeColumns(
        pk=np.concatenate((due.pk[resolved], due.pk[expired])),
        status=status + [PredictionStatus.EXPIRED.value] * gone,
        truth=np.concatenate((truths[resolved], none)),
        score_value=np.concatenate((scores.values, none)),
        score_success=np.concatenate((success, np.zeros(gone, dtype=bool))),
        score_failed_reason=reasons + [EXPIRED_REASON] * gone,
        resolvable_at=np.concatenate((due.resolvable_at[resolved], due.resolvable_at[expired])),
        scored_at=now_ms,
    )
    ScoreQueueRepository(session).write_outcomes(outcomes, due=due, competition_id=competition.id)
    if count:
        ScoreRepository(session).add_rollup_columns(
            competition.id,
            rollup_columns(
                due.model if every else due.model.take(resolved),
                due.param if every else due.param.take(resolved),
                due.resolvable_at[resolved],
                scores.values,
                competition.bucket_ms,
            ),
            kept_from=kept_for_cycle(competition, now_ms),
        )
        CompetitionRepository(session).bump_revision(competition.id)
