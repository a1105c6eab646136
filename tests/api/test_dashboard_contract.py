"""Contract tests: the report API as the Crunch coordinator dashboard calls and reads it.

The dashboard sends no auth header, joins ``projectIds`` with commas, and sends ``start``/``end``
as ``YYYY-MM-DDTHH:MM:SS.sssZ``. Each response is validated against a schema written from the
dashboard's contract (issue 9): strict where the dashboard is strict (booleans, counts,
non-empty ids), open to Podium's extra fields everywhere.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, StringConstraints, TypeAdapter

from tests.api.test_report_leaderboards import score_two_hours
from tests.conftest import T0, FakeClock

HOUR_MS = 3_600_000
Id = Annotated[str, StringConstraints(min_length=1)]
Iso = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
Score = float | None
DashboardFormat = Annotated[
    str, StringConstraints(pattern=r"^(percentage|integer|compact|number|decimal-\d+)$")
]


class Row(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class ModelRow(Row):
    model_id: Id
    model_name: str
    cruncher_name: str
    cruncher_id: Id
    deployment_id: Id


class LeaderboardRow(Row):
    model_id: Id
    model_name: str
    cruncher_name: str
    username: str
    score_recent: Score
    score_steady: Score
    score_anchor: Score
    status: bool


class GlobalRow(Row):
    model_id: Id
    performed_at: Iso
    score_recent: Score
    score_steady: Score
    score_anchor: Score


class ParamsRow(GlobalRow):
    param: str
    asset: str | None
    horizon: int | None
    step: int | None


class PredictionRow(Row):
    model_id: Id
    performed_at: Iso
    param: str
    asset: str | None
    horizon: int | None
    score_value: Score
    score_success: bool | None
    score_failed: bool
    score_failed_reason: str | None


class Column(Row):
    id: int
    type: Literal["PROJECT", "USERNAME", "VALUE"]
    property: str
    format: DashboardFormat | None
    displayName: str  # noqa: N815
    tooltip: str | None
    order: int
    nativeConfiguration: dict[str, Any] | None  # noqa: N815


class Series(Row):
    name: str
    label: str


class YAxis(Row):
    series: list[Series]
    format: DashboardFormat | None


class XAxis(Row):
    name: Literal["performed_at"]


class Filter(Row):
    type: Literal["select"]
    label: str
    property: str


class Alert(Row):
    field: str
    reasonField: str  # noqa: N815


class Chart(Row):
    type: Literal["line"]
    xAxis: XAxis  # noqa: N815
    yAxis: YAxis  # noqa: N815
    groupByProperty: str  # noqa: N815
    filterConfig: list[Filter]  # noqa: N815
    alertConfig: Alert | None  # noqa: N815


class Widget(Row):
    id: int
    type: Literal["CHART"]
    displayName: str  # noqa: N815
    tooltip: str | None
    order: int
    endpointUrl: str  # noqa: N815
    nativeConfiguration: Chart  # noqa: N815


class Schema(Row):
    schema_version: int
    leaderboard_columns: list[Column]
    metrics_widgets: list[Widget]


class Feed(Row):
    source: str
    subject: str
    kind: str
    granularity: Annotated[str, StringConstraints(pattern=r"^\d+[smhd]$")]
    record_count: int
    oldest_ts: Iso
    newest_ts: Iso
    watermark_ts: Iso
    watermark_updated_at: Iso


class FeedRecord(Row):
    source: str
    subject: str
    kind: str
    ts: Iso
    value: float


START = "2026-01-04T00:00:00.000Z"
END = "2026-01-05T00:00:00.000Z"
PROJECTS = "m-ann,m-bob"


def dashboard_get(client: TestClient, path: str) -> Any:
    """A GET as the dashboard sends it: the query string as is, no auth header."""
    response = client.get(path)
    assert "authorization" not in {name.lower() for name in response.request.headers}
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def validate(schema: Any, body: Any) -> Any:
    return TypeAdapter(schema).validate_python(body)


@pytest.fixture
def dashboard(client: TestClient, competition: str, clock: FakeClock) -> TestClient:
    response = client.patch(
        "/api/competitions/c1",
        json={"metrics": [{"plugin": "hit_rate", "window": "7d"}, {"plugin": "ic"}]},
    )
    assert response.status_code == 200, response.text
    observations = [
        {"asset": "BTC", "ts": T0 - minutes * 60_000, "value": 100.0 + minutes}
        for minutes in range(10)
    ]
    response = client.post("/api/competitions/c1/observations", json={"observations": observations})
    assert response.status_code == 200, response.text
    score_two_hours(client, clock)
    return client


def test_models(dashboard: TestClient) -> None:
    rows = validate(list[ModelRow], dashboard_get(dashboard, "/reports/models"))
    listed = {row.model_id for row in rows}
    board = validate(list[LeaderboardRow], dashboard_get(dashboard, "/reports/leaderboard"))
    assert {row.model_id for row in board} <= listed
    assert rows[0].model_dump(include={"cruncher_name", "cruncher_id", "deployment_id"}) == {
        "cruncher_name": "Ann",
        "cruncher_id": "ann",
        "deployment_id": "m-ann",
    }


def test_leaderboard_is_flat_rows_in_rank_order(dashboard: TestClient) -> None:
    body = dashboard_get(dashboard, "/reports/leaderboard")
    rows = validate(list[LeaderboardRow], body)
    assert [row.model_id for row in rows] == ["m-ann", "m-bob"]
    assert [item["rank"] for item in body] == [1, 2]
    assert (rows[0].username, rows[0].status) == ("Ann", True)


def test_models_global_has_several_rows_per_model(dashboard: TestClient) -> None:
    body = dashboard_get(
        dashboard, f"/reports/models/global?projectIds={PROJECTS}&start={START}&end={END}"
    )
    rows = validate(list[GlobalRow], body)
    per_model = {
        model: [r.performed_at for r in rows if r.model_id == model] for model in ("m-ann", "m-bob")
    }
    assert per_model == {
        "m-ann": ["2026-01-04T23:00:00.000Z", END],
        "m-bob": ["2026-01-04T23:00:00.000Z", END],
    }


def test_models_params_flat_rows(dashboard: TestClient) -> None:
    body = dashboard_get(
        dashboard, f"/reports/models/params?projectIds={PROJECTS}&start={START}&end={END}"
    )
    rows = validate(list[ParamsRow], body)
    assert {(r.model_id, r.param, r.asset) for r in rows} == {
        ("m-ann", "BTC-1h", "BTC"),
        ("m-bob", "BTC-1h", "BTC"),
        ("m-bob", "ETH", "ETH"),
    }
    assert len([r for r in rows if r.model_id == "m-ann"]) == 2  # one per snapshot


def test_predictions_rows(dashboard: TestClient) -> None:
    body = dashboard_get(
        dashboard, f"/reports/predictions?projectIds={PROJECTS}&start={START}&end={END}"
    )
    rows = validate(list[PredictionRow], body)
    assert len(rows) == 5
    assert all(r.score_success is True and r.score_failed is False for r in rows)


def test_schema_points_its_widgets_at_the_chart_routes(dashboard: TestClient) -> None:
    schema = validate(Schema, dashboard_get(dashboard, "/reports/schema"))
    columns = [(c.type, c.property) for c in schema.leaderboard_columns]
    assert columns[:5] == [
        ("PROJECT", "model_id"),
        ("USERNAME", "username"),
        ("VALUE", "score_anchor"),
        ("VALUE", "score_steady"),
        ("VALUE", "score_recent"),
    ]
    assert [c.order for c in schema.leaderboard_columns] == list(range(len(columns)))
    urls = [w.endpointUrl for w in schema.metrics_widgets]
    assert urls == [
        "/reports/models/global",
        "/reports/models/params",
        "/reports/predictions",
        "/reports/metrics/hit_rate",
        "/reports/metrics/ic",
    ]
    assert schema.metrics_widgets[3].nativeConfiguration.yAxis.format == "percentage"
    assert schema.metrics_widgets[2].nativeConfiguration.alertConfig == Alert(
        field="score_failed", reasonField="score_failed_reason"
    )
    # Every property a widget or column names is in the rows its route returns.
    leaderboard = dashboard_get(dashboard, "/reports/leaderboard")
    for column in schema.leaderboard_columns:
        assert column.property in leaderboard[0]
    for widget in schema.metrics_widgets:
        rows = dashboard_get(dashboard, f"{widget.endpointUrl}?start={START}&end={END}")
        assert rows, widget.endpointUrl
        chart = widget.nativeConfiguration
        names = {chart.xAxis.name, chart.groupByProperty}
        names |= {line.name for line in chart.yAxis.series}
        names |= {item.property for item in chart.filterConfig}
        if chart.alertConfig is not None:
            names |= {chart.alertConfig.field, chart.alertConfig.reasonField}
        assert names <= set(rows[0]), widget.endpointUrl


def test_schema_follows_the_ranker(dashboard: TestClient) -> None:
    response = dashboard.patch(
        "/api/competitions/c1", json={"ranker": "weighted", "ranker_config": {}}
    )
    assert response.status_code == 200
    schema = validate(Schema, dashboard_get(dashboard, "/reports/schema"))
    value = schema.leaderboard_columns[2]
    assert (value.property, value.displayName) == ("combined_score", "Combined score")
    assert value.tooltip == "What the ranking sorts by: 0.2 × recent + 0.3 × steady + 0.5 × anchor"


def test_feeds_and_their_tail(dashboard: TestClient) -> None:
    feeds = validate(list[Feed], dashboard_get(dashboard, "/reports/feeds"))
    btc = next(feed for feed in feeds if feed.subject == "BTC")
    assert (btc.source, btc.kind, btc.granularity, btc.record_count) == (
        "c1",
        "observation",
        "1m",
        10,
    )
    assert (btc.oldest_ts, btc.newest_ts) == ("2026-01-04T23:51:00.000Z", END)
    assert {(feed.kind, feed.subject) for feed in feeds} == {
        ("observation", "BTC"),
        ("truth", "BTC-1h"),
        ("truth", "ETH"),
    }
    eth = next(feed for feed in feeds if feed.subject == "ETH")
    assert (eth.record_count, eth.granularity) == (1, "1h")  # one record: the bucket
    tail = validate(
        list[FeedRecord],
        dashboard_get(
            dashboard,
            "/reports/feeds/tail?source=c1&subject=BTC&kind=observation&granularity=1m&limit=3",
        ),
    )
    assert [(r.ts, r.value) for r in tail] == [
        ("2026-01-04T23:58:00.000Z", 102.0),
        ("2026-01-04T23:59:00.000Z", 101.0),
        (END, 100.0),
    ]
    assert dashboard_get(dashboard, "/reports/feeds/tail?source=other") == []


def test_feeds_of_a_competition_without_any(client: TestClient, competition: str) -> None:
    assert dashboard_get(client, "/reports/feeds") == []


@pytest.mark.parametrize(
    "path",
    [
        f"/reports/models/global?projectIds=m-ann,ghost&start={START}&end={END}",
        "/reports/models/global?start=2026-01-04T00:00:00.000&end=yesterday",
        "/reports/feeds/tail?limit=0",
    ],
)
def test_errors_carry_a_message(dashboard: TestClient, path: str) -> None:
    response = dashboard.get(path)
    assert 400 <= response.status_code < 500
    assert isinstance(response.json()["message"], str)
    assert response.json()["message"]
