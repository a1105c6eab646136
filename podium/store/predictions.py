"""Predictions: bulk insert, outcomes by primary key, and listings.

The score worker reads and writes the due queue through ``podium.store.score_queue``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import psycopg
from sqlalchemy import Connection, Select, func, select, update
from sqlalchemy.orm import Session

from podium.store.database import json_text
from podium.store.roster import chunked
from podium.store.tables import ParamRow, PredictionRow

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
    "resolvable_at, submitted_at, status) "
    "SELECT ?, json_extract(r.value, '$[0]'), json_extract(r.value, '$[1]'), "
    "json_extract(r.value, '$[2]'), json_extract(r.value, '$[3]'), "
    "json_extract(r.value, '$[4]'), json_extract(r.value, '$[5]'), ?, 'PENDING' "
    "FROM json_each(?) AS r WHERE true ON CONFLICT (competition_id, id) DO NOTHING"
)
# The batch travels as one JSON array of [id, model_id, param_id, payload, performed_at,
# resolvable_at] rows: one parameter, parsed by the server, the payloads already jsonb.
_INSERT_POSTGRESQL = (
    "INSERT INTO predictions (competition_id, id, model_id, param_id, payload, performed_at, "
    "resolvable_at, submitted_at, status) "
    "SELECT %(competition_id)s, r->>0, r->>1, r->>2, r->3, (r->>4)::bigint, (r->>5)::bigint, "
    "%(submitted_at)s, 'PENDING' FROM jsonb_array_elements(%(rows)s::jsonb) AS r "
    "ON CONFLICT (competition_id, id) DO NOTHING RETURNING id"
)
# A new batch goes in by COPY (text format), straight into the table: a third less server CPU
# than the INSERT above, which stays for the batches that repeat stored rows (COPY has no ON
# CONFLICT: a repeated key fails it whole, in a savepoint).
_COPY_POSTGRESQL = (
    "COPY predictions (competition_id, id, model_id, param_id, payload, performed_at, "
    "resolvable_at, submitted_at, status) FROM STDIN"
)
# What COPY's text format would read as an escape, a separator or NULL. The API's identifiers
# never hold one; a batch whose keys do goes through the INSERT.
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_EXISTING_POSTGRESQL = (
    "SELECT id, model_id, param_id, payload, performed_at, resolvable_at FROM predictions "
    "WHERE competition_id = %(competition_id)s AND id = ANY(%(ids)s::varchar[])"
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
            statement = select(
                PredictionRow.id,
                PredictionRow.model_id,
                PredictionRow.param_id,
                PredictionRow.payload,
                PredictionRow.performed_at,
                PredictionRow.resolvable_at,
            ).where(PredictionRow.competition_id == competition_id, PredictionRow.id.in_(chunk))
            for row in connection.execute(statement):
                found[row[0]] = tuple(row)
        return found

    def insert_missing(
        self, competition_id: str, rows: Sequence[NewPrediction], *, submitted_at: int
    ) -> set[str]:
        """Insert the rows whose (competition, id) is not stored yet, ``PENDING``; the ids inserted.

        No lookup before it. On PostgreSQL a ``COPY`` of the whole batch, in a savepoint; when
        a row is stored already (a retry), ``INSERT … SELECT FROM jsonb_array_elements(one JSON
        parameter) … ON CONFLICT DO NOTHING RETURNING id``. On SQLite ``INSERT … SELECT FROM
        json_each(one JSON parameter) … ON CONFLICT DO NOTHING``. The caller compares the rows
        that were not inserted with the stored ones (``existing``).
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
        head = f"{competition_id}\t"
        tail = f"\t{submitted_at}\tPENDING\n"
        text = "".join(
            [
                f"{head}{id_}\t{model}\t{param}\t{json_text(payload)}\t{performed}\t{due}{tail}"
                for id_, model, param, payload, performed, due in rows
            ]
        )
        # Only the JSON payloads can hold a backslash (the keys were checked above): COPY
        # reads a doubled one as one. JSON escapes tabs and line breaks itself.
        text = text.replace("\\", "\\\\")
        driver = cast("psycopg.Connection[Any]", connection.connection.driver_connection)
        with driver.cursor() as cursor:
            cursor.execute("SAVEPOINT predictions_copy")
            try:
                with cursor.copy(_COPY_POSTGRESQL) as copy:
                    copy.write(text)
            except psycopg.errors.UniqueViolation:
                cursor.execute("ROLLBACK TO SAVEPOINT predictions_copy")
                return False
            cursor.execute("RELEASE SAVEPOINT predictions_copy")
        return True

    def write_outcomes(self, updates: Sequence[dict[str, Any]]) -> None:
        """Bulk update by primary key: each dict has ``pk`` and the columns to set."""
        if updates:
            self.session.execute(update(PredictionRow), list(updates))

    def count_by_status(self, competition_id: str) -> dict[str, int]:
        statement = (
            select(PredictionRow.status, func.count())
            .where(PredictionRow.competition_id == competition_id)
            .group_by(PredictionRow.status)
        )
        return {status: int(count) for status, count in self.session.execute(statement)}

    def count_by_model_status(self, competition_id: str, model_id: str) -> dict[str, int]:
        statement = (
            select(PredictionRow.status, func.count())
            .where(PredictionRow.competition_id == competition_id)
            .where(PredictionRow.model_id == model_id)
            .group_by(PredictionRow.status)
        )
        return {status: int(count) for status, count in self.session.execute(statement)}

    def listing(
        self, where: PredictionFilter, *, limit: int, offset: int
    ) -> list[tuple[PredictionRow, ParamRow]]:
        """Predictions newest first, with their param."""
        statement = (
            self._filtered(select(PredictionRow, ParamRow), where)
            .join(
                ParamRow,
                (ParamRow.competition_id == PredictionRow.competition_id)
                & (ParamRow.id == PredictionRow.param_id),
            )
            .order_by(PredictionRow.performed_at.desc(), PredictionRow.pk.desc())
            .limit(limit)
            .offset(offset)
        )
        return [(prediction, param) for prediction, param in self.session.execute(statement)]

    def count(self, where: PredictionFilter) -> int:
        statement = self._filtered(select(func.count()).select_from(PredictionRow), where)
        return int(self.session.scalar(statement) or 0)

    def after_pk(
        self, where: PredictionFilter, *, after: int, limit: int
    ) -> list[tuple[PredictionRow, ParamRow]]:
        """Predictions in storage order after primary key ``after``: a full export, page by page."""
        statement = (
            self._filtered(select(PredictionRow, ParamRow), where)
            .join(
                ParamRow,
                (ParamRow.competition_id == PredictionRow.competition_id)
                & (ParamRow.id == PredictionRow.param_id),
            )
            .where(PredictionRow.pk > after)
            .order_by(PredictionRow.pk)
            .limit(limit)
        )
        return [(prediction, param) for prediction, param in self.session.execute(statement)]

    @staticmethod
    def _filtered(statement: AnySelect, where: PredictionFilter) -> AnySelect:
        statement = statement.where(PredictionRow.competition_id == where.competition_id)
        if where.model_ids:
            statement = statement.where(PredictionRow.model_id.in_(where.model_ids))
        if where.start_ms is not None:
            statement = statement.where(PredictionRow.performed_at >= where.start_ms)
        if where.end_ms is not None:
            statement = statement.where(PredictionRow.performed_at <= where.end_ms)
        if where.status is not None:
            statement = statement.where(PredictionRow.status == where.status)
        return statement
