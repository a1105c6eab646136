"""Webhooks through the API, and an event delivered end to end to a flaky receiver."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from podium.domain.access import Role
from podium.services.webhooks import WebhookDeliveryJob, verify
from podium.settings import Settings
from podium.store.database import Database
from tests.api.challenge_helpers import Acting, acting, challenge, ok_attempt
from tests.conftest import FakeClock
from tests.services.test_webhooks import Receiver

__all__ = ["acting"]

SECRET = "0123456789abcdef-secret"


def register(client: TestClient, url: str, types: list[str]) -> dict[str, object]:
    response = client.post(
        "/api/webhooks", json={"url": url, "event_types": types, "secret": SECRET}
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_register_list_delete(client: TestClient, acting: Acting) -> None:
    made = register(client, "https://example.org/hook", ["challenge_first_blood"])
    assert "secret" not in made
    assert [hook["id"] for hook in client.get("/api/webhooks").json()] == [made["id"]]
    acting("other")
    assert client.get("/api/webhooks").json() == []
    assert client.delete(f"/api/webhooks/{made['id']}").status_code == 404
    acting("default", Role.INGEST)
    assert client.get("/api/webhooks").status_code == 403
    acting()
    assert client.delete(f"/api/webhooks/{made['id']}").status_code == 204
    assert client.get("/api/webhooks").json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.org/x", "event_types": ["challenge_first_blood"]}, "url"),
        ({"url": "https://example.org/x", "event_types": []}, "event_types"),
        ({"url": "https://example.org/x", "event_types": ["goal"]}, "event_types"),
        (
            {
                "url": "https://example.org/x",
                "event_types": ["challenge_first_blood"],
                "secret": "short",
            },
            "secret",
        ),
    ],
)
def test_register_refuses_bad_input(client: TestClient, body, field) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/webhooks", json={"secret": SECRET, **body})
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"].startswith(field)


def test_an_attempt_reaches_a_receiver_that_fails_twice(
    client: TestClient, database: Database, settings: Settings, clock: FakeClock
) -> None:
    receiver = Receiver(failures=2)
    try:
        hook = register(client, receiver.url, ["challenge_first_blood", "challenge_record_beaten"])
        cid = challenge(client, "fastest")
        ok_attempt(client, cid, "ann", elapsed_ms=50)
        assert receiver.requests == []  # recording an attempt never waits for a webhook
        job = WebhookDeliveryJob(database, settings, clock=clock)
        for _ in range(3):
            job.run_once()
            clock.advance(settings.webhook_backoff * 4)
        [delivery] = client.get(f"/api/webhooks/{hook['id']}/deliveries").json()
        assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
            "delivered",
            3,
            200,
        )
        headers, body = receiver.requests[-1]
        assert json.loads(body)["payload"]["record"]["end_user_id"] == "ann"
        assert verify(SECRET, body, headers["Podium-Signature"], now_s=clock.now_ms // 1000)
        assert len({h["Podium-Delivery"] for h, _ in receiver.requests}) == 1
    finally:
        receiver.close()


def test_the_job_delivers_in_the_background(
    client: TestClient, database: Database, clock: FakeClock
) -> None:
    receiver = Receiver(failures=0)
    try:
        register(client, receiver.url, ["challenge_first_blood"])
        cid = challenge(client, "first")
        ok_attempt(client, cid, "ann")
        job = WebhookDeliveryJob(
            database, Settings(database_url=database.url, webhook_poll_interval=0.05), clock=clock
        )
        job.start()
        try:
            deadline = time.monotonic() + 10
            while not receiver.requests and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            job.stop()
        assert len(receiver.requests) == 1
    finally:
        receiver.close()
