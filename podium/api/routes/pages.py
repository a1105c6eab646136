"""Pages for people: the competitions, a leaderboard, a model; and their static files.

Server-rendered HTML (Jinja2, autoescaped), readable without JavaScript; a few lines of script
(``/static/live.js``) refresh a page when the leaderboard stream announces a newer leaderboard.
An unknown competition or model is an HTML 404 page, a bad query an HTML 422 page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from podium.api.deps import DatabaseDep, NowDep, ReadDep
from podium.domain.leaderboard import OVERALL_CATEGORY
from podium.errors import NotFoundError, PodiumError
from podium.services import challenge_pages, pages
from podium.web.charts import Series, line_chart
from podium.web.templating import render, static_file

router = APIRouter(tags=["pages"], include_in_schema=False)

LEADERBOARD_COLUMNS = (
    ("rank", "Rank", False),
    ("model", "Model", False),
    ("player", "Player", False),
    ("recent", "Recent", True),
    ("steady", "Steady", True),
    ("anchor", "Anchor", True),
    ("combined", "Combined", True),
    ("predictions", "Predictions", True),
)


def _html(build: Callable[[], str]) -> HTMLResponse:
    """The page ``build`` renders, or an error page for a Podium error."""
    try:
        return HTMLResponse(build())
    except NotFoundError as error:
        status, message = 404, error.message
    except PodiumError as error:
        if error.status_code >= 500:
            raise
        status, message = error.status_code, error.message
    body = render("not_found.html", message=message, stream_competition=None, live_leaderboards={})
    return HTMLResponse(body, status_code=status)


@router.get("/", response_class=HTMLResponse)
def home_page(principal: ReadDep, db: DatabaseDep) -> HTMLResponse:
    def build() -> str:
        summaries = pages.home(db, tenant_id=principal.tenant_id)
        challenges = challenge_pages.challenge_summaries(db, tenant_id=principal.tenant_id)
        shown = {
            summary.competition.id: summary.leaderboard.id
            for summary in summaries
            if summary.leaderboard is not None
        }
        shown.update(
            {f"challenge:{one.challenge.id}": str(one.challenge.revision) for one in challenges}
        )
        return render(
            "home.html",
            summaries=summaries,
            challenges=challenges,
            stream_competition=None,
            live_leaderboards=shown,
        )

    return _html(build)


@router.get("/competitions/{competition_id}", response_class=HTMLResponse)
def leaderboard_page(
    competition_id: str,
    _: ReadDep,
    db: DatabaseDep,
    category: Annotated[str, Query(max_length=64)] = OVERALL_CATEGORY,
    sort: Annotated[str, Query(max_length=32)] = "rank",
    order: Annotated[Literal["asc", "desc"], Query()] = "asc",
) -> HTMLResponse:
    def build() -> str:
        page = pages.leaderboard_page(
            db,
            competition_id=competition_id,
            category=category,
            sort=sort,
            descending=order == "desc",
        )
        shown = {} if page.leaderboard is None else {competition_id: page.leaderboard.id}
        return render(
            "leaderboard.html",
            page=page,
            columns=LEADERBOARD_COLUMNS,
            stream_competition=competition_id,
            live_leaderboards=shown,
        )

    return _html(build)


@router.get("/competitions/{competition_id}/models/{model_id:path}", response_class=HTMLResponse)
def model_page(
    competition_id: str, model_id: str, _: ReadDep, db: DatabaseDep, now_ms: NowDep
) -> HTMLResponse:
    def build() -> str:
        page = pages.model_page(db, competition_id=competition_id, model_id=model_id, now_ms=now_ms)
        history = page.score_history
        score_chart = line_chart(
            [
                Series(
                    window, [(row.performed_at, getattr(row, f"score_{window}")) for row in history]
                )
                for window in ("recent", "steady", "anchor")
            ],
            chart_id="score-chart",
            title=f"Scores of {page.model.name} over time",
            y_label="Window scores",
        )
        rank_chart = line_chart(
            [
                Series(
                    "rank", [(point.created_at, float(point.rank)) for point in page.rank_history]
                )
            ],
            chart_id="rank-chart",
            title=f"Rank of {page.model.name} over time",
            y_label="Rank",
            invert_y=True,
            integer_y=True,
        )
        shown = {} if page.leaderboard_id is None else {competition_id: page.leaderboard_id}
        return render(
            "model.html",
            page=page,
            score_chart=score_chart,
            rank_chart=rank_chart,
            stream_competition=competition_id,
            live_leaderboards=shown,
        )

    return _html(build)


@router.get("/challenges/{challenge_id}", response_class=HTMLResponse)
def challenge_page(challenge_id: str, principal: ReadDep, db: DatabaseDep) -> HTMLResponse:
    def build() -> str:
        page = challenge_pages.challenge_page(
            db, tenant_id=principal.tenant_id, challenge_id=challenge_id
        )
        return render(
            "challenge.html",
            page=page,
            stream_competition=None,
            stream_query=f"challenge={quote(page.challenge.id)}",
            live_leaderboards={f"challenge:{page.challenge.id}": str(page.challenge.revision)},
        )

    return _html(build)


@router.get("/static/{name}")
async def static(name: str) -> Response:
    """The pages' stylesheet and script: public files holding no data, so no role is needed."""
    found = await run_in_threadpool(static_file, name)
    if found is None:
        raise NotFoundError("static file", name)
    content, media_type = found
    return Response(content, media_type=media_type, headers={"Cache-Control": "max-age=300"})
