"""The FastAPI application: routers, error mapping, and the background jobs it hosts.

``create_app`` takes a ready ``Database``; background jobs (the score worker, the demo feed)
are started when the app starts and stopped, in reverse order, when it shuts down (Ctrl-C).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

from fastapi import FastAPI

from podium.api.access import AccessControl
from podium.api.middleware import install_middleware
from podium.api.problems import install_problem_handlers
from podium.api.routes import (
    challenge_events,
    challenges,
    collections,
    competitions,
    fair_play,
    health,
    ingest,
    pages,
    reports,
    roster,
    stream,
    webhooks,
)
from podium.services.clock import Clock, wall_clock_ms
from podium.services.latest_leaderboards import LatestLeaderboards
from podium.services.read_cache import ReadCache
from podium.settings import Settings
from podium.store.database import Database

log = logging.getLogger(__name__)

# Matched in this order: the most polled routes (health probes, reports) first.
ROUTERS = (
    health.router,
    reports.router,
    competitions.router,
    roster.router,
    ingest.router,
    challenges.router,
    fair_play.router,
    challenge_events.router,
    collections.router,
    webhooks.router,
    stream.router,
    pages.router,
)


class BackgroundJob(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def create_app(
    settings: Settings,
    database: Database,
    *,
    clock: Clock = wall_clock_ms,
    jobs: Sequence[BackgroundJob] = (),
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for job in jobs:
            job.start()
        try:
            yield
        finally:
            for job in reversed(jobs):
                job.stop()

    app = FastAPI(
        title="Podium",
        summary="Leaderboards and scoring for prediction tournaments and attempt challenges.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.clock = clock
    app.state.access = AccessControl(settings, database, clock)
    app.state.latest_leaderboards = LatestLeaderboards(database, max_age_ms=settings.read_cache_ms)
    app.state.report_competitions = ReadCache(database, max_age_ms=settings.read_cache_ms)
    install_problem_handlers(app)
    install_middleware(app, settings)
    for router in ROUTERS:
        app.include_router(router)
    return app
