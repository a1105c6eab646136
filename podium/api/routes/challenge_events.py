"""Challenge events: listed per challenge, and streamed live as server-sent events.

The streams look at the store every ``PODIUM_EVENTS_POLL_INTERVAL`` seconds, so they see events
written by any API process. Each event is sent as ``event: <type>`` with the event's JSON as
data and its id as ``id``; a client that reconnects with ``Last-Event-ID`` gets what it missed.
Without it, a stream starts with the events stored after it opened.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Header, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from podium.api.deps import DatabaseDep, ReadDep, SettingsDep
from podium.domain.access import Principal, Role
from podium.domain.challenge_events import EventType
from podium.errors import InvalidInputError
from podium.schemas.challenge_events import EventOut
from podium.schemas.common import Instant, instant_ms
from podium.services import challenge_events as service
from podium.store.database import Database

router = APIRouter(tags=["events"])

RETRY_MS = 3_000
STREAM_BATCH = 500

TypeFilter = Annotated[
    list[EventType] | None, Query(alias="type", description="Repeat to keep several types.")
]


@router.get("/api/challenges/{challenge_id}/events")
def list_challenge_events(
    challenge_id: str,
    db: DatabaseDep,
    settings: SettingsDep,
    principal: ReadDep,
    event_type: TypeFilter = None,
    since: Annotated[
        Instant | None, Query(description="Events that occurred at or after it.")
    ] = None,
    limit: Annotated[int, Query(ge=1)] = 100,
) -> list[EventOut]:
    if limit > settings.page_size_max:
        raise InvalidInputError.for_field("limit", f"must be at most {settings.page_size_max}")
    rows = service.list_events(
        db,
        tenant_id=principal.tenant_id,
        challenge_id=challenge_id,
        types=[value.value for value in event_type or ()],
        since=None if since is None else instant_ms(since),
        after_id=None,
        include_hidden=principal.may(Role.ADMIN),
        limit=limit,
    )
    return [EventOut.from_row(row) for row in rows]


async def _event_stream(
    db: Database,
    principal: Principal,
    *,
    challenge_id: str | None,
    types: list[str],
    after_id: int,
    poll_s: float,
) -> AsyncIterator[ServerSentEvent]:
    while True:
        rows = await run_in_threadpool(
            service.list_events,
            db,
            tenant_id=principal.tenant_id,
            challenge_id=challenge_id,
            types=types,
            since=None,
            after_id=after_id,
            include_hidden=principal.may(Role.ADMIN),
            limit=STREAM_BATCH,
        )
        for row in rows:
            after_id = row.id
            yield ServerSentEvent(
                event=row.type,
                id=str(row.id),
                retry=RETRY_MS,
                data=EventOut.from_row(row).model_dump(mode="json"),
            )
        if len(rows) < STREAM_BATCH:
            await anyio.sleep(poll_s)


async def _start_after(db: Database, principal: Principal, last_event_id: str | None) -> int:
    if last_event_id is not None and last_event_id.strip().isdigit():
        return int(last_event_id)
    return await run_in_threadpool(service.last_event_id, db, tenant_id=principal.tenant_id)


def streamed_challenge(challenge_id: str, db: DatabaseDep, principal: ReadDep) -> str:
    """The challenge asked for, checked before the stream starts (unknown: a plain 404)."""
    service.ensure_challenge(
        db,
        tenant_id=principal.tenant_id,
        challenge_id=challenge_id,
        admin=principal.may(Role.ADMIN),
    )
    return challenge_id


@router.get("/api/challenges/{challenge_id}/events/stream", response_class=EventSourceResponse)
async def stream_challenge_events(
    challenge_id: Annotated[str, Depends(streamed_challenge)],
    db: DatabaseDep,
    settings: SettingsDep,
    principal: ReadDep,
    event_type: TypeFilter = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> AsyncIterator[ServerSentEvent]:
    """The challenge's new events as server-sent events (``text/event-stream``)."""
    start = await _start_after(db, principal, last_event_id)
    async for event in _event_stream(
        db,
        principal,
        challenge_id=challenge_id,
        types=[value.value for value in event_type or ()],
        after_id=start,
        poll_s=settings.events_poll_interval,
    ):
        yield event


@router.get("/api/events/stream", response_class=EventSourceResponse)
async def stream_events(
    db: DatabaseDep,
    settings: SettingsDep,
    principal: ReadDep,
    event_type: TypeFilter = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Every new event of the caller's tenant as server-sent events."""
    start = await _start_after(db, principal, last_event_id)
    async for event in _event_stream(
        db,
        principal,
        challenge_id=None,
        types=[value.value for value in event_type or ()],
        after_id=start,
        poll_s=settings.events_poll_interval,
    ):
        yield event
