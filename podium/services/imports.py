"""Importing ingest rows from a file (CSV or JSON lines), row by row, through the ingest service.

A ``RowKind`` describes what a file holds: the schema each row is checked with (the same as the
HTTP API's), the CSV columns, and the ingest function the valid rows go to in batches. A batch
the service refuses because of some of its rows is sent again without them, so one bad row
rejects itself, not its neighbours. Rows already stored are counted as duplicates: importing the
same file twice stores nothing the second time.

- ``PREDICTIONS``: ``id`` (optional), ``model_id``, ``param_id``, ``payload`` (a number or
  JSON), ``performed_at``, ``resolvable_at`` (optional); the extra columns of ``podium export
  predictions`` (status, truth, score…) are ignored, so an export can be imported elsewhere.
- ``OBSERVATIONS``: ``asset``, ``ts``, ``value`` (``ingest_observations``).
- ``TRUTHS``: ``param_id``, ``ts``, ``value`` (``ingest_truths``).

JSON lines: one object a line, with the fields of the row kind's schema.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from podium.errors import ConflictError, InvalidInputError
from podium.schemas.ingest import IngestResult, ObservationIn, PredictionIn, TruthIn
from podium.services.ingest import ingest_observations, ingest_predictions, ingest_truths
from podium.store.database import Database

FileFormat = Literal["csv", "jsonl"]
CSV_COLUMNS = ("id", "model_id", "param_id", "payload", "performed_at", "resolvable_at")
# Columns a predictions export adds (outcomes, the param's details): read back, and ignored.
EXPORT_ONLY_COLUMNS = frozenset(
    (
        "asset",
        "horizon",
        "status",
        "truth",
        "score_value",
        "score_success",
        "score_failed_reason",
        "scored_at",
    )
)
_SUFFIXES: dict[str, FileFormat] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
MAX_RETRIES_PER_BATCH = 5


@dataclass(frozen=True, slots=True)
class ImportContext:
    """What every batch of one import is stored with."""

    competition_id: str
    now_ms: int
    max_clock_skew_ms: int


StoreRows = Callable[[Database, ImportContext, Sequence[Any]], IngestResult]


@dataclass(frozen=True, slots=True)
class RowKind:
    """What a file holds: its rows' schema and columns, and the ingest function they go to."""

    noun: str
    schema: type[BaseModel]
    columns: tuple[str, ...]
    store: StoreRows
    json_columns: frozenset[str] = frozenset()
    """CSV columns whose text is read as JSON (a number, or an object)."""
    ignored_columns: frozenset[str] = frozenset()
    """Columns accepted in a file and dropped (those an export adds)."""


def _store_predictions(db: Database, context: ImportContext, rows: Sequence[Any]) -> IngestResult:
    return ingest_predictions(
        db,
        competition_id=context.competition_id,
        predictions=rows,
        now_ms=context.now_ms,
        max_rows=len(rows),
        max_clock_skew_ms=context.max_clock_skew_ms,
    )


def _store_observations(db: Database, context: ImportContext, rows: Sequence[Any]) -> IngestResult:
    return ingest_observations(
        db, competition_id=context.competition_id, observations=rows, max_rows=len(rows)
    )


def _store_truths(db: Database, context: ImportContext, rows: Sequence[Any]) -> IngestResult:
    return ingest_truths(db, competition_id=context.competition_id, truths=rows, max_rows=len(rows))


PREDICTIONS = RowKind(
    noun="predictions",
    schema=PredictionIn,
    columns=CSV_COLUMNS,
    store=_store_predictions,
    json_columns=frozenset(("payload",)),
    ignored_columns=EXPORT_ONLY_COLUMNS,
)
OBSERVATIONS = RowKind(
    noun="observations",
    schema=ObservationIn,
    columns=("asset", "ts", "value"),
    store=_store_observations,
)
TRUTHS = RowKind(
    noun="truths", schema=TruthIn, columns=("param_id", "ts", "value"), store=_store_truths
)
ROW_KINDS = {kind.noun: kind for kind in (PREDICTIONS, OBSERVATIONS, TRUTHS)}


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    field: str
    message: str


@dataclass(slots=True)
class ImportSummary:
    rows: int = 0
    stored: int = 0
    duplicates: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.stored + self.duplicates

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "rejections": [
                {"line": item.line, "field": item.field, "message": item.message}
                for item in self.rejections
            ],
        }


@dataclass(frozen=True, slots=True)
class SourceRow:
    line: int
    """Line of the file (1 is the first line; a CSV header is line 1)."""
    values: dict[str, Any] | None
    error: str | None = None


def file_format(path: Path, given: FileFormat | None = None) -> FileFormat:
    if given is not None:
        return given
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise InvalidInputError.for_field(
            "format", f"cannot tell the format of {path.name!r}: pass --format csv or jsonl"
        )
    return found


def _csv_value(kind: RowKind, column: str, text: str) -> Any:
    if column in kind.json_columns:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text  # the schema names what is wrong with it
    return text


def read_rows(path: Path, fmt: FileFormat, kind: RowKind = PREDICTIONS) -> Iterator[SourceRow]:
    """The rows of the file, each with its line number; unreadable lines carry an error."""
    ignored = kind.ignored_columns
    with path.open(encoding="utf-8", newline="") as handle:
        if fmt == "csv":
            reader = csv.DictReader(handle)
            if reader.fieldnames is None:
                return
            unknown = [
                name
                for name in reader.fieldnames
                if name not in kind.columns and name not in ignored
            ]
            if unknown:
                raise InvalidInputError.for_field(
                    "columns",
                    f"unknown column(s) {', '.join(unknown)}; expected {', '.join(kind.columns)}",
                )
            for record in reader:
                line = reader.line_num
                if None in record:
                    yield SourceRow(line, None, "more values than columns")
                    continue
                yield SourceRow(
                    line,
                    {
                        column: _csv_value(kind, column, text)
                        for column, text in record.items()
                        if text not in ("", None) and column not in ignored
                    },
                )
            return
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                yield SourceRow(line, None, f"not JSON: {error.msg}")
                continue
            if not isinstance(value, dict):
                yield SourceRow(line, None, "a line must hold one JSON object")
                continue
            yield SourceRow(line, {key: item for key, item in value.items() if key not in ignored})


def count_rows(path: Path, fmt: FileFormat) -> int:
    """Rows of the file, for a progress bar (a CSV record may span lines: this reads them)."""
    with path.open(encoding="utf-8", newline="") as handle:
        if fmt == "csv":
            return sum(1 for _ in csv.DictReader(handle))
        return sum(1 for text in handle if text.strip())


def _row_error(error: ValidationError) -> tuple[str, str]:
    """The first bad field of the row, and every problem of the row in one message."""
    problems = [
        (".".join(str(part) for part in item["loc"]) or "row", str(item["msg"]))
        for item in error.errors()
    ]
    first_field, first_message = problems[0]
    also = [f"{field}: {message}" for field, message in problems[1:]]
    return first_field, "; ".join([first_message, *also])


def _store_batch(
    db: Database,
    kind: RowKind,
    context: ImportContext,
    batch: list[tuple[int, BaseModel]],
    summary: ImportSummary,
) -> None:
    """Store the batch; rows the service refuses are rejected and the rest sent again."""
    for _attempt in range(MAX_RETRIES_PER_BATCH):
        if not batch:
            return
        try:
            result = kind.store(db, context, [row for _, row in batch])
        except (InvalidInputError, ConflictError) as error:
            refused = {p.index: p for p in error.problems if p.index is not None}
            if not refused:
                raise
            for index, problem in sorted(refused.items()):
                summary.rejections.append(
                    Rejection(batch[index][0], problem.field, problem.message)
                )
            batch = [row for index, row in enumerate(batch) if index not in refused]
            continue
        summary.stored += result.stored
        summary.duplicates += result.duplicates
        return
    raise InvalidInputError.for_field("rows", "a batch kept being refused; import stopped")


def import_rows(
    db: Database,
    kind: RowKind,
    *,
    competition_id: str,
    rows: Iterable[SourceRow],
    now_ms: int,
    batch_size: int,
    max_clock_skew_ms: int,
    on_rows: Callable[[int], None] = lambda _count: None,
) -> ImportSummary:
    """Import rows of ``kind``; ``on_rows(n)`` is called as each batch of ``n`` rows is done."""
    context = ImportContext(competition_id, now_ms, max_clock_skew_ms)
    summary = ImportSummary()
    batch: list[tuple[int, BaseModel]] = []
    pending = 0

    def flush() -> None:
        nonlocal batch, pending
        _store_batch(db, kind, context, batch, summary)
        on_rows(pending)
        batch, pending = [], 0

    for row in rows:
        summary.rows += 1
        pending += 1
        if row.values is None:
            summary.rejections.append(Rejection(row.line, "row", row.error or "unreadable"))
        else:
            try:
                batch.append((row.line, kind.schema.model_validate(row.values)))
            except ValidationError as error:
                summary.rejections.append(Rejection(row.line, *_row_error(error)))
        if pending >= batch_size:
            flush()
    if pending:
        flush()
    summary.rejections.sort(key=lambda item: item.line)
    return summary


def import_predictions(
    db: Database,
    *,
    competition_id: str,
    rows: Iterable[SourceRow],
    now_ms: int,
    batch_size: int,
    max_clock_skew_ms: int,
    on_rows: Callable[[int], None] = lambda _count: None,
) -> ImportSummary:
    """``import_rows`` of predictions."""
    return import_rows(
        db,
        PREDICTIONS,
        competition_id=competition_id,
        rows=rows,
        now_ms=now_ms,
        batch_size=batch_size,
        max_clock_skew_ms=max_clock_skew_ms,
        on_rows=on_rows,
    )
