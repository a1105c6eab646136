"""Metrics used by the tests: 'tests.plugins.sample_metrics:<name>'."""

from __future__ import annotations

from collections.abc import Sequence

from podium.plugins.protocols import MetricPoint


class Exploding:
    def compute(self, points: Sequence[MetricPoint]) -> float | None:
        raise RuntimeError("this metric always fails")


class Infinite:
    def compute(self, points: Sequence[MetricPoint]) -> float | None:
        return float("inf")
