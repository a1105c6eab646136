"""SQLite's WAL checkpoints run in a thread of the Database, not inside its commits."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from podium.store.checkpointer import Checkpointer
from podium.store.database import Database


def _wait_for(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _in_database_file(path: Path) -> list[int]:
    """The rows of ``t`` the database file itself holds: ``immutable`` reads no WAL."""
    connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return [row[0] for row in connection.execute("SELECT n FROM t ORDER BY n")]
    finally:
        connection.close()


def _checkpointer(database: Database) -> Checkpointer:
    checkpointer = database._checkpointer
    assert checkpointer is not None
    return checkpointer


def test_commits_leave_checkpoints_to_the_thread(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    database = Database(f"sqlite:///{path}")
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        with database.write() as session:
            session.execute(text("CREATE TABLE t (n INTEGER)"))
        _wait_for(lambda: _checkpointer(database).runs >= 1)
        for n in range(3):
            with database.write() as session:
                session.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": n})
        # The writes are in the database file itself, copied from the WAL by the thread while
        # the Database's connections stay open (closing the last one would checkpoint too).
        _wait_for(lambda: _in_database_file(path) == [0, 1, 2])
        with database.read() as session:
            assert session.execute(text("SELECT count(*) FROM t")).scalar() == 3
    finally:
        database.dispose()
    assert not any(
        thread.name == "podium-wal-checkpoint" and thread.is_alive()
        for thread in threading.enumerate()
    )


def test_a_burst_of_commits_is_copied_by_few_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    database = Database(f"sqlite:///{path}")
    _checkpointer(database).min_interval_s = 0.5
    try:
        with database.write() as session:
            session.execute(text("CREATE TABLE t (n INTEGER)"))
        for n in range(50):
            with database.write() as session:
                session.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": n})
        _wait_for(lambda: _in_database_file(path) == list(range(50)))
        assert _checkpointer(database).runs <= 5
    finally:
        database.dispose()


def test_a_stopped_checkpointer_starts_no_thread(tmp_path: Path) -> None:
    checkpointer = Checkpointer(str(tmp_path / "store.db"))
    checkpointer.stop()
    checkpointer.note_commit()
    assert checkpointer._thread is None


def test_an_in_memory_store_keeps_sqlites_own_checkpoints() -> None:
    database = Database("sqlite://")
    try:
        assert database._checkpointer is None
        with database.write() as session:
            session.execute(text("CREATE TABLE t (n INTEGER)"))
    finally:
        database.dispose()


def test_a_checkpointer_that_fails_starts_again_at_the_next_commit(tmp_path: Path) -> None:
    checkpointer = Checkpointer(str(tmp_path / "missing" / "store.db"), min_interval_s=0.01)
    checkpointer.note_commit()  # its connection cannot open: the thread logs it and ends
    first = checkpointer._thread
    assert first is not None
    first.join(timeout=10)
    _wait_for(lambda: checkpointer._pid == 0)
    (tmp_path / "missing").mkdir()
    checkpointer.note_commit()
    try:
        _wait_for(lambda: checkpointer.runs == 1)
        assert checkpointer._thread is not first
    finally:
        checkpointer.stop()
