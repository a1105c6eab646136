"""Exports of leaderboards, predictions and score history as CSV, JSON lines or Parquet.

Rows are read page by page (predictions by primary key, so a large export never holds the
whole table) and written as they come. Instants are ISO 8601 UTC in CSV and JSON, and
``timestamp[ms, UTC]`` in Parquet; a prediction's payload is a JSON object in JSON and its JSON
text in CSV and Parquet. A predictions export in JSON lines or CSV can be read back by
``podium import predictions``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from podium.domain.leaderboard import OVERALL_CATEGORY
from podium.domain.timestamps import from_ms
from podium.errors import NotFoundError
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database
from podium.store.leaderboards import LeaderboardRepository
from podium.store.predictions import PredictionFilter, PredictionRepository
from podium.store.roster import RosterRepository
from podium.store.scores import ScoreRepository

ExportFormat = Literal["csv", "json", "parquet"]
PAGE_ROWS = 5_000
MAX_SCORE_ROWS = 10_000_000

_TIME = pa.timestamp("ms", tz="UTC")


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Literal["text", "int", "float", "bool", "time", "json"]

    @property
    def arrow_type(self) -> pa.DataType:
        return {
            "text": pa.string(),
            "int": pa.int64(),
            "float": pa.float64(),
            "bool": pa.bool_(),
            "time": _TIME,
            "json": pa.string(),
        }[self.kind]


LEADERBOARD_COLUMNS = (
    Column("leaderboard_id", "text"),
    Column("category", "text"),
    Column("created_at", "time"),
    Column("rank", "int"),
    Column("model_id", "text"),
    Column("model_name", "text"),
    Column("player_id", "text"),
    Column("player_name", "text"),
    Column("score_recent", "float"),
    Column("score_steady", "float"),
    Column("score_anchor", "float"),
    Column("combined_score", "float"),
    Column("prediction_count", "int"),
)
PREDICTION_COLUMNS = (
    Column("id", "text"),
    Column("model_id", "text"),
    Column("param_id", "text"),
    Column("asset", "text"),
    Column("horizon", "int"),
    Column("payload", "json"),
    Column("performed_at", "time"),
    Column("resolvable_at", "time"),
    Column("status", "text"),
    Column("truth", "float"),
    Column("score_value", "float"),
    Column("score_success", "bool"),
    Column("score_failed_reason", "text"),
    Column("scored_at", "time"),
)
SCORE_COLUMNS = (
    Column("model_id", "text"),
    Column("performed_at", "time"),
    Column("score_recent", "float"),
    Column("score_steady", "float"),
    Column("score_anchor", "float"),
    Column("prediction_count", "int"),
)


@dataclass(frozen=True, slots=True)
class Export:
    """What to write: the columns, how many rows (for a progress bar), and the rows."""

    columns: Sequence[Column]
    total: int
    rows: Iterator[dict[str, Any]]


def _time(ms: int | None) -> datetime | None:
    return None if ms is None else from_ms(ms)


def leaderboard_export(
    db: Database, *, competition_id: str, category: str = OVERALL_CATEGORY, at_ms: int | None = None
) -> Export:
    with db.read() as session:
        CompetitionRepository(session).get(competition_id)
        repository = LeaderboardRepository(session)
        board = repository.latest(competition_id, category=category, at_ms=at_ms)
        if board is None:
            raise NotFoundError("leaderboard", f"{competition_id}/{category}")
        entries = repository.entries(board.id)
    rows = (
        {
            "leaderboard_id": board.id,
            "category": board.category,
            "created_at": _time(board.created_at),
            "rank": entry.rank,
            "model_id": entry.model_id,
            "model_name": entry.model_name,
            "player_id": entry.player_id,
            "player_name": entry.player_name,
            "score_recent": entry.score_recent,
            "score_steady": entry.score_steady,
            "score_anchor": entry.score_anchor,
            "combined_score": entry.combined_score,
            "prediction_count": entry.prediction_count,
        }
        for entry in entries
    )
    return Export(LEADERBOARD_COLUMNS, len(entries), rows)


def _check_models(db: Database, competition_id: str, model_ids: Sequence[str] | None) -> None:
    with db.read() as session:
        CompetitionRepository(session).get(competition_id)
        if model_ids:
            found = RosterRepository(session).model_rows(model_ids)
            for model_id in model_ids:
                row = found.get(model_id)
                if row is None or row.competition_id != competition_id:
                    raise NotFoundError("model", model_id)


def predictions_export(db: Database, *, where: PredictionFilter) -> Export:
    _check_models(db, where.competition_id, where.model_ids)
    with db.read() as session:
        total = PredictionRepository(session).count(where)

    def rows() -> Iterator[dict[str, Any]]:
        after = 0
        while True:
            with db.read() as session:
                page = PredictionRepository(session).after_pk(where, after=after, limit=PAGE_ROWS)
            for prediction, param in page:
                yield {
                    "id": prediction.id,
                    "model_id": prediction.model_id,
                    "param_id": param.id,
                    "asset": param.asset,
                    "horizon": param.horizon,
                    "payload": prediction.payload,
                    "performed_at": _time(prediction.performed_at),
                    "resolvable_at": _time(prediction.resolvable_at),
                    "status": prediction.status,
                    "truth": prediction.truth,
                    "score_value": prediction.score_value,
                    "score_success": prediction.score_success,
                    "score_failed_reason": prediction.score_failed_reason,
                    "scored_at": _time(prediction.scored_at),
                }
            if len(page) < PAGE_ROWS:
                return
            after = page[-1][0].pk

    return Export(PREDICTION_COLUMNS, total, rows())


def scores_export(
    db: Database,
    *,
    competition_id: str,
    model_ids: Sequence[str] | None,
    start_ms: int,
    end_ms: int,
) -> Export:
    _check_models(db, competition_id, model_ids)
    with db.read() as session:
        snapshots = ScoreRepository(session).snapshots(
            competition_id,
            model_ids=model_ids,
            start_ms=start_ms,
            end_ms=end_ms,
            limit=MAX_SCORE_ROWS,
        )
    rows = (
        {
            "model_id": snapshot.model_id,
            "performed_at": _time(snapshot.performed_at),
            "score_recent": snapshot.score_recent,
            "score_steady": snapshot.score_steady,
            "score_anchor": snapshot.score_anchor,
            "prediction_count": snapshot.prediction_count,
        }
        for snapshot in snapshots
    )
    return Export(SCORE_COLUMNS, len(snapshots), rows)


# writers -----------------------------------------------------------------------------------
def _text_value(column: Column, value: Any) -> Any:
    """A value as CSV and JSON carry it."""
    if value is None:
        return None
    if column.kind == "time":
        text: str = value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return text
    return value


def _chunks(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_csv(export: Export, out: IO[str], on_rows: Callable[[int], None]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([column.name for column in export.columns])
    written = 0
    for chunk in _chunks(export.rows, 1_000):
        for row in chunk:
            values = []
            for column in export.columns:
                value = _text_value(column, row[column.name])
                if column.kind == "json" and value is not None:
                    value = json.dumps(value, separators=(",", ":"))
                values.append("" if value is None else value)
            writer.writerow(values)
        written += len(chunk)
        on_rows(len(chunk))
    return written


def write_json_lines(export: Export, out: IO[str], on_rows: Callable[[int], None]) -> int:
    written = 0
    for chunk in _chunks(export.rows, 1_000):
        for row in chunk:
            record = {
                column.name: _text_value(column, row[column.name]) for column in export.columns
            }
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
        written += len(chunk)
        on_rows(len(chunk))
    return written


def write_parquet(export: Export, out: IO[bytes], on_rows: Callable[[int], None]) -> int:
    schema = pa.schema([pa.field(column.name, column.arrow_type) for column in export.columns])
    written = 0
    with pq.ParquetWriter(out, schema) as writer:
        for chunk in _chunks(export.rows, PAGE_ROWS):
            columns = {
                column.name: [
                    json.dumps(row[column.name], separators=(",", ":"))
                    if column.kind == "json" and row[column.name] is not None
                    else row[column.name]
                    for row in chunk
                ]
                for column in export.columns
            }
            writer.write_table(pa.table(columns, schema=schema))
            written += len(chunk)
            on_rows(len(chunk))
        if written == 0:
            writer.write_table(schema.empty_table())
    return written
