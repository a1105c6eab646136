"""Dependencies of the routers, as ``Annotated`` aliases, in one place.

Every route declares the role it needs with ``AdminDep``, ``IngestDep`` or ``ReadDep`` (the
principal it receives carries the tenant to scope by).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from podium.api.access import AccessControl
from podium.domain.access import Principal, Role
from podium.errors import InvalidInputError
from podium.services.clock import Clock
from podium.services.competitions import resolve_competition_id
from podium.services.latest_leaderboards import LatestLeaderboards
from podium.services.read_cache import MISSING, ReadCache
from podium.settings import Settings
from podium.store.database import Database

# Dependencies that do no I/O are ``async``: FastAPI awaits them on the event loop instead of
# sending each to the thread pool (a hop per dependency and request). Those that may read the
# store try their in-memory answer first and go to the thread pool only when they must.


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_now_ms(request: Request) -> int:
    clock: Clock = request.app.state.clock
    return clock()


def get_access(request: Request) -> AccessControl:
    access: AccessControl = request.app.state.access
    return access


def latest_leaderboards(request: Request) -> LatestLeaderboards:
    """The app's ``LatestLeaderboards``; called, not a dependency (one fewer to solve on the
    most polled route)."""
    boards: LatestLeaderboards = request.app.state.latest_leaderboards
    return boards


def get_principal(request: Request) -> Principal:
    """The principal of the request, allowed at least to read (see ``podium.api.access``)."""
    return get_access(request).principal_of(request, Role.READ)


# Declares the bearer scheme in the OpenAPI description (the "Authorize" button of /docs);
# the key itself is read and checked by ``AccessControl``.
bearer_scheme = HTTPBearer(
    auto_error=False, description="An API key: `podium keys create` (docs/security.md)"
)


def _requires(role: Role):  # type: ignore[no-untyped-def]
    async def check(
        request: Request,
        _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    ) -> Principal:
        return await get_access(request).principal_for(request, role)

    return check


AdminDep = Annotated[Principal, Depends(_requires(Role.ADMIN))]
IngestDep = Annotated[Principal, Depends(_requires(Role.INGEST))]
ReadDep = Annotated[Principal, Depends(_requires(Role.READ))]

DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[int, Depends(get_now_ms)]


async def get_report_competition(
    request: Request,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    competition: Annotated[
        str | None,
        Query(
            max_length=64,
            description="Competition id; may be left out when the instance has one competition "
            "or PODIUM_DEFAULT_COMPETITION is set",
        ),
    ] = None,
) -> str:
    # The read role is checked here rather than by a ``ReadDep`` sub-dependency, and the state
    # is read from the app rather than through more: FastAPI's cost per request grows with each
    # dependency it solves, and every report route, the polled leaderboard first, pays it.
    principal = await get_access(request).principal_for(request, Role.READ)
    # Resolved once per PODIUM_READ_CACHE_MS (or write of this process), not per request.
    resolved: ReadCache[tuple[str | None, str | None], str] = request.app.state.report_competitions
    key = (competition, principal.tenant_id)
    found = resolved.peek(key)
    if found is not MISSING:
        return found
    state = request.app.state

    def resolve() -> str:
        return resolve_competition_id(
            state.database,
            competition_id=competition,
            default=state.settings.default_competition,
            tenant_id=principal.tenant_id,
        )

    return await run_in_threadpool(resolved.load, key, resolve)


ReportCompetitionDep = Annotated[str, Depends(get_report_competition)]
"""The competition a ``/reports`` route is about; the read role is checked on the way."""


Limit = Annotated[int, Query(ge=1, description="At most PODIUM_PAGE_SIZE_MAX.")]
Offset = Annotated[int, Query(ge=0)]


def capped_limit(limit: int, settings: Settings) -> int:
    """``limit`` of a listing, refused (422 naming it) above ``PODIUM_PAGE_SIZE_MAX``."""
    if limit > settings.page_size_max:
        raise InvalidInputError.for_field("limit", f"must be at most {settings.page_size_max}")
    return limit
