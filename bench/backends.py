"""Fresh, migrated stores for one benchmark run: a SQLite file or a PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from podium.store import migrator
from podium.store.database import Database

POSTGRES_ADMIN_URL = os.environ.get(
    "PODIUM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")


@contextmanager
def fresh_store(backend: str, workdir: Path, name: str) -> Iterator[str]:
    """The URL of a new, migrated, empty store; dropped (PostgreSQL) when the block ends."""
    if backend == "sqlite":
        path = workdir / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        _migrate(url)
        yield url
        return
    database = f"podium_bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=database).render_as_string(hide_password=False)
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    with Database(url) as database:
        migrator.upgrade(database.engine)


def libpq_url(url: str) -> str:
    """The URL psycopg itself takes (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_path(url: str) -> str:
    database = make_url(url).database
    assert database is not None
    return database
