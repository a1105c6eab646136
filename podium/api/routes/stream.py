"""``GET /api/stream/leaderboards``: server-sent events announcing each new leaderboard.

On connection the stream sends the newest overall leaderboard of every competition (or of the
one named), then one event each time a newer one is built. The stream looks at the store every
``PODIUM_STREAM_POLL_INTERVAL`` seconds, so it sees leaderboards built by any worker process.
Each event is ``event: leaderboard`` with JSON data ``{competition_id, category, leaderboard_id,
created_at}`` and the leaderboard id as its ``id``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from podium.api.deps import DatabaseDep, ReadDep, SettingsDep
from podium.services import pages
from podium.services.competitions import get_competition
from podium.store.leaderboard_history import LatestLeaderboard
from podium.web.templating import iso_time

router = APIRouter(prefix="/api/stream", tags=["stream"])

RETRY_MS = 3_000


def leaderboard_event(latest: LatestLeaderboard) -> ServerSentEvent:
    return ServerSentEvent(
        event="leaderboard",
        id=latest.id,
        retry=RETRY_MS,
        data={
            "competition_id": latest.competition_id,
            "category": latest.category,
            "leaderboard_id": latest.id,
            "created_at": iso_time(latest.created_at),
        },
    )


def streamed_competition(
    db: DatabaseDep,
    competition: Annotated[
        str | None, Query(max_length=64, description="Only this competition; all when left out")
    ] = None,
) -> str | None:
    """The competition asked for, checked before the stream starts (unknown: a plain 404)."""
    if competition is not None:
        get_competition(db, competition_id=competition)
    return competition


@router.get("/leaderboards", response_class=EventSourceResponse)
async def stream_leaderboards(
    principal: ReadDep,
    db: DatabaseDep,
    settings: SettingsDep,
    competition: Annotated[str | None, Depends(streamed_competition)],
) -> AsyncIterator[ServerSentEvent]:
    """New leaderboards as server-sent events (``text/event-stream``)."""

    def newest() -> list[LatestLeaderboard]:
        return pages.latest_leaderboards(
            db, tenant_id=principal.tenant_id, competition_id=competition
        )

    announced: dict[str, str] = {}
    while True:
        for latest in await run_in_threadpool(newest):
            if announced.get(latest.competition_id) != latest.id:
                announced[latest.competition_id] = latest.id
                yield leaderboard_event(latest)
        await anyio.sleep(settings.stream_poll_interval)
