from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import T0

BASE = {"id": "btc", "name": "BTC direction"}


def create(client: TestClient, **fields: Any) -> Any:
    return client.post("/api/competitions", json={**BASE, **fields})


def test_create_with_defaults(client: TestClient) -> None:
    response = create(client)
    assert response.status_code == 201
    body = response.json()
    assert body["windows"] == {"recent": "24h", "steady": "72h", "anchor": "168h", "bucket": "1h"}
    assert body["scoring_function"] == "mse"
    assert body["resolver"] == "price_return"
    assert body["resolver_config"] == {"kind": "simple", "max_staleness_s": 300.0}
    assert body["ranker"] == "lexicographic"
    assert body["grace_period"] == "1h"
    assert body["score_interval"] is None
    assert body["created_at"] == "2026-01-05T00:00:00.000Z"
    assert client.get("/api/competitions/btc").json() == body
    assert [c["id"] for c in client.get("/api/competitions").json()] == ["btc"]


def test_windows_and_intervals_accept_units_or_seconds(client: TestClient) -> None:
    response = create(
        client,
        windows={"recent": "30m", "steady": 7200, "anchor": "1d", "bucket": "5m"},
        score_interval="90s",
        scoring_function="pnl",
        scoring_config={"sizing": "linear"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["windows"] == {"recent": "30m", "steady": "2h", "anchor": "24h", "bucket": "5m"}
    assert body["score_interval"] == "90s"
    assert body["scoring_config"] == {"sizing": "linear"}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"scoring_function": "nope"}, "scoring_function", "unknown scoring function 'nope'"),
        ({"scoring_function": "no_module:fn"}, "scoring_function", "cannot be imported"),
        (
            {"scoring_function": "pnl", "scoring_config": {"size": 1}},
            "scoring_config.size",
            "Extra inputs",
        ),
        (
            {"resolver": "explicit", "resolver_config": {"tolerance_s": -1}},
            "resolver_config.tolerance_s",
            "greater than or equal",
        ),
        (
            {"ranker": "lexicographic", "ranker_config": {"keys": ["median"]}},
            "ranker_config.keys",
            "ranking keys",
        ),
        (
            {"ranker": "weighted", "ranker_config": {"weights": {"anchor": -1}}},
            "ranker_config.weights",
            "not negative",
        ),
        (
            {"ranker": "weighted", "ranker_config": {"ties": "random"}},
            "ranker_config.ties",
            "ordered",
        ),
        (
            {"ranker": "weighted", "ranker_config": {"min_predictions": -5}},
            "ranker_config.min_predictions",
            "greater than or equal",
        ),
        ({"ranker": "nope:Ranker"}, "ranker", "cannot be imported"),
        ({"metrics": [{"plugin": "nope"}]}, "metrics.0.plugin", "unknown metric 'nope'"),
        (
            {"metrics": [{"plugin": "ic", "config": {"min_points": 1}}]},
            "metrics.0.config.min_points",
            "greater than or equal",
        ),
        (
            {"metrics": [{"plugin": "hit_rate"}, {"plugin": "hit_rate"}]},
            "metrics.1.name",
            "used twice",
        ),
        ({"metrics": [{"plugin": "ic", "window": "never"}]}, "metrics.window", "duration"),
        ({"windows": {"recent": "90m", "bucket": "1h"}}, "windows", "multiple of the bucket"),
        ({"windows": {"recent": "forever"}}, "windows.recent", "is not a duration"),
        ({"id": "has space"}, "id", "pattern"),
        ({"name": ""}, "name", "at least 1"),
        ({"colour": "red"}, "colour", "Extra inputs"),
    ],
)
def test_bad_competitions_are_refused_naming_the_field(
    client: TestClient, fields: dict[str, Any], field: str, message: str
) -> None:
    response = create(client, **fields)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] in {"invalid_input", "invalid_plugin_config"}
    assert field in [problem["field"] for problem in body["problems"]]
    assert message in body["message"] or any(message in p["message"] for p in body["problems"])
    assert client.get("/api/competitions").json() == []


def test_creating_twice_is_a_conflict(client: TestClient) -> None:
    assert create(client).status_code == 201
    response = create(client, name="other")
    assert response.status_code == 409
    assert response.json()["message"] == "competition 'btc' already exists"


def test_unknown_competition_is_404(client: TestClient) -> None:
    response = client.get("/api/competitions/nope")
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "code": "not_found",
        "message": "competition 'nope' was not found",
    }
    assert client.patch("/api/competitions/nope", json={"name": "x"}).status_code == 404


def test_patch_changes_only_what_is_given_and_bumps_the_revision(client: TestClient) -> None:
    created = create(client, scoring_function="pnl", scoring_config={"sizing": "linear"}).json()
    response = client.patch(
        "/api/competitions/btc", json={"name": "Renamed", "ranker_config": {"keys": ["recent"]}}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Renamed"
    assert body["ranker_config"] == {"keys": ["recent"], "order": "desc", "ties": "ordered"}
    assert body["scoring_config"] == {"sizing": "linear"}
    assert body["revision"] == created["revision"] + 1
    # A new scoring function starts from its own defaults.
    assert (
        client.patch("/api/competitions/btc", json={"scoring_function": "mae"}).json()[
            "scoring_config"
        ]
        == {}
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"scoring_function": "nope"}, "scoring_function"),
        ({"windows": {"bucket": "7m"}}, "windows"),
    ],
)
def test_bad_patches_are_refused_and_change_nothing(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    before = create(client).json()
    response = client.patch("/api/competitions/btc", json=body)
    assert response.status_code == 422
    assert field in [problem["field"] for problem in response.json()["problems"]]
    assert client.get("/api/competitions/btc").json() == before


def test_score_cycle_on_demand(client: TestClient) -> None:
    create(client)
    response = client.post("/api/competitions/btc/score-cycles")
    assert response.status_code == 200
    assert response.json() == {
        "competition_id": "btc",
        "performed_at": "2026-01-05T00:00:00.000Z",
        "scored": 0,
        "failed": 0,
        "expired": 0,
        "waiting": 0,
        "leaderboard_id": f"LBR_btc_overall_{T0}",
        "duration_s": response.json()["duration_s"],
    }
    assert client.post("/api/competitions/nope/score-cycles").status_code == 404


def test_health_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/reports/leaderboard",
        "/reports/models/global",
        "/api/competitions/{competition_id}/predictions",
    } <= set(paths)


def test_unknown_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.json()["message"] == "Not Found"
