"""The engine and sessions of one database, SQLite (embedded) or PostgreSQL (production).

SQLite runs in WAL mode with a busy timeout and foreign keys on; write transactions start with
``BEGIN IMMEDIATE`` so that two writers queue on the lock instead of failing half-way. Within
one process, SQLite writers also queue on a thread lock first: a thread waiting for it wakes as
soon as the writer before it commits, where SQLite's busy handler would poll with sleeps that
grow to 100 ms (the tail latency of concurrent writes). SQLite has a single writer: scaling out to several processes or machines needs PostgreSQL.
A SQLite file's WAL checkpoints run in a thread of their own, not inside commits
(``podium.store.checkpointer``).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

import orjson
from sqlalchemy import CursorResult, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from podium.store.checkpointer import Checkpointer

SQLITE_BUSY_TIMEOUT_MS = 30_000


def json_text(value: Any) -> str:
    """JSON columns are written with orjson (several times faster), json for what it refuses."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # an integer beyond 64 bits, a non-string key...
        return json.dumps(value)


# JSON columns (payloads, configs) read and written with orjson: hot in ingest and scoring.
JSON_CODEC: dict[str, Any] = {"json_serializer": json_text, "json_deserializer": orjson.loads}


def _sqlite_engine(url: str, *, immediate: bool, autocheckpoint: bool) -> Engine:
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, **JSON_CODEC
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # 64 MiB of page cache per connection (the default is 2 MiB): a long history's indexes
        # stay in memory while a score cycle updates them.
        cursor.execute("PRAGMA cache_size=-65536")
        if not autocheckpoint:  # the Database's Checkpointer runs them
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """One store: ``read()`` and ``write()`` sessions, each a transaction committed on exit."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.backend = make_url(url).get_backend_name()
        # A file's WAL checkpoints run in a thread, not in commits (``Checkpointer``); an
        # in-memory store, or one named by a ``file:`` URI, keeps SQLite's own.
        path = make_url(url).database if self.backend == "sqlite" else None
        plain_file = bool(path) and path != ":memory:" and not str(path).startswith("file:")
        self._checkpointer = Checkpointer(str(path)) if plain_file else None
        if self.backend == "sqlite":
            automatic = self._checkpointer is None
            self.engine = _sqlite_engine(url, immediate=False, autocheckpoint=automatic)
            self.write_engine = _sqlite_engine(url, immediate=True, autocheckpoint=automatic)
        else:
            self.engine = create_engine(
                url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size, **JSON_CODEC
            )
            self.write_engine = self.engine
        self._read_sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(self.write_engine, expire_on_commit=False)
        # A new value after each committed ``write()`` (never one seen before): what a reader
        # of this process keeps in memory is checked against the store again once it changes.
        self.write_generation = 0
        self._generations = itertools.count(1)
        # SQLite's writers of this process queue here (re-entrant: a nested write fails on
        # SQLite's own lock as before, it does not deadlock); PostgreSQL has row locks.
        self._writer: threading.RLock | None = (
            threading.RLock() if self.backend == "sqlite" else None
        )

    @property
    def is_postgresql(self) -> bool:
        return self.backend == "postgresql"

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read_sessions.begin() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        if self._writer is None:
            with self._write_sessions.begin() as session:
                yield session
        else:
            with self._writer, self._write_sessions.begin() as session:
                yield session
            if self._checkpointer is not None:
                self._checkpointer.note_commit()
        self.write_generation = next(self._generations)

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.dispose()

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()


def dialect_insert(session: Session, entity: type[Any]) -> Any:
    """An INSERT into the table of ``entity`` (an ORM class) with the backend's ``on_conflict_*`` methods."""
    # Core (not ORM) INSERT: executemany of plain dicts, batched by the driver.
    table = cast(Table, entity.__table__)
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


# Rows read or written in slices of this many: each slice is freed before the next, so a bulk
# statement leaves no tens of thousands of row tuples alive at once, which would make the cyclic
# GC walk every object of the process (40 % of a leaderboard build's CPU time when it did).
ROW_SLICE = 500


def fetch_columns(result: CursorResult[Any], width: int) -> list[list[Any]]:
    """The rows of ``result`` as ``width`` lists, one per column."""
    columns: list[list[Any]] = [[] for _ in range(width)]
    for rows in result.partitions(ROW_SLICE):
        for column, values in zip(columns, zip(*rows, strict=True), strict=True):
            column.extend(values)
    return columns


def driver_rows(session: Session, statement: str, parameters: Sequence[Any]) -> list[Any]:
    """The rows of a statement in the driver's own terms (``%s`` on PostgreSQL, ``?`` on
    SQLite), as the driver's tuples, in the session's transaction: no SQLAlchemy ``Row`` per
    row, which cost about 1.3 µs a row (0.13 s of a score batch of 100,000)."""
    driver = session.connection().connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.execute(statement, parameters)
        rows: list[Any] = cursor.fetchall()
    finally:
        cursor.close()
    return rows


def number_array(values: Iterable[int] | Iterable[float]) -> str:
    """A PostgreSQL array literal of numbers (``{1,2.5,nan}``), for a ``%s::bigint[]`` or
    ``%s::float8[]`` parameter. psycopg adapts a Python list element by element: 100,000
    integers took 0.45 s as a list and 0.08 s as this literal on the benchmark machine."""
    return "{" + ",".join(map(str, values)) + "}"


def insert_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Rows into ``table`` through the driver: one ``COPY`` on PostgreSQL, ``executemany`` on
    SQLite. Values as the driver takes them (JSON columns as JSON text).

    ``COPY`` because psycopg adapts the elements of ``unnest`` arrays one by one (21,000 rows
    of 11 columns: 0.7 s, against 0.08 s as a ``COPY``), and it carries NaN and infinities,
    which a JSON parameter cannot. ``table`` and ``columns`` are the caller's constants.
    """
    values = iter(rows)
    first = list(itertools.islice(values, ROW_SLICE))
    if not first:
        return
    connection = session.connection()
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in itertools.chain(first, values):
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (constants only)
    batch = first
    while batch:
        connection.exec_driver_sql(statement, batch)
        batch = list(itertools.islice(values, ROW_SLICE))
