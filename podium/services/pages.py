"""What the web pages show, read in one place: the home page, a leaderboard, a model.

Leaderboards are read as persisted by the score worker. A rank change is measured against the
newest leaderboard of the same category built at least ``RANK_CHANGE_SPAN_MS`` before the
current one (for a younger competition, against its first leaderboard).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from podium.domain.leaderboard import OVERALL_CATEGORY
from podium.domain.rank_changes import RankChange, rank_changes
from podium.domain.timestamps import MS_PER_DAY
from podium.errors import InvalidInputError
from podium.services import reports
from podium.services.metrics import metric_series
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database
from podium.store.leaderboard_history import (
    LatestLeaderboard,
    LeaderboardHistoryRepository,
    RankPoint,
)
from podium.store.leaderboards import LeaderboardRepository
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

RANK_CHANGE_SPAN_MS = MS_PER_DAY
HOME_TOP = 5
HISTORY_SPAN_MS = 7 * MS_PER_DAY
HISTORY_MAX_ROWS = 20_000
LATEST_PREDICTIONS = 20

SORT_COLUMNS: dict[str, str] = {
    "rank": "rank",
    "model": "model_name",
    "player": "player_name",
    "recent": "score_recent",
    "steady": "score_steady",
    "anchor": "score_anchor",
    "combined": "combined_score",
    "predictions": "prediction_count",
}


@dataclass(frozen=True, slots=True)
class LeaderboardLine:
    rank: int
    change: RankChange | None
    model_id: str
    model_name: str
    player_id: str
    player_name: str
    score_recent: float | None
    score_steady: float | None
    score_anchor: float | None
    combined_score: float | None
    prediction_count: int


@dataclass(frozen=True, slots=True)
class CompetitionSummary:
    competition: CompetitionRow
    leaderboard: LeaderboardRow | None
    top: list[LeaderboardLine]


@dataclass(frozen=True, slots=True)
class LeaderboardPage:
    competition: CompetitionRow
    category: str
    categories: list[str]
    leaderboard: LeaderboardRow | None
    reference: LeaderboardRow | None
    lines: list[LeaderboardLine]
    sort: str
    descending: bool


@dataclass(frozen=True, slots=True)
class ParamScoreLine:
    param_id: str
    asset: str | None
    horizon: int | None
    score_recent: float | None
    score_steady: float | None
    score_anchor: float | None
    prediction_count: int


@dataclass(frozen=True, slots=True)
class ModelStats:
    scored: int = 0
    failed: int = 0
    mean_score: float | None = None
    pending: int = 0
    expired: int = 0


@dataclass(frozen=True, slots=True)
class MetricValue:
    """The latest value of one of the competition's custom metrics for a model."""

    name: str
    value: float
    recorded_at: int


@dataclass(frozen=True, slots=True)
class ModelPage:
    competition: CompetitionRow
    model: ModelRow
    player: PlayerRow
    current: LeaderboardLine | None
    entry_count: int
    score_history: list[ModelScoreSnapshotRow]
    rank_history: list[RankPoint]
    param_scores: list[ParamScoreLine]
    stats: ModelStats
    report_stats: reports.ModelStats
    metrics: list[MetricValue]
    leaderboard_id: str | None = None
    predictions: list[tuple[StoredPrediction, ParamRow]] = field(default_factory=list)


def _lines(
    entries: list[LeaderboardEntryRow], changes: dict[str, RankChange] | None
) -> list[LeaderboardLine]:
    return [
        LeaderboardLine(
            rank=entry.rank,
            change=changes.get(entry.model_id) if changes is not None else None,
            model_id=entry.model_id,
            model_name=entry.model_name,
            player_id=entry.player_id,
            player_name=entry.player_name,
            score_recent=entry.score_recent,
            score_steady=entry.score_steady,
            score_anchor=entry.score_anchor,
            combined_score=entry.combined_score,
            prediction_count=entry.prediction_count,
        )
        for entry in entries
    ]


def _ranked(
    session: Session, competition_id: str, category: str
) -> tuple[LeaderboardRow | None, LeaderboardRow | None, list[LeaderboardLine]]:
    """The latest leaderboard, its reference, and its lines with their rank change."""
    latest = LeaderboardRepository(session).latest(competition_id, category=category)
    if latest is None:
        return None, None, []
    history = LeaderboardHistoryRepository(session)
    reference = history.reference(
        competition_id, category=category, before_ms=latest.created_at - RANK_CHANGE_SPAN_MS
    )
    entries = LeaderboardRepository(session).entries(latest.id)
    changes = None
    if reference is not None:
        changes = rank_changes(
            {entry.model_id: entry.rank for entry in entries}, history.ranks(reference.id)
        )
    return latest, reference, _lines(entries, changes)


def home(db: Database, *, tenant_id: str) -> list[CompetitionSummary]:
    """Every competition of the tenant with the top of its overall leaderboard."""
    with db.read() as session:
        summaries = []
        for competition in CompetitionRepository(session).list():
            if competition.tenant_id != tenant_id:
                continue
            latest, _, lines = _ranked(session, competition.id, OVERALL_CATEGORY)
            summaries.append(CompetitionSummary(competition, latest, lines[:HOME_TOP]))
        return summaries


def _sort_value(line: LeaderboardLine, attribute: str) -> tuple[int, float | str]:
    value = getattr(line, attribute)
    if value is None:
        return (1, 0.0)  # missing values go last whatever the direction
    return (0, value.casefold() if isinstance(value, str) else float(value))


def sort_lines(
    lines: list[LeaderboardLine], *, sort: str, descending: bool
) -> list[LeaderboardLine]:
    if sort not in SORT_COLUMNS:
        raise InvalidInputError.for_field(
            "sort", f"must be one of {', '.join(SORT_COLUMNS)}, got {sort!r}"
        )
    attribute = SORT_COLUMNS[sort]
    present = [line for line in lines if getattr(line, attribute) is not None]
    missing = [line for line in lines if getattr(line, attribute) is None]
    present.sort(key=lambda line: (_sort_value(line, attribute), line.rank), reverse=descending)
    return present + sorted(missing, key=lambda line: line.rank)


def leaderboard_page(
    db: Database,
    *,
    competition_id: str,
    category: str = OVERALL_CATEGORY,
    sort: str = "rank",
    descending: bool = False,
) -> LeaderboardPage:
    with db.read() as session:
        competition = CompetitionRepository(session).get(competition_id)
        categories = LeaderboardHistoryRepository(session).categories(competition_id)
        if category not in categories and category != OVERALL_CATEGORY:
            raise InvalidInputError.for_field(
                "category", f"no leaderboard of category {category!r} in {competition_id!r}"
            )
        latest, reference, lines = _ranked(session, competition_id, category)
    return LeaderboardPage(
        competition=competition,
        category=category,
        categories=categories or [OVERALL_CATEGORY],
        leaderboard=latest,
        reference=reference,
        lines=sort_lines(lines, sort=sort, descending=descending),
        sort=sort,
        descending=descending,
    )


def model_page(db: Database, *, competition_id: str, model_id: str, now_ms: int) -> ModelPage:
    with db.read() as session:
        competition = CompetitionRepository(session).get(competition_id)
        roster = RosterRepository(session)
        model = roster.get_model(model_id, competition_id=competition_id)
        player = next(p for m, p in roster.models(competition_id) if m.id == model_id)
        params = {row.id: row for row in roster.param_rows(competition_id)}
        latest, _, lines = _ranked(session, competition_id, OVERALL_CATEGORY)
        current = next((line for line in lines if line.model_id == model_id), None)
        end_ms = max(now_ms, latest.created_at if latest else now_ms)
        start_ms = end_ms - HISTORY_SPAN_MS
        snapshots = ScoreRepository(session).snapshots(
            competition_id,
            model_ids=[model_id],
            start_ms=start_ms,
            end_ms=end_ms,
            limit=HISTORY_MAX_ROWS,
        )
        ranks = LeaderboardHistoryRepository(session).rank_history(
            competition_id,
            model_id,
            category=OVERALL_CATEGORY,
            start_ms=start_ms,
            end_ms=end_ms,
            limit=HISTORY_MAX_ROWS,
        )
        totals = [
            total
            for (owner, _param), total in ScoreRepository(session).totals(competition_id).items()
            if owner == model_id
        ]
        predictions = PredictionRepository(session)
        statuses = predictions.count_by_model_status(competition_id, model_id)
        latest_predictions = predictions.listing(
            PredictionFilter(competition_id=competition_id, model_ids=[model_id]),
            limit=LATEST_PREDICTIONS,
            offset=0,
        )
    report_stats = reports.model_stats(db, competition_id=competition_id, model_id=model_id)
    latest_metrics: dict[str, MetricValue] = {}
    for row in metric_series(
        db,
        competition_id=competition_id,
        model_ids=[model_id],
        names=None,
        start_ms=start_ms,
        end_ms=end_ms,
    ):
        known = latest_metrics.get(row.metric_name)
        if known is None or row.recorded_at >= known.recorded_at:
            latest_metrics[row.metric_name] = MetricValue(
                row.metric_name, row.metric_value, row.recorded_at
            )
    scored = sum(total.count for total in totals)
    stats = ModelStats(
        scored=scored,
        failed=sum(total.failed for total in totals),
        mean_score=sum(total.total for total in totals) / scored if scored else None,
        pending=statuses.get("PENDING", 0),
        expired=statuses.get("EXPIRED", 0),
    )
    param_scores = []
    if snapshots:
        for param_id, (recent, steady, anchor, count) in sorted(
            snapshots[-1].scores_by_param.items()
        ):
            param = params.get(param_id)
            param_scores.append(
                ParamScoreLine(
                    param_id=param_id,
                    asset=param.asset if param else None,
                    horizon=param.horizon if param else None,
                    score_recent=recent,
                    score_steady=steady,
                    score_anchor=anchor,
                    prediction_count=int(count),
                )
            )
    return ModelPage(
        competition=competition,
        model=model,
        player=player,
        current=current,
        entry_count=latest.entry_count if latest else 0,
        score_history=snapshots,
        rank_history=ranks,
        param_scores=param_scores,
        stats=stats,
        report_stats=report_stats,
        metrics=[latest_metrics[name] for name in sorted(latest_metrics)],
        leaderboard_id=latest.id if latest else None,
        predictions=latest_predictions,
    )


def latest_leaderboards(
    db: Database, *, tenant_id: str, competition_id: str | None = None
) -> list[LatestLeaderboard]:
    """The newest overall leaderboard of each competition of the tenant (or of one).

    What the leaderboard stream announces.
    """
    with db.read() as session:
        return LeaderboardHistoryRepository(session).latest_per_competition(
            tenant_id=tenant_id, competition_id=competition_id
        )
