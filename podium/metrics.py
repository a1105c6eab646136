"""Prometheus metrics of the process, served at ``GET /metrics``.

Counters and histograms live in one registry per process (``REGISTRY``): with several API or
worker processes, Prometheus scrapes each process and sums. The score worker records cycles,
the HTTP middleware records requests; plugins' failures and timeouts are counted by the code
that runs them (``record_plugin_failure``).
"""

from __future__ import annotations

from typing import Any
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = CONTENT_TYPE_LATEST

CYCLE_DURATION = Histogram(
    "podium_score_cycle_duration_seconds",
    "Duration of one score cycle of a competition.",
    ["competition"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
    registry=REGISTRY,
)
PREDICTIONS_SCORED = Counter(
    "podium_predictions_scored_total",
    "Predictions given an outcome by score cycles, by outcome (scored, failed, expired).",
    ["competition", "outcome"],
    registry=REGISTRY,
)
PLUGIN_FAILURES = Counter(
    "podium_plugin_failures_total",
    "Plugin calls that raised or returned something unusable.",
    ["plugin"],
    registry=REGISTRY,
)
PLUGIN_TIMEOUTS = Counter(
    "podium_plugin_timeouts_total",
    "Plugin calls stopped because they ran past their time limit.",
    ["plugin"],
    registry=REGISTRY,
)
REQUEST_DURATION = Histogram(
    "podium_http_request_duration_seconds",
    "Latency of HTTP requests, by method, route template and status code.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)


def record_cycle(
    competition_id: str, *, duration_s: float, scored: int, failed: int, expired: int
) -> None:
    CYCLE_DURATION.labels(competition_id).observe(duration_s)
    for outcome, count in (("scored", scored), ("failed", failed), ("expired", expired)):
        if count:
            PREDICTIONS_SCORED.labels(competition_id, outcome).inc(count)


def record_plugin_failure(plugin: str, *, timed_out: bool = False) -> None:
    (PLUGIN_TIMEOUTS if timed_out else PLUGIN_FAILURES).labels(plugin).inc()


def record_request(method: str, route: str, status: int, duration_s: float) -> None:
    # The labelled child is looked up once per (method, route, status), not per request.
    key = (method, route, status)
    child = _REQUEST_CHILDREN.get(key)
    if child is None:
        child = _REQUEST_CHILDREN[key] = REQUEST_DURATION.labels(method, route, str(status))
    child.observe(duration_s)


_REQUEST_CHILDREN: dict[tuple[str, str, int], Any] = {}


def start_metrics_server(port: int, host: str = "127.0.0.1") -> WSGIServer:
    """Serve ``/metrics`` of this process on its own port (for ``podium worker``, which has no
    API), from a daemon thread; ``shutdown()`` the server returned to stop it."""
    server, _thread = start_http_server(port, addr=host, registry=REGISTRY)
    return server


def exposition() -> bytes:
    """The metrics in Prometheus' text format."""
    return generate_latest(REGISTRY)
