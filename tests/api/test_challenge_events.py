"""Challenge events through the API: first blood, record beaten, filters, exactly once."""

from __future__ import annotations

import threading

import anyio
from fastapi.testclient import TestClient

from podium.api.routes.challenge_events import _event_stream
from podium.domain.access import Principal, Role
from podium.schemas.challenges import AttemptCreate
from podium.services import challenges as challenge_service
from podium.services.attempt_hooks import ATTEMPT_LISTENERS
from podium.services.attempt_scoring import AttemptScorer
from podium.store.database import Database
from tests.api.challenge_helpers import Acting, acting, challenge, events, ok_attempt
from tests.conftest import T0, FakeClock

__all__ = ["acting"]


def test_first_blood_then_record_beaten_with_previous_and_new(client: TestClient) -> None:
    cid = challenge(client, "fastest")
    ok_attempt(client, cid, "ann", succeeded=False, elapsed_ms=1)
    assert events(client, cid) == []
    ok_attempt(client, cid, "ann", elapsed_ms=900, created_at=T0 + 1)
    ok_attempt(client, cid, "bob", elapsed_ms=950, created_at=T0 + 2)  # slower: no event
    ok_attempt(client, cid, "cat", elapsed_ms=900, created_at=T0 + 3)  # a tie: no event
    ok_attempt(client, cid, "bob", elapsed_ms=500, created_at=T0 + 4)
    found = events(client, cid)
    assert [(e["type"], e["end_user_id"]) for e in found] == [
        ("challenge_first_blood", "ann"),
        ("challenge_record_beaten", "bob"),
    ]
    assert found[0]["occurred_at_ms"] == T0 + 1
    beaten = found[1]["payload"]
    assert (beaten["previous_record"]["end_user_id"], beaten["previous_record"]["score"]) == (
        "ann",
        900.0,
    )
    assert (beaten["new_record"]["end_user_id"], beaten["new_record"]["score"]) == ("bob", 500.0)


def test_events_filter_by_type_and_since(client: TestClient) -> None:
    cid = challenge(client, "highest_rating")
    ok_attempt(client, cid, "ann", rating=5, created_at=T0)
    ok_attempt(client, cid, "bob", rating=7, created_at=T0 + 10_000)
    ok_attempt(client, cid, "ann", rating=9, created_at=T0 + 20_000)
    assert len(events(client, cid)) == 3
    assert [e["end_user_id"] for e in events(client, cid, type="challenge_record_beaten")] == [
        "bob",
        "ann",
    ]
    assert [e["end_user_id"] for e in events(client, cid, since=T0 + 10_000)] == ["bob", "ann"]
    assert [e["end_user_id"] for e in events(client, cid, since="2026-01-05T00:00:15Z")] == ["ann"]
    bad = client.get(f"/api/challenges/{cid}/events", params={"type": "nope"})
    assert bad.status_code == 422
    assert client.get("/api/challenges/missing/events").status_code == 404


def test_other_tenants_never_see_events(client: TestClient, acting: Acting) -> None:
    cid = challenge(client, "first")
    ok_attempt(client, cid, "ann")
    acting("other", Role.READ)
    assert client.get(f"/api/challenges/{cid}/events").status_code == 404


def test_hidden_players_never_trigger_events(client: TestClient) -> None:
    cid = challenge(client, "fastest")
    assert client.patch("/api/players/ghost", json={"hidden": True}).status_code == 200
    ok_attempt(client, cid, "ghost", elapsed_ms=1)
    assert events(client, cid) == []
    ok_attempt(client, cid, "ann", elapsed_ms=100)
    ok_attempt(client, cid, "ghost", elapsed_ms=2)
    assert [(e["type"], e["end_user_id"]) for e in events(client, cid)] == [
        ("challenge_first_blood", "ann")
    ]


def test_racing_successes_yield_one_first_blood(
    database: Database, client: TestClient, clock: FakeClock
) -> None:
    cid = challenge(client, "first")
    scorer = AttemptScorer(default_timeout_ms=5_000, sandbox=None)
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def record(player: str) -> None:
        try:
            barrier.wait()
            challenge_service.record_attempt(
                database,
                tenant_id="default",
                challenge_id=cid,
                spec=AttemptCreate(end_user_id=player, succeeded=True, created_at=T0),
                scorer=scorer,
                now_ms=clock.now_ms,
                max_clock_skew_ms=0,
                listeners=ATTEMPT_LISTENERS,
            )
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=record, args=(f"p{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    found = events(client, cid)
    assert [e["type"] for e in found] == ["challenge_first_blood"]
    # Equal created_at: the smallest attempt id holds the record, and nobody "beat" it.
    attempts = client.get(f"/api/challenges/{cid}/attempts").json()
    first = min(attempts, key=lambda a: a["id"])
    assert found[0]["end_user_id"] == first["end_user_id"]


def test_the_stream_sends_stored_events_after_the_last_id(
    database: Database, client: TestClient
) -> None:
    cid = challenge(client, "fastest")
    ok_attempt(client, cid, "ann", elapsed_ms=10)
    ok_attempt(client, cid, "bob", elapsed_ms=5)
    stored = events(client, cid)
    principal = Principal(tenant_id="default", role=Role.READ)

    async def first_events(count: int, after_id: int) -> list[object]:
        stream = _event_stream(
            database, principal, challenge_id=cid, types=[], after_id=after_id, poll_s=0.01
        )
        found = [await anext(stream) for _ in range(count)]
        await stream.aclose()
        return found

    sent = anyio.run(first_events, 2, 0)
    assert [(event.event, event.id) for event in sent] == [  # type: ignore[attr-defined]
        ("challenge_first_blood", str(stored[0]["id"])),
        ("challenge_record_beaten", str(stored[1]["id"])),
    ]
    [resumed] = anyio.run(first_events, 1, stored[0]["id"])
    assert resumed.data["payload"]["new_record"]["end_user_id"] == "bob"  # type: ignore[attr-defined]


def test_the_stream_of_an_unknown_challenge_is_a_404(client: TestClient) -> None:
    assert client.get("/api/challenges/nope/events/stream").status_code == 404


def test_a_hidden_record_holder_is_not_the_previous_record(
    client: TestClient, acting: Acting
) -> None:
    cid = challenge(client, "fastest")
    ok_attempt(client, cid, "dan", elapsed_ms=300)
    ok_attempt(client, cid, "ann", elapsed_ms=10)
    client.patch("/api/players/ann", json={"hidden": True})
    ok_attempt(client, cid, "cat", elapsed_ms=100)  # beats dan's 300, the last visible record
    assert [(e["type"], e["end_user_id"]) for e in events(client, cid)] == [
        ("challenge_first_blood", "dan"),
        ("challenge_record_beaten", "ann"),  # admins still see it
        ("challenge_record_beaten", "cat"),
    ]
    acting(role=Role.READ)
    found = events(client, cid)
    assert [e["end_user_id"] for e in found] == ["dan", "cat"]
    assert found[1]["payload"]["previous_record"]["end_user_id"] == "dan"
    assert found[1]["payload"]["new_record"]["score"] == 100.0


def test_events_of_inactive_challenges_are_for_admins(client: TestClient, acting: Acting) -> None:
    cid = challenge(client, "first")
    ok_attempt(client, cid, "ann")
    client.patch(f"/api/challenges/{cid}", json={"is_active": False})
    assert len(events(client, cid)) == 1
    acting(role=Role.READ)
    assert client.get(f"/api/challenges/{cid}/events").status_code == 404
    assert client.get(f"/api/challenges/{cid}/events/stream").status_code == 404
