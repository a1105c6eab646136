"""``GET /api/stream/leaderboards``: server-sent events announcing each new leaderboard.

On connection the stream sends the newest overall leaderboard of every competition of the
principal's tenant (or of the one named), then one event each time a newer one is built; and
likewise each active challenge's revision (``event: challenge``, data ``{challenge_id,
revision}``), which changes when an attempt changes its leaderboard. The stream looks at the store every
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
from podium.services import challenge_pages, pages
from podium.services.challenges import get_challenge
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


def challenge_event(challenge_id: str, revision: int) -> ServerSentEvent:
    return ServerSentEvent(
        event="challenge",
        id=f"{challenge_id}:{revision}",
        retry=RETRY_MS,
        data={"challenge_id": challenge_id, "revision": revision},
    )


def streamed_challenge(
    principal: ReadDep,
    db: DatabaseDep,
    challenge: Annotated[
        str | None, Query(max_length=64, description="Only this challenge's events")
    ] = None,
) -> str | None:
    """The challenge asked for, checked before the stream starts (unknown: a plain 404)."""
    if challenge is not None:
        get_challenge(
            db, tenant_id=principal.tenant_id, challenge_id=challenge, include_inactive=False
        )
    return challenge


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
    challenge: Annotated[str | None, Depends(streamed_challenge)],
) -> AsyncIterator[ServerSentEvent]:
    """New leaderboards and challenge changes as server-sent events (``text/event-stream``)."""
    with_competitions = challenge is None
    with_challenges = competition is None

    def newest() -> tuple[list[LatestLeaderboard], dict[str, int]]:
        boards = (
            pages.latest_leaderboards(db, tenant_id=principal.tenant_id, competition_id=competition)
            if with_competitions
            else []
        )
        revisions = (
            challenge_pages.challenge_revisions(
                db, tenant_id=principal.tenant_id, challenge_id=challenge
            )
            if with_challenges
            else {}
        )
        return boards, revisions

    announced: dict[str, str] = {}
    while True:
        boards, revisions = await run_in_threadpool(newest)
        for latest in boards:
            if announced.get(latest.competition_id) != latest.id:
                announced[latest.competition_id] = latest.id
                yield leaderboard_event(latest)
        for challenge_id, revision in sorted(revisions.items()):
            key = f"challenge:{challenge_id}"
            if announced.get(key) != str(revision):
                announced[key] = str(revision)
                yield challenge_event(challenge_id, revision)
        await anyio.sleep(settings.stream_poll_interval)
