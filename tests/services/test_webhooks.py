"""Webhook delivery: signed payloads, retries with backoff, at-least-once, recorded tries."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from podium.domain.challenge_events import EventDraft, EventType
from podium.schemas.webhooks import WebhookCreate
from podium.services import webhooks
from podium.services.read_cache import ReadCache
from podium.services.webhooks import backoff_ms, deliver_due, http_sender, sign, verify
from podium.store.challenge_events import ChallengeEventRepository
from podium.store.database import Database
from podium.store.webhooks import DeliveryRepository
from tests.conftest import T0

SECRET = "s3cret-s3cret-s3cret"


class Receiver:
    """An HTTP receiver that fails its first ``failures`` requests, then answers 200."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = 500 if len(receiver.requests) <= receiver.failures else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(failures=2)
    yield found
    found.close()


def store_event(database: Database, dedupe_key: str = "first_blood") -> int | None:
    draft = EventDraft(
        type=EventType.FIRST_BLOOD,
        challenge_id="ch1",
        end_user_id="ann",
        occurred_at=T0,
        dedupe_key=dedupe_key,
        payload={"challenge_id": "ch1", "record": {"end_user_id": "ann", "score": 1.0}},
    )
    with database.write() as session:
        event_id = ChallengeEventRepository(session).add_once(
            draft, tenant_id="default", recorded_at=T0
        )
        if event_id is not None:
            event = ChallengeEventRepository(session).get(event_id)
            assert event is not None
            webhooks.enqueue_deliveries(session, event=event, now_ms=T0)
    return event_id


def test_receiver_failing_twice_gets_the_event_on_the_third_try(
    database: Database, receiver: Receiver
) -> None:
    hook = webhooks.register_webhook(
        database,
        tenant_id="default",
        spec=WebhookCreate(url=receiver.url, event_types=["challenge_first_blood"], secret=SECRET),
        now_ms=T0,
    )
    event_id = store_event(database)
    assert event_id is not None
    send = http_sender(5.0)
    now = T0
    outcomes = []
    for _ in range(3):
        outcomes.append(deliver_due(database, now_ms=now, send=send, max_attempts=5, backoff_s=2))
        # Nothing is due before the backoff has passed.
        assert deliver_due(database, now_ms=now + 1, send=send, max_attempts=5, backoff_s=2) == (
            webhooks.DeliveryPass()
        )
        now += 10_000
    assert [(o.delivered, o.retried, o.failed) for o in outcomes] == [
        (0, 1, 0),
        (0, 1, 0),
        (1, 0, 0),
    ]
    [delivery] = webhooks.list_deliveries(
        database, tenant_id="default", webhook_id=hook.id, limit=10
    )
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)
    assert len(receiver.requests) == 3
    headers, body = receiver.requests[-1]
    assert json.loads(body)["id"] == event_id
    assert json.loads(body)["type"] == "challenge_first_blood"
    assert headers["Podium-Event"] == "challenge_first_blood"
    assert verify(SECRET, body, headers["Podium-Signature"], now_s=now // 1000)
    assert not verify("wrong-secret-wrong", body, headers["Podium-Signature"], now_s=now // 1000)


def test_an_idle_pass_only_reads_and_keeps_the_read_caches(
    database: Database, receiver: Receiver
) -> None:
    """Nothing due: no write, so this process's ``ReadCache`` values stay (the job runs every
    second in every API process)."""
    cache: ReadCache[str, int] = ReadCache(database, max_age_ms=60_000)
    cache.load("k", lambda: 1)
    generation = database.write_generation
    send = http_sender(5.0)
    assert deliver_due(database, now_ms=T0, send=send, max_attempts=5, backoff_s=2) == (
        webhooks.DeliveryPass()
    )
    assert database.write_generation == generation
    assert cache.peek("k") == 1
    webhooks.register_webhook(
        database,
        tenant_id="default",
        spec=WebhookCreate(url=receiver.url, event_types=["challenge_first_blood"], secret=SECRET),
        now_ms=T0,
    )
    store_event(database)
    generation = database.write_generation
    due = deliver_due(database, now_ms=T0, send=send, max_attempts=5, backoff_s=2)
    assert due.retried == 1  # something due: claimed and recorded, in writes
    assert database.write_generation != generation


def test_gives_up_after_max_attempts_and_records_the_error(database: Database) -> None:
    webhooks.register_webhook(
        database,
        tenant_id="default",
        spec=WebhookCreate(
            url="http://127.0.0.1:9/never", event_types=["challenge_first_blood"], secret=SECRET
        ),
        now_ms=T0,
    )
    store_event(database)

    def refuse(url: str, body: bytes, headers: object) -> int:
        raise ConnectionError("refused")

    first = deliver_due(database, now_ms=T0, send=refuse, max_attempts=2, backoff_s=1)
    second = deliver_due(database, now_ms=T0 + 1_000, send=refuse, max_attempts=2, backoff_s=1)
    assert (first.retried, second.failed) == (1, 1)
    with database.read() as session:
        [hook] = webhooks.WebhookRepository(session).list(tenant_id="default")
        [delivery] = DeliveryRepository(session).list(webhook_id=hook.id, limit=5)
    assert delivery.status == "failed"
    assert delivery.attempts == 2
    assert delivery.last_error == "ConnectionError: refused"


def test_only_subscribed_webhooks_of_the_tenant_get_deliveries(database: Database) -> None:
    for tenant, types in (
        ("default", ["challenge_record_beaten"]),
        ("other", ["challenge_first_blood"]),
    ):
        webhooks.register_webhook(
            database,
            tenant_id=tenant,
            spec=WebhookCreate(url="http://127.0.0.1:9/x", event_types=types, secret=SECRET),
            now_ms=T0,
        )
    store_event(database)
    sent: list[str] = []
    deliver_due(
        database,
        now_ms=T0,
        send=lambda url, b, h: sent.append(url) or 200,
        max_attempts=3,
        backoff_s=1,
    )
    assert sent == []


def test_the_same_event_is_stored_once(database: Database) -> None:
    assert store_event(database) is not None
    assert store_event(database) is None


@pytest.mark.parametrize(
    ("attempts", "expected"), [(1, 2_000), (2, 4_000), (3, 8_000), (30, 3_600_000)]
)
def test_backoff_doubles_and_is_capped(attempts: int, expected: int) -> None:
    assert backoff_ms(attempts, 2.0) == expected


def test_signature_is_hmac_sha256_over_timestamp_and_body() -> None:
    import hashlib
    import hmac

    body = b'{"a":1}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign(SECRET, body, 1_700_000_000) == f"t=1700000000,v1={expected}"
    header = sign(SECRET, body, 1_700_000_000)
    assert verify(SECRET, body, header, now_s=1_700_000_100)
    assert not verify(SECRET, body, header, now_s=1_700_001_000)  # too old
    assert not verify(SECRET, body + b" ", header, now_s=1_700_000_000)
    assert not verify(SECRET, body, "garbage", now_s=1_700_000_000)
