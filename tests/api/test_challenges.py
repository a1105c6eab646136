from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from podium.api.routes.challenges import get_attempt_scorer
from podium.domain.access import Role
from podium.plugins.sandbox import shared_sandbox
from podium.services import api_keys
from podium.services.attempt_scoring import AttemptScorer
from podium.store.database import Database
from tests.conftest import T0, FakeClock

SEED_PAYLOAD = {
    "name": "Advanced Prompt Challenge",
    "scoring_strategy": "custom",
    "scoring_plugin_id": "builtin.weighted_scorer",
    "scoring_entrypoint": "services.scorers.weighted:WeightedScorer",
    "scoring_config": {
        "success_bonus": 100.0,
        "rating_weight": 15.0,
        "time_penalty": 0.5,
        "token_penalty": 0.02,
    },
}
HOSTILE = "tests.plugins.hostile_scorers:"


class Acting:
    """Switches the API key requests are sent with (a key per tenant and role)."""

    def __init__(self, client: TestClient, database: Database) -> None:
        self.client = client
        self.database = database
        self.tokens: dict[tuple[str, Role], str] = {}

    def __call__(self, tenant_id: str = "default", role: Role = Role.ADMIN) -> None:
        if (tenant_id, role) not in self.tokens:
            created = api_keys.create_key(self.database, role=role, tenant_id=tenant_id, now_ms=T0)
            self.tokens[tenant_id, role] = created.token
        self.client.headers["Authorization"] = f"Bearer {self.tokens[tenant_id, role]}"


@pytest.fixture
def acting(client: TestClient, database: Database) -> Iterator[Acting]:
    yield Acting(client, database)
    client.headers.pop("Authorization", None)


def create(client: TestClient, **fields: Any) -> Any:
    response = client.post("/api/challenges", json={"name": "C", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def attempt(client: TestClient, challenge_id: str, **fields: Any) -> Any:
    return client.post(f"/api/challenges/{challenge_id}/attempts", json=fields)


def test_the_seed_payload_is_accepted_as_is_and_scores_attempts(client: TestClient) -> None:
    response = client.post("/api/challenges", json=SEED_PAYLOAD)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["scoring_config"] == SEED_PAYLOAD["scoring_config"]
    assert body["scoring_plugin_id"] == "builtin.weighted_scorer"
    assert body["tenant_id"] == "default"
    assert body["is_active"] is True
    assert client.get(f"/api/challenges/{body['id']}").json() == body
    scored = attempt(
        client,
        body["id"],
        end_user_id="ann",
        succeeded=True,
        rating=6,
        elapsed_ms=10_000,
        tokens_total=1000,
    )
    assert scored.status_code == 201, scored.text
    # 100 + 6×15 − 10 s × 0.5 − 1000 × 0.02
    assert scored.json()["score"] == pytest.approx(165.0)
    assert scored.json()["rank"] == 1
    assert scored.json()["failed_reason"] is None


def test_defaults_are_filled_in(client: TestClient) -> None:
    body = create(client, scoring_strategy="custom", scoring_plugin_id="builtin.weighted_scorer")
    assert body["scoring_config"] == {
        "success_bonus": 100.0,
        "rating_weight": 10.0,
        "time_penalty": 1.0,
        "token_penalty": 0.01,
    }
    assert body["scoring_entrypoint"] is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"scoring_strategy": "custom", "scoring_entrypoint": "no_such_module:Scorer"},
            "scoring_entrypoint",
            "cannot be imported",
        ),
        (
            {"scoring_strategy": "custom", "scoring_entrypoint": HOSTILE + "NoScoreMethod"},
            "scoring_entrypoint",
            "no score() method",
        ),
        ({"scoring_strategy": "custom"}, "scoring_entrypoint", "names its scorer"),
        (
            {"scoring_strategy": "custom", "scoring_plugin_id": "nope"},
            "scoring_plugin_id",
            "unknown scorer 'nope'",
        ),
        (
            {**SEED_PAYLOAD, "scoring_config": {"success_bonus": 1.0, "speed": 2}},
            "scoring_config.speed",
            "Extra inputs",
        ),
        (
            {**SEED_PAYLOAD, "scoring_config": {"rating_weight": "high"}},
            "scoring_config.rating_weight",
            "valid number",
        ),
        (
            {
                "scoring_strategy": "custom",
                "scoring_plugin_id": "builtin.weighted_scorer",
                "scoring_entrypoint": HOSTILE + "Doubler",
            },
            "scoring_plugin_id",
            "another scorer",
        ),
        (
            {"scoring_strategy": "fastest", "scoring_entrypoint": HOSTILE + "Doubler"},
            "scoring_entrypoint",
            "only a custom challenge",
        ),
        ({"scoring_strategy": "slowest"}, "scoring_strategy", "Input should be"),
        ({"name": ""}, "name", "at least 1"),
        ({"timeout_ms": 0}, "timeout_ms", "greater than or equal"),
        ({"colour": "red"}, "colour", "Extra inputs"),
    ],
)
def test_bad_challenges_are_refused_naming_the_field(
    client: TestClient, fields: dict[str, Any], field: str, message: str
) -> None:
    response = client.post("/api/challenges", json={"name": "C", **fields})
    assert response.status_code == 422, response.text
    body = response.json()
    assert field in [problem["field"] for problem in body["problems"]]
    assert message in body["message"]
    assert client.get("/api/challenges").json() == []


def test_custom_plugin_config_is_validated_by_its_config_model(client: TestClient) -> None:
    body = create(client, scoring_strategy="custom", scoring_entrypoint=HOSTILE + "Doubler")
    assert body["scoring_config"] == {"factor": 2.0}
    assert body["scoring_plugin_id"] == HOSTILE + "Doubler"
    response = client.patch(
        f"/api/challenges/{body['id']}", json={"scoring_config": {"factor": "x"}}
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "scoring_config.factor"


def test_list_update_delete(client: TestClient, clock: FakeClock) -> None:
    first = create(client, name="One", scoring_strategy="fastest")
    clock.advance(1)
    second = create(client, name="Two", goal="be quick", app_id="app", workflow_id="wf")
    assert [c["name"] for c in client.get("/api/challenges").json()] == ["One", "Two"]
    assert [c["name"] for c in client.get("/api/challenges?limit=1&offset=1").json()] == ["Two"]
    clock.advance(1)
    response = client.patch(
        f"/api/challenges/{first['id']}",
        json={"name": "Uno", "description": "d", "scoring_strategy": "highest_rating"},
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["name"] == "Uno"
    assert changed["scoring_strategy"] == "highest_rating"
    assert changed["updated_at"] == "2026-01-05T00:00:02.000Z"
    assert changed["created_at"] == "2026-01-05T00:00:00.000Z"
    assert client.delete(f"/api/challenges/{second['id']}").status_code == 204
    assert client.get(f"/api/challenges/{second['id']}").status_code == 404
    assert client.delete(f"/api/challenges/{second['id']}").status_code == 404
    assert client.patch("/api/challenges/nope", json={"name": "x"}).status_code == 404


def test_scoring_is_frozen_once_there_are_attempts(client: TestClient) -> None:
    challenge = create(client, scoring_strategy="fastest")
    assert attempt(client, challenge["id"], end_user_id="ann", succeeded=True).status_code == 201
    response = client.patch(
        f"/api/challenges/{challenge['id']}", json={"scoring_strategy": "first"}
    )
    assert response.status_code == 409
    assert (
        client.patch(f"/api/challenges/{challenge['id']}", json={"name": "renamed"}).status_code
        == 200
    )


def test_leaderboard_ranks_best_attempts_with_shared_ranks(client: TestClient) -> None:
    challenge = create(client, scoring_strategy="fastest")
    cid = challenge["id"]
    at = T0 - 60_000
    cases = [
        ("ann", True, 900, at),
        ("bob", True, 500, at + 1),
        ("cat", True, 500, at + 1),  # same time, same instant as bob: shares his rank
        ("dan", False, 10, at + 2),  # failed: never placed
        ("ann", True, 400, at + 3),  # ann's new best
        ("eve", True, None, at + 4),  # no time: last
        ("bob", False, 1, at + 5),
    ]
    ranks = []
    for player, ok, elapsed, created in cases:
        response = attempt(
            client, cid, end_user_id=player, succeeded=ok, elapsed_ms=elapsed, created_at=created
        )
        assert response.status_code == 201, response.text
        ranks.append(response.json()["rank"])
    assert ranks == [1, 1, 1, None, 1, 4, 2]
    board = client.get(f"/api/challenges/{cid}/leaderboard").json()
    assert board["metric"] == "elapsed_ms"
    assert board["higher_is_better"] is False
    assert board["total"] == 4
    assert board["revision"] == len(cases)
    assert [(e["rank"], e["end_user_id"], e["value"]) for e in board["entries"]] == [
        (1, "ann", 400),
        (2, "bob", 500),
        (2, "cat", 500),
        (4, "eve", None),
    ]
    bob = board["entries"][1]
    assert bob["attempts"] == 2
    assert bob["first_success_at"] == "2026-01-04T23:59:00.001Z"
    page = client.get(f"/api/challenges/{cid}/leaderboard?limit=2&offset=2").json()
    assert [(e["rank"], e["end_user_id"]) for e in page["entries"]] == [(2, "cat"), (4, "eve")]
    attempts = client.get(f"/api/challenges/{cid}/attempts?end_user_id=bob").json()
    assert [a["succeeded"] for a in attempts] == [True, False]


@pytest.mark.parametrize("listing", ["", "/{cid}/attempts", "/{cid}/leaderboard"])
@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=100000", "limit"), ("offset=-1", "offset")],
)
def test_listing_limits_are_capped(
    client: TestClient, listing: str, query: str, field: str
) -> None:
    cid = create(client)["id"]
    response = client.get("/api/challenges" + listing.format(cid=cid) + f"?{query}")
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == field


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"succeeded": True}, "end_user_id"),
        ({"end_user_id": "ann"}, "succeeded"),
        ({"end_user_id": "ann", "succeeded": True, "rating": 11}, "rating"),
        ({"end_user_id": "ann", "succeeded": True, "tokens_total": -1}, "tokens_total"),
        ({"end_user_id": "ann", "succeeded": True, "elapsed_ms": -5}, "elapsed_ms"),
        ({"end_user_id": "ann", "succeeded": True, "created_at": "yesterday"}, "created_at"),
        ({"end_user_id": "ann", "succeeded": True, "created_at": T0 + 3_600_000}, "created_at"),
        ({"end_user_id": "ann", "succeeded": True, "score": 99}, "score"),
    ],
)
def test_bad_attempts_are_refused_and_not_stored(
    client: TestClient, fields: dict[str, Any], field: str
) -> None:
    cid = create(client)["id"]
    response = attempt(client, cid, **fields)
    assert response.status_code == 422, response.text
    assert field in [problem["field"] for problem in response.json()["problems"]]
    assert client.get(f"/api/challenges/{cid}/attempts").json() == []


def test_attempts_take_iso_or_epoch_and_unknown_challenges_are_404(client: TestClient) -> None:
    cid = create(client, scoring_strategy="first")["id"]
    iso = attempt(client, cid, end_user_id="a", succeeded=True, created_at="2026-01-04T00:00:00Z")
    assert iso.json()["created_at"] == "2026-01-04T00:00:00.000Z"
    epoch = attempt(client, cid, end_user_id="b", succeeded=True, created_at=T0 - 1000)
    assert epoch.json()["rank"] == 2
    assert attempt(client, "nope", end_user_id="a", succeeded=True).status_code == 404
    assert client.get("/api/challenges/nope/leaderboard").status_code == 404


def test_inactive_challenges_are_hidden_from_players_and_take_no_attempts(
    client: TestClient, acting: Acting
) -> None:
    cid = create(client, is_active=False)["id"]
    assert attempt(client, cid, end_user_id="a", succeeded=True).status_code == 409
    assert client.get(f"/api/challenges/{cid}/leaderboard").status_code == 200
    acting(role=Role.READ)
    assert client.get(f"/api/challenges/{cid}").status_code == 404
    assert client.get(f"/api/challenges/{cid}/leaderboard").status_code == 404
    assert client.get("/api/challenges").json() == []


def test_roles(client: TestClient, acting: Acting) -> None:
    cid = create(client)["id"]
    acting(role=Role.INGEST)
    assert client.post("/api/challenges", json={"name": "x"}).status_code == 403
    assert client.patch(f"/api/challenges/{cid}", json={"name": "x"}).status_code == 403
    assert client.delete(f"/api/challenges/{cid}").status_code == 403
    assert attempt(client, cid, end_user_id="a", succeeded=True).status_code == 201
    acting(role=Role.READ)
    assert attempt(client, cid, end_user_id="a", succeeded=True).status_code == 403
    assert client.get(f"/api/challenges/{cid}/leaderboard").json()["total"] == 1


def test_a_tenant_never_sees_another_tenants_challenges(client: TestClient, acting: Acting) -> None:
    acting(tenant_id="acme")
    cid = create(client)["id"]
    assert attempt(client, cid, end_user_id="a", succeeded=True).status_code == 201
    acting(tenant_id="globex")
    assert client.get("/api/challenges").json() == []
    for response in (
        client.get(f"/api/challenges/{cid}"),
        client.patch(f"/api/challenges/{cid}", json={"name": "mine"}),
        client.delete(f"/api/challenges/{cid}"),
        attempt(client, cid, end_user_id="b", succeeded=True),
        client.get(f"/api/challenges/{cid}/leaderboard"),
        client.get(f"/api/challenges/{cid}/attempts"),
    ):
        assert response.status_code == 404, response.text
    acting(tenant_id="acme")
    assert client.get(f"/api/challenges/{cid}").json()["name"] == "C"


@pytest.fixture
def small_sandbox(app: FastAPI) -> Iterator[None]:
    """Scorer workers with a 256 MiB ceiling: memory bombs fail fast."""
    sandbox = shared_sandbox(workers=2, memory_limit_mb=256)
    scorer = AttemptScorer(default_timeout_ms=5_000, sandbox=sandbox)
    app.dependency_overrides[get_attempt_scorer] = lambda: scorer
    yield
    app.dependency_overrides.pop(get_attempt_scorer, None)


@pytest.mark.parametrize(
    "plugin",
    [
        "Raises",
        "NoScore",
        "Junk",
        "NotANumber",
        "Loops",
        "Sleeps",
        "EatsMemory",
        "ExitsHard",
        "Segfaults",
        "CallsSysExit",
    ],
)
@pytest.mark.usefixtures("small_sandbox")
def test_a_failing_plugin_stores_the_attempt_without_score_and_the_next_is_scored(
    client: TestClient, plugin: str, caplog: pytest.LogCaptureFixture
) -> None:
    hangs = plugin in ("Loops", "Sleeps")
    # Only the plugins that hang get a short timeout: the others must fail on their own (a
    # memory bomb at its memory ceiling), however long a loaded machine makes them take.
    bad = create(
        client,
        scoring_strategy="custom",
        scoring_entrypoint=HOSTILE + plugin,
        timeout_ms=300 if hangs else 10_000,
    )["id"]
    good = create(client, scoring_strategy="custom", scoring_entrypoint=HOSTILE + "Doubler")["id"]
    response = attempt(client, bad, end_user_id="ann", succeeded=True, rating=5)
    assert response.status_code == 201, response.text
    failed = response.json()
    assert failed["score"] is None
    assert failed["failed_reason"] == "the challenge's scorer could not score this attempt"
    assert "secret" not in response.text
    assert failed["rank"] == 1  # placed, but behind any scored attempt
    assert any(HOSTILE + plugin in record.getMessage() for record in caplog.records)
    scored = attempt(client, good, end_user_id="ann", succeeded=True, rating=5)
    assert scored.json()["score"] == 10.0
    stored = client.get(f"/api/challenges/{bad}/attempts").json()
    assert [a["score"] for a in stored] == [None]
    counter = "timeouts" if hangs else "failures"
    assert (
        f'podium_plugin_{counter}_total{{plugin="{HOSTILE}{plugin}"}}'
        in client.get("/metrics").text
    )


def test_custom_scores_rank_higher_first_and_none_last(client: TestClient) -> None:
    cid = create(client, scoring_strategy="custom", scoring_entrypoint=HOSTILE + "Doubler")["id"]
    for player, rating in (("ann", 3), ("bob", 8), ("cat", 0)):
        attempt(client, cid, end_user_id=player, succeeded=True, rating=rating)
    board = client.get(f"/api/challenges/{cid}/leaderboard").json()
    assert [(e["rank"], e["end_user_id"], e["value"]) for e in board["entries"]] == [
        (1, "bob", 16.0),
        (2, "ann", 6.0),
        (3, "cat", 0.0),
    ]
    negative = create(client, scoring_strategy="custom", scoring_entrypoint=HOSTILE + "Negative")
    clamped = attempt(client, negative["id"], end_user_id="ann", succeeded=True)
    assert clamped.json()["score"] == 0.0


def test_leaderboard_etag_changes_with_each_attempt(client: TestClient) -> None:
    cid = create(client, scoring_strategy="fewest_tokens")["id"]
    attempt(client, cid, end_user_id="ann", succeeded=True, tokens_total=10)
    first = client.get(f"/api/challenges/{cid}/leaderboard")
    etag = first.headers["etag"]
    unchanged = client.get(f"/api/challenges/{cid}/leaderboard", headers={"if-none-match": etag})
    assert unchanged.status_code == 304
    attempt(client, cid, end_user_id="bob", succeeded=True, tokens_total=5)
    changed = client.get(f"/api/challenges/{cid}/leaderboard", headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert [e["end_user_id"] for e in changed.json()["entries"]] == ["bob", "ann"]


@pytest.mark.usefixtures("small_sandbox")
def test_a_hanging_plugin_does_not_hold_up_other_attempts(client: TestClient) -> None:
    sleeper = create(
        client, scoring_strategy="custom", scoring_entrypoint=HOSTILE + "Sleeps", timeout_ms=4000
    )["id"]
    other = create(client, scoring_strategy="custom", scoring_entrypoint=HOSTILE + "Doubler")["id"]
    builtin = create(client, scoring_strategy="fastest")["id"]
    hanging: list[Any] = []
    thread = threading.Thread(
        target=lambda: hanging.append(attempt(client, sleeper, end_user_id="ann", succeeded=True))
    )
    thread.start()
    try:
        # While the sleeper holds one worker, other attempts are scored (built-ins in-process,
        # plugins on the other worker).
        for rating in (1, 2):
            scored = attempt(client, other, end_user_id="bob", succeeded=True, rating=rating)
            assert scored.json()["score"] == 2.0 * rating
        assert (
            attempt(client, builtin, end_user_id="bob", succeeded=True, elapsed_ms=5).json()["rank"]
            == 1
        )
        assert thread.is_alive()
    finally:
        thread.join()
    assert hanging[0].json()["score"] is None


@pytest.mark.parametrize(
    ("module", "message"),
    [("exits", "killed its process while loading"), ("raises_system_exit", "SystemExit")],
)
@pytest.mark.usefixtures("small_sandbox")
def test_a_plugin_that_kills_its_importer_is_refused_and_the_api_lives_on(
    client: TestClient, module: str, message: str
) -> None:
    response = client.post(
        "/api/challenges",
        json={
            "name": "C",
            "scoring_strategy": "custom",
            "scoring_entrypoint": f"tests.plugins.hostile_imports.{module}:Scorer",
        },
    )
    assert response.status_code == 422, response.text
    assert response.json()["problems"][0]["field"] == "scoring_entrypoint"
    assert message in response.json()["message"]
    assert client.get("/api/challenges").status_code == 200
