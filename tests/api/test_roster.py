from __future__ import annotations

from fastapi.testclient import TestClient


def test_players_models_and_params_are_listed(client: TestClient, competition: str) -> None:
    assert [p["id"] for p in client.get("/api/players").json()] == ["ann", "bob"]
    models = client.get("/api/competitions/c1/models").json()
    assert [(m["model_id"], m["player_name"], m["is_active"]) for m in models] == [
        ("m-ann", "Ann", True),
        ("m-bob", "Bob", True),
        ("m-off", "Bob", False),
    ]
    params = client.get("/api/competitions/c1/params").json()
    assert params == [
        {"id": "BTC-1h", "asset": "BTC", "horizon": 3600, "step": None, "extra": {}},
        {"id": "ETH", "asset": "ETH", "horizon": None, "step": None, "extra": {"venue": "spot"}},
    ]


def test_upserts_rename(client: TestClient, competition: str) -> None:
    client.post("/api/players", json={"players": [{"id": "ann", "name": "Ann B."}]})
    client.post(
        "/api/competitions/c1/models",
        json={"models": [{"id": "m-ann", "name": "v2", "player_id": "ann"}]},
    )
    models = {m["model_id"]: m for m in client.get("/api/competitions/c1/models").json()}
    assert (models["m-ann"]["model_name"], models["m-ann"]["player_name"]) == ("v2", "Ann B.")


def test_a_model_of_an_unknown_player_is_refused_by_index(
    client: TestClient, competition: str
) -> None:
    response = client.post(
        "/api/competitions/c1/models",
        json={
            "models": [
                {"id": "ok", "name": "ok", "player_id": "ann"},
                {"id": "x", "name": "x", "player_id": "zed"},
            ]
        },
    )
    assert response.status_code == 422
    assert response.json()["problems"] == [
        {"field": "player_id", "message": "unknown player 'zed'", "index": 1}
    ]
    assert "ok" not in {m["model_id"] for m in client.get("/api/competitions/c1/models").json()}


def test_a_model_id_is_unique_across_competitions(client: TestClient, competition: str) -> None:
    client.post("/api/competitions", json={"id": "c2", "name": "C2"})
    response = client.post(
        "/api/competitions/c2/models",
        json={"models": [{"id": "m-ann", "name": "x", "player_id": "ann"}]},
    )
    assert response.status_code == 422
    assert (
        response.json()["problems"][0]["message"] == "model 'm-ann' belongs to another competition"
    )


def test_roster_validation(client: TestClient, competition: str) -> None:
    assert client.post("/api/players", json={"players": []}).status_code == 422
    bad_param = client.post(
        "/api/competitions/c1/params", json={"params": [{"id": "p", "horizon": -5}]}
    )
    assert bad_param.status_code == 422
    assert bad_param.json()["problems"][0] == {
        "field": "params.horizon",
        "message": "Input should be greater than 0",
        "index": 0,
    }
    assert (
        client.post("/api/competitions/nope/params", json={"params": [{"id": "p"}]}).status_code
        == 404
    )
    assert client.get("/api/competitions/nope/models").status_code == 404
