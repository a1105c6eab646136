"""The report API: ``/reports/...`` routes of the host's dashboard.

Leaderboard reads come from the persisted leaderboard (ETag = its id, so a client polling it
gets ``304 Not Modified`` until the next cycle builds a new one). ``projectIds`` takes model ids
comma-separated, repeated, or both; ``start``/``end`` take ISO 8601 or epoch milliseconds.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import TypeAdapter

from podium.api.deps import DatabaseDep, NowDep, ReportCompetitionDep, SettingsDep
from podium.domain.predictions import PredictionStatus
from podium.domain.timestamps import MS_PER_DAY, from_ms
from podium.errors import InvalidInputError
from podium.schemas.common import Instant, instant_ms
from podium.schemas.reports import (
    LeaderboardEntryOut,
    ModelReportOut,
    ModelScoresPoint,
    ParamScoresPoint,
    PredictionOut,
)
from podium.services import reports
from podium.store.predictions import PredictionFilter

router = APIRouter(prefix="/reports", tags=["reports"])

MAX_PROJECT_IDS = 1_000
DEFAULT_SPAN_MS = 7 * MS_PER_DAY

ProjectIds = Annotated[
    list[str] | None,
    Query(
        alias="projectIds",
        description="Model ids, comma-separated and/or repeated; all models when left out",
    ),
]
Start = Annotated[Instant | None, Query(description="ISO 8601 or epoch ms; default end − 7 days")]
End = Annotated[Instant | None, Query(description="ISO 8601 or epoch ms; default now")]


def model_ids_of(project_ids: list[str] | None) -> list[str] | None:
    if not project_ids:
        return None
    ids = list(dict.fromkeys(part.strip() for value in project_ids for part in value.split(",")))
    ids = [model_id for model_id in ids if model_id]
    if len(ids) > MAX_PROJECT_IDS:
        raise InvalidInputError.for_field("projectIds", f"at most {MAX_PROJECT_IDS} model ids")
    return ids or None


def time_range(start: Instant | None, end: Instant | None, now_ms: int) -> tuple[int, int]:
    end_ms = instant_ms(end) if end is not None else now_ms
    start_ms = instant_ms(start) if start is not None else end_ms - DEFAULT_SPAN_MS
    if start_ms > end_ms:
        raise InvalidInputError.for_field("start", "must not be after end")
    return start_ms, end_ms


@router.get("/leaderboard", response_model=list[LeaderboardEntryOut])
def get_leaderboard(
    request: Request, competition: ReportCompetitionDep, db: DatabaseDep
) -> Response:
    """The latest leaderboard, in rank order; an empty list before the first score cycle."""
    bodies = _leaderboard_bodies(request)
    row, body = bodies.latest(db, competition_id=competition)
    if row is None:
        return Response(b"[]", media_type="application/json")
    etag = bodies.etag_of(row)
    headers = {
        "ETag": etag,
        "Cache-Control": "no-cache",
        "X-Leaderboard-Id": row.id,
        "X-Leaderboard-Created-At": from_ms(row.created_at).isoformat(),
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if body is None:
        body = bodies.body(db, row)
    return Response(body.json, media_type="application/json", headers=headers)


def _leaderboard_bodies(request: Request) -> reports.LeaderboardBodies:
    """Serialized leaderboards are kept per application (``app.state``)."""
    state = request.app.state
    bodies: reports.LeaderboardBodies | None = getattr(state, "leaderboard_bodies", None)
    if bodies is None:
        bodies = state.leaderboard_bodies = reports.LeaderboardBodies()
    return bodies


@router.get("/models")
def list_models(competition: ReportCompetitionDep, db: DatabaseDep) -> list[ModelReportOut]:
    """The competition's registered models, with their player."""
    return [
        ModelReportOut(
            model_id=model.id,
            model_name=model.name,
            player_id=player.id,
            player_name=player.name,
            is_active=model.is_active,
        )
        for model, player in reports.models(db, competition_id=competition)
    ]


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
    rows = reports.score_points(
        db,
        competition_id=competition,
        model_ids=model_ids_of(project_ids),
        start_ms=start_ms,
        end_ms=end_ms,
    )
    # Serialized in one call (pydantic-core), not validated twice by the response model.
    return Response(
        _SCORE_POINTS.dump_json([ModelScoresPoint.model_validate(row) for row in rows]),
        media_type="application/json",
    )


_SCORE_POINTS = TypeAdapter(list[ModelScoresPoint])


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
    limit: Annotated[int, Query(ge=1)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[PredictionOut]:
    """Predictions newest first (by ``performed_at``), with their score; paginated.

    Without ``start``/``end`` every prediction is listed (page by page).
    """
    if limit > settings.page_size_max:
        raise InvalidInputError.for_field("limit", f"must be at most {settings.page_size_max}")
    start_ms = instant_ms(start) if start is not None else None
    end_ms = instant_ms(end) if end is not None else None
    if start_ms is not None and end_ms is not None and start_ms > end_ms:
        raise InvalidInputError.for_field("start", "must not be after end")
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
            score_failed_reason=prediction.score_failed_reason,
            scored_at=prediction.scored_at,
        )
        for prediction, param in rows
    ]
