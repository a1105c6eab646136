"""A live demo competition: a simulated price feed and ten models of different skill.

Every ``tick_s`` seconds the feed publishes a price for each asset and every model predicts the
return of each asset over two horizons. A model of skill ``s`` sees the simulated future with
correlation ``s`` (the rest is noise), so the leaderboard sorts them out within a minute:
scores are direction hit rates, about ``0.5 + asin(s) / π`` in the long run.

Everything goes through the same ingest services as the HTTP API.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from podium.schemas.competitions import CompetitionCreate, MetricSpec, Windows
from podium.schemas.ingest import ObservationIn, PredictionIn
from podium.schemas.roster import ModelIn, ParamIn, PlayerIn
from podium.services import ingest
from podium.services.clock import Clock, wall_clock_ms
from podium.services.competitions import create_competition
from podium.services.jobs import ThreadJob
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database
from podium.store.ground_truth import GroundTruthRepository

log = logging.getLogger(__name__)

DEMO_COMPETITION = "demo"
ASSETS = {"BTC": 60_000.0, "ETH": 3_000.0, "SOL": 150.0}
HORIZONS_S = (10, 30)
PLAYERS = {"alice": "Alice", "bob": "Bob", "carol": "Carol", "dave": "Dave"}
# (model id, name, player, skill): the correlation of its forecasts with what happens next.
MODELS = (
    ("alice-oracle", "Oracle", "alice", 0.9),
    ("alice-trend", "Trend follower", "alice", 0.6),
    ("alice-coin", "Coin flip", "alice", 0.0),
    ("bob-lstm", "LSTM", "bob", 0.75),
    ("bob-arima", "ARIMA", "bob", 0.45),
    ("bob-contrarian", "Contrarian", "bob", -0.3),
    ("carol-gbm", "Gradient boosting", "carol", 0.8),
    ("carol-linear", "Linear", "carol", 0.3),
    ("dave-ensemble", "Ensemble", "dave", 0.65),
    ("dave-momentum", "Momentum", "dave", 0.15),
)
VOLATILITY_PER_TICK = 0.002


def demo_competition_spec(tick_s: float) -> CompetitionCreate:
    return CompetitionCreate(
        id=DEMO_COMPETITION,
        name="Demo: crypto direction",
        description="Ten simulated models predict the direction of BTC, ETH and SOL "
        "over 10 s and 30 s. Scores are hit rates.",
        scoring_function="direction",
        resolver="price_return",
        resolver_config={"max_staleness_s": max(5.0, 3 * tick_s)},
        windows=Windows(recent="1m", steady="3m", anchor="10m", bucket="10s"),
        metrics=[
            MetricSpec(plugin="ic", window="10m"),
            MetricSpec(plugin="prediction_volatility", window="10m"),
        ],
        # Ranked from the 20th scored prediction (the default, 100, takes a few minutes of
        # ticks), so the demo's leaderboards are alive within a minute.
        ranker_config={"min_predictions": 20},
        score_interval="5s",
        grace_period="1m",
    )


def ensure_demo_competition(db: Database, *, now_ms: int, tick_s: float) -> None:
    """Create the demo competition, its players, models and params (again harmless)."""
    with db.read() as session:
        exists = CompetitionRepository(session).find(DEMO_COMPETITION) is not None
    if not exists:
        create_competition(db, spec=demo_competition_spec(tick_s), now_ms=now_ms)
    ingest.register_players(
        db, players=[PlayerIn(id=key, name=name) for key, name in PLAYERS.items()], now_ms=now_ms
    )
    ingest.register_models(
        db,
        competition_id=DEMO_COMPETITION,
        models=[ModelIn(id=key, name=name, player_id=player) for key, name, player, _ in MODELS],
        now_ms=now_ms,
    )
    ingest.register_params(
        db,
        competition_id=DEMO_COMPETITION,
        params=[
            ParamIn(id=f"{asset}-{horizon}s", asset=asset, horizon=horizon)
            for asset in ASSETS
            for horizon in HORIZONS_S
        ],
        now_ms=now_ms,
    )


@dataclass
class _PricePath:
    """A seeded random walk known ahead of time, so that skilled models can "see" the future."""

    price: float
    origin: int
    tick_ms: int
    rng: np.random.Generator

    def __post_init__(self) -> None:
        self.last_ts = self.origin
        self.points: dict[int, float] = {self.origin: self.price}

    def at(self, ts: int) -> float:
        """The price of the latest tick at or before ``ts``."""
        grid = self.origin + (ts - self.origin) // self.tick_ms * self.tick_ms
        while self.last_ts < grid:
            self.last_ts += self.tick_ms
            self.price *= math.exp(VOLATILITY_PER_TICK * float(self.rng.standard_normal()))
            self.points[self.last_ts] = self.price
        return self.points[grid]

    def forget_before(self, ts: int) -> None:
        for old in [key for key in self.points if key < ts]:
            del self.points[old]


class DemoFeed(ThreadJob):
    """The background job publishing prices and predictions every tick."""

    thread_name = "podium-demo-feed"

    def __init__(
        self, db: Database, *, tick_s: float = 2.0, seed: int = 7, clock: Clock = wall_clock_ms
    ) -> None:
        self.db = db
        self.tick_ms = max(1, round(tick_s * 1000))
        self.seed = seed
        self.clock = clock
        super().__init__()
        self._paths: dict[str, _PricePath] = {}
        self._rng = np.random.default_rng(seed + 1)

    def _tick_of(self, now_ms: int) -> int:
        return now_ms - now_ms % self.tick_ms

    def _start_paths(self, first_tick: int) -> None:
        with self.db.read() as session:
            truth = GroundTruthRepository(session, DEMO_COMPETITION)
            for offset, (asset, base) in enumerate(ASSETS.items()):
                series = truth.observations(asset, first_tick - 86_400_000, first_tick)
                price = float(series.values[-1]) if len(series) else base
                self._paths[asset] = _PricePath(
                    price,
                    first_tick,
                    self.tick_ms,
                    np.random.default_rng([self.seed, offset, first_tick]),
                )

    def publish(self, tick_ms: int) -> None:
        """Prices at ``tick_ms`` and every model's predictions made at that instant."""
        observations = [
            ObservationIn(asset=asset, ts=tick_ms, value=path.at(tick_ms))
            for asset, path in self._paths.items()
        ]
        ingest.ingest_observations(
            self.db, competition_id=DEMO_COMPETITION, observations=observations, max_rows=1_000
        )
        predictions = []
        for asset, path in self._paths.items():
            now_price = path.at(tick_ms)
            for horizon in HORIZONS_S:
                future = path.at(tick_ms + horizon * 1000)
                # The realized return in units of its standard deviation over the horizon.
                steps = max(1, horizon * 1000 // self.tick_ms)
                realized = math.log(future / now_price) / (VOLATILITY_PER_TICK * math.sqrt(steps))
                for model_id, _name, _player, skill in MODELS:
                    noise = float(self._rng.standard_normal())
                    forecast = skill * realized + math.sqrt(1.0 - skill * skill) * noise
                    predictions.append(
                        PredictionIn(
                            model_id=model_id,
                            param_id=f"{asset}-{horizon}s",
                            payload={"value": round(forecast * 1e-3, 8)},
                            performed_at=tick_ms,
                        )
                    )
            path.forget_before(tick_ms - self.tick_ms)
        ingest.ingest_predictions(
            self.db,
            competition_id=DEMO_COMPETITION,
            predictions=predictions,
            now_ms=tick_ms,
            max_rows=10_000,
            max_clock_skew_ms=self.tick_ms,
        )

    def run_forever(self) -> None:
        next_tick = self._tick_of(self.clock()) + self.tick_ms
        self._start_paths(next_tick - self.tick_ms)
        log.info("demo feed started: a tick every %.1f s", self.tick_ms / 1000)
        while not self._stop.is_set():
            wait_s = (next_tick - self.clock()) / 1000
            if wait_s > 0 and self._stop.wait(wait_s):
                break
            try:
                self.publish(next_tick)
            except Exception:
                log.exception("demo feed failed to publish tick %d", next_tick)
            next_tick = max(next_tick + self.tick_ms, self._tick_of(self.clock()))
