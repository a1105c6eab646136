from __future__ import annotations

import random
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from podium.domain.predictions import PredictionStatus
from podium.domain.timestamps import floor_to
from podium.services.score_cycle import EXPIRED_REASON, run_score_cycle
from podium.store.database import Database
from podium.store.leaderboards import LeaderboardRepository
from podium.store.predictions import STATUS, with_outcomes
from podium.store.tables import (
    CompetitionRow,
    ModelScoreSnapshotRow,
    PredictionOutcomeRow,
    PredictionQueueRow,
    PredictionRow,
    ScoreRollupRow,
)
from tests import builders
from tests.builders import HOUR_MS
from tests.conftest import T0

PARAMS = [
    {"id": "BTC-1h", "asset": "BTC", "horizon": 3600},
    {"id": "ETH-1h", "asset": "ETH", "horizon": 3600},
]


def setup(db: Database, **fields: object) -> str:
    competition_id = builders.competition(db, T0, **fields)
    builders.roster(
        db, T0, competition_id, models={"good": "ann", "bad": "bob", "idle": "bob"}, params=PARAMS
    )
    return competition_id


def cycle(db: Database, now_ms: int, batch_size: int = 1_000):  # type: ignore[no-untyped-def]
    return run_score_cycle(db, competition_id="c1", now_ms=now_ms, batch_size=batch_size)


def statuses(db: Database) -> dict[str, tuple[str, float | None, str | None]]:
    with db.read() as session:
        rows = session.execute(
            with_outcomes(
                select(
                    PredictionRow.id,
                    STATUS,
                    PredictionOutcomeRow.score_value,
                    PredictionOutcomeRow.score_failed_reason,
                )
            )
        )
        return {row[0]: (row[1], row[2], row[3]) for row in rows}


def test_a_cycle_scores_due_predictions_and_builds_a_ranked_leaderboard(database: Database) -> None:
    setup(database)
    builders.predictions(
        database,
        T0,
        "c1",
        [
            {
                "id": "g1",
                "model_id": "good",
                "param_id": "BTC-1h",
                "payload": 1.0,
                "performed_at": T0 - HOUR_MS,
            },
            {
                "id": "g2",
                "model_id": "good",
                "param_id": "ETH-1h",
                "payload": 2.0,
                "performed_at": T0 - HOUR_MS,
            },
            {
                "id": "b1",
                "model_id": "bad",
                "param_id": "BTC-1h",
                "payload": 4.0,
                "performed_at": T0 - HOUR_MS,
            },
            {
                "id": "later",
                "model_id": "bad",
                "param_id": "BTC-1h",
                "payload": 4.0,
                "performed_at": T0,
            },
        ],
    )
    builders.truths(
        database,
        "c1",
        [
            {"param_id": "BTC-1h", "ts": T0, "value": 1.5},
            {"param_id": "ETH-1h", "ts": T0, "value": 2.0},
        ],
    )
    report = cycle(database, T0)
    assert (report.scored, report.failed, report.expired, report.waiting) == (3, 0, 0, 0)
    assert statuses(database) == {
        "g1": ("SCORED", -0.25, None),
        "g2": ("SCORED", -0.0, None),
        "b1": ("SCORED", -6.25, None),
        "later": ("PENDING", None, None),  # not due yet
    }
    assert report.leaderboard_id == f"LBR_c1_overall_{T0}"
    with database.read() as session:
        board = LeaderboardRepository(session)
        entries = board.entries(report.leaderboard_id)
        snapshots = session.scalars(
            select(ModelScoreSnapshotRow).order_by(ModelScoreSnapshotRow.model_id)
        ).all()
    assert [(e.rank, e.model_id, e.player_name) for e in entries] == [
        (1, "good", "Ann"),
        (2, "bad", "Bob"),
        (3, "idle", "Bob"),  # no score: ranked last
    ]
    # overall = mean over params of the per-param means: (−0.25 + 0) / 2
    assert entries[0].score_anchor == pytest.approx(-0.125)
    assert entries[0].score_recent == pytest.approx(-0.125)
    assert entries[1].score_anchor == pytest.approx(-6.25)
    assert entries[2].score_anchor is None
    assert [s.model_id for s in snapshots] == ["bad", "good"]
    assert snapshots[1].scores_by_param == {
        "BTC-1h": [-0.25, -0.25, -0.25, 1],
        "ETH-1h": [0.0, 0.0, 0.0, 1],
    }
    assert snapshots[1].prediction_count == 2


def test_a_failing_scoring_function_fails_that_prediction_only(database: Database) -> None:
    setup(database, scoring_function="tests.plugins.sample_plugins:explode_on_negative")
    builders.predictions(
        database,
        T0,
        "c1",
        [
            {
                "id": "ok",
                "model_id": "good",
                "param_id": "BTC-1h",
                "payload": 3.0,
                "performed_at": T0 - HOUR_MS,
            },
            {
                "id": "boom",
                "model_id": "bad",
                "param_id": "BTC-1h",
                "payload": -1.0,
                "performed_at": T0 - HOUR_MS,
            },
        ],
    )
    builders.truths(database, "c1", [{"param_id": "BTC-1h", "ts": T0, "value": 0.0}])
    report = cycle(database, T0)
    assert (report.scored, report.failed) == (1, 1)
    result = statuses(database)
    assert result["ok"] == ("SCORED", 3.0, None)
    assert result["boom"] == ("FAILED", None, "ValueError: negative forecasts are not scored")
    with database.read() as session:
        entries = LeaderboardRepository(session).entries(report.leaderboard_id or "")
        rollups = {r.model_id: (r.count, r.failed) for r in session.scalars(select(ScoreRollupRow))}
    assert [e.model_id for e in entries][:2] == ["good", "bad"]
    assert rollups == {"good": (1, 0), "bad": (0, 1)}


def test_an_unresolvable_prediction_waits_then_expires_after_the_grace_period(
    database: Database,
) -> None:
    setup(database, grace_period="30m")
    builders.predictions(
        database,
        T0,
        "c1",
        [
            {
                "id": "p",
                "model_id": "good",
                "param_id": "BTC-1h",
                "payload": 1.0,
                "performed_at": T0 - HOUR_MS,
            }
        ],
    )
    first = cycle(database, T0 + 10 * 60_000)
    assert (first.scored, first.waiting, first.expired) == (0, 1, 0)
    assert statuses(database)["p"][0] == "PENDING"
    second = cycle(database, T0 + 31 * 60_000)
    assert (second.scored, second.waiting, second.expired) == (0, 0, 1)
    assert statuses(database)["p"] == ("EXPIRED", None, EXPIRED_REASON)
    third = cycle(database, T0 + 40 * 60_000)
    assert (third.scored, third.waiting, third.expired) == (0, 0, 0)


def test_a_failing_resolver_leaves_predictions_pending(database: Database) -> None:
    setup(database, resolver="tests.services.broken_resolver:BrokenResolver")
    builders.predictions(
        database,
        T0,
        "c1",
        [
            {
                "id": "p",
                "model_id": "good",
                "param_id": "BTC-1h",
                "payload": 1.0,
                "performed_at": T0 - HOUR_MS,
            }
        ],
    )
    report = cycle(database, T0)
    assert (report.scored, report.waiting) == (0, 1)
    assert statuses(database)["p"][0] == "PENDING"


def test_price_return_resolution_from_observations(database: Database) -> None:
    setup(database, resolver="price_return", scoring_function="direction")
    builders.observations(
        database,
        "c1",
        [
            {"asset": "BTC", "ts": T0 - HOUR_MS, "value": 100.0},
            {"asset": "BTC", "ts": T0, "value": 103.0},
        ],
    )
    builders.predictions(
        database,
        T0,
        "c1",
        [
            {
                "id": "up",
                "model_id": "good",
                "param_id": "BTC-1h",
                "payload": 0.01,
                "performed_at": T0 - HOUR_MS,
            },
            {
                "id": "down",
                "model_id": "bad",
                "param_id": "BTC-1h",
                "payload": -0.01,
                "performed_at": T0 - HOUR_MS,
            },
        ],
    )
    cycle(database, T0)
    result = statuses(database)
    assert result["up"] == ("SCORED", 1.0, None)
    assert result["down"] == ("SCORED", 0.0, None)
    with database.read() as session:
        truth = session.scalar(
            with_outcomes(select(PredictionOutcomeRow.truth)).where(PredictionRow.id == "up")
        )
    assert truth == pytest.approx(0.03)


def test_the_leaderboard_is_rebuilt_only_when_its_inputs_change(database: Database) -> None:
    setup(database)
    first = cycle(database, T0)
    assert first.leaderboard_id is not None  # the first one, even empty of scores
    assert cycle(database, T0 + 60_000).leaderboard_id is None  # same bucket, nothing new
    # A new model changes the inputs.
    builders.roster(database, T0, "c1", models={"new": "cat"}, params=[])
    assert cycle(database, T0 + 120_000).leaderboard_id == f"LBR_c1_overall_{T0 + 120_000}"
    # A new bucket (hour) slides the windows: rebuilt.
    assert cycle(database, T0 + HOUR_MS).leaderboard_id is not None


def test_windows_slide_as_time_passes(database: Database) -> None:
    setup(database)
    builders.predictions(
        database,
        T0,
        "c1",
        [
            {
                "id": "old",
                "model_id": "good",
                "param_id": "BTC-1h",
                "payload": 1.0,
                "performed_at": T0 - HOUR_MS,
            }
        ],
    )
    builders.truths(database, "c1", [{"param_id": "BTC-1h", "ts": T0, "value": 0.0}])
    cycle(database, T0)
    with database.read() as session:
        latest = LeaderboardRepository(session)
        row = latest.latest("c1", category="overall")
        good = next(e for e in latest.entries(row.id) if e.model_id == "good")  # type: ignore[union-attr]
    assert (good.score_recent, good.score_steady, good.score_anchor) == (-1.0, -1.0, -1.0)
    report = cycle(database, T0 + 30 * HOUR_MS)  # past recent (24 h), inside steady (72 h)
    with database.read() as session:
        good = next(
            e
            for e in LeaderboardRepository(session).entries(report.leaderboard_id or "")
            if e.model_id == "good"
        )
    assert (good.score_recent, good.score_steady, good.score_anchor) == (None, -1.0, -1.0)
    assert good.prediction_count == 1  # all-time count stays


def test_cycles_in_small_batches_match_a_naive_recomputation(database: Database) -> None:
    setup(database)
    rng = random.Random(4)
    rows = []
    for index in range(300):
        performed = T0 - rng.randrange(1, 100) * HOUR_MS - rng.randrange(HOUR_MS)
        rows.append(
            {
                "id": f"p{index}",
                "model_id": rng.choice(["good", "bad"]),
                "param_id": rng.choice(["BTC-1h", "ETH-1h"]),
                "payload": round(rng.uniform(-1, 1), 3),
                "performed_at": performed,
            }
        )
    builders.predictions(database, T0, "c1", rows)
    truth_rows = {(r["param_id"], r["performed_at"] + HOUR_MS) for r in rows}
    builders.truths(
        database, "c1", [{"param_id": p, "ts": ts, "value": 0.25} for p, ts in sorted(truth_rows)]
    )
    # Three cycles at three instants, each in batches of 7.
    for hours in (-60, -10, 0):
        cycle(database, T0 + hours * HOUR_MS, batch_size=7)
    with database.read() as session:
        scored = session.execute(
            select(
                PredictionRow.model_id,
                PredictionRow.param_id,
                PredictionRow.resolvable_at,
                PredictionOutcomeRow.score_value,
            )
            .join(PredictionOutcomeRow, PredictionOutcomeRow.pk == PredictionRow.pk)
            .where(PredictionOutcomeRow.status == PredictionStatus.SCORED.value)
        ).all()
        total = session.scalar(select(func.count()).select_from(PredictionRow))
        board = LeaderboardRepository(session)
        entries = {e.model_id: e for e in board.entries(board.latest("c1", category="overall").id)}  # type: ignore[union-attr]
    assert len(scored) == total == 300
    for model_id in ("good", "bad"):
        for window, hours in (("recent", 24), ("steady", 72), ("anchor", 168)):
            start = floor_to(T0, HOUR_MS) - (hours - 1) * HOUR_MS
            per_param: dict[str, list[float]] = defaultdict(list)
            for m, p, resolvable_at, value in scored:
                if m == model_id and floor_to(resolvable_at, HOUR_MS) >= start:
                    per_param[p].append(value)
            means = [sum(v) / len(v) for v in per_param.values()]
            expected = sum(means) / len(means) if means else None
            got = getattr(entries[model_id], f"score_{window}")
            assert got == (pytest.approx(expected) if expected is not None else None), (
                model_id,
                window,
            )


def test_rerunning_a_cycle_at_the_same_instant_replaces_its_leaderboard(database: Database) -> None:
    setup(database)
    cycle(database, T0)
    builders.predictions(
        database,
        T0,
        "c1",
        [
            {
                "id": "p",
                "model_id": "good",
                "param_id": "BTC-1h",
                "payload": 1.0,
                "performed_at": T0 - HOUR_MS,
            }
        ],
    )
    builders.truths(database, "c1", [{"param_id": "BTC-1h", "ts": T0, "value": 1.0}])
    again = cycle(database, T0)
    assert again.leaderboard_id == f"LBR_c1_overall_{T0}"
    with database.read() as session:
        count = session.scalar(select(func.count()).select_from(ModelScoreSnapshotRow))
        revision = session.scalar(select(CompetitionRow.revision))
        board = LeaderboardRepository(session).latest("c1", category="overall")
    assert count == 1
    assert board is not None
    assert board.revision == revision


def test_predictions_left_waiting_inside_a_batch_stay_queued(database: Database) -> None:
    """A batch takes its whole key range off the queue on SQLite; the predictions in it that
    wait for their truth are queued again, and scored once it comes."""
    setup(database)
    minutes = range(0, 10 * 60_000, 60_000)
    builders.predictions(
        database,
        T0,
        "c1",
        [
            {
                "id": f"{param}-{minute}",
                "model_id": "good",
                "param_id": param,
                "payload": 1.0,
                "performed_at": T0 - HOUR_MS + minute,
            }
            for minute in minutes
            for param in ("BTC-1h", "ETH-1h")
        ],
    )
    truths = [{"ts": T0 + minute, "value": 1.0} for minute in minutes]
    builders.truths(database, "c1", [{"param_id": "BTC-1h", **truth} for truth in truths])
    first = cycle(database, T0 + HOUR_MS, batch_size=3)
    assert (first.scored, first.waiting) == (10, 10)
    with database.read() as session:
        queued = set(
            session.scalars(
                select(PredictionRow.id).join(
                    PredictionQueueRow, PredictionQueueRow.pk == PredictionRow.pk
                )
            )
        )
    assert queued == {f"ETH-1h-{minute}" for minute in minutes}

    builders.truths(database, "c1", [{"param_id": "ETH-1h", **truth} for truth in truths])
    second = cycle(database, T0 + HOUR_MS, batch_size=3)
    assert (second.scored, second.waiting) == (10, 0)
    assert {status for status, _, _ in statuses(database).values()} == {"SCORED"}
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(PredictionQueueRow)) == 0
