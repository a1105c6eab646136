"""The ``podium`` command through Typer's CliRunner, and ``podium serve`` as a real process."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from podium.cli import app
from podium.schemas.competitions import CompetitionCreate
from podium.services.competitions import create_competition
from podium.store import migrator
from podium.store.database import Database
from tests.conftest import POSTGRES_ADMIN_URL, T0
from tests.serving import free_port, start_serve, wait_until_serving

runner = CliRunner()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_db_upgrade_and_current(sqlite_url: str) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--database-url", sqlite_url])
    assert result.exit_code == 0, result.output
    head = migrator.head_revision()
    assert f"database at revision {head}" in result.output
    current = runner.invoke(app, ["db", "current", "--database-url", sqlite_url])
    assert f"{head}: current" in current.output


def test_score_once_runs_a_cycle_per_competition(sqlite_url: str) -> None:
    runner.invoke(app, ["db", "upgrade", "--database-url", sqlite_url])
    database = Database(sqlite_url)
    create_competition(database, spec=CompetitionCreate(id="one", name="One"), now_ms=T0)
    database.dispose()
    result = runner.invoke(app, ["score", "--once", "--database-url", sqlite_url])
    assert result.exit_code == 0, result.output
    assert "one" in result.output
    assert "LBR_one_overall_" in result.output
    missing = runner.invoke(
        app, ["score", "--once", "--competition", "nope", "--database-url", sqlite_url]
    )
    assert missing.exit_code == 1
    assert "competition 'nope' was not found" in missing.output


def test_score_without_once_is_a_usage_error(sqlite_url: str) -> None:
    assert runner.invoke(app, ["score", "--database-url", sqlite_url]).exit_code == 2


def test_plugins_list_shows_the_built_ins() -> None:
    result = runner.invoke(app, ["plugins", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in (
        "mse",
        "mae",
        "direction",
        "pnl",
        "crps",
        "price_return",
        "explicit",
        "lexicographic",
    ):
        assert name in result.output


def test_bad_settings_are_one_line_and_exit_1() -> None:
    result = runner.invoke(app, ["worker", "--database-url", "mysql://db/podium"])
    assert result.exit_code == 1
    assert "error: invalid settings: PODIUM_DATABASE_URL" in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def empty_postgres_url(postgres_url: str) -> Iterator[str]:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"podium_empty_{os.getpid()}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_postgresql_is_not_migrated_behind_the_hosts_back(empty_postgres_url: str) -> None:
    refused = runner.invoke(app, ["score", "--once", "--database-url", empty_postgres_url])
    assert refused.exit_code == 1
    assert "run `podium db upgrade`" in refused.output
    upgraded = runner.invoke(app, ["db", "upgrade", "--database-url", empty_postgres_url])
    assert upgraded.exit_code == 0, upgraded.output
    assert (
        runner.invoke(app, ["score", "--once", "--database-url", empty_postgres_url]).exit_code == 0
    )


def test_serve_answers_then_stops_cleanly_on_ctrl_c(sqlite_url: str) -> None:
    port = free_port()
    process = start_serve(port, sqlite_url)
    try:
        wait_until_serving(process, f"http://127.0.0.1:{port}")
        assert httpx.get(f"http://127.0.0.1:{port}/reports/leaderboard").status_code == 422
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "score worker stopped" in output
