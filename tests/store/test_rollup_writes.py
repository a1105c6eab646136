"""Roll-ups added to buckets that exist and to buckets a batch opens hold the same sums."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from podium.domain.rollups import RollupColumns, RollupDelta
from podium.store.database import Database
from podium.store.scores import ScoreRepository
from tests import builders
from tests.conftest import T0

HOUR = 3_600_000


def _deltas(bucket: int, count: int, total: float) -> list[RollupDelta]:
    return [
        RollupDelta(model, "p1", bucket, count, total, 0)
        for model in ("m1", "m2")  # two rows per bucket
    ]


def _stored(database: Database) -> dict[tuple[str, int], tuple[int, float, int]]:
    with database.read() as session:
        rows = session.execute(
            text(
                "SELECT model_id, bucket_start, count, total, failed FROM score_rollups "
                "WHERE competition_id = 'c1'"
            )
        ).all()
    return {(row[0], row[1]): (row[2], row[3], row[4]) for row in rows}


def _add(database: Database, deltas: list[RollupDelta]) -> None:
    with database.write() as session:
        ScoreRepository(session).add_buckets("c1", RollupColumns.of(deltas))


@pytest.fixture
def competition(database: Database) -> Database:
    builders.competition(database, T0)
    return database


def test_a_batch_that_opens_a_bucket_and_adds_to_another(competition: Database) -> None:
    _add(competition, _deltas(0, 2, 1.5))
    # Bucket 0 exists: its rows are added to; bucket HOUR is opened by this batch.
    _add(competition, _deltas(0, 1, 0.25) + _deltas(HOUR, 3, 2.0))
    assert _stored(competition) == {
        ("m1", 0): (3, 1.75, 0),
        ("m2", 0): (3, 1.75, 0),
        ("m1", HOUR): (3, 2.0, 0),
        ("m2", HOUR): (3, 2.0, 0),
    }
    if competition.is_postgresql:  # SQLite upserts every row: it asks nothing first
        columns = RollupColumns.of(_deltas(HOUR, 1, 0.0) + _deltas(2 * HOUR, 1, 0.0))
        with competition.read() as session:
            assert ScoreRepository(session).unopened_buckets("c1", columns) == [2 * HOUR]


def test_a_bucket_opened_meanwhile_by_another_writer_is_added_to(
    competition: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the batch took for a new bucket already holds rows (another writer opened it after
    the batch looked): its rows are added to those, nothing is lost or refused."""
    _add(competition, _deltas(HOUR, 2, 1.0))
    monkeypatch.setattr(
        ScoreRepository,
        "unopened_buckets",
        lambda self, competition_id, rollups: sorted(set(rollups.bucket_start)),
    )
    _add(competition, _deltas(HOUR, 1, 0.5) + _deltas(2 * HOUR, 4, 3.0))
    assert _stored(competition) == {
        ("m1", HOUR): (3, 1.5, 0),
        ("m2", HOUR): (3, 1.5, 0),
        ("m1", 2 * HOUR): (4, 3.0, 0),
        ("m2", 2 * HOUR): (4, 3.0, 0),
    }
