"""Collections through the API: CRUD, membership, leaderboards per strategy, fair play."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from podium.domain.access import Role
from tests.api.challenge_helpers import Acting, acting, challenge, ok_attempt
from tests.conftest import T0, FakeClock

__all__ = ["acting"]


def create(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/collections", json={"name": "Series", **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def leaderboard(client: TestClient, collection_id: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/collections/{collection_id}/leaderboard", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def rows(client: TestClient, collection_id: str, **params: Any) -> list[tuple[Any, ...]]:
    return [
        (s["rank"], s["end_user_id"], s["aggregate"], s["challenges_completed"])
        for s in leaderboard(client, collection_id, **params)["standings"]
    ]


def test_crud_and_membership(client: TestClient) -> None:
    a, b, c = (challenge(client, "first") for _ in range(3))
    made = create(client, id="spring", instructions="Do all", challenge_ids=[a, b])
    assert made["challenge_ids"] == [a, b]
    assert made["strategy"] == "sum"
    assert client.get("/api/collections/spring").json()["instructions"] == "Do all"
    assert [x["id"] for x in client.get("/api/collections").json()] == ["spring"]
    put = client.put("/api/collections/spring/challenges", json={"challenge_ids": [c, a]})
    assert put.status_code == 200, put.text
    assert put.json()["challenge_ids"] == [c, a]
    patched = client.patch(
        "/api/collections/spring", json={"name": "Spring", "freeze_at": "2026-02-01T00:00:00Z"}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["name"], patched.json()["freeze_at"]) == (
        "Spring",
        "2026-02-01T00:00:00.000Z",
    )
    assert (
        client.patch("/api/collections/spring", json={"freeze_at": None}).json()["freeze_at"]
        is None
    )
    assert client.post("/api/collections", json={"id": "spring", "name": "x"}).status_code == 409
    assert client.delete("/api/collections/spring").status_code == 204
    assert client.get("/api/collections/spring").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"challenge_ids": ["missing"]}, "challenge_ids"),
        ({"strategy": "custom"}, "scoring_plugin_id"),
        ({"strategy": "custom", "scoring_plugin_id": "nope"}, "scoring_plugin_id"),
        (
            {
                "strategy": "custom",
                "scoring_plugin_id": "builtin.weighted_sum",
                "scoring_config": {"x": 1},
            },
            "scoring_config.x",
        ),
        (
            {
                "strategy": "fastest_total",
                "dynamic_value": {"initial": 5, "minimum": 1, "decay": 1},
            },
            "dynamic_value",
        ),
        ({"dynamic_value": {"initial": 5, "minimum": 9, "decay": 1}}, "dynamic_value"),
        ({"strategy": "slowest"}, "strategy"),
        ({"name": ""}, "name"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(client: TestClient, body, field) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/collections", json={"name": "S", **body})
    assert response.status_code == 422, response.text
    assert response.json()["problems"][0]["field"] == field


def test_membership_refuses_unknown_duplicate_and_foreign_challenges(
    client: TestClient, acting: Acting
) -> None:
    mine = challenge(client, "first")
    create(client, id="s")
    duplicate = client.put("/api/collections/s/challenges", json={"challenge_ids": [mine, mine]})
    assert duplicate.status_code == 422
    assert duplicate.json()["problems"][0]["index"] == 1
    acting("other")
    theirs = challenge(client, "first")
    assert client.get("/api/collections/s").status_code == 404
    acting()
    foreign = client.put("/api/collections/s/challenges", json={"challenge_ids": [theirs]})
    assert foreign.status_code == 422
    acting("default", Role.READ)
    assert (
        client.put("/api/collections/s/challenges", json={"challenge_ids": []}).status_code == 403
    )


def test_fastest_total_ranks_more_completed_first(client: TestClient) -> None:
    a, b = challenge(client, "fastest"), challenge(client, "fastest")
    create(client, id="s", strategy="fastest_total", challenge_ids=[a, b])
    ok_attempt(client, a, "ann", elapsed_ms=500)
    ok_attempt(client, b, "ann", elapsed_ms=700)
    ok_attempt(client, a, "bob", elapsed_ms=100)
    ok_attempt(client, a, "cat", elapsed_ms=300, succeeded=False)
    ok_attempt(client, a, "dan", elapsed_ms=100, created_at=T0 + 5)
    assert rows(client, "s") == [
        (1, "ann", 1200.0, 2),
        (2, "bob", 100.0, 1),
        (2, "dan", 100.0, 1),
    ]
    best = leaderboard(client, "s")["standings"][0]["bests"]
    assert [(b_["challenge_id"], b_["elapsed_ms"]) for b_ in best] == [(a, 500), (b, 700)]


def test_sum_over_first_and_custom_challenges(client: TestClient) -> None:
    first = challenge(client, "first")
    weighted = challenge(
        client, "custom", scoring_plugin_id="builtin.weighted_scorer", scoring_config={}
    )
    create(client, id="s", strategy="sum", challenge_ids=[first, weighted])
    ok_attempt(client, first, "ann")
    ok_attempt(client, weighted, "ann", rating=10, elapsed_ms=0, tokens_total=0)
    ok_attempt(client, weighted, "bob", rating=5, elapsed_ms=0, tokens_total=0)
    assert rows(client, "s") == [(1, "ann", 201.0, 2), (2, "bob", 150.0, 1)]


def test_highest_avg_rating_and_fewest_tokens(client: TestClient) -> None:
    a, b = challenge(client, "highest_rating"), challenge(client, "fewest_tokens")
    create(client, id="avg", strategy="highest_avg_rating", challenge_ids=[a, b])
    create(client, id="tok", strategy="fewest_tokens_total", challenge_ids=[a, b])
    ok_attempt(client, a, "ann", rating=8, tokens_total=50)
    ok_attempt(client, b, "ann", rating=10, tokens_total=10)
    ok_attempt(client, a, "bob", rating=9, tokens_total=5)
    assert rows(client, "avg") == [(1, "ann", 9.0, 2), (2, "bob", 9.0, 1)]
    assert rows(client, "tok") == [(1, "ann", 60.0, 2), (2, "bob", 5.0, 1)]


def test_custom_collection_scorer_and_its_failures(client: TestClient) -> None:
    a = challenge(client, "first")
    ok_attempt(client, a, "ann")
    ok_attempt(client, a, "bob")
    made = create(
        client,
        id="c",
        strategy="custom",
        scoring_plugin_id="tests.plugins.collection_scorers:CountTimesTen",
        challenge_ids=[a],
    )
    assert made["scoring_config"] == {"factor": 10.0}
    assert rows(client, "c") == [(1, "ann", 10.0, 1), (1, "bob", 10.0, 1)]
    for plugin in ("Raises", "Junk"):
        changed = client.patch(
            "/api/collections/c",
            json={"scoring_plugin_id": f"tests.plugins.collection_scorers:{plugin}"},
        )
        assert changed.status_code == 200, changed.text
        body = leaderboard(client, "c")
        assert [(s["end_user_id"], s["aggregate"]) for s in body["standings"]] == [
            ("ann", 1.0 if plugin == "Raises" else 0.0),
            ("bob", None),
        ]
        assert "secret" not in str(body)


def test_builtin_weighted_sum(client: TestClient) -> None:
    a, b = challenge(client, "first"), challenge(client, "first")
    create(
        client,
        id="w",
        strategy="custom",
        scoring_plugin_id="builtin.weighted_sum",
        scoring_config={"weights": {b: 3}, "completion_bonus": 1},
        challenge_ids=[a, b],
    )
    ok_attempt(client, a, "ann")
    ok_attempt(client, b, "bob")
    assert rows(client, "w") == [(1, "bob", 4.0, 1), (2, "ann", 2.0, 1)]


def test_hidden_players_vanish_and_inactive_challenges_are_left_out(
    client: TestClient, acting: Acting
) -> None:
    a, b = challenge(client, "first"), challenge(client, "first")
    create(client, id="s", challenge_ids=[a, b])
    ok_attempt(client, a, "ann")
    ok_attempt(client, b, "ann")
    ok_attempt(client, a, "bob")
    client.patch("/api/players/ann", json={"hidden": True})
    client.patch(f"/api/challenges/{b}", json={"is_active": False})
    admin = leaderboard(client, "s")
    assert [(s["end_user_id"], s["hidden"]) for s in admin["standings"]] == [
        ("ann", True),
        ("bob", False),
    ]
    acting(role=Role.READ)
    public = leaderboard(client, "s")
    assert public["challenge_ids"] == [a]
    assert [s["end_user_id"] for s in public["standings"]] == ["bob"]


def test_freeze_pins_the_collection_board(
    client: TestClient, acting: Acting, clock: FakeClock
) -> None:
    a = challenge(client, "fastest")
    create(client, id="s", strategy="fastest_total", challenge_ids=[a], freeze_at=T0 + 1_000)
    ok_attempt(client, a, "ann", elapsed_ms=100)
    clock.advance(5)
    ok_attempt(client, a, "bob", elapsed_ms=10)
    acting(role=Role.READ)
    frozen = leaderboard(client, "s", live="true")
    assert frozen["frozen"] is True
    assert frozen["as_of"] == "2026-01-05T00:00:01.000Z"
    assert [s["end_user_id"] for s in frozen["standings"]] == ["ann"]
    acting()
    assert [s["end_user_id"] for s in leaderboard(client, "s", live="true")["standings"]] == [
        "bob",
        "ann",
    ]
    client.patch("/api/collections/s", json={"freeze_at": None})
    acting(role=Role.READ)
    assert [s["end_user_id"] for s in leaderboard(client, "s")["standings"]] == ["bob", "ann"]


def test_dynamic_value_is_fixed_at_each_players_success(client: TestClient) -> None:
    a, b = challenge(client, "first"), challenge(client, "first")
    create(
        client,
        id="ctf",
        strategy="sum",
        dynamic_value={"initial": 500, "minimum": 100, "decay": 100},
        challenge_ids=[a, b],
    )
    ok_attempt(client, a, "ann")
    assert rows(client, "ctf") == [(1, "ann", 500.0, 1)]
    ok_attempt(client, a, "bob")
    ok_attempt(client, a, "cat")
    ok_attempt(client, b, "cat")
    # ann keeps the 500 she earned first; bob got 400, cat 300 on a and 500 on b.
    assert rows(client, "ctf") == [(1, "cat", 800.0, 2), (2, "ann", 500.0, 1), (3, "bob", 400.0, 1)]
    ok_attempt(client, a, "ann")  # a second success does not change her place in the order
    assert rows(client, "ctf")[1] == (2, "ann", 500.0, 1)


def test_leaderboard_paging_and_limits(client: TestClient) -> None:
    a = challenge(client, "fastest")
    create(client, id="s", strategy="fastest_total", challenge_ids=[a])
    for index in range(5):
        ok_attempt(client, a, f"p{index}", elapsed_ms=10 * (index + 1))
    page = leaderboard(client, "s", limit=2, offset=2)
    assert (page["total"], [s["end_user_id"] for s in page["standings"]]) == (5, ["p2", "p3"])
    too_many = client.get("/api/collections/s/leaderboard", params={"limit": 10**6})
    assert too_many.status_code == 422
    assert client.get("/api/collections/nope/leaderboard").status_code == 404


def test_a_deleted_challenge_drops_out_of_its_collections(client: TestClient) -> None:
    a, b = challenge(client, "first"), challenge(client, "first")
    create(client, id="s", challenge_ids=[a, b])
    ok_attempt(client, b, "ann")
    assert client.delete(f"/api/challenges/{b}").status_code == 204
    assert client.get("/api/collections/s").json()["challenge_ids"] == [a]
    assert rows(client, "s") == []


def test_a_plugin_that_kills_its_process_at_import_is_a_422(client: TestClient) -> None:
    response = client.post(
        "/api/collections",
        json={
            "name": "S",
            "strategy": "custom",
            "scoring_plugin_id": "tests.plugins.collection_scorer_exits_at_import:Scorer",
        },
    )
    assert response.status_code == 422, response.text
    assert response.json()["problems"][0]["field"] == "scoring_plugin_id"
    assert client.get("/healthz").status_code == 200
