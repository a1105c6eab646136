"""The Alembic migrations build exactly the schema the code declares, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from podium.store import migrator
from podium.store.database import Database
from podium.store.schema import metadata


def test_migrations_are_at_head_and_match_the_tables(database: Database) -> None:
    assert migrator.is_current(database.engine)
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_upgrade_is_idempotent_and_downgrade_works(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with Database(f"sqlite:///{tmp_path / 'm.db'}") as database:
        migrator.upgrade(database.engine)
        migrator.upgrade(database.engine)
        migrator.downgrade(database.engine, "base")
        assert migrator.current_revision(database.engine) is None
        migrator.upgrade(database.engine)
        assert migrator.is_current(database.engine)
