from __future__ import annotations

import math

import pytest

from podium.domain.model import Param
from podium.domain.predictions import DuePrediction
from podium.domain.series import TimeSeries
from podium.plugins import RESOLVERS


class Source:
    def __init__(self) -> None:
        self.prices = {
            "BTC": TimeSeries.from_points([(1_000, 100.0), (2_000, 110.0), (3_000, 99.0)])
        }
        self.explicit = {"rain": TimeSeries.from_points([(5_000, 12.5)])}

    def observations(self, asset: str, start_ms: int, end_ms: int) -> TimeSeries:
        return self.prices.get(asset, TimeSeries.empty())

    def truths(self, param_id: str, start_ms: int, end_ms: int) -> TimeSeries:
        return self.explicit.get(param_id, TimeSeries.empty())


def due(param: Param, performed_at: int, resolvable_at: int) -> DuePrediction:
    return DuePrediction(1, "id", "m", param, {"value": 0.0}, performed_at, resolvable_at)


BTC = Param("BTC-1s", asset="BTC", horizon=1)


def test_price_return_reads_the_feed_as_of_both_instants() -> None:
    resolver = RESOLVERS.create("price_return", {"max_staleness_s": 1})
    truths = resolver.resolve(
        [
            due(BTC, 1_000, 2_000),  # 100 → 110
            due(BTC, 1_500, 2_999),  # as of: 100 → 110
            due(BTC, 2_000, 3_000),  # 110 → 99
            due(BTC, 2_000, 9_000),  # the feed has not reached 9 s (stale) → unknown
            due(Param("ETH-1s", asset="ETH"), 1_000, 2_000),  # no feed
            due(Param("no-asset"), 1_000, 2_000),
        ],
        Source(),
    )
    assert truths[:3] == [pytest.approx(0.1), pytest.approx(0.1), pytest.approx(-0.1)]
    assert truths[3:] == [None, None, None]


def test_log_returns() -> None:
    resolver = RESOLVERS.create("price_return", {"kind": "log"})
    assert resolver.resolve([due(BTC, 1_000, 2_000)], Source()) == [pytest.approx(math.log(1.1))]


def test_explicit_truth_must_be_at_the_instant_unless_a_tolerance_is_set() -> None:
    rain = Param("rain")
    exact = RESOLVERS.create("explicit")
    assert exact.resolve([due(rain, 0, 5_000), due(rain, 0, 5_500)], Source()) == [12.5, None]
    tolerant = RESOLVERS.create("explicit", {"tolerance_s": 1})
    assert tolerant.resolve([due(rain, 0, 5_500)], Source()) == [12.5]
