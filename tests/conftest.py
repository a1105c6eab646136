"""Fixtures shared by every test: databases on SQLite and PostgreSQL, a clock, the app.

``database`` is parametrized over both backends, so every store, service and API test runs on
each. PostgreSQL tests use a database of their own per test process (created and dropped here);
when PostgreSQL cannot be reached they fail under ``CI=true`` and are skipped, loudly, otherwise.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from podium.api.app import create_app
from podium.services.fair_play import ATTEMPT_CLEARANCES
from podium.settings import Settings
from podium.store import migrator
from podium.store.database import Database
from podium.store.schema import metadata

POSTGRES_ADMIN_URL = os.environ.get(
    "PODIUM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")
# 2026-01-05T00:00:00Z, a Monday: tests start from a fixed instant.
T0 = 1_767_571_200_000


class FakeClock:
    """A clock tests move by hand (epoch milliseconds)."""

    def __init__(self, now_ms: int = T0) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, seconds: float) -> int:
        self.now_ms += round(seconds * 1000)
        return self.now_ms


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _forget_attempt_clearances() -> None:
    """The fair-play precheck's memory is the process's and keyed by the store's URL, which the
    PostgreSQL tests share: each test starts with none of it."""
    ATTEMPT_CLEARANCES.clear()


class Monotonic:
    """A ``time.monotonic`` tests move by hand (``now_s += ...``), for the caches."""

    def __init__(self) -> None:
        self.now_s = 50.0

    def __call__(self) -> float:
        return self.now_s


@pytest.fixture
def monotonic() -> Monotonic:
    return Monotonic()


class Refreshes:
    """The background refreshes a cache asked for (its ``refresh_in``), run when a test says."""

    def __init__(self) -> None:
        self.tasks: list[Callable[[], None]] = []

    def __call__(self, task: Callable[[], None]) -> None:
        self.tasks.append(task)

    def run(self) -> None:
        tasks, self.tasks = self.tasks, []
        for task in tasks:
            task()


@pytest.fixture
def refreshes() -> Refreshes:
    return Refreshes()


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test process."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        admin.dispose()
        message = (
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({error.orig}); start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`"
        )
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    name = f"podium_test_{os.getpid()}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = create_engine(url)
    migrator.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_database(postgres_url: str) -> Iterator[Database]:
    database = Database(postgres_url, pool_size=4)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (cheaper than migrating each time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "podium.db"
    database = Database(f"sqlite:///{path}")
    migrator.upgrade(database.engine)
    database.dispose()
    return path


def _truncate_all(database: Database) -> None:
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "podium.db"
        shutil.copy(sqlite_template, path)
        sqlite_database = Database(f"sqlite:///{path}")
        yield sqlite_database
        sqlite_database.dispose()
        return
    postgres: Database = request.getfixturevalue("postgres_database")
    _truncate_all(postgres)
    yield postgres


@pytest.fixture
def settings(database: Database) -> Settings:
    return Settings(database_url=database.url, score_batch_size=1_000)


@pytest.fixture
def app(settings: Settings, database: Database, clock: FakeClock) -> FastAPI:
    return create_app(settings, database, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client
