"""Report routes of the ranking issue: categories, history, rank change, stats, metrics."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import T0, FakeClock

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def post_ok(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


def get_ok(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def score_two_hours(client: TestClient, clock: FakeClock, end_ms: int = T0) -> None:
    """Ann predicts BTC twice (0.1, close to the truth 0); Bob BTC twice (0.5) and ETH once."""
    rows = []
    for hour in (2, 1):
        for model_id, value in (("m-ann", 0.1), ("m-bob", 0.5)):
            rows.append(
                {
                    "model_id": model_id,
                    "param_id": "BTC-1h",
                    "payload": value,
                    "performed_at": end_ms - hour * HOUR_MS,
                }
            )
    rows.append(
        {
            "model_id": "m-bob",
            "param_id": "ETH",
            "payload": 1,
            "performed_at": end_ms - HOUR_MS,
            "resolvable_at": end_ms,
        }
    )
    post_ok(client, "/api/competitions/c1/predictions", {"predictions": rows})
    truths = [{"param_id": "BTC-1h", "ts": end_ms - h * HOUR_MS, "value": 0.0} for h in (1, 0)]
    truths.append({"param_id": "ETH", "ts": end_ms, "value": 1.0})
    post_ok(client, "/api/competitions/c1/truths", {"truths": truths})
    clock.now_ms = end_ms - HOUR_MS
    post_ok(client, "/api/competitions/c1/score-cycles", {})
    clock.now_ms = end_ms
    post_ok(client, "/api/competitions/c1/score-cycles", {})


@pytest.fixture
def scored(client: TestClient, competition: str, clock: FakeClock) -> None:
    score_two_hours(client, clock)


def board(client: TestClient, **params: Any) -> list[tuple[int, str]]:
    return [
        (row["rank"], row["model_id"]) for row in get_ok(client, "/reports/leaderboard", **params)
    ]


def test_one_leaderboard_per_asset_and_the_categories(client: TestClient, scored: None) -> None:
    assert board(client) == [(1, "m-ann"), (2, "m-bob")]
    assert board(client, category="BTC") == [(1, "m-ann"), (2, "m-bob")]
    eth = get_ok(client, "/reports/leaderboard", category="ETH")
    assert [(row["rank"], row["model_id"], row["category"]) for row in eth] == [(1, "m-bob", "ETH")]
    assert eth[0]["score_anchor"] == pytest.approx(0.0)
    btc_bob = get_ok(client, "/reports/leaderboard", category="BTC")[1]
    assert btc_bob["score_anchor"] == pytest.approx(-0.25)
    assert btc_bob["prediction_count"] == 2
    assert get_ok(client, "/reports/leaderboard", category="DOGE") == []
    assert get_ok(client, "/reports/leaderboard/categories") == [
        {
            "category": "BTC",
            "leaderboard_count": 2,
            "latest_created_at": "2026-01-05T00:00:00.000Z",
        },
        {
            "category": "ETH",
            "leaderboard_count": 1,
            "latest_created_at": "2026-01-05T00:00:00.000Z",
        },
        {
            "category": "overall",
            "leaderboard_count": 2,
            "latest_created_at": "2026-01-05T00:00:00.000Z",
        },
    ]


def test_leaderboard_rows_carry_the_board_and_the_dashboard_fields(
    client: TestClient, scored: None
) -> None:
    first = get_ok(client, "/reports/leaderboard")[0]
    assert first["leaderboard_id"] == f"LBR_c1_overall_{T0}"
    assert first["created_at"] == "2026-01-05T00:00:00.000Z"
    assert first["category"] == "overall"
    assert (first["cruncher_name"], first["username"], first["status"]) == ("Ann", "Ann", True)
    assert first["combined_score"] is None  # lexicographic has no combined value
    assert first["rank_change_24h"] is None  # no leaderboard 24 h earlier


def test_at_returns_the_leaderboard_as_it_stood(client: TestClient, scored: None) -> None:
    earlier = get_ok(client, "/reports/leaderboard", at="2026-01-04T23:30:00Z")
    assert {row["leaderboard_id"] for row in earlier} == {f"LBR_c1_overall_{T0 - HOUR_MS}"}
    assert get_ok(client, "/reports/leaderboard", at=T0 - 2 * HOUR_MS) == []
    response = client.get("/reports/leaderboard", params={"at": "yesterday"})
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "at"


def test_leaderboard_history(client: TestClient, scored: None) -> None:
    rows = get_ok(client, "/reports/leaderboards", category="overall")
    assert [(row["id"], row["created_at"], row["entry_count"]) for row in rows] == [
        (f"LBR_c1_overall_{T0 - HOUR_MS}", "2026-01-04T23:00:00.000Z", 2),
        (f"LBR_c1_overall_{T0}", "2026-01-05T00:00:00.000Z", 2),
    ]
    every = get_ok(client, "/reports/leaderboards")
    assert [row["category"] for row in every] == ["BTC", "overall", "BTC", "ETH", "overall"]
    assert get_ok(client, "/reports/leaderboards", start=T0 - 30 * 60_000) == [
        row for row in every if row["created_at"] == "2026-01-05T00:00:00.000Z"
    ]
    response = client.get("/reports/leaderboards", params={"start": T0, "end": T0 - 1})
    assert response.status_code == 422


def test_rank_change_against_the_leaderboard_a_day_earlier(
    client: TestClient, scored: None, clock: FakeClock
) -> None:
    # Flip the order (lower first) and add a model: a day later Bob is first, Ann second.
    response = client.patch(
        "/api/competitions/c1",
        json={"ranker_config": {"order": "asc", "keys": ["anchor"], "min_predictions": 0}},
    )
    assert response.status_code == 200, response.text
    post_ok(
        client,
        "/api/competitions/c1/models",
        {"models": [{"id": "m-new", "name": "New", "player_id": "ann"}]},
    )
    clock.now_ms = T0 + DAY_MS
    post_ok(client, "/api/competitions/c1/score-cycles", {})
    rows = get_ok(client, "/reports/leaderboard")
    assert [(row["model_id"], row["rank"], row["rank_change_24h"]) for row in rows] == [
        ("m-bob", 1, 1),
        ("m-ann", 2, -1),
        ("m-new", 3, None),
    ]


def test_weighted_ranker_shows_the_combined_score_and_shared_ties(
    client: TestClient, scored: None, clock: FakeClock
) -> None:
    response = client.patch(
        "/api/competitions/c1",
        json={
            "ranker": "weighted",
            "ranker_config": {"weights": {"anchor": 1.0}, "min_predictions": 0},
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["ranker_config"] == {
        "weights": {"anchor": 1.0},
        "ties": "ordered",
        "min_predictions": 0,
    }
    clock.advance(3600)
    post_ok(client, "/api/competitions/c1/score-cycles", {})
    rows = get_ok(client, "/reports/leaderboard")
    assert [(row["model_id"], row["combined_score"]) for row in rows] == [
        ("m-ann", pytest.approx(-0.01)),
        ("m-bob", pytest.approx(-0.125)),
    ]


def test_min_predictions_leaves_a_model_off_and_says_why(
    client: TestClient, scored: None, clock: FakeClock
) -> None:
    response = client.patch("/api/competitions/c1", json={"ranker_config": {"min_predictions": 3}})
    assert response.status_code == 200, response.text
    assert response.json()["ranker_config"]["min_predictions"] == 3
    clock.advance(3600)
    post_ok(client, "/api/competitions/c1/score-cycles", {})
    assert board(client) == [(1, "m-bob")]
    reasons = {row["model_id"]: row["unranked_reason"] for row in get_ok(client, "/reports/models")}
    assert reasons == {
        "m-ann": "fewer than 3 scored predictions (2 so far)",
        "m-bob": None,
        "m-off": "the model is not active",
    }
    stats = get_ok(client, "/reports/models/m-ann/stats")
    assert (stats["rank"], stats["unranked_reason"]) == (None, reasons["m-ann"])


def test_model_stats(client: TestClient, scored: None) -> None:
    assert get_ok(client, "/reports/models/m-bob/stats") == {
        "model_id": "m-bob",
        "model_name": "Bob's model",
        "total_predictions": 3,
        "successful_predictions": 3,
        "average_score": pytest.approx((-0.25 - 0.25 + 0.0) / 3),
        "best_asset": "ETH",
        "worst_asset": "BTC",
        "rank": 2,
        "unranked_reason": None,
    }


def test_model_stats_before_any_score(client: TestClient, competition: str) -> None:
    stats = get_ok(client, "/reports/models/m-ann/stats")
    assert stats["total_predictions"] == 0
    assert stats["average_score"] is None
    assert (stats["best_asset"], stats["worst_asset"], stats["rank"]) == (None, None, None)


def test_model_history_one_point_per_snapshot(client: TestClient, scored: None) -> None:
    rows = get_ok(
        client,
        "/reports/models/m-ann/history",
        start="2026-01-04T00:00:00.000Z",
        end="2026-01-05T00:00:00.000Z",
    )
    assert [row["timestamp"] for row in rows] == [
        "2026-01-04T23:00:00.000Z",
        "2026-01-05T00:00:00.000Z",
    ]
    assert rows[1]["score_anchor"] == pytest.approx(-0.01)
    assert set(rows[0]) == {"timestamp", "score_recent", "score_steady", "score_anchor"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"end": T0}, "start"),
        ({"start": T0}, "end"),
        ({"start": "2026-02-30", "end": T0}, "start"),
        ({"start": T0, "end": "later"}, "end"),
        ({"start": T0, "end": T0 - 1}, "start"),
    ],
)
def test_model_history_needs_start_and_end(
    client: TestClient, competition: str, params: dict[str, Any], field: str
) -> None:
    response = client.get("/reports/models/m-ann/history", params=params)
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == field


@pytest.mark.parametrize(
    "path",
    ["/reports/models/ghost/stats", "/reports/models/ghost/metrics"],
)
def test_unknown_model_is_404(client: TestClient, competition: str, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["message"] == "model 'ghost' was not found"


def test_unknown_model_history_is_404(client: TestClient, competition: str) -> None:
    response = client.get("/reports/models/ghost/history", params={"start": 0, "end": T0})
    assert response.status_code == 404


def test_metrics_are_recorded_after_each_cycle(
    client: TestClient, competition: str, clock: FakeClock
) -> None:
    response = client.patch(
        "/api/competitions/c1",
        json={
            "metrics": [
                {"plugin": "prediction_count", "window": "7d"},
                {"name": "vol", "plugin": "prediction_volatility", "window": "7d"},
                {"plugin": "hit_rate", "window": "7d"},
            ]
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["metrics"][1] == {
        "name": "vol",
        "plugin": "prediction_volatility",
        "window": "168h",
        "config": {},
    }
    score_two_hours(client, clock)
    counts = get_ok(client, "/reports/metrics", name="prediction_count")
    assert [(r["model_id"], r["metric_value"], r["recorded_at"]) for r in counts] == [
        ("m-ann", 1.0, "2026-01-04T23:00:00.000Z"),
        ("m-ann", 2.0, "2026-01-05T00:00:00.000Z"),
        ("m-bob", 1.0, "2026-01-04T23:00:00.000Z"),
        ("m-bob", 3.0, "2026-01-05T00:00:00.000Z"),
    ]
    bob = get_ok(client, "/reports/models/m-bob/metrics", names="vol,hit_rate", start=T0)
    assert [(r["metric_name"], r["metric_value"]) for r in bob] == [
        ("hit_rate", pytest.approx(1 / 3)),  # only ETH (1 vs 1) hits; BTC truths are 0
        ("vol", pytest.approx(0.2357022603955158)),  # std of 0.5, 0.5, 1
    ]
    assert bob[0]["performed_at"] == bob[0]["recorded_at"] == "2026-01-05T00:00:00.000Z"
    assert get_ok(client, "/reports/metrics", name="nothing") == []


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/reports/leaderboard", {"category": ""}, 422, "category"),
        ("/reports/leaderboard", {"at": "2026-01-32"}, 422, "at"),
        ("/reports/leaderboards", {"start": "bad"}, 422, "start"),
        ("/reports/leaderboards", {"category": "x" * 65}, 422, "category"),
        ("/reports/metrics", {"end": "bad"}, 422, "end"),
        ("/reports/metrics", {"start": T0, "end": T0 - 1}, 422, "start"),
        ("/reports/models/m-ann/metrics", {"start": "soon"}, 422, "start"),
        ("/reports/metrics/ic", {"start": "soon"}, 422, "start"),
        ("/reports/feeds/tail", {"kind": "price"}, 422, "kind"),
        ("/reports/feeds/tail", {"limit": 0}, 422, "limit"),
        ("/reports/feeds/tail", {"limit": 100_000}, 422, "limit"),
        ("/reports/metrics", {"projectIds": "m-ann,ghost"}, 404, None),
    ],
)
def test_bad_parameters_of_the_new_routes(
    client: TestClient,
    competition: str,
    path: str,
    params: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["message"]
    if field is not None:
        assert body["problems"][0]["field"] == field


@pytest.mark.parametrize(
    "path",
    [
        "/reports/leaderboards",
        "/reports/leaderboard/categories",
        "/reports/metrics",
        "/reports/models/m-ann/metrics",
        "/reports/feeds",
        "/reports/feeds/tail",
    ],
)
def test_new_routes_are_empty_lists_before_any_cycle(
    client: TestClient, competition: str, path: str
) -> None:
    assert get_ok(client, path) == []


def test_new_routes_need_the_competition_named_when_there_are_several(
    client: TestClient, competition: str
) -> None:
    post_ok(client, "/api/competitions", {"id": "c2", "name": "C2"})
    for path in ("/reports/schema", "/reports/leaderboards", "/reports/feeds"):
        response = client.get(path)
        assert response.status_code == 422
        assert response.json()["problems"][0]["field"] == "competition"
    assert get_ok(client, "/reports/schema", competition="c2")["schema_version"] == 1


def test_min_predictions_defaults_to_100_scored_predictions(
    client: TestClient, competition: str, clock: FakeClock
) -> None:
    """The host's guide ranks a model from its 100th scored prediction; so does Podium unless the
    competition says otherwise (here the ``min_predictions`` 0 of the fixture is taken out)."""
    response = client.patch("/api/competitions/c1", json={"ranker_config": {}})
    assert response.status_code == 200, response.text
    assert "min_predictions" not in response.json()["ranker_config"]
    start = T0 - 200 * HOUR_MS
    counts = {"m-ann": 100, "m-bob": 99}
    rows = [
        {
            "model_id": model_id,
            "param_id": "ETH",
            "payload": 1.0,
            "performed_at": start + index * HOUR_MS,
            "resolvable_at": start + (index + 1) * HOUR_MS,
        }
        for model_id, count in counts.items()
        for index in range(count)
    ]
    post_ok(client, "/api/competitions/c1/predictions", {"predictions": rows})
    truths = [
        {"param_id": "ETH", "ts": start + (index + 1) * HOUR_MS, "value": 1.0}
        for index in range(100)
    ]
    post_ok(client, "/api/competitions/c1/truths", {"truths": truths})
    clock.now_ms = T0
    post_ok(client, "/api/competitions/c1/score-cycles", {})
    assert board(client) == [(1, "m-ann")]
    reasons = {row["model_id"]: row["unranked_reason"] for row in get_ok(client, "/reports/models")}
    assert reasons["m-bob"] == "fewer than 100 scored predictions (99 so far)"
    assert reasons["m-ann"] is None
