from __future__ import annotations

from podium.services.demo import DEMO_COMPETITION, MODELS, DemoFeed, ensure_demo_competition
from podium.services.reports import leaderboard
from podium.services.score_cycle import run_score_cycle
from podium.store.database import Database
from tests.conftest import T0, FakeClock


def test_the_demo_ranks_skilled_models_above_unskilled_ones(database: Database) -> None:
    clock = FakeClock(T0)
    ensure_demo_competition(database, now_ms=clock(), tick_s=2.0)
    ensure_demo_competition(database, now_ms=clock(), tick_s=2.0)  # again: harmless
    feed = DemoFeed(database, tick_s=2.0, clock=clock)
    feed._start_paths(T0)
    for tick in range(1, 61):  # two minutes of ticks
        feed.publish(T0 + tick * 2_000)
    report = run_score_cycle(
        database, competition_id=DEMO_COMPETITION, now_ms=T0 + 122_000, batch_size=5_000
    )
    assert report.scored > 1_000
    assert report.failed == report.expired == 0
    view = leaderboard(database, competition_id=DEMO_COMPETITION)
    ranked = [entry.model_id for entry in view.entries]
    assert sorted(ranked) == sorted(model_id for model_id, *_ in MODELS)
    assert all(entry.score_anchor is not None for entry in view.entries)
    # The best forecasters lead and the contrarian trails; scores differ.
    assert set(ranked[:3]) <= {"alice-oracle", "carol-gbm", "bob-lstm", "dave-ensemble"}
    assert ranked[-1] == "bob-contrarian"
    assert len({entry.score_anchor for entry in view.entries}) > 5
