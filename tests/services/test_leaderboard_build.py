"""Leaderboards built and stored in columns equal those ranked as ``Model`` objects, on both
stores: the same data in two competitions, one ranked by a built-in ranker (columns), the other
by the same ranker behind a plugin that only has ``rank`` (objects)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from sqlalchemy import select

from podium.domain.leaderboard import Leaderboard, LeaderboardEntry, LeaderboardRows
from podium.domain.rollups import RollupDelta
from podium.domain.timestamps import from_ms
from podium.domain.windows import WindowScores, WindowSpec
from podium.services.leaderboards import build_leaderboard
from podium.store import database as store_database
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database
from podium.store.leaderboards import LeaderboardRepository
from podium.store.scores import ScoreRepository
from podium.store.tables import LeaderboardEntryRow, LeaderboardRow, ModelScoreSnapshotRow
from tests import builders
from tests.conftest import T0

HOUR = builders.HOUR_MS
NOW = T0 + 5 * HOUR + 1_000
PARAMS = [
    {"id": "BTC-1h", "asset": "BTC", "horizon": 3600},
    {"id": "BTC-4h", "asset": "BTC", "horizon": 14400},
    {"id": "ETH-1h", "asset": "ETH", "horizon": 3600},
    {"id": "misc", "horizon": 60},
]
MODELS = ["ann", "bob", "cid", "dee", "eve"]
# (model, param, hours before NOW, count, total): ties on purpose (ann and bob), a model
# outside the recent window (cid), one on a single asset (dee), one without scores (eve).
ROLLUPS = [
    ("ann", "BTC-1h", 1, 2, -2.0),
    ("ann", "ETH-1h", 30, 1, -0.5),
    ("bob", "BTC-1h", 1, 1, -1.0),
    ("bob", "ETH-1h", 30, 2, -1.0),
    ("cid", "BTC-4h", 40, 3, -0.3),
    ("cid", "misc", 100, 1, -7.0),
    ("dee", "ETH-1h", 2, 4, -0.2),
    ("dee", "ETH-1h", 80, 1, -9.0),
]
RANKERS = [
    ("lexicographic", {}),
    ("lexicographic", {"keys": ["recent", "anchor"], "order": "asc", "ties": "shared"}),
    ("weighted", {}),
    ("weighted", {"weights": {"recent": 1.0}, "ties": "shared"}),
]


def _competition(db: Database, prefix: str, ranker: str, config: dict[str, Any]) -> str:
    competition_id = f"{prefix}comp"
    builders.competition(db, T0, competition_id=competition_id, ranker=ranker, ranker_config=config)
    builders.roster(
        db,
        T0,
        competition_id,
        models={f"{prefix}{name}": f"{prefix}player" for name in MODELS},
        params=PARAMS,
    )
    with db.write() as session:
        ScoreRepository(session).add_rollups(
            competition_id,
            [
                RollupDelta(f"{prefix}{model}", param, NOW - hours * HOUR, count, total)
                for model, param, hours, count, total in ROLLUPS
            ],
        )
        scores = ScoreRepository(session)
        scores.add_rollups(competition_id, [RollupDelta(f"{prefix}eve", "misc", T0, 0, 0.0, 3)])
    return competition_id


def _build(db: Database, competition_id: str) -> Leaderboard:
    with db.write() as session:
        competition = CompetitionRepository(session).get(competition_id)
        return build_leaderboard(session, competition=competition, now_ms=NOW)


def _stored(db: Database, competition_id: str, prefix: str) -> dict[str, Any]:
    """What was stored, model, player and leaderboard ids without the competition's prefix."""

    def plain(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(prefix, "").replace(prefix.upper(), "")
        if isinstance(value, float):
            return value.hex()
        return value

    with db.read() as session:
        boards = session.execute(
            select(LeaderboardRow.category, LeaderboardRow.entry_count, LeaderboardRow.id)
            .where(LeaderboardRow.competition_id == competition_id)
            .order_by(LeaderboardRow.category)
        ).all()
        entries = {
            category: [
                tuple(plain(value) for value in row[1:])
                for row in session.execute(
                    select(LeaderboardEntryRow)
                    .where(LeaderboardEntryRow.leaderboard_id == board_id)
                    .order_by(LeaderboardEntryRow.rank, LeaderboardEntryRow.model_id)
                ).scalars()
                for row in [
                    (
                        row.leaderboard_id,
                        row.model_id,
                        row.rank,
                        row.model_name,
                        row.player_id,
                        row.player_name,
                        row.score_recent,
                        row.score_steady,
                        row.score_anchor,
                        row.combined_score,
                        row.prediction_count,
                    )
                ]
            ]
            for category, _, board_id in boards
        }
        snapshots = [
            (
                plain(row.model_id),
                *(plain(value) for value in (row.score_recent, row.score_steady, row.score_anchor)),
                row.prediction_count,
                row.scores_by_param,
            )
            for row in session.scalars(
                select(ModelScoreSnapshotRow)
                .where(ModelScoreSnapshotRow.competition_id == competition_id)
                .order_by(ModelScoreSnapshotRow.id)
            )
        ]
    return {
        "boards": [tuple(board[:2]) for board in boards],
        "entries": entries,
        "snapshots": snapshots,
    }


@pytest.mark.parametrize("min_predictions", [0, 3])
@pytest.mark.parametrize(("ranker", "config"), RANKERS)
def test_columns_store_what_model_objects_store(
    database: Database, ranker: str, config: dict[str, Any], min_predictions: int
) -> None:
    fast = _competition(database, "f-", ranker, {**config, "min_predictions": min_predictions})
    slow = _competition(
        database,
        "o-",
        "tests.services.row_plugins:RankerRows",
        {"ranker": ranker, "config": config, "min_predictions": min_predictions},
    )
    returned = _build(database, fast)
    assert _build(database, fast) == returned  # rebuilt at the same instant: replaced
    reference = _build(database, slow)
    stored = _stored(database, fast, "f-")
    assert stored == _stored(database, slow, "o-")
    assert [category for category, _ in stored["boards"]] == ["BTC", "ETH", "overall"]
    assert [entry.rank for entry in returned.entries] == [entry.rank for entry in reference.entries]
    assert [entry.model_id[2:] for entry in returned.entries] == [
        entry.model_id[2:] for entry in reference.entries
    ]
    # cid has no score in the recent window; eve only failed predictions: no score at all.
    assert stored["snapshots"][2][1] is None
    assert stored["snapshots"][4] == ("eve", None, None, None, 0, {"misc": [None, None, None, 0]})


def test_window_columns_sum_the_buckets_of_each_window(database: Database) -> None:
    competition_id = _competition(database, "w-", "lexicographic", {})
    spec = WindowSpec()
    with database.read() as session:
        columns = ScoreRepository(session).window_columns(competition_id, spec, NOW)
    found = {
        (model[2:], param): (counts, totals) for model, param, counts, totals in columns.pairs()
    }
    expected: dict[tuple[str, str], tuple[list[int], list[float]]] = {}
    for model, param, hours, count, total in ROLLUPS:
        counts, totals = expected.setdefault((model, param), ([0, 0, 0], [0.0, 0.0, 0.0]))
        for window, length in enumerate((24, 72, 168)):
            if hours < length:
                counts[window] += count
                totals[window] += total
    expected[("eve", "misc")] = ([0, 0, 0], [0.0, 0.0, 0.0])
    assert found == expected


def test_saved_rows_read_back_exactly(database: Database) -> None:
    competition_id = _competition(database, "s-", "lexicographic", {})
    entries = [
        LeaderboardEntry(
            1, "s-ann", WindowScores(math.inf, None, 0.1), "A", "s-player", "P", 3, 2.5
        ),
        LeaderboardEntry(1, "s-bob", WindowScores(-math.inf, 1e-300, None), "B", "s-player", "P"),
        LeaderboardEntry(3, "s-cid", WindowScores(), "C", "s-player", "P", 1, None),
    ]
    board = Leaderboard("LBR_saved", entries, from_ms(NOW), category="BTC")
    with database.write() as session:
        LeaderboardRepository(session).save_all(
            [LeaderboardRows.of(board)], competition_id=competition_id, revision=4, ranker="x"
        )
    with database.read() as session:
        repository = LeaderboardRepository(session)
        latest = repository.latest(competition_id, category="BTC")
        assert latest is not None
        assert (latest.id, latest.revision, latest.ranker, latest.entry_count) == (
            "LBR_saved",
            4,
            "x",
            3,
        )
        rows = repository.entries("LBR_saved")
    assert [
        LeaderboardEntry(
            row.rank,
            row.model_id,
            WindowScores(row.score_recent, row.score_steady, row.score_anchor),
            row.model_name,
            row.player_name,
            row.player_id,
            row.prediction_count,
            row.combined_score,
        )
        for row in rows
    ] == entries


def test_rows_read_and_written_in_slices_store_the_same(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_database, "ROW_SLICE", 2)
    sliced = _competition(database, "a-", "weighted", {"min_predictions": 0})
    _build(database, sliced)
    monkeypatch.undo()
    whole = _competition(database, "b-", "weighted", {"min_predictions": 0})
    _build(database, whole)
    assert _stored(database, sliced, "a-") == _stored(database, whole, "b-")
