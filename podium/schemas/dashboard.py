"""The shape of ``GET /reports/schema``: how a dashboard renders a competition.

Field names follow the Crunch coordinator dashboard's contract (``displayName``,
``nativeConfiguration``, ``endpointUrl``…), so that dashboard reads Podium unchanged.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict

from podium.schemas.common import ResponseModel


class _Contract(ResponseModel):
    model_config = ConfigDict(populate_by_name=True)


class LeaderboardColumn(_Contract):
    id: int
    type: Literal["PROJECT", "USERNAME", "VALUE"]
    property: str
    format: str | None
    displayName: str  # noqa: N815 - the dashboard's field name
    tooltip: str | None
    order: int
    nativeConfiguration: dict[str, Any] | None  # noqa: N815


class SeriesLine(_Contract):
    name: str
    label: str


class YAxis(_Contract):
    series: list[SeriesLine]
    format: str | None


class XAxis(_Contract):
    name: str


class FilterSelect(_Contract):
    type: Literal["select"]
    label: str
    property: str


class AlertConfig(_Contract):
    field: str
    reasonField: str  # noqa: N815


class ChartConfiguration(_Contract):
    type: Literal["line"]
    xAxis: XAxis  # noqa: N815
    yAxis: YAxis  # noqa: N815
    groupByProperty: str  # noqa: N815
    filterConfig: list[FilterSelect]  # noqa: N815
    alertConfig: AlertConfig | None  # noqa: N815


class MetricWidget(_Contract):
    id: int
    type: Literal["CHART"]
    displayName: str  # noqa: N815
    tooltip: str | None
    order: int
    endpointUrl: str  # noqa: N815
    nativeConfiguration: ChartConfiguration  # noqa: N815


class ReportSchema(_Contract):
    schema_version: int
    leaderboard_columns: list[LeaderboardColumn]
    metrics_widgets: list[MetricWidget]
