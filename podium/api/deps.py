"""Dependencies of the routers, as ``Annotated`` aliases, in one place.

Every route declares the role it needs with ``AdminDep``, ``IngestDep`` or ``ReadDep`` (the
principal it receives carries the tenant to scope by).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from podium.domain.access import LOCAL_ADMIN, Principal, Role
from podium.errors import ForbiddenError
from podium.services.clock import Clock
from podium.services.competitions import resolve_competition_id
from podium.settings import Settings
from podium.store.database import Database


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_now_ms(request: Request) -> int:
    clock: Clock = request.app.state.clock
    return clock()


def get_principal(request: Request) -> Principal:
    """The principal of the request.

    Until API keys exist, every request acts as the admin of the default tenant (local
    development); the keys of the security issue replace this function and nothing else.
    """
    return LOCAL_ADMIN


def _requires(role: Role):  # type: ignore[no-untyped-def]
    def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not principal.may(role):
            raise ForbiddenError(
                f"this needs the {role.value} role; the key has {principal.role.value}"
            )
        return principal

    return check


AdminDep = Annotated[Principal, Depends(_requires(Role.ADMIN))]
IngestDep = Annotated[Principal, Depends(_requires(Role.INGEST))]
ReadDep = Annotated[Principal, Depends(_requires(Role.READ))]

DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[int, Depends(get_now_ms)]


def get_report_competition(
    database: DatabaseDep,
    settings: SettingsDep,
    _: ReadDep,
    competition: Annotated[
        str | None,
        Query(
            max_length=64,
            description="Competition id; may be left out when the instance has one competition "
            "or PODIUM_DEFAULT_COMPETITION is set",
        ),
    ] = None,
) -> str:
    return resolve_competition_id(
        database, competition_id=competition, default=settings.default_competition
    )


ReportCompetitionDep = Annotated[str, Depends(get_report_competition)]
"""The competition a ``/reports`` route is about; the read role is checked on the way."""
