"""The ``podium`` command: serve, demo, worker, score, db, plugins.

Exit codes: 0 success; 1 a user error (a clear message, no traceback); 2 a usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from podium.api.app import BackgroundJob, create_app
from podium.errors import ConfigurationError, PodiumError
from podium.logs import configure_logging
from podium.plugins import PLUGIN_KINDS
from podium.services.clock import wall_clock_ms
from podium.services.demo import DemoFeed, ensure_demo_competition
from podium.services.worker import ScoreWorker
from podium.settings import Settings, load_settings
from podium.store import migrator
from podium.store.database import Database

console = Console()
errors = Console(stderr=True, soft_wrap=True)


class PodiumGroup(TyperGroup):
    """Prints Podium's errors as one line and exits with 1, instead of a traceback."""

    def invoke(self, ctx: Any) -> Any:  # typer vendors click: its Context type is private
        try:
            return super().invoke(ctx)
        except PodiumError as error:
            errors.print(f"error: {error.message}", highlight=False, markup=False)
            raise typer.Exit(1) from None


app = typer.Typer(
    name="podium",
    cls=PodiumGroup,
    help="Podium: leaderboards and scoring for prediction tournaments and attempt challenges.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database: migrations.", no_args_is_help=True)
plugins_app = typer.Typer(
    help="Plugins: scoring functions, resolvers, rankers.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(plugins_app, name="plugins")

HostOption = Annotated[str | None, typer.Option(help="Address to bind [default: 127.0.0.1]")]
PortOption = Annotated[int | None, typer.Option(help="Port to listen on [default: 8000]")]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL [default: $PODIUM_DATABASE_URL, else sqlite:///./podium.db]",
    ),
]


def _settings(**overrides: object) -> Settings:
    settings = load_settings(**overrides)
    configure_logging(settings.log_level, json_lines=settings.log_json)
    return settings


def open_database(settings: Settings, *, migrate: bool) -> Database:
    """The store, migrated to the current schema (SQLite always; PostgreSQL when asked)."""
    if settings.is_sqlite:
        path = settings.database_url.removeprefix("sqlite:///")
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    database = Database(settings.database_url)
    if migrate or settings.is_sqlite:
        migrator.upgrade(database.engine)
    elif not migrator.is_current(database.engine):
        current = migrator.current_revision(database.engine) or "empty"
        database.dispose()
        raise ConfigurationError(
            f"the database schema is at {current}, this Podium needs {migrator.head_revision()}: "
            "run `podium db upgrade` (or pass --migrate)"
        )
    return database


def _serve(settings: Settings, database: Database, jobs: list[BackgroundJob]) -> None:
    application = create_app(settings, database, jobs=jobs)
    console.print(
        f"Podium on http://{settings.host}:{settings.port}  "
        f"(API docs at /docs, leaderboard at /reports/leaderboard; Ctrl-C stops)"
    )
    uvicorn.run(application, host=settings.host, port=settings.port, log_config=None)


def _worker(settings: Settings, database: Database) -> ScoreWorker:
    return ScoreWorker(
        database,
        default_interval_s=settings.score_interval,
        batch_size=settings.score_batch_size,
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
    settings = _settings(host=host, port=port, database_url=database_url)
    with open_database(settings, migrate=migrate) as database:
        _serve(settings, database, [_worker(settings, database)] if worker else [])


@app.command()
def demo(
    host: HostOption = None,
    port: PortOption = None,
    database_url: DatabaseOption = None,
    tick: Annotated[float, typer.Option(min=0.5, help="Seconds between two demo ticks")] = 2.0,
) -> None:
    """Serve Podium with a live demo competition: a price feed and ten models predicting it."""
    settings = _settings(host=host, port=port, database_url=database_url)
    with open_database(settings, migrate=True) as database:
        ensure_demo_competition(database, now_ms=wall_clock_ms(), tick_s=tick)
        _serve(settings, database, [DemoFeed(database, tick_s=tick), _worker(settings, database)])


@app.command()
def worker(database_url: DatabaseOption = None) -> None:
    """Run the score worker alone (no API), until Ctrl-C."""
    settings = _settings(database_url=database_url)
    with open_database(settings, migrate=False) as database:
        try:
            _worker(settings, database).run_forever()
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
    settings = _settings(database_url=database_url)
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


@db_app.command("upgrade")
def db_upgrade(
    database_url: DatabaseOption = None,
    revision: Annotated[str, typer.Option(help="Target revision")] = "head",
) -> None:
    """Apply the Alembic migrations to the database."""
    settings = _settings(database_url=database_url)
    with Database(settings.database_url) as database:
        migrator.upgrade(database.engine, revision)
        current = migrator.current_revision(database.engine)
    console.print(f"database at revision {current}")


@db_app.command("current")
def db_current(database_url: DatabaseOption = None) -> None:
    """Show the database's schema revision and whether it is current."""
    settings = _settings(database_url=database_url)
    with Database(settings.database_url) as database:
        current = migrator.current_revision(database.engine)
    head = migrator.head_revision()
    state = "current" if current == head else f"behind (head is {head})"
    console.print(f"{current or 'empty'}: {state}")


@plugins_app.command("list")
def plugins_list() -> None:
    """The plugins installed, by kind: built-ins and those of other packages."""
    table = Table("kind", "id", "target", "package")
    for kind in PLUGIN_KINDS:
        for info in kind.available():
            table.add_row(kind.kind, info.name, info.target, info.distribution or "")
    console.print(table)


def main() -> None:
    app()
