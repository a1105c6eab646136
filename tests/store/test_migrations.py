"""The Alembic migrations build exactly the schema the code declares, on both backends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from podium.services.score_cycle import run_score_cycle
from podium.store import migrator
from podium.store.database import Database
from podium.store.schema import declared_on, metadata
from tests import builders
from tests.conftest import BACKENDS, POSTGRES_ADMIN_URL, T0


@pytest.fixture(params=BACKENDS)
def scratch_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database of its own, migrated to head, that a test may downgrade and upgrade."""
    if request.param == "sqlite":
        with Database(f"sqlite:///{tmp_path / 'scratch.db'}") as database:
            migrator.upgrade(database.engine)
            yield database
        return
    request.getfixturevalue("postgres_url")  # skips (or fails in CI) without PostgreSQL
    name = f"podium_migrations_{os.getpid()}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        with Database(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}") as database:
            migrator.upgrade(database.engine)
            yield database
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_are_at_head_and_match_the_tables(database: Database) -> None:
    assert migrator.is_current(database.engine)
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": declared_on(connection.dialect.name),
            },
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_upgrade_is_idempotent_and_downgrade_works(scratch_database: Database) -> None:
    migrator.upgrade(scratch_database.engine)
    migrator.downgrade(scratch_database.engine, "base")
    assert migrator.current_revision(scratch_database.engine) is None
    migrator.upgrade(scratch_database.engine)
    assert migrator.is_current(scratch_database.engine)


def _prediction_keys(database: Database) -> set[str]:
    return {key["name"] for key in inspect(database.engine).get_foreign_keys("predictions")}


def test_predictions_lose_their_foreign_keys_and_a_downgrade_restores_them(
    scratch_database: Database,
) -> None:
    builders.competition(scratch_database, T0)
    builders.roster(
        scratch_database, T0, "c1", models={"m1": "ann"}, params=[{"id": "p1", "horizon": 3600}]
    )
    row = {"model_id": "m1", "param_id": "p1", "payload": 0.5, "performed_at": T0 - 3_600_000}
    assert builders.predictions(scratch_database, T0, "c1", [row]).stored == 1
    assert _prediction_keys(scratch_database) == set()
    # Relative to 0009 itself, so that the test holds whatever revision comes before it.
    migrator.downgrade(scratch_database.engine, "0009_prediction_ingest_keys-1")
    assert _prediction_keys(scratch_database) == {
        "fk_predictions_competition_id_competitions",
        "fk_predictions_model_id_models",
        "fk_predictions_competition_id_param_id_params",
    }
    migrator.upgrade(scratch_database.engine)
    assert migrator.is_current(scratch_database.engine)
    assert _prediction_keys(scratch_database) == set()
    with scratch_database.read() as session:
        stored = session.execute(text("SELECT id, model_id, param_id FROM predictions")).all()
    assert [tuple(stored_row) for stored_row in stored] == [(f"m1/p1/{T0 - 3_600_000}", "m1", "p1")]


_OUTCOME_COLUMNS = "p.id, o.status, o.truth, o.score_value, o.score_success, o.score_failed_reason"


def _outcomes_and_queue(database: Database) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    with database.read() as session:
        outcomes = session.execute(
            text(
                f"SELECT {_OUTCOME_COLUMNS} FROM predictions AS p "
                "JOIN prediction_outcomes AS o ON o.pk = p.pk"
            )
        ).all()
        queue = session.execute(
            text(
                "SELECT p.id, q.competition_id, q.resolvable_at FROM prediction_queue AS q "
                "JOIN predictions AS p ON p.pk = q.pk"
            )
        ).all()
    return {tuple(row) for row in outcomes}, {tuple(row) for row in queue}


def test_outcomes_and_the_queue_move_to_their_tables_and_back(scratch_database: Database) -> None:
    builders.competition(scratch_database, T0, grace_period="1h")
    builders.roster(
        scratch_database, T0, "c1", models={"m1": "ann"}, params=[{"id": "p1", "horizon": 3600}]
    )
    hour = 3_600_000
    rows = [
        {"id": id_, "model_id": "m1", "param_id": "p1", "payload": payload, "performed_at": at}
        for id_, payload, at in (
            ("scored", 0.5, T0 - 2 * hour),
            ("failed", {"bad": 1}, T0 - 2 * hour),
            ("expired", 0.5, T0 - 3 * hour),
            ("pending", 0.5, T0),
        )
    ]
    assert builders.predictions(scratch_database, T0, "c1", rows).stored == 4
    builders.truths(scratch_database, "c1", [{"param_id": "p1", "ts": T0 - hour, "value": 0.25}])
    run_score_cycle(scratch_database, competition_id="c1", now_ms=T0, batch_size=10)
    outcomes, queue = _outcomes_and_queue(scratch_database)
    assert {row[:2] for row in outcomes} == {
        ("scored", "SCORED"),
        ("failed", "FAILED"),
        ("expired", "EXPIRED"),
    }
    assert queue == {("pending", "c1", T0 + hour)}

    # Relative to 0010 itself, so that the test holds whatever revision comes after it.
    migrator.downgrade(scratch_database.engine, "0010_prediction_outcomes-1")
    tables = set(inspect(scratch_database.engine).get_table_names())
    assert not tables & {"prediction_outcomes", "prediction_queue"}
    indexes = {
        index["name"] for index in inspect(scratch_database.engine).get_indexes("predictions")
    }
    assert "ix_predictions_due" in indexes
    with scratch_database.read() as session:
        columns = _OUTCOME_COLUMNS.replace("o.", "p.")
        stored = session.execute(text(f"SELECT {columns} FROM predictions AS p")).all()
    assert {tuple(row) for row in stored} == outcomes | {
        ("pending", "PENDING", None, None, None, None)
    }

    migrator.upgrade(scratch_database.engine)
    assert migrator.is_current(scratch_database.engine)
    assert _outcomes_and_queue(scratch_database) == (outcomes, queue)
    # The pending prediction is scored from the queue the upgrade filled.
    builders.truths(scratch_database, "c1", [{"param_id": "p1", "ts": T0 + hour, "value": 0.5}])
    report = run_score_cycle(scratch_database, competition_id="c1", now_ms=T0 + hour, batch_size=10)
    assert report.scored == 1
    assert _outcomes_and_queue(scratch_database)[1] == set()


def _rollup_keys(database: Database) -> set[str]:
    inspector = inspect(database.engine)
    return {
        key["name"]
        for table in ("score_rollups", "score_totals")
        for key in inspector.get_foreign_keys(table)
    }


def _reloptions(database: Database, table: str) -> list[str] | None:
    """The table's storage options on PostgreSQL (``None`` on SQLite, or when none are set)."""
    if not database.is_postgresql:
        return None
    with database.read() as session:
        options: list[str] | None = session.execute(
            text("SELECT reloptions FROM pg_class WHERE relname = :table"), {"table": table}
        ).scalar_one()
    return options


def _insert_outcome(database: Database, pk: int, status: str) -> None:
    with database.write() as session:
        session.execute(
            text(
                "INSERT INTO prediction_outcomes (pk, status, score_success, scored_at) "
                "VALUES (:pk, :status, false, 0)"
            ),
            {"pk": pk, "status": status},
        )


def _score_one_prediction(database: Database) -> None:
    """A competition ``c1`` with one prediction of ``m1``, scored by a cycle."""
    builders.competition(database, T0, grace_period="1h")
    builders.roster(
        database, T0, "c1", models={"m1": "ann"}, params=[{"id": "p1", "horizon": 3600}]
    )
    row = {"model_id": "m1", "param_id": "p1", "payload": 0.5, "performed_at": T0 - 7_200_000}
    builders.predictions(database, T0, "c1", [row])
    builders.truths(database, "c1", [{"param_id": "p1", "ts": T0 - 3_600_000, "value": 1}])
    report = run_score_cycle(database, competition_id="c1", now_ms=T0, batch_size=10)
    assert report.scored == 1


def test_rollups_lose_their_foreign_keys_and_outcomes_keep_their_status_check(
    scratch_database: Database,
) -> None:
    _score_one_prediction(scratch_database)
    assert _rollup_keys(scratch_database) == set()
    assert _reloptions(scratch_database, "score_totals") in (None, ["fillfactor=50"])

    # Relative to 0011 itself, so that the test holds whatever revision comes after it.
    migrator.downgrade(scratch_database.engine, "0011_rollup_writes-1")
    assert _rollup_keys(scratch_database) == {
        f"fk_{table}_{column}_{referred}"
        for table in ("score_rollups", "score_totals")
        for column, referred in (("competition_id", "competitions"), ("model_id", "models"))
    }
    assert _reloptions(scratch_database, "score_totals") in (None, [])
    migrator.upgrade(scratch_database.engine)
    assert _rollup_keys(scratch_database) == set()
    with scratch_database.read() as session:
        totals = session.execute(text("SELECT model_id, count FROM score_totals")).all()
        rollups = session.execute(text("SELECT model_id, count FROM score_rollups")).all()
    assert [tuple(total) for total in totals] == [("m1", 1)]
    assert [tuple(rollup) for rollup in rollups] == [("m1", 1)]

    _insert_outcome(scratch_database, 1_000, "EXPIRED")
    with pytest.raises(IntegrityError):
        _insert_outcome(scratch_database, 1_001, "PENDING")


def _rollup_indexes(database: Database) -> dict[str, list[str | None]]:
    return {
        str(index["name"]): list(index["column_names"])
        for index in inspect(database.engine).get_indexes("score_rollups")
    }


def test_rollup_updates_are_heap_only_on_postgresql_and_a_downgrade_restores_the_cover(
    scratch_database: Database,
) -> None:
    covering = ["competition_id", "bucket_start", "model_id", "param_id", "count", "total"]
    _score_one_prediction(scratch_database)
    if scratch_database.is_postgresql:
        assert _rollup_indexes(scratch_database) == {
            "ix_score_rollups_window": ["competition_id", "bucket_start"]
        }
        assert _reloptions(scratch_database, "score_rollups") == ["fillfactor=50"]
    else:
        assert _rollup_indexes(scratch_database) == {"ix_score_rollups_window_sums": covering}

    # Relative to 0012 itself, so that the test holds whatever revision comes after it.
    migrator.downgrade(scratch_database.engine, "0012_rollup_updates-1")
    assert _rollup_indexes(scratch_database) == {"ix_score_rollups_window_sums": covering}
    assert _reloptions(scratch_database, "score_rollups") is None
    migrator.upgrade(scratch_database.engine)
    assert migrator.is_current(scratch_database.engine)
    with scratch_database.read() as session:
        rollups = session.execute(text("SELECT model_id, count FROM score_rollups")).all()
    assert [tuple(rollup) for rollup in rollups] == [("m1", 1)]
