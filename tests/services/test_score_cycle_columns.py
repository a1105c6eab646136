"""A cycle through the columnar protocol stores exactly what the per-row protocol stores."""

from __future__ import annotations

import random

from sqlalchemy import select

from podium.services.score_cycle import run_score_cycle
from podium.store.database import Database
from podium.store.leaderboards import LeaderboardRepository
from podium.store.predictions import STATUS, with_outcomes
from podium.store.tables import PredictionOutcomeRow, PredictionRow
from tests import builders
from tests.builders import HOUR_MS
from tests.conftest import T0

PARAMS = [
    {"id": "BTC-1h", "asset": "BTC", "horizon": 3600},
    {"id": "ETH-1h", "asset": "ETH", "horizon": 3600},
]


def _competition(db: Database, competition_id: str, **plugins: str) -> None:
    builders.competition(db, T0, competition_id=competition_id, **plugins)
    models = {f"{competition_id}-{name}": name for name in ("ann", "bob", "cid")}
    builders.roster(db, T0, competition_id, models=models, params=PARAMS)
    rng = random.Random(11)
    rows = []
    for index in range(120):
        payload: object = round(rng.uniform(-1, 1), 6)
        if index % 17 == 0:
            payload = {"quantiles": [1, 2]}  # no point value: fails that prediction only
        elif index % 13 == 0:
            payload = {"samples": [rng.uniform(-1, 1) for _ in range(3)]}
        rows.append(
            {
                "id": f"p{index}",
                "model_id": f"{competition_id}-{rng.choice(['ann', 'bob', 'cid'])}",
                "param_id": rng.choice(["BTC-1h", "ETH-1h"]),
                "payload": payload,
                "performed_at": T0 - rng.randrange(2, 60) * HOUR_MS - rng.randrange(HOUR_MS),
            }
        )
    builders.predictions(db, T0, competition_id, rows)
    truths = {(row["param_id"], row["performed_at"] + HOUR_MS) for row in rows[::2]}
    builders.truths(
        db,
        competition_id,
        [{"param_id": p, "ts": ts, "value": (ts % 7) / 10} for p, ts in sorted(truths)],
    )


def _stored(db: Database, competition_id: str) -> tuple[list[tuple[object, ...]], list[object]]:
    with db.read() as session:
        predictions = [
            tuple(row)
            for row in session.execute(
                with_outcomes(
                    select(
                        PredictionRow.id,
                        STATUS,
                        PredictionOutcomeRow.truth,
                        PredictionOutcomeRow.score_value,
                        PredictionOutcomeRow.score_success,
                        PredictionOutcomeRow.score_failed_reason,
                    )
                )
                .where(PredictionRow.competition_id == competition_id)
                .order_by(PredictionRow.id)
            )
        ]
        boards = LeaderboardRepository(session)
        latest = boards.latest(competition_id, category="overall")
        assert latest is not None
        entries = [
            (
                entry.model_id.split("-", 1)[1],
                entry.rank,
                entry.score_recent,
                entry.score_steady,
                entry.score_anchor,
            )
            for entry in boards.entries(latest.id)
        ]
    return predictions, entries


def test_columnar_and_per_row_plugins_store_identical_outcomes_and_leaderboards(
    database: Database,
) -> None:
    _competition(database, "cols")
    _competition(
        database,
        "rows",
        scoring_function="tests.services.row_plugins:squared_error",
        resolver="tests.services.row_plugins:ExplicitRows",
    )
    for competition_id in ("cols", "rows"):
        for hours in (-30, 0):
            run_score_cycle(
                database, competition_id=competition_id, now_ms=T0 + hours * HOUR_MS, batch_size=9
            )
    columns, rows = _stored(database, "cols"), _stored(database, "rows")
    assert columns == rows
    statuses = {status for _, status, *_ in columns[0]}
    assert statuses == {"SCORED", "FAILED", "EXPIRED"}
