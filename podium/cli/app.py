"""The ``podium`` Typer application and what its commands share: options, settings, the store.

Commands live in the sibling modules, one per noun; ``podium.cli`` imports them all.

Exit codes: 0 success; 1 a user error (a clear message, no traceback); 2 a usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from podium.errors import ConfigurationError, PodiumError
from podium.logs import configure_logging
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
    help="Plugins: scoring functions, resolvers, rankers, metrics, challenge scorers.",
    no_args_is_help=True,
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


def load_cli_settings(**overrides: object) -> Settings:
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
