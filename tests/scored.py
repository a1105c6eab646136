"""A competition with a few scored cycles behind it, as pages, exports and clients read it."""

from __future__ import annotations

from typing import Any

from podium.services.score_cycle import run_score_cycle
from podium.store.database import Database
from tests import builders
from tests.builders import HOUR_MS
from tests.conftest import T0

COMPETITION = "c1"
PARAMS = [
    {"id": "BTC-1h", "asset": "BTC", "horizon": 3600},
    {"id": "ETH-1h", "asset": "ETH", "horizon": 3600},
]
MODELS = {"sharp": "ann", "fair": "bob", "wild": "bob"}
# How far each model's forecast misses the truth: the ranking is sharp, fair, wild.
ERRORS = {"sharp": 0.1, "fair": 0.5, "wild": 2.0}


def truth_at(hour: int, param_id: str) -> float:
    return 100.0 + hour + (10.0 if param_id == "ETH-1h" else 0.0)


def add_hour(db: Database, hour: int, *, errors: dict[str, float] = ERRORS) -> int:
    """Predictions made at ``T0 + (hour - 1) h``, their truths, and the cycle at ``T0 + hour h``."""
    now_ms = T0 + hour * HOUR_MS
    rows = [
        {
            "model_id": model,
            "param_id": param["id"],
            "payload": truth_at(hour, str(param["id"])) + error,
            "performed_at": now_ms - HOUR_MS,
        }
        for model, error in errors.items()
        for param in PARAMS
    ]
    builders.predictions(db, now_ms, COMPETITION, rows)
    builders.truths(
        db,
        COMPETITION,
        [
            {"param_id": param["id"], "ts": now_ms, "value": truth_at(hour, str(param["id"]))}
            for param in PARAMS
        ],
    )
    run_score_cycle(db, competition_id=COMPETITION, now_ms=now_ms, batch_size=1_000)
    return now_ms


def seed(db: Database, *, hours: int = 3, **fields: Any) -> int:
    """The competition, its roster and ``hours`` scored cycles; the time of the last one."""
    fields.setdefault("description", "Forecast <b>prices</b>")
    builders.competition(db, T0, competition_id=COMPETITION, **fields)
    builders.roster(db, T0, COMPETITION, models=MODELS, params=PARAMS)
    now_ms = T0
    for hour in range(1, hours + 1):
        now_ms = add_hour(db, hour)
    return now_ms
