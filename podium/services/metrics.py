"""Custom metrics: computed for every model after a score cycle, read back as time series.

``record_custom_metrics`` is one step of the score cycle (after the leaderboard is built, in
the same transaction): for each metric of the competition it reads the scored predictions of
the metric's window once, and stores one value per model at the cycle's instant. A metric that
raises is logged and skipped; it never fails the cycle.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from itertools import groupby
from typing import Any

from sqlalchemy.orm import Session

from podium.domain.scoring import point_value
from podium.plugins import METRICS
from podium.plugins.protocols import Metric, MetricPoint
from podium.store.database import Database
from podium.store.metrics import MetricRepository
from podium.store.prediction_stats import PredictionStatsRepository
from podium.store.report_tables import CustomMetricRow
from podium.store.roster import RosterRepository
from podium.store.tables import CompetitionRow

log = logging.getLogger(__name__)

MAX_METRIC_ROWS = 100_000


def _point(row: Any) -> MetricPoint:
    try:
        value: float | None = point_value(row.payload)
    except (TypeError, ValueError):
        value = None
    return MetricPoint(
        resolvable_at=row.resolvable_at, value=value, truth=row.truth, score=row.score_value
    )


def record_custom_metrics(session: Session, *, competition: CompetitionRow, now_ms: int) -> int:
    """Compute and store the competition's metrics at ``now_ms``; the number of values stored.

    The scored predictions of the widest window are read once; each metric sees the part of
    them inside its own window.
    """
    specs = competition.metrics or []
    if not specs:
        return 0
    active = {model.model_id for model in RosterRepository(session).domain_models(competition.id)}
    widest = max(spec["window_ms"] for spec in specs)
    by_model: dict[str, list[MetricPoint]] = {}
    scored = PredictionStatsRepository(session).scored(
        competition.id, start_ms=now_ms - widest, end_ms=now_ms
    )
    for model_id, group in groupby(scored, key=lambda row: row.model_id):
        if model_id in active:
            by_model[model_id] = [_point(row) for row in group]
    rows: list[dict[str, Any]] = []
    for spec in specs:
        metric = METRICS.create(spec["plugin"], spec["config"])
        since = now_ms - spec["window_ms"]
        for model_id, points in by_model.items():
            inside = [point for point in points if point.resolvable_at > since]
            if not inside:
                continue
            value = _compute(metric, inside, competition.id, spec["name"], model_id)
            if value is not None:
                rows.append(
                    {
                        "competition_id": competition.id,
                        "model_id": model_id,
                        "metric_name": spec["name"],
                        "metric_value": value,
                        "recorded_at": now_ms,
                    }
                )
    MetricRepository(session).replace(competition.id, recorded_at=now_ms, rows=rows)
    return len(rows)


def _compute(
    metric: Metric, points: list[MetricPoint], competition_id: str, name: str, model_id: str
) -> float | None:
    """The metric's value, or ``None`` when it has none, is not finite, or the plugin fails."""
    try:
        value = metric.compute(points)
    except Exception:
        log.exception(
            "competition %s: metric %s failed for model %s", competition_id, name, model_id
        )
        return None
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def metric_series(
    db: Database,
    *,
    competition_id: str,
    model_ids: Sequence[str] | None,
    names: Sequence[str] | None,
    start_ms: int,
    end_ms: int,
) -> list[CustomMetricRow]:
    with db.read() as session:
        return MetricRepository(session).series(
            competition_id,
            model_ids=model_ids,
            names=names,
            start_ms=start_ms,
            end_ms=end_ms,
            limit=MAX_METRIC_ROWS,
        )
