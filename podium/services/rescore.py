"""Rescore: replay stored predictions through a (possibly new) scoring function and ranker.

In one write transaction:

1. the new scoring function / ranker (if given) are checked like a competition update and
   become the competition's;
2. every prediction with a known truth (``SCORED`` or ``FAILED``) whose ``resolvable_at`` is in
   ``[start, end]`` is scored again, in batches of ``batch_size`` (``progress`` is told after
   each batch);
3. the totals of the competition are rebuilt from the stored scores, and the roll-ups of the
   buckets the rebuilt leaderboards' windows read (``rollup_retention.rebuild_rollups``);
4. the leaderboards built in ``[start, end]`` (all categories, their snapshots and metrics) are
   rebuilt at their own instants; with none there, one is built at ``end``;
5. the overall leaderboard as of ``end`` is compared with the one stored before.

A dry run does all of it, reports the comparison, and rolls the transaction back: nothing is
written. The same inputs give the same leaderboards, and the same diff, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from podium.domain.leaderboard import OVERALL_CATEGORY
from podium.domain.predictions import PredictionStatus
from podium.domain.scoring import score_batch
from podium.errors import InvalidInputError
from podium.plugins import RANKERS, SCORING_FUNCTIONS
from podium.services.competitions import checked_plugin
from podium.services.leaderboards import build_leaderboard
from podium.services.metrics import record_custom_metrics
from podium.services.rollup_retention import rebuild_rollups
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database
from podium.store.leaderboards import LeaderboardRepository
from podium.store.predictions import PredictionRepository
from podium.store.roster import RosterRepository
from podium.store.tables import (
    CompetitionRow,
    LeaderboardRow,
    PredictionOutcomeRow,
    PredictionRow,
)

Progress = Callable[[int, int], None]
_REPLAYED = (PredictionStatus.SCORED.value, PredictionStatus.FAILED.value)


@dataclass(frozen=True, slots=True)
class RankMove:
    """One model's place before and after (``None``: not on that leaderboard)."""

    model_id: str
    model_name: str
    old_rank: int | None
    new_rank: int | None

    @property
    def moved(self) -> int | None:
        """Places gained (+2: up two places); ``None`` when on one side only."""
        if self.old_rank is None or self.new_rank is None:
            return None
        return self.old_rank - self.new_rank


@dataclass(slots=True)
class RescoreReport:
    competition_id: str
    start_ms: int
    end_ms: int
    dry_run: bool
    rescored: int = 0
    failed: int = 0
    leaderboards_at: list[int] = field(default_factory=list)
    diff: list[RankMove] = field(default_factory=list)


class _DryRunRollbackError(Exception):
    """Raised inside the transaction to roll it back once the report is complete."""


def _apply_plugins(
    competition: CompetitionRow,
    *,
    scoring: str | None,
    scoring_config: dict[str, Any] | None,
    ranker: str | None,
    ranker_config: dict[str, Any] | None,
) -> None:
    changes = (
        ("scoring_function", "scoring_config", SCORING_FUNCTIONS, scoring, scoring_config),
        ("ranker", "ranker_config", RANKERS, ranker, ranker_config),
    )
    changed = False
    for name_field, config_field, kind, name, config in changes:
        if name is None and config is None:
            continue
        plugin = name if name is not None else getattr(competition, name_field)
        if config is None:
            config = {} if name is not None else getattr(competition, config_field)
        checked = checked_plugin(name_field, config_field, kind, plugin, config)
        setattr(competition, name_field, plugin)
        setattr(competition, config_field, checked)
        changed = True
    if changed:
        competition.revision += 1


def _with_outcome(statement: Select[Any]) -> Select[Any]:
    """Over the predictions that have an outcome, with it."""
    return statement.select_from(PredictionRow).join(
        PredictionOutcomeRow, PredictionOutcomeRow.pk == PredictionRow.pk
    )


def _rescore_predictions(
    session: Session,
    competition: CompetitionRow,
    report: RescoreReport,
    *,
    batch_size: int,
    progress: Progress | None,
) -> None:
    where = (
        PredictionRow.competition_id == competition.id,
        PredictionOutcomeRow.status.in_(_REPLAYED),
        PredictionOutcomeRow.truth.is_not(None),
        PredictionRow.resolvable_at >= report.start_ms,
        PredictionRow.resolvable_at <= report.end_ms,
    )
    total = int(session.scalar(_with_outcome(select(func.count())).where(*where)) or 0)
    scoring = SCORING_FUNCTIONS.create(competition.scoring_function, competition.scoring_config)
    params = RosterRepository(session).params(competition.id)
    predictions = PredictionRepository(session)
    after = -1
    done = 0
    if progress is not None:
        progress(0, total)
    while True:
        rows = list(
            session.execute(
                _with_outcome(
                    select(
                        PredictionRow.pk,
                        PredictionRow.param_id,
                        PredictionRow.payload,
                        PredictionOutcomeRow.truth,
                    )
                )
                .where(*where, PredictionRow.pk > after)
                .order_by(PredictionRow.pk)
                .limit(batch_size)
            )
        )
        if not rows:
            break
        after = rows[-1].pk
        outcomes = score_batch(
            scoring,
            [row.payload for row in rows],
            [row.truth for row in rows],
            [params[row.param_id] for row in rows],
        )
        predictions.write_outcomes(
            [
                {
                    "pk": row.pk,
                    "status": (
                        PredictionStatus.SCORED if outcome.success else PredictionStatus.FAILED
                    ).value,
                    "score_value": outcome.value,
                    "score_success": outcome.success,
                    "score_failed_reason": outcome.failed_reason,
                }
                for row, outcome in zip(rows, outcomes, strict=True)
            ]
        )
        report.rescored += sum(1 for outcome in outcomes if outcome.success)
        report.failed += sum(1 for outcome in outcomes if not outcome.success)
        done += len(rows)
        if progress is not None:
            progress(done, total)


def _ranks(session: Session, board: LeaderboardRow | None) -> dict[str, int]:
    return LeaderboardRepository(session).ranks(board.id) if board is not None else {}


def rank_diff(old: dict[str, int], new: dict[str, int], names: dict[str, str]) -> list[RankMove]:
    """Every model on either leaderboard, in new rank order (then the ones that left, by id)."""
    ids = sorted(
        set(old) | set(new),
        key=lambda model_id: (new.get(model_id) is None, new.get(model_id, 0), model_id),
    )
    return [
        RankMove(model_id, names.get(model_id, model_id), old.get(model_id), new.get(model_id))
        for model_id in ids
    ]


def rescore(
    db: Database,
    *,
    competition_id: str,
    start_ms: int,
    end_ms: int,
    scoring: str | None = None,
    scoring_config: dict[str, Any] | None = None,
    ranker: str | None = None,
    ranker_config: dict[str, Any] | None = None,
    dry_run: bool = False,
    batch_size: int = 5_000,
    progress: Progress | None = None,
) -> RescoreReport:
    if start_ms > end_ms:
        raise InvalidInputError.for_field("from", "must not be after --to")
    report = RescoreReport(competition_id, start_ms, end_ms, dry_run)
    try:
        with db.write() as session:
            competition = CompetitionRepository(session).get(competition_id)
            boards = LeaderboardRepository(session)
            before = boards.latest(competition_id, category=OVERALL_CATEGORY, at_ms=end_ms)
            old_ranks = _ranks(session, before)
            _apply_plugins(
                competition,
                scoring=scoring,
                scoring_config=scoring_config,
                ranker=ranker,
                ranker_config=ranker_config,
            )
            session.flush()
            _rescore_predictions(
                session, competition, report, batch_size=batch_size, progress=progress
            )
            instants = sorted(
                {
                    row.created_at
                    for row in boards.history(
                        competition_id,
                        category=OVERALL_CATEGORY,
                        start_ms=start_ms,
                        end_ms=end_ms,
                        limit=100_000,
                    )
                }
            ) or [before.created_at if before is not None else end_ms]
            rebuild_rollups(session, competition, instants=instants, batch_size=batch_size)
            latest = None
            for instant in instants:
                latest = build_leaderboard(session, competition=competition, now_ms=instant)
                record_custom_metrics(session, competition=competition, now_ms=instant)
            report.leaderboards_at = instants
            new_ranks = {entry.model_id: entry.rank for entry in latest.entries} if latest else {}
            names = {
                model.id: model.name
                for model, _ in RosterRepository(session).models(competition_id)
            }
            report.diff = rank_diff(old_ranks, new_ranks, names)
            if dry_run:
                raise _DryRunRollbackError
    except _DryRunRollbackError:
        pass
    return report
