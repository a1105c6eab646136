"""``PredictionRepository.insert_missing``: a new batch by COPY on PostgreSQL, a batch that
repeats stored rows by ``INSERT … ON CONFLICT DO NOTHING``, on SQLite an ``INSERT … SELECT
FROM json_each``; the same rows stored either way, payloads exactly, and each new one queued
for the score worker once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from podium.store.database import Database
from podium.store.predictions import NewPrediction, PredictionRepository

PAYLOADS: list[dict[str, Any]] = [
    {"value": 0.1 + 0.2},  # 17 significant digits, kept exactly
    {"value": 1e-300, "note": 'a backslash \\ a quote " a tab \t a newline \n a CR \r'},
    {"value": -3.0, "note": "\\N", "more": ["\\.", "é ✓ 😀", {"k": "\\t"}]},
]


def _rows(ids: list[str]) -> list[NewPrediction]:
    return [
        (id_, f"m{index % 2}", "p", PAYLOADS[index % len(PAYLOADS)], 1_000 + index, 2_000 + index)
        for index, id_ in enumerate(ids)
    ]


def _insert(database: Database, rows: list[NewPrediction]) -> set[str]:
    with database.write() as session:
        return PredictionRepository(session).insert_missing("c1", rows, submitted_at=5)


def _queued(database: Database) -> list[tuple[str, int]]:
    """The queue's rows, as (prediction id, resolvable_at), with repeats."""
    with database.read() as session:
        rows = session.execute(
            text(
                "SELECT p.id, q.resolvable_at FROM prediction_queue AS q "
                "JOIN predictions AS p ON p.pk = q.pk AND p.competition_id = q.competition_id "
                "AND p.resolvable_at = q.resolvable_at"
            )
        )
        return sorted((row[0], row[1]) for row in rows)


def _stored(database: Database, ids: list[str]) -> dict[str, NewPrediction]:
    with database.read() as session:
        return PredictionRepository(session).existing("c1", ids)


@pytest.mark.parametrize(
    "ids",
    [
        ["plain-1", "m0/p/17", "x_y.z:w@v+u"],
        # Characters COPY's text format would read as escapes or separators (the API refuses
        # them in ids; the store still keeps them exactly).
        ["tab\there", "back\\slash", "new\nline", "\\N", "cr\rx"],
    ],
)
def test_rows_are_stored_exactly_and_a_retry_stores_nothing(
    database: Database, ids: list[str]
) -> None:
    rows = _rows(ids)
    assert _insert(database, rows) == set(ids)
    assert _stored(database, ids) == {row[0]: row for row in rows}
    assert _insert(database, rows) == set()
    assert len(_stored(database, ids)) == len(ids)
    assert _queued(database) == sorted((row[0], row[5]) for row in rows)


def test_a_batch_that_repeats_some_stored_rows_stores_only_the_new_ones(
    database: Database,
) -> None:
    first = _rows([f"r{index}" for index in range(10)])
    assert _insert(database, first[:4]) == {"r0", "r1", "r2", "r3"}
    # The stored rows come last: COPY fails on them after writing the new ones, which its
    # savepoint undoes before the INSERT stores them again.
    assert _insert(database, first[4:] + first[:4]) == {f"r{index}" for index in range(4, 10)}
    assert _stored(database, [row[0] for row in first]) == {row[0]: row for row in first}
    assert _queued(database) == sorted((row[0], row[5]) for row in first)
