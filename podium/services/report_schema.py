"""``GET /reports/schema``: the leaderboard columns and chart widgets of a competition.

Derived from the competition, never hard-coded per competition: its windows (one value column
and one chart line each, labelled with their length), its ranker (the weighted ranker's
combined score first; the lexicographic ranker's keys in ranking order) and its custom metrics
(one chart each). The widgets point at the flat chart routes (``/reports/models/global``,
``/reports/models/params``, ``/reports/predictions``, ``/reports/metrics/{name}``).
"""

from __future__ import annotations

from typing import Any

from podium.domain.windows import WINDOW_NAMES
from podium.plugins import METRICS
from podium.schemas.common import format_duration
from podium.schemas.dashboard import (
    AlertConfig,
    ChartConfiguration,
    FilterSelect,
    LeaderboardColumn,
    MetricWidget,
    ReportSchema,
    SeriesLine,
    XAxis,
    YAxis,
)
from podium.services.ranking import split_ranker_config
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database
from podium.store.tables import CompetitionRow

SCHEMA_VERSION = 1
SCORE_FORMAT = "decimal-4"
WINDOW_TITLES = {"recent": "Recent", "steady": "Steady", "anchor": "Anchor"}


def _window_lengths(competition: CompetitionRow) -> dict[str, str]:
    return {
        "recent": format_duration(competition.window_recent_ms),
        "steady": format_duration(competition.window_steady_ms),
        "anchor": format_duration(competition.window_anchor_ms),
    }


def _window_order(competition: CompetitionRow) -> list[str]:
    """Windows in the order the ranker reads them (the lexicographic keys first)."""
    own, _ = split_ranker_config(competition.ranker_config)
    keys = [key for key in own.get("keys", []) if key in WINDOW_NAMES]
    return keys + [name for name in ("anchor", "steady", "recent") if name not in keys]


def _columns(competition: CompetitionRow) -> list[LeaderboardColumn]:
    lengths = _window_lengths(competition)
    specs: list[dict[str, Any]] = [
        {
            "type": "PROJECT",
            "property": "model_id",
            "format": None,
            "displayName": "Model",
            "tooltip": None,
            "nativeConfiguration": {"labelProperty": "model_name", "statusProperty": "status"},
        },
        {
            "type": "USERNAME",
            "property": "username",
            "format": None,
            "displayName": "Player",
            "tooltip": None,
            "nativeConfiguration": None,
        },
    ]
    own, _ = split_ranker_config(competition.ranker_config)
    if competition.ranker == "weighted":
        weights = own.get("weights", {})
        formula = " + ".join(
            f"{weights[name]} × {name}" for name in WINDOW_NAMES if name in weights
        )
        specs.append(
            {
                "type": "VALUE",
                "property": "combined_score",
                "format": SCORE_FORMAT,
                "displayName": "Combined score",
                "tooltip": f"What the ranking sorts by: {formula}",
                "nativeConfiguration": None,
            }
        )
    for name in _window_order(competition):
        specs.append(
            {
                "type": "VALUE",
                "property": f"score_{name}",
                "format": SCORE_FORMAT,
                "displayName": f"{WINDOW_TITLES[name]} ({lengths[name]})",
                "tooltip": f"Mean score over the last {lengths[name]}",
                "nativeConfiguration": None,
            }
        )
    specs.append(
        {
            "type": "VALUE",
            "property": "rank_change_24h",
            "format": "integer",
            "displayName": "24h change",
            "tooltip": "Places gained since the leaderboard of 24 hours earlier",
            "nativeConfiguration": None,
        }
    )
    specs.append(
        {
            "type": "VALUE",
            "property": "prediction_count",
            "format": "compact",
            "displayName": "Predictions",
            "tooltip": "Successfully scored predictions",
            "nativeConfiguration": None,
        }
    )
    return [
        LeaderboardColumn(id=index + 1, order=index, **spec) for index, spec in enumerate(specs)
    ]


def _chart(
    *,
    series: list[SeriesLine],
    number_format: str | None,
    filters: list[FilterSelect],
    alert: AlertConfig | None = None,
) -> ChartConfiguration:
    return ChartConfiguration(
        type="line",
        xAxis=XAxis(name="performed_at"),
        yAxis=YAxis(series=series, format=number_format),
        groupByProperty="model_id",
        filterConfig=filters,
        alertConfig=alert,
    )


def _widgets(competition: CompetitionRow) -> list[MetricWidget]:
    lengths = _window_lengths(competition)
    windows = [
        SeriesLine(name=f"score_{name}", label=f"{WINDOW_TITLES[name]} ({lengths[name]})")
        for name in _window_order(competition)
    ]
    param_filters = [
        FilterSelect(type="select", label="Asset", property="asset"),
        FilterSelect(type="select", label="Horizon", property="horizon"),
    ]
    charts: list[tuple[str, str, str, ChartConfiguration]] = [
        (
            "Score over time",
            "Each model's overall window scores at each score cycle",
            "/reports/models/global",
            _chart(series=windows, number_format=SCORE_FORMAT, filters=[]),
        ),
        (
            "Score by parameter",
            "Each model's window scores per asset and horizon",
            "/reports/models/params",
            _chart(series=windows, number_format=SCORE_FORMAT, filters=param_filters),
        ),
        (
            "Prediction scores",
            "The score of each prediction; failed ones are flagged with their reason",
            "/reports/predictions",
            _chart(
                series=[SeriesLine(name="score_value", label="Score")],
                number_format=SCORE_FORMAT,
                filters=param_filters,
                alert=AlertConfig(field="score_failed", reasonField="score_failed_reason"),
            ),
        ),
    ]
    for spec in competition.metrics or []:
        plugin = METRICS.find(spec["plugin"])
        charts.append(
            (
                spec["name"].replace("_", " ").capitalize(),
                f"Custom metric {spec['plugin']} over the last {format_duration(spec['window_ms'])}",
                f"/reports/metrics/{spec['name']}",
                _chart(
                    series=[SeriesLine(name="metric_value", label=spec["name"])],
                    number_format=getattr(plugin, "format", SCORE_FORMAT),
                    filters=[],
                ),
            )
        )
    return [
        MetricWidget(
            id=index + 1,
            type="CHART",
            displayName=title,
            tooltip=tooltip,
            order=index,
            endpointUrl=url,
            nativeConfiguration=chart,
        )
        for index, (title, tooltip, url, chart) in enumerate(charts)
    ]


def schema_of(competition: CompetitionRow) -> ReportSchema:
    return ReportSchema(
        schema_version=SCHEMA_VERSION,
        leaderboard_columns=_columns(competition),
        metrics_widgets=_widgets(competition),
    )


def report_schema(db: Database, *, competition_id: str) -> ReportSchema:
    with db.read() as session:
        competition = CompetitionRepository(session).get(competition_id)
    return schema_of(competition)
