"""Predictions: bulk insert (each new one queued), outcomes by primary key, and listings.

A prediction's status and outcome are those of its ``prediction_outcomes`` row, ``PENDING``
without one: every reader joins it (``with_outcomes``, ``STATUS``). The score worker reads the
due queue and writes outcomes through ``podium.store.score_queue``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import psycopg
from sqlalchemy import Connection, Select, func, select, update
from sqlalchemy.orm import Session

from podium.domain.predictions import PredictionStatus
from podium.store.database import json_text
from podium.store.roster import chunked
from podium.store.tables import ParamRow, PredictionOutcomeRow, PredictionRow

AnySelect = TypeVar("AnySelect", bound="Select[*tuple[Any, ...]]")

NewPrediction = tuple[str, str, str, dict[str, Any], int, int]
"""A prediction to store, as the ingest service checked it: ``(id, model_id, param_id,
payload, performed_at, resolvable_at)``, instants in epoch ms. A plain tuple, not a
``NamedTuple``: bulk ingest builds tens of thousands per second, and comparing one with a
stored row (``existing``) is a tuple comparison."""


# SQLite reads the batch from one JSON array too (json_each: a quarter less CPU than the
# driver's executemany, which binds eight parameters per row). Each payload travels as a JSON
# string holding its own JSON text, stored as it is: SQLite would write a JSON number back
# with 15 significant digits.
_INSERT_SQLITE = (
    "INSERT INTO predictions (competition_id, id, model_id, param_id, payload, performed_at, "
    "resolvable_at, submitted_at) "
    "SELECT ?, json_extract(r.value, '$[0]'), json_extract(r.value, '$[1]'), "
    "json_extract(r.value, '$[2]'), json_extract(r.value, '$[3]'), "
    "json_extract(r.value, '$[4]'), json_extract(r.value, '$[5]'), ? "
    "FROM json_each(?) AS r WHERE true ON CONFLICT (competition_id, id) DO NOTHING"
)
# One writer at a time on SQLite: the rows after the largest key read before the insert are
# the ones it inserted.
_QUEUE_SQLITE = (
    "INSERT INTO prediction_queue (competition_id, resolvable_at, pk) "
    "SELECT competition_id, resolvable_at, pk FROM predictions WHERE pk > ?"
)
# The batch travels as one JSON array of [id, model_id, param_id, payload, performed_at,
# resolvable_at] rows: one parameter, parsed by the server, the payloads already jsonb.
# The rows inserted, and only those, are queued by the same statement.
_INSERT_POSTGRESQL = (
    "WITH inserted AS (INSERT INTO predictions (competition_id, id, model_id, param_id, "
    "payload, performed_at, resolvable_at, submitted_at) "
    "SELECT %(competition_id)s, r->>0, r->>1, r->>2, r->3, (r->>4)::bigint, (r->>5)::bigint, "
    "%(submitted_at)s FROM jsonb_array_elements(%(rows)s::jsonb) AS r "
    "ON CONFLICT (competition_id, id) DO NOTHING RETURNING pk, id, resolvable_at), "
    "queued AS (INSERT INTO prediction_queue (competition_id, resolvable_at, pk) "
    "SELECT %(competition_id)s, resolvable_at, pk FROM inserted) "
    "SELECT id FROM inserted"
)
# A new batch goes in by COPY (text format), straight into the table: a third less server CPU
# than the INSERT above, which stays for the batches that repeat stored rows (COPY has no ON
# CONFLICT: a repeated key fails it whole, in a savepoint). Its keys are taken from the
# sequence first, so that a second COPY queues the same rows.
_KEYS_POSTGRESQL = "SELECT nextval('predictions_pk_seq') FROM generate_series(1, %s)"
_COPY_POSTGRESQL = (
    "COPY predictions (pk, competition_id, id, model_id, param_id, payload, performed_at, "
    "resolvable_at, submitted_at) FROM STDIN"
)
_COPY_QUEUE_POSTGRESQL = "COPY prediction_queue (competition_id, resolvable_at, pk) FROM STDIN"
# What COPY's text format would read as an escape, a separator or NULL. The API's identifiers
# never hold one; a batch whose keys do goes through the INSERT.
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_EXISTING_POSTGRESQL = (
    "SELECT id, model_id, param_id, payload, performed_at, resolvable_at FROM predictions "
    "WHERE competition_id = %(competition_id)s AND id = ANY(%(ids)s::varchar[])"
)


# The columns of a ``NewPrediction``, in its order.
_NEW_COLUMNS = (
    PredictionRow.id,
    PredictionRow.model_id,
    PredictionRow.param_id,
    PredictionRow.payload,
    PredictionRow.performed_at,
    PredictionRow.resolvable_at,
)


@dataclass(frozen=True, slots=True)
class PredictionFilter:
    competition_id: str
    model_ids: Sequence[str] | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    status: str | None = None


class PredictionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def existing(self, competition_id: str, ids: Iterable[str]) -> dict[str, NewPrediction]:
        """Stored predictions among ``ids``, keyed by id."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            # One array parameter: an IN list of thousands of parameters is slow to plan.
            result = connection.exec_driver_sql(
                _EXISTING_POSTGRESQL, {"competition_id": competition_id, "ids": wanted}
            )
            return {row[0]: tuple(row) for row in result}
        found: dict[str, NewPrediction] = {}
        for chunk in chunked(wanted):
            statement = select(*_NEW_COLUMNS).where(
                PredictionRow.competition_id == competition_id, PredictionRow.id.in_(chunk)
            )
            for row in connection.execute(statement):
                found[row[0]] = tuple(row)
        return found

    def insert_missing(
        self, competition_id: str, rows: Sequence[NewPrediction], *, submitted_at: int
    ) -> set[str]:
        """Insert the rows whose (competition, id) is not stored yet, and queue them for the
        score worker (``prediction_queue``); the ids inserted.

        No lookup before it. On PostgreSQL a ``COPY`` of the whole batch with keys taken from
        the sequence, and a ``COPY`` of their queue rows, in a savepoint; when a row is stored
        already (a retry), ``INSERT … SELECT FROM jsonb_array_elements(one JSON parameter) … ON
        CONFLICT DO NOTHING RETURNING``, which queues the rows it inserted. On SQLite ``INSERT …
        SELECT FROM json_each(one JSON parameter) … ON CONFLICT DO NOTHING``, then ``INSERT …
        SELECT`` of the new rows into the queue. The caller compares the rows that were not
        inserted with the stored ones (``existing``).
        """
        if not rows:
            return set()
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            if self._copy_new(connection, competition_id, rows, submitted_at=submitted_at):
                return {row[0] for row in rows}
            document = json_text(rows)
            result = connection.exec_driver_sql(
                _INSERT_POSTGRESQL,
                {"competition_id": competition_id, "submitted_at": submitted_at, "rows": document},
            )
            return {row[0] for row in result}
        before = self.session.scalar(select(func.max(PredictionRow.pk))) or 0
        document = json_text(
            [
                (id_, model_id, param_id, json_text(payload), performed, due)
                for id_, model_id, param_id, payload, performed, due in rows
            ]
        )
        result = connection.exec_driver_sql(
            _INSERT_SQLITE, (competition_id, submitted_at, document)
        )
        connection.exec_driver_sql(_QUEUE_SQLITE, (before,))
        if result.rowcount == len(rows):
            return {row[0] for row in rows}
        inserted: set[str] = set()
        for chunk in chunked(sorted({row[0] for row in rows})):
            inserted.update(
                self.session.scalars(
                    select(PredictionRow.id).where(
                        PredictionRow.competition_id == competition_id,
                        PredictionRow.id.in_(chunk),
                        PredictionRow.pk > before,
                    )
                )
            )
        return inserted

    def _copy_new(
        self,
        connection: Connection,
        competition_id: str,
        rows: Sequence[NewPrediction],
        *,
        submitted_at: int,
    ) -> bool:
        """PostgreSQL (psycopg): COPY every row in; False, with nothing written, when one of
        them is stored already (or a key holds a character COPY's text format escapes)."""
        if connection.dialect.driver != "psycopg":
            return False
        keys = "".join(
            [competition_id, *(f"{id_}{model}{param}" for id_, model, param, *_ in rows)]
        )
        if _COPY_SPECIAL.search(keys):
            return False
        driver = cast("psycopg.Connection[Any]", connection.connection.driver_connection)
        with driver.cursor() as cursor:
            pks = [row[0] for row in cursor.execute(_KEYS_POSTGRESQL, (len(rows),))]
            head = f"\t{competition_id}\t"
            tail = f"\t{submitted_at}\n"
            text = "".join(
                [
                    f"{pk}{head}{id_}\t{model}\t{param}\t{json_text(payload)}\t{performed}\t{due}"
                    f"{tail}"
                    for pk, (id_, model, param, payload, performed, due) in zip(
                        pks, rows, strict=True
                    )
                ]
            )
            # Only the JSON payloads can hold a backslash (the keys were checked above): COPY
            # reads a doubled one as one. JSON escapes tabs and line breaks itself.
            text = text.replace("\\", "\\\\")
            queue = "".join(
                [f"{competition_id}\t{row[5]}\t{pk}\n" for pk, row in zip(pks, rows, strict=True)]
            )
            cursor.execute("SAVEPOINT predictions_copy")
            try:
                with cursor.copy(_COPY_POSTGRESQL) as copy:
                    copy.write(text)
                with cursor.copy(_COPY_QUEUE_POSTGRESQL) as copy:
                    copy.write(queue)
            except psycopg.errors.UniqueViolation:
                cursor.execute("ROLLBACK TO SAVEPOINT predictions_copy")
                return False
            cursor.execute("RELEASE SAVEPOINT predictions_copy")
        return True

    def write_outcomes(self, updates: Sequence[dict[str, Any]]) -> None:
        """Stored outcomes updated by primary key (a rescore): each dict has ``pk`` and the
        columns to set."""
        if updates:
            self.session.execute(update(PredictionOutcomeRow), list(updates))

    def count_by_status(self, competition_id: str) -> dict[str, int]:
        statement = with_outcomes(
            select(STATUS, func.count())
            .where(PredictionRow.competition_id == competition_id)
            .group_by(STATUS)
        )
        return {status: int(count) for status, count in self.session.execute(statement)}

    def count_by_model_status(self, competition_id: str, model_id: str) -> dict[str, int]:
        statement = with_outcomes(
            select(STATUS, func.count())
            .where(PredictionRow.competition_id == competition_id)
            .where(PredictionRow.model_id == model_id)
            .group_by(STATUS)
        )
        return {status: int(count) for status, count in self.session.execute(statement)}

    def listing(
        self, where: PredictionFilter, *, limit: int, offset: int
    ) -> list[tuple[StoredPrediction, ParamRow]]:
        """Predictions newest first, with their outcome and param."""
        statement = (
            self._filtered(_stored_with_param(), where)
            .order_by(PredictionRow.performed_at.desc(), PredictionRow.pk.desc())
            .limit(limit)
            .offset(offset)
        )
        return _stored(self.session.execute(statement))

    def count(self, where: PredictionFilter) -> int:
        statement = select(func.count()).select_from(PredictionRow)
        if where.status is not None:
            statement = with_outcomes(statement)
        statement = self._filtered(statement, where)
        return int(self.session.scalar(statement) or 0)

    def after_pk(
        self, where: PredictionFilter, *, after: int, limit: int
    ) -> list[tuple[StoredPrediction, ParamRow]]:
        """Predictions in storage order after primary key ``after``: a full export, page by page."""
        statement = (
            self._filtered(_stored_with_param(), where)
            .where(PredictionRow.pk > after)
            .order_by(PredictionRow.pk)
            .limit(limit)
        )
        return _stored(self.session.execute(statement))

    @staticmethod
    def _filtered(statement: AnySelect, where: PredictionFilter) -> AnySelect:
        """``statement``, over predictions ``with_outcomes`` when ``where`` has a status,
        filtered."""
        statement = statement.where(PredictionRow.competition_id == where.competition_id)
        if where.model_ids:
            statement = statement.where(PredictionRow.model_id.in_(where.model_ids))
        if where.start_ms is not None:
            statement = statement.where(PredictionRow.performed_at >= where.start_ms)
        if where.end_ms is not None:
            statement = statement.where(PredictionRow.performed_at <= where.end_ms)
        if where.status == PredictionStatus.PENDING:
            statement = statement.where(PredictionOutcomeRow.pk.is_(None))
        elif where.status is not None:
            statement = statement.where(PredictionOutcomeRow.status == where.status)
        return statement


def with_outcomes(statement: AnySelect) -> AnySelect:
    """``statement`` over ``predictions`` with each prediction's outcome (``LEFT JOIN``): read
    its status as ``STATUS``, its other outcome columns from ``PredictionOutcomeRow`` (``NULL``
    while pending)."""
    return statement.select_from(PredictionRow).outerjoin(
        PredictionOutcomeRow, PredictionOutcomeRow.pk == PredictionRow.pk
    )


STATUS = func.coalesce(PredictionOutcomeRow.status, PredictionStatus.PENDING.value)
"""A prediction's status, in a statement ``with_outcomes``."""


@dataclass(frozen=True, slots=True)
class StoredPrediction:
    """A stored prediction with its outcome (``PENDING``, outcome columns ``None``, without)."""

    pk: int
    competition_id: str
    id: str
    model_id: str
    param_id: str
    payload: dict[str, Any]
    performed_at: int
    resolvable_at: int
    submitted_at: int
    status: str
    truth: float | None
    score_value: float | None
    score_success: bool | None
    score_failed_reason: str | None
    scored_at: int | None


_STORED_COLUMNS = (
    PredictionRow.pk,
    PredictionRow.competition_id,
    *_NEW_COLUMNS,
    PredictionRow.submitted_at,
    STATUS,
    PredictionOutcomeRow.truth,
    PredictionOutcomeRow.score_value,
    PredictionOutcomeRow.score_success,
    PredictionOutcomeRow.score_failed_reason,
    PredictionOutcomeRow.scored_at,
)


def _stored_with_param() -> Select[Any]:
    return with_outcomes(select(*_STORED_COLUMNS, ParamRow)).join(
        ParamRow,
        (ParamRow.competition_id == PredictionRow.competition_id)
        & (ParamRow.id == PredictionRow.param_id),
    )


def _stored(rows: Iterable[Any]) -> list[tuple[StoredPrediction, ParamRow]]:
    width = len(_STORED_COLUMNS)
    return [(StoredPrediction(*row[:width]), row[width]) for row in rows]
