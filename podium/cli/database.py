"""``podium db``: schema migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from podium.cli.app import DatabaseOption, console, db_app, load_cli_settings
from podium.store import migrator
from podium.store.database import Database


@db_app.command("upgrade")
def db_upgrade(
    database_url: DatabaseOption = None,
    revision: Annotated[str, typer.Option(help="Target revision")] = "head",
) -> None:
    """Apply the Alembic migrations to the database."""
    settings = load_cli_settings(database_url=database_url)
    with Database(settings.database_url) as database:
        migrator.upgrade(database.engine, revision)
        current = migrator.current_revision(database.engine)
    console.print(f"database at revision {current}")


@db_app.command("current")
def db_current(database_url: DatabaseOption = None) -> None:
    """Show the database's schema revision and whether it is current."""
    settings = load_cli_settings(database_url=database_url)
    with Database(settings.database_url) as database:
        current = migrator.current_revision(database.engine)
    head = migrator.head_revision()
    state = "current" if current == head else f"behind (head is {head})"
    console.print(f"{current or 'empty'}: {state}")
