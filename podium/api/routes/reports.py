"""The report API: ``/reports/...`` routes of the host's dashboard.

Leaderboard reads come from the persisted leaderboards (ETag = the leaderboard's id, so a client
polling one gets ``304 Not Modified`` until the next cycle builds a new one), per category
(``overall`` or an asset) and as of a time. Models, score history, predictions, custom metrics,
the dashboard schema and the feeds are flat rows in the shapes the Crunch coordinator dashboard
reads (docs/reports.md). ``projectIds`` takes model ids comma-separated, repeated, or both;
``start``/``end`` take ISO 8601 or epoch milliseconds.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from podium.api.deps import (
    DatabaseDep,
    NowDep,
    ReportCompetitionDep,
    SettingsDep,
    latest_leaderboards,
)
from podium.domain.leaderboard import OVERALL_CATEGORY
from podium.domain.predictions import PredictionStatus
from podium.domain.timestamps import MS_PER_DAY, from_ms
from podium.errors import InvalidInputError
from podium.schemas.common import Instant, instant_ms
from podium.schemas.dashboard import ReportSchema
from podium.schemas.reports import (
    CategoryOut,
    FeedRecordOut,
    FeedSummaryOut,
    LeaderboardEntryOut,
    LeaderboardOut,
    MetricPointOut,
    ModelReportOut,
    ModelScoresPoint,
    ModelStatsResponse,
    ParamScoresPoint,
    PredictionOut,
    ScoreHistoryResponse,
)
from podium.services import feeds, reports
from podium.services.metrics import metric_series
from podium.services.read_cache import MISSING
from podium.services.report_schema import report_schema
from podium.store.database import Database
from podium.store.predictions import PredictionFilter
from podium.store.report_tables import CustomMetricRow

router = APIRouter(prefix="/reports", tags=["reports"])

MAX_PROJECT_IDS = 1_000
FAILED_STATUSES = frozenset({PredictionStatus.FAILED.value, PredictionStatus.EXPIRED.value})
DEFAULT_SPAN_MS = 7 * MS_PER_DAY
# Results are capped in rows too; this refuses absurd ranges, "since 1970" stays possible.
MAX_SPAN_MS = 100 * 366 * MS_PER_DAY

ProjectIds = Annotated[
    list[str] | None,
    Query(
        alias="projectIds",
        description="Model ids, comma-separated and/or repeated; all models when left out",
    ),
]
Start = Annotated[Instant | None, Query(description="ISO 8601 or epoch ms; default end − 7 days")]
End = Annotated[Instant | None, Query(description="ISO 8601 or epoch ms; default now")]


def model_ids_of(project_ids: list[str] | None, *, field: str = "projectIds") -> list[str] | None:
    """Ids given comma-separated and/or repeated, without duplicates or blanks."""
    if not project_ids:
        return None
    ids = list(dict.fromkeys(part.strip() for value in project_ids for part in value.split(",")))
    ids = [model_id for model_id in ids if model_id]
    if len(ids) > MAX_PROJECT_IDS:
        raise InvalidInputError.for_field(field, f"at most {MAX_PROJECT_IDS} values")
    return ids or None


def time_range(start: Instant | None, end: Instant | None, now_ms: int) -> tuple[int, int]:
    end_ms = instant_ms(end) if end is not None else now_ms
    start_ms = instant_ms(start) if start is not None else end_ms - DEFAULT_SPAN_MS
    check_span(start_ms, end_ms)
    return start_ms, end_ms


def check_span(start_ms: int | None, end_ms: int | None) -> None:
    """``start`` ≤ ``end``, at most ``MAX_SPAN_MS`` apart (a query's cost is bounded)."""
    if start_ms is None or end_ms is None:
        return
    if start_ms > end_ms:
        raise InvalidInputError.for_field("start", "must not be after end")
    if end_ms - start_ms > MAX_SPAN_MS:
        raise InvalidInputError.for_field(
            "start", f"start..end spans more than {MAX_SPAN_MS // MS_PER_DAY // 366} years"
        )


Category = Annotated[
    str,
    Query(min_length=1, max_length=64, description="'overall' (default) or an asset, e.g. BTC"),
]


@router.get("/leaderboard", response_model=list[LeaderboardEntryOut])
async def get_leaderboard(
    request: Request,
    competition: ReportCompetitionDep,
    category: Category = OVERALL_CATEGORY,
    at: Annotated[
        Instant | None, Query(description="The leaderboard as it stood then; default: latest")
    ] = None,
) -> Response:
    """A leaderboard in rank order; an empty list before the first score cycle."""
    boards = latest_leaderboards(request)
    if_none_match = request.headers.get("if-none-match")
    if at is not None:
        return await run_in_threadpool(
            _leaderboard_at, boards.db, competition, category, instant_ms(at), if_none_match
        )
    # The latest board, polled: answered from memory (ETag → 304, or the body serialized once
    # per version) when this process knows it fresh (PODIUM_READ_CACHE_MS).
    known = boards.peek(competition, category)
    latest = (
        await run_in_threadpool(boards.load, competition, category) if known is MISSING else known
    )
    if latest is None:
        return Response(b"[]", media_type="application/json")
    if if_none_match == latest.etag:
        return Response(status_code=304, headers={"ETag": latest.etag})
    body = boards.body(latest)
    if body is None:
        built, body = await run_in_threadpool(boards.build, competition, category)
        if built is None:
            return Response(body, media_type="application/json")
        latest = built
    return Response(
        body,
        media_type="application/json",
        headers=_leaderboard_headers(latest.id, latest.created_at_iso),
    )


def _leaderboard_at(
    db: Database, competition: str, category: str, at_ms: int, if_none_match: str | None
) -> Response:
    view = reports.leaderboard(db, competition_id=competition, category=category, at_ms=at_ms)
    board = view.leaderboard
    if board is None:
        return Response(b"[]", media_type="application/json")
    etag = f'"{board.id}"'
    if if_none_match == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(
        reports.leaderboard_json(view),
        media_type="application/json",
        headers=_leaderboard_headers(board.id, from_ms(board.created_at).isoformat()),
    )


def _leaderboard_headers(board_id: str, created_at_iso: str) -> dict[str, str]:
    return {
        "ETag": f'"{board_id}"',
        "Cache-Control": "no-cache",
        "X-Leaderboard-Id": board_id,
        "X-Leaderboard-Created-At": created_at_iso,
    }


@router.get("/leaderboards")
def list_leaderboards(
    competition: ReportCompetitionDep,
    db: DatabaseDep,
    now_ms: NowDep,
    category: Annotated[
        str | None, Query(min_length=1, max_length=64, description="Default: every category")
    ] = None,
    start: Start = None,
    end: End = None,
) -> list[LeaderboardOut]:
    """The history of leaderboards built in ``[start, end]``, oldest first."""
    start_ms, end_ms = time_range(start, end, now_ms)
    rows = reports.leaderboard_history(
        db, competition_id=competition, category=category, start_ms=start_ms, end_ms=end_ms
    )
    return [LeaderboardOut.model_validate(row) for row in rows]


@router.get("/leaderboard/categories")
def list_categories(competition: ReportCompetitionDep, db: DatabaseDep) -> list[CategoryOut]:
    """The leaderboard categories: ``overall`` and one per asset, as built so far."""
    return [
        CategoryOut(category=category, leaderboard_count=count, latest_created_at=latest)
        for category, count, latest in reports.leaderboard_categories(
            db, competition_id=competition
        )
    ]


@router.get("/models")
def list_models(competition: ReportCompetitionDep, db: DatabaseDep) -> list[ModelReportOut]:
    """The competition's registered models, with their player and why any is not ranked."""
    return [
        ModelReportOut(
            model_id=model.id,
            model_name=model.name,
            player_id=player.id,
            player_name=player.name,
            is_active=model.is_active,
            cruncher_name=player.name,
            cruncher_id=player.id,
            deployment_id=model.id,
            unranked_reason=reason,
        )
        for model, player, reason in reports.models_with_reasons(db, competition_id=competition)
    ]


@router.get("/models/{model_id}/stats")
def get_model_stats(
    model_id: str, competition: ReportCompetitionDep, db: DatabaseDep
) -> ModelStatsResponse:
    """The host's ``ModelStatsResponse``: counts, mean score, best and worst asset."""
    stats = reports.model_stats(db, competition_id=competition, model_id=model_id)
    return ModelStatsResponse.model_validate(stats)


@router.get("/models/{model_id}/history")
def get_model_history(
    model_id: str,
    competition: ReportCompetitionDep,
    db: DatabaseDep,
    start: Annotated[Instant, Query(description="ISO 8601 or epoch ms (required)")],
    end: Annotated[Instant, Query(description="ISO 8601 or epoch ms (required)")],
) -> list[ScoreHistoryResponse]:
    """The model's overall window scores at each snapshot in ``[start, end]``."""
    start_ms, end_ms = time_range(start, end, 0)
    rows = reports.score_history(
        db, competition_id=competition, model_ids=[model_id], start_ms=start_ms, end_ms=end_ms
    )
    return [
        ScoreHistoryResponse(
            timestamp=from_ms(row.performed_at),
            score_recent=row.score_recent,
            score_steady=row.score_steady,
            score_anchor=row.score_anchor,
        )
        for row in rows
    ]


MetricNames = Annotated[
    list[str] | None,
    Query(description="Metric names, comma-separated and/or repeated; all when left out"),
]


def _metric_points(rows: list[CustomMetricRow]) -> list[MetricPointOut]:
    return [
        MetricPointOut(
            model_id=row.model_id,
            metric_name=row.metric_name,
            metric_value=row.metric_value,
            recorded_at=from_ms(row.recorded_at),
            performed_at=from_ms(row.recorded_at),
        )
        for row in rows
    ]


@router.get("/models/{model_id}/metrics")
def get_model_metrics(
    model_id: str,
    competition: ReportCompetitionDep,
    db: DatabaseDep,
    now_ms: NowDep,
    names: MetricNames = None,
    start: Start = None,
    end: End = None,
) -> list[MetricPointOut]:
    """The model's custom metric values in ``[start, end]``, by metric then time."""
    start_ms, end_ms = time_range(start, end, now_ms)
    reports.check_models(db, competition_id=competition, model_ids=[model_id])
    rows = metric_series(
        db,
        competition_id=competition,
        model_ids=[model_id],
        names=model_ids_of(names, field="names"),
        start_ms=start_ms,
        end_ms=end_ms,
    )
    return _metric_points(rows)


@router.get("/metrics/{metric_name}")
def get_metric(
    metric_name: str,
    competition: ReportCompetitionDep,
    db: DatabaseDep,
    now_ms: NowDep,
    project_ids: ProjectIds = None,
    start: Start = None,
    end: End = None,
) -> list[MetricPointOut]:
    """One custom metric of every model (or of ``projectIds``): a chart's rows."""
    return list_metrics(competition, db, now_ms, [metric_name], project_ids, start, end)


@router.get("/schema")
def get_schema(competition: ReportCompetitionDep, db: DatabaseDep) -> ReportSchema:
    """The leaderboard columns and chart widgets of the competition, for dashboards."""
    return report_schema(db, competition_id=competition)


@router.get("/metrics")
def list_metrics(
    competition: ReportCompetitionDep,
    db: DatabaseDep,
    now_ms: NowDep,
    name: MetricNames = None,
    project_ids: ProjectIds = None,
    start: Start = None,
    end: End = None,
) -> list[MetricPointOut]:
    """Custom metric values of every model (or of ``projectIds``) in ``[start, end]``."""
    start_ms, end_ms = time_range(start, end, now_ms)
    model_ids = model_ids_of(project_ids)
    reports.check_models(db, competition_id=competition, model_ids=model_ids)
    rows = metric_series(
        db,
        competition_id=competition,
        model_ids=model_ids,
        names=model_ids_of(name, field="name"),
        start_ms=start_ms,
        end_ms=end_ms,
    )
    return _metric_points(rows)


@router.get("/models/global", response_model=list[ModelScoresPoint])
def models_global(
    competition: ReportCompetitionDep,
    db: DatabaseDep,
    now_ms: NowDep,
    project_ids: ProjectIds = None,
    start: Start = None,
    end: End = None,
) -> Response:
    """Each model's overall window scores over time: one row per model and snapshot."""
    start_ms, end_ms = time_range(start, end, now_ms)
    body = reports.score_points_json(
        db,
        competition_id=competition,
        model_ids=model_ids_of(project_ids),
        start_ms=start_ms,
        end_ms=end_ms,
    )
    return Response(body, media_type="application/json")


@router.get("/models/params")
def models_params(
    competition: ReportCompetitionDep,
    db: DatabaseDep,
    now_ms: NowDep,
    project_ids: ProjectIds = None,
    start: Start = None,
    end: End = None,
) -> list[ParamScoresPoint]:
    """Each model's window scores per param over time: one row per model, param and snapshot."""
    start_ms, end_ms = time_range(start, end, now_ms)
    rows = reports.param_score_history(
        db,
        competition_id=competition,
        model_ids=model_ids_of(project_ids),
        start_ms=start_ms,
        end_ms=end_ms,
    )
    return [ParamScoresPoint.model_validate(row) for row in rows]


@router.get("/predictions")
def list_predictions(
    competition: ReportCompetitionDep,
    db: DatabaseDep,
    settings: SettingsDep,
    project_ids: ProjectIds = None,
    start: Annotated[Instant | None, Query(description="ISO 8601 or epoch ms")] = None,
    end: Annotated[Instant | None, Query(description="ISO 8601 or epoch ms")] = None,
    status: Annotated[PredictionStatus | None, Query()] = None,
    limit: Annotated[
        int | None,
        Query(ge=1, description="Default 100; PODIUM_PAGE_SIZE_MAX when start and end are given"),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[PredictionOut]:
    """Predictions newest first (by ``performed_at``), with their score; paginated.

    Without ``start``/``end`` every prediction is listed (page by page).
    """
    if limit is None:
        limit = settings.page_size_max if start is not None and end is not None else 100
    if limit > settings.page_size_max:
        raise InvalidInputError.for_field("limit", f"must be at most {settings.page_size_max}")
    start_ms = instant_ms(start) if start is not None else None
    end_ms = instant_ms(end) if end is not None else None
    check_span(start_ms, end_ms)
    rows = reports.predictions(
        db,
        where=PredictionFilter(
            competition_id=competition,
            model_ids=model_ids_of(project_ids),
            start_ms=start_ms,
            end_ms=end_ms,
            status=status.value if status is not None else None,
        ),
        limit=limit,
        offset=offset,
    )
    return [
        PredictionOut(
            id=prediction.id,
            model_id=prediction.model_id,
            param=param.id,
            asset=param.asset,
            horizon=param.horizon,
            payload=prediction.payload,
            performed_at=prediction.performed_at,
            resolvable_at=prediction.resolvable_at,
            status=prediction.status,
            truth=prediction.truth,
            score_value=prediction.score_value,
            score_success=prediction.score_success,
            score_failed=prediction.status in FAILED_STATUSES,
            score_failed_reason=prediction.score_failed_reason,
            scored_at=prediction.scored_at,
        )
        for prediction, param in rows
    ]


@router.get("/feeds")
def list_feeds(competition: ReportCompetitionDep, db: DatabaseDep) -> list[FeedSummaryOut]:
    """The observation streams stored for the competition (prices, explicit truths)."""
    return [
        FeedSummaryOut.model_validate(summary)
        for summary in feeds.feed_summaries(db, competition_id=competition)
    ]


@router.get("/feeds/tail")
def tail_feeds(
    competition: ReportCompetitionDep,
    db: DatabaseDep,
    settings: SettingsDep,
    source: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[str | None, Query(max_length=128)] = None,
    kind: Annotated[Literal["observation", "truth"] | None, Query()] = None,
    granularity: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1)] = 100,
) -> list[FeedRecordOut]:
    """The latest records of the matching feeds, oldest first."""
    if limit > settings.page_size_max:
        raise InvalidInputError.for_field("limit", f"must be at most {settings.page_size_max}")
    records = feeds.feed_tail(
        db,
        competition_id=competition,
        source=source,
        subject=subject,
        kind=kind,
        granularity=granularity,
        limit=limit,
    )
    return [FeedRecordOut.model_validate(record) for record in records]
