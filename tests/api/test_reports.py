from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import T0, FakeClock

HOUR_MS = 3_600_000


@pytest.fixture
def scored(client: TestClient, competition: str, clock: FakeClock) -> None:
    """Two cycles an hour apart; Ann's model is closer to the truth than Bob's."""
    rows = []
    for hour in (2, 1):
        for model_id, value in (("m-ann", 0.1), ("m-bob", 0.5)):
            rows.append(
                {
                    "model_id": model_id,
                    "param_id": "BTC-1h",
                    "payload": value,
                    "performed_at": T0 - hour * HOUR_MS,
                }
            )
    rows.append(
        {
            "model_id": "m-bob",
            "param_id": "ETH",
            "payload": 1,
            "performed_at": T0 - HOUR_MS,
            "resolvable_at": T0,
        }
    )
    assert (
        client.post("/api/competitions/c1/predictions", json={"predictions": rows}).status_code
        == 200
    )
    truths = [{"param_id": "BTC-1h", "ts": T0 - h * HOUR_MS, "value": 0.0} for h in (1, 0)]
    truths.append({"param_id": "ETH", "ts": T0, "value": 1.0})
    assert client.post("/api/competitions/c1/truths", json={"truths": truths}).status_code == 200
    clock.now_ms = T0 - HOUR_MS
    assert client.post("/api/competitions/c1/score-cycles").json()["scored"] == 2
    clock.now_ms = T0
    assert client.post("/api/competitions/c1/score-cycles").json()["scored"] == 3


def test_leaderboard_is_empty_before_the_first_cycle(client: TestClient, competition: str) -> None:
    response = client.get("/reports/leaderboard")
    assert response.status_code == 200
    assert response.json() == []


def test_leaderboard_after_cycles(client: TestClient, scored: None) -> None:
    response = client.get("/reports/leaderboard")
    entries = response.json()
    assert [(e["rank"], e["model_id"], e["player_name"]) for e in entries] == [
        (1, "m-ann", "Ann"),
        (2, "m-bob", "Bob"),
    ]
    assert entries[0]["score_anchor"] == pytest.approx(-0.01)
    # Bob: BTC mean −0.25, ETH 0 → overall −0.125
    assert entries[1]["score_anchor"] == pytest.approx(-0.125)
    assert entries[1]["prediction_count"] == 3
    assert response.headers["x-leaderboard-id"] == f"LBR_c1_overall_{T0}"
    assert response.headers["x-leaderboard-created-at"] == "2026-01-05T00:00:00+00:00"


def test_leaderboard_etag_gives_304_until_a_new_leaderboard(
    client: TestClient, scored: None, clock: FakeClock
) -> None:
    etag = client.get("/reports/leaderboard").headers["etag"]
    again = client.get("/reports/leaderboard", headers={"If-None-Match": etag})
    assert again.status_code == 304
    clock.advance(3600)
    client.post("/api/competitions/c1/score-cycles")
    assert client.get("/reports/leaderboard", headers={"If-None-Match": etag}).status_code == 200


def test_models(client: TestClient, competition: str) -> None:
    never = "no leaderboard has been built yet"
    assert client.get("/reports/models").json() == [
        {
            "model_id": "m-ann",
            "model_name": "Ann's model",
            "player_id": "ann",
            "player_name": "Ann",
            "is_active": True,
            "cruncher_name": "Ann",
            "cruncher_id": "ann",
            "deployment_id": "m-ann",
            "unranked_reason": never,
        },
        {
            "model_id": "m-bob",
            "model_name": "Bob's model",
            "player_id": "bob",
            "player_name": "Bob",
            "is_active": True,
            "cruncher_name": "Bob",
            "cruncher_id": "bob",
            "deployment_id": "m-bob",
            "unranked_reason": never,
        },
        {
            "model_id": "m-off",
            "model_name": "Retired",
            "player_id": "bob",
            "player_name": "Bob",
            "is_active": False,
            "cruncher_name": "Bob",
            "cruncher_id": "bob",
            "deployment_id": "m-off",
            "unranked_reason": never,
        },
    ]


def rows_of(client: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_models_global_is_one_row_per_model_and_snapshot(client: TestClient, scored: None) -> None:
    rows = rows_of(client, "/reports/models/global")
    assert [(r["model_id"], r["performed_at"]) for r in rows] == [
        ("m-ann", "2026-01-04T23:00:00.000Z"),
        ("m-ann", "2026-01-05T00:00:00.000Z"),
        ("m-bob", "2026-01-04T23:00:00.000Z"),
        ("m-bob", "2026-01-05T00:00:00.000Z"),
    ]
    assert rows[1]["score_recent"] == pytest.approx(-0.01)
    one = rows_of(
        client, "/reports/models/global", projectIds="m-bob", start="2026-01-04T23:30:00Z"
    )
    assert [(r["model_id"], r["performed_at"]) for r in one] == [
        ("m-bob", "2026-01-05T00:00:00.000Z")
    ]


@pytest.mark.parametrize(
    "query",
    [
        "projectIds=m-ann,m-bob",
        "projectIds=m-ann&projectIds=m-bob",
        "projectIds=m-ann,%20m-bob,",
        "",
    ],
)
def test_project_ids_comma_separated_or_repeated(
    client: TestClient, scored: None, query: str
) -> None:
    rows = client.get(f"/reports/models/global?{query}").json()
    assert {row["model_id"] for row in rows} == {"m-ann", "m-bob"}


def test_models_params_is_one_row_per_param(client: TestClient, scored: None) -> None:
    rows = rows_of(client, "/reports/models/params", projectIds="m-bob", end=T0, start=T0 - 1)
    assert [(r["param"], r["asset"], r["horizon"]) for r in rows] == [
        ("BTC-1h", "BTC", 3600),
        ("ETH", "ETH", None),
    ]
    assert rows[0]["score_recent"] == pytest.approx(-0.25)
    assert rows[0]["prediction_count"] == 2


def test_predictions_newest_first_with_scores_and_filters(client: TestClient, scored: None) -> None:
    rows = rows_of(client, "/reports/predictions")
    assert len(rows) == 5
    assert [r["performed_at"] for r in rows] == sorted(
        (r["performed_at"] for r in rows), reverse=True
    )
    ann = rows_of(client, "/reports/predictions", projectIds="m-ann", status="SCORED")
    assert [(r["score_value"], r["score_success"], r["truth"]) for r in ann] == [
        (pytest.approx(-0.01), True, 0.0),
        (pytest.approx(-0.01), True, 0.0),
    ]
    page = rows_of(client, "/reports/predictions", limit=2, offset=4)
    assert len(page) == 1
    assert rows_of(client, "/reports/predictions", status="PENDING") == []
    window = rows_of(client, "/reports/predictions", start=T0 - HOUR_MS, end=T0 - HOUR_MS)
    assert {r["model_id"] for r in window} == {"m-ann", "m-bob"}
    assert len(window) == 3


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/reports/models/global", {"start": "not-a-date"}, 422, "start"),
        ("/reports/models/global", {"end": "2026-13-01"}, 422, "end"),
        ("/reports/models/global", {"start": T0, "end": T0 - 1}, 422, "start"),
        ("/reports/models/params", {"start": "soon"}, 422, "start"),
        ("/reports/predictions", {"status": "DONE"}, 422, "status"),
        ("/reports/predictions", {"limit": 0}, 422, "limit"),
        ("/reports/predictions", {"limit": 5000}, 422, "limit"),
        ("/reports/predictions", {"offset": -1}, 422, "offset"),
        ("/reports/predictions", {"start": T0, "end": T0 - 1}, 422, "start"),
    ],
)
def test_bad_parameters_are_422_naming_them(
    client: TestClient, competition: str, path: str, params: dict[str, Any], status: int, field: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status
    body = response.json()
    assert body["message"].startswith(field)
    assert body["problems"][0]["field"] == field


@pytest.mark.parametrize(
    "path", ["/reports/models/global", "/reports/models/params", "/reports/predictions"]
)
def test_unknown_model_is_404(client: TestClient, competition: str, path: str) -> None:
    response = client.get(path, params={"projectIds": "m-ann,ghost"})
    assert response.status_code == 404
    assert response.json()["message"] == "model 'ghost' was not found"


def test_the_competition_must_be_named_when_there_are_several(
    client: TestClient, competition: str
) -> None:
    client.post("/api/competitions", json={"id": "c2", "name": "C2"})
    response = client.get("/reports/leaderboard")
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "competition"
    assert client.get("/reports/models", params={"competition": "c2"}).json() == []
    assert client.get("/reports/models", params={"competition": "zz"}).status_code == 404


def test_reports_without_any_competition(client: TestClient) -> None:
    response = client.get("/reports/leaderboard")
    assert response.status_code == 422
    assert "no competition yet" in response.json()["message"]


def test_leaderboard_served_again_from_its_serialized_body_until_the_roster_changes(
    client: TestClient, scored: None
) -> None:
    first = client.get("/reports/leaderboard")
    again = client.get("/reports/leaderboard")
    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["x-leaderboard-id"] == first.headers["x-leaderboard-id"]
    model = first.json()[0]
    registered = client.post(
        "/api/competitions/c1/models",
        json={
            "models": [
                {
                    "id": model["model_id"],
                    "name": model["model_name"],
                    "player_id": model["player_id"],
                    "is_active": False,
                }
            ]
        },
    )
    assert registered.status_code == 200
    after = client.get("/reports/leaderboard").json()
    assert [entry["status"] for entry in after if entry["model_id"] == model["model_id"]] == [False]
