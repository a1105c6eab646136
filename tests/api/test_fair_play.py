"""Fair play through the API: hidden and banned players, freezes, attempt limits."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from podium.domain.access import Role
from podium.errors import TooManyAttemptsError
from podium.schemas.challenges import AttemptCreate
from podium.services import challenges as challenge_service
from podium.services.attempt_hooks import ATTEMPT_LISTENERS
from podium.services.attempt_scoring import AttemptScorer
from podium.store.database import Database
from tests.api.challenge_helpers import Acting, acting, attempt, challenge, events, ok_attempt
from tests.conftest import T0, FakeClock
from tests.services.test_attempt_recording import counted_statements

__all__ = ["acting"]

MINUTE = 60_000
DAY = 86_400_000


def board(client: TestClient, cid: str, **params: Any) -> list[tuple[int, str]]:
    response = client.get(f"/api/challenges/{cid}/leaderboard", params=params)
    assert response.status_code == 200, response.text
    return [(entry["rank"], entry["end_user_id"]) for entry in response.json()["entries"]]


def attempts_of(client: TestClient, cid: str) -> int:
    return len(client.get(f"/api/challenges/{cid}/attempts").json())


def test_hidden_players_vanish_for_the_public_and_admins_still_see_them(
    client: TestClient, acting: Acting
) -> None:
    cid = challenge(client, "fastest")
    for player, elapsed in (("ann", 10), ("bob", 20), ("cat", 30)):
        ok_attempt(client, cid, player, elapsed_ms=elapsed)
    response = client.patch("/api/players/ann", json={"tenant_id": "default", "hidden": True})
    assert response.status_code == 200, response.text
    assert response.json()["hidden"] is True
    assert board(client, cid) == [(1, "ann"), (2, "bob"), (3, "cat")]  # admin
    acting(role=Role.READ)
    assert board(client, cid) == [(1, "bob"), (2, "cat")]
    assert attempts_of(client, cid) == 3  # attempts are kept
    acting()
    client.patch("/api/players/ann", json={"hidden": False})
    acting(role=Role.READ)
    assert board(client, cid) == [(1, "ann"), (2, "bob"), (3, "cat")]


def test_banned_players_vanish_and_their_new_attempts_are_refused(
    client: TestClient, acting: Acting
) -> None:
    cid = challenge(client, "fastest")
    ok_attempt(client, cid, "ann", elapsed_ms=10)
    ok_attempt(client, cid, "bob", elapsed_ms=20)
    client.patch("/api/players/ann", json={"banned": True})
    refused = attempt(client, cid, "ann", elapsed_ms=1)
    assert refused.status_code == 403
    assert "banned" in refused.json()["message"]
    assert attempts_of(client, cid) == 2
    acting(role=Role.READ)
    assert board(client, cid) == [(1, "bob")]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"tenant_id": "other", "hidden": True}, 403, None),
        ({"hidden": "sometimes"}, 422, "hidden"),
        ({"shadow": True}, 422, "shadow"),
    ],
)
def test_player_flags_refuse_bad_input(client: TestClient, body, status, field) -> None:  # type: ignore[no-untyped-def]
    response = client.patch("/api/players/ann", json=body)
    assert response.status_code == status
    if field:
        assert response.json()["problems"][0]["field"] == field


def test_player_flags_need_the_admin_role(client: TestClient, acting: Acting) -> None:
    acting(role=Role.INGEST)
    assert client.patch("/api/players/ann", json={"hidden": True}).status_code == 403


def test_freeze_pins_the_public_board_and_events_and_unfreezing_publishes(
    client: TestClient, acting: Acting, clock: FakeClock
) -> None:
    cid = challenge(client, "fastest")
    ok_attempt(client, cid, "ann", elapsed_ms=100, created_at=T0)
    rules = client.put(f"/api/challenges/{cid}/rules", json={"freeze_at": T0 + 1_000})
    assert rules.status_code == 200, rules.text
    clock.advance(2)
    assert rules.json()["freeze_at"] == "2026-01-05T00:00:01.000Z"
    ok_attempt(client, cid, "bob", elapsed_ms=50)  # recorded after the freeze
    assert attempts_of(client, cid) == 2
    acting(role=Role.READ)
    assert board(client, cid) == [(1, "ann")]
    assert board(client, cid, live="true") == [(1, "ann")]  # live is for admins only
    assert [e["type"] for e in events(client, cid)] == ["challenge_first_blood"]
    assert client.get(f"/api/challenges/{cid}/rules").json()["frozen"] is True
    acting()
    assert board(client, cid) == [(1, "ann")]
    assert board(client, cid, live="true") == [(1, "bob"), (2, "ann")]
    assert client.put(f"/api/challenges/{cid}/rules", json={}).status_code == 200
    acting(role=Role.READ)
    assert board(client, cid) == [(1, "bob"), (2, "ann")]
    assert [(e["type"], e["end_user_id"]) for e in events(client, cid)] == [
        ("challenge_first_blood", "ann"),
        ("challenge_record_beaten", "bob"),
    ]


def test_max_attempts_per_player_refuses_with_429_and_stores_nothing(
    client: TestClient, clock: FakeClock
) -> None:
    cid = challenge(client, "fastest")
    client.put(f"/api/challenges/{cid}/rules", json={"max_attempts_per_player": 2})
    ok_attempt(client, cid, "ann", succeeded=False)
    ok_attempt(client, cid, "ann", elapsed_ms=10)
    refused = attempt(client, cid, "ann", elapsed_ms=1)
    assert refused.status_code == 429
    assert "Retry-After" not in refused.headers
    assert refused.json()["limit"] == "max_attempts_per_player"
    assert refused.json()["retry_at"] is None
    ok_attempt(client, cid, "bob", elapsed_ms=5)  # others are not limited by ann
    assert attempts_of(client, cid) == 3
    assert board(client, cid) == [(1, "bob"), (2, "ann")]


def test_per_minute_limit_says_when_to_retry(client: TestClient, clock: FakeClock) -> None:
    cid = challenge(client, "fastest")
    client.put(f"/api/challenges/{cid}/rules", json={"max_attempts_per_minute": 2})
    ok_attempt(client, cid, "ann", elapsed_ms=10)
    clock.advance(20)
    ok_attempt(client, cid, "ann", elapsed_ms=10)
    clock.advance(10)
    refused = attempt(client, cid, "ann", elapsed_ms=1)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "30"
    assert refused.json()["retry_at"] == "2026-01-05T00:01:00.000Z"
    assert attempts_of(client, cid) == 2
    assert [e["type"] for e in events(client, cid)] == ["challenge_first_blood"]
    clock.advance(30)
    ok_attempt(client, cid, "ann", elapsed_ms=1)


def test_per_day_limit_resets_at_utc_midnight(client: TestClient, clock: FakeClock) -> None:
    cid = challenge(client, "fastest")
    client.put(f"/api/challenges/{cid}/rules", json={"max_attempts_per_day": 1})
    clock.advance(23 * 3600)
    ok_attempt(client, cid, "ann", elapsed_ms=10)
    refused = attempt(client, cid, "ann", elapsed_ms=1)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3600"
    clock.advance(3600)
    ok_attempt(client, cid, "ann", elapsed_ms=1)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_attempts_per_day": 0}, "max_attempts_per_day"),
        ({"freeze_at": "yesterday"}, "freeze_at"),
        ({"max_attempts": 3}, "max_attempts"),
    ],
)
def test_rules_refuse_bad_input(client: TestClient, body, field) -> None:  # type: ignore[no-untyped-def]
    cid = challenge(client, "first")
    response = client.put(f"/api/challenges/{cid}/rules", json=body)
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == field


def test_rules_of_unknown_or_foreign_challenges_are_404(client: TestClient, acting: Acting) -> None:
    cid = challenge(client, "first")
    assert client.get("/api/challenges/nope/rules").status_code == 404
    acting("other")
    assert client.put(f"/api/challenges/{cid}/rules", json={}).status_code == 404
    acting("default", Role.READ)
    assert client.put(f"/api/challenges/{cid}/rules", json={}).status_code == 403
    assert client.get(f"/api/challenges/{cid}/rules").json()["max_attempts_per_day"] is None


def test_showing_a_hidden_record_holder_again_publishes_the_record(client: TestClient) -> None:
    cid = challenge(client, "fastest")
    ok_attempt(client, cid, "ann", elapsed_ms=100)
    client.patch("/api/players/zed", json={"hidden": True})
    ok_attempt(client, cid, "zed", elapsed_ms=1)
    assert [e["end_user_id"] for e in events(client, cid)] == ["ann"]
    client.patch("/api/players/zed", json={"hidden": False})
    found = events(client, cid)
    assert [(e["type"], e["end_user_id"]) for e in found] == [
        ("challenge_first_blood", "ann"),
        ("challenge_record_beaten", "zed"),
    ]
    client.patch("/api/players/zed", json={"hidden": False})  # nothing new to publish
    assert len(events(client, cid)) == 2


def test_racing_attempts_cannot_slip_past_a_limit_together(
    database: Database, client: TestClient, clock: FakeClock
) -> None:
    cid = challenge(client, "fastest")
    client.put(f"/api/challenges/{cid}/rules", json={"max_attempts_per_player": 1})
    scorer = AttemptScorer(default_timeout_ms=5_000, sandbox=None)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def record() -> None:
        barrier.wait()
        try:
            challenge_service.record_attempt(
                database,
                tenant_id="default",
                challenge_id=cid,
                spec=AttemptCreate(end_user_id="ann", succeeded=True, elapsed_ms=5),
                scorer=scorer,
                now_ms=clock.now_ms,
                max_clock_skew_ms=0,
                listeners=ATTEMPT_LISTENERS,
            )
            outcomes.append("stored")
        except TooManyAttemptsError:
            outcomes.append("refused")

    threads = [threading.Thread(target=record) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "stored"]
    assert attempts_of(client, cid) == 1


_WEIGHTED = {
    "scoring_plugin_id": "builtin.weighted_scorer",
    "scoring_entrypoint": "services.scorers.weighted:WeightedScorer",
    "scoring_config": {"success_bonus": 100.0},
}


@pytest.mark.parametrize(
    ("strategy", "fields", "scored_refused"),
    [
        # A plugin's time is spared: the attempt is refused before it is scored.
        ("custom", _WEIGHTED, False),
        # A built-in strategy costs nothing to score: refused when it is stored.
        ("fastest", {}, True),
    ],
)
def test_a_refused_attempt_is_refused_and_a_plugin_never_scores_it(
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    strategy: str,
    fields: dict[str, Any],
    scored_refused: bool,
) -> None:
    cid = challenge(client, strategy, **fields)
    client.put(f"/api/challenges/{cid}/rules", json={"max_attempts_per_player": 1})
    client.patch("/api/players/mallory", json={"banned": True})
    scored: list[str] = []
    original = AttemptScorer.score

    def counting(self, challenge, attempt, *, tenant_id):  # type: ignore[no-untyped-def]
        scored.append(attempt.end_user_id)
        return original(self, challenge, attempt, tenant_id=tenant_id)

    monkeypatch.setattr(AttemptScorer, "score", counting)
    ok_attempt(client, cid, "ann", elapsed_ms=5)
    assert attempt(client, cid, "ann", elapsed_ms=4).status_code == 429
    assert attempt(client, cid, "mallory", elapsed_ms=4).status_code == 403
    assert scored == (["ann", "ann", "mallory"] if scored_refused else ["ann"])
    assert attempts_of(client, cid) == 1


def test_a_clear_players_next_post_reads_nothing_before_the_plugin(
    app: FastAPI, client: TestClient, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bound no slow machine reaches between two requests (PODIUM_ATTEMPT_CLEARANCE_MS).
    app.state.settings = app.state.settings.model_copy(update={"attempt_clearance_ms": 60_000})
    cid = challenge(client, "custom", **_WEIGHTED)
    read_before_scoring: list[int] = []
    original = AttemptScorer.score

    with counted_statements(database) as seen:

        def counting(self, challenge, attempt, *, tenant_id):  # type: ignore[no-untyped-def]
            read_before_scoring.append(len(seen))
            return original(self, challenge, attempt, tenant_id=tenant_id)

        monkeypatch.setattr(AttemptScorer, "score", counting)
        for elapsed_ms in (5, 4):
            seen.clear()
            ok_attempt(client, cid, "ann", elapsed_ms=elapsed_ms)
    assert read_before_scoring[0] > 0
    assert read_before_scoring[1] == 0
    client.patch("/api/players/ann", json={"banned": True})
    assert attempt(client, cid, "ann", elapsed_ms=3).status_code == 403
    assert len(read_before_scoring) == 2
    assert attempts_of(client, cid) == 2
