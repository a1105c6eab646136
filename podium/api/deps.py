"""Dependencies of the routers, as ``Annotated`` aliases, in one place."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

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


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[int, Depends(get_now_ms)]


def get_report_competition(
    database: DatabaseDep,
    settings: SettingsDep,
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
