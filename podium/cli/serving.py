"""Long-running commands: serve, demo, worker, and one-shot score cycles."""

from __future__ import annotations

import gc
import os
from typing import Annotated

import typer
import uvicorn
from fastapi import FastAPI
from rich.table import Table

from podium.api.app import BackgroundJob, create_app
from podium.cli.app import (
    DatabaseOption,
    HostOption,
    PortOption,
    app,
    console,
    load_cli_settings,
    open_database,
)
from podium.metrics import start_metrics_server
from podium.services.api_keys import check_startup_access
from podium.services.attempt_scoring import AttemptScorer
from podium.services.clock import wall_clock_ms
from podium.services.demo import DemoFeed, ensure_demo_competition
from podium.services.demo_challenges import DemoAttempts, ensure_demo_challenges
from podium.services.webhooks import WebhookDeliveryJob
from podium.services.worker import ScoreWorker
from podium.settings import Settings
from podium.store.database import Database

GRACEFUL_SHUTDOWN_S = 10
# How long uvicorn's process manager waits for an API process to answer its health ping before
# it kills and replaces the process (uvicorn's default: 5 s). A new process answers only once
# it has re-imported the command's module (spawn), which is all of Podium: on a loaded machine
# that took longer than 5 s, and the manager replaced every process before it could serve,
# for as long as the load lasted.
API_PROCESS_HEALTHCHECK_S = 60


def freeze_startup_objects() -> None:
    """Keep what exists at start (modules, the app, plugins) out of the cyclic GC's walks.

    Those objects live as long as the process. A bulk request of thousands of rows, or a score
    cycle's batch, allocates enough to trigger full collections, and each would walk them all
    again (about a third of an ingest request's CPU time); frozen, a collection walks only the
    young objects. API processes and ``podium worker`` freeze once started.
    """
    gc.collect()
    gc.freeze()


def _serve(settings: Settings, database: Database, jobs: list[BackgroundJob]) -> None:
    check_startup_access(database, settings)
    console.print(
        f"Podium on http://{settings.host}:{settings.port}  "
        f"(API docs at /docs, leaderboard at /reports/leaderboard; Ctrl-C stops)"
    )
    if settings.api_workers > 1:
        _serve_processes(settings, jobs)
        return
    # Webhooks of challenge events are delivered by every serving process (leases keep them
    # from being sent twice at once).
    jobs = [*jobs, WebhookDeliveryJob(database, settings)]
    application = create_app(settings, database, jobs=jobs)
    freeze_startup_objects()
    uvicorn.run(
        application,
        host=settings.host,
        port=settings.port,
        log_config=None,
        # Streams (GET /api/stream/leaderboards) never end by themselves: on Ctrl-C, wait this
        # long for open requests, then close what is left so the server does stop.
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )


def _serve_processes(settings: Settings, jobs: list[BackgroundJob]) -> None:
    """``PODIUM_API_WORKERS`` API processes on one socket (uvicorn's process manager); the
    ``jobs`` (score worker, demo feeds) run here, in the parent, once."""
    # The API processes are started afresh (spawn) and read their settings from the
    # environment: what the command line overrode is passed on that way.
    os.environ["PODIUM_DATABASE_URL"] = settings.database_url
    for job in jobs:
        job.start()
    try:
        uvicorn.run(
            f"{__name__}:{api_process_app.__name__}",
            factory=True,
            workers=settings.api_workers,
            host=settings.host,
            port=settings.port,
            log_config=None,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
            timeout_worker_healthcheck=API_PROCESS_HEALTHCHECK_S,
        )
    finally:
        for job in reversed(jobs):
            job.stop()


def api_process_app() -> FastAPI:
    """The app of one API process of ``_serve_processes`` (the store is already migrated)."""
    settings = load_cli_settings()
    database = Database(settings.database_url)
    application = create_app(settings, database, jobs=[WebhookDeliveryJob(database, settings)])
    freeze_startup_objects()
    return application


def _worker(settings: Settings, database: Database) -> ScoreWorker:
    return ScoreWorker(
        database,
        default_interval_s=settings.score_interval,
        batch_size=settings.score_batch,
    )


@app.command()
def serve(
    host: HostOption = None,
    port: PortOption = None,
    database_url: DatabaseOption = None,
    worker: Annotated[bool, typer.Option(help="Run the score worker in this process")] = True,
    migrate: Annotated[bool, typer.Option(help="Apply migrations at start (PostgreSQL)")] = False,
) -> None:
    """Serve the API and web pages, with the score worker unless --no-worker."""
    settings = load_cli_settings(host=host, port=port, database_url=database_url)
    with open_database(settings, migrate=migrate) as database:
        _serve(settings, database, [_worker(settings, database)] if worker else [])


@app.command()
def demo(
    host: HostOption = None,
    port: PortOption = None,
    database_url: DatabaseOption = None,
    tick: Annotated[float, typer.Option(min=0.5, help="Seconds between two demo ticks")] = 2.0,
) -> None:
    """Serve Podium with live demo data: a price feed and ten models predicting it, and four
    challenges with a collection and six players making attempts."""
    settings = load_cli_settings(host=host, port=port, database_url=database_url)
    with open_database(settings, migrate=True) as database:
        ensure_demo_competition(database, now_ms=wall_clock_ms(), tick_s=tick)
        challenge_ids = ensure_demo_challenges(database, now_ms=wall_clock_ms())
        attempts = DemoAttempts(
            database,
            challenge_ids=challenge_ids,
            scorer=AttemptScorer.for_settings(settings),
            tick_s=tick,
        )
        feed = DemoFeed(database, tick_s=tick)
        _serve(settings, database, [feed, attempts, _worker(settings, database)])


@app.command()
def worker(
    database_url: DatabaseOption = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve Prometheus /metrics of this worker on 127.0.0.1:PORT"),
    ] = None,
) -> None:
    """Run the score worker alone (no API), until Ctrl-C."""
    settings = load_cli_settings(database_url=database_url)
    if metrics_port is not None:
        start_metrics_server(metrics_port)
    with open_database(settings, migrate=False) as database:
        score_worker = _worker(settings, database)
        freeze_startup_objects()
        try:
            score_worker.run_forever()
        except KeyboardInterrupt:
            console.print("score worker stopped")


@app.command()
def score(
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit")] = False,
    competition: Annotated[
        str | None, typer.Option(help="Only this competition [default: all]")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Run score cycles now: with --once, one cycle per competition, then exit."""
    if not once:
        raise typer.BadParameter("only --once is supported; `podium worker` runs continuously")
    settings = load_cli_settings(database_url=database_url)
    table = Table("competition", "scored", "failed", "expired", "waiting", "leaderboard", "seconds")
    with open_database(settings, migrate=False) as database:
        job = _worker(settings, database)
        competitions = [competition] if competition else job.due_competitions(now_ms=2**62)
        reports = [job.run_cycle(competition_id) for competition_id in competitions]
    for report in reports:
        table.add_row(
            report.competition_id,
            str(report.scored),
            str(report.failed),
            str(report.expired),
            str(report.waiting),
            report.leaderboard_id or "unchanged",
            f"{report.duration_s:.3f}",
        )
    console.print(table)
