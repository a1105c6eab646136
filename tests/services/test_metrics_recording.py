"""Custom metrics in the score cycle: windows, and plugins that fail or return no number."""

from __future__ import annotations

import pytest

from podium.services.metrics import metric_series
from podium.services.score_cycle import run_score_cycle
from podium.store.database import Database
from tests import builders
from tests.conftest import T0

HOUR_MS = 3_600_000


def test_each_metric_sees_its_own_window_and_a_broken_one_is_skipped(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    builders.competition(
        database,
        T0 - 5 * HOUR_MS,
        metrics=[
            {"name": "count_1h", "plugin": "prediction_count", "window": "1h"},
            {"name": "count_4h", "plugin": "prediction_count", "window": "4h"},
            {"name": "boom", "plugin": "tests.plugins.sample_metrics:Exploding"},
            {"name": "inf", "plugin": "tests.plugins.sample_metrics:Infinite"},
        ],
    )
    builders.roster(
        database,
        T0 - 5 * HOUR_MS,
        "c1",
        models={"m1": "ann"},
        params=[{"id": "BTC", "asset": "BTC", "horizon": 3600}],
    )
    builders.predictions(
        database,
        T0,
        "c1",
        [
            {"model_id": "m1", "param_id": "BTC", "payload": 0.5, "performed_at": T0 - h * HOUR_MS}
            for h in (4, 3, 1)
        ],
    )
    builders.truths(
        database,
        "c1",
        [{"param_id": "BTC", "ts": T0 - h * HOUR_MS, "value": 0.0} for h in (3, 2, 0)],
    )
    run_score_cycle(database, competition_id="c1", now_ms=T0, batch_size=100)
    rows = metric_series(
        database, competition_id="c1", model_ids=None, names=None, start_ms=T0, end_ms=T0
    )
    assert [(row.metric_name, row.metric_value) for row in rows] == [
        ("count_1h", 1.0),
        ("count_4h", 3.0),
    ]
    assert "metric boom failed for model m1" in caplog.text
