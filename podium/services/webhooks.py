"""Webhooks: registering them, signing payloads, and delivering events at least once.

A delivery row is written in the same transaction as the event it carries, so an event is
never stored without its deliveries. ``deliver_due`` (run by ``WebhookDeliveryJob`` in the
background, never by the request that recorded the attempt) leases due deliveries, POSTs them
outside any transaction, and records each try: delivered on a 2xx, else retried after
``backoff × 2^(tries - 1)`` seconds (capped at an hour) until ``max_attempts``, then ``failed``.
A worker that dies mid-delivery leaves its lease to expire: the delivery is tried again, so a
receiver may see an event twice (at-least-once) and should dedupe by ``Podium-Delivery``.

Signature: ``Podium-Signature: t=<epoch seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.orm import Session

from podium.schemas.webhooks import WebhookCreate
from podium.services.clock import Clock, wall_clock_ms
from podium.services.jobs import ThreadJob
from podium.settings import Settings
from podium.store.collection_tables import ChallengeEventRow, WebhookDeliveryRow, WebhookRow
from podium.store.database import Database
from podium.store.webhooks import DeliveryRepository, WebhookRepository

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Podium-Signature"
MAX_BACKOFF_MS = 3_600_000
BATCH_SIZE = 50

Sender = Callable[[str, bytes, Mapping[str, str]], int]
"""POST ``body`` to ``url`` with ``headers``; the response status (an exception when none)."""


def sign(secret: str, body: bytes, timestamp_s: int) -> str:
    """The value of the ``Podium-Signature`` header of ``body`` sent at ``timestamp_s``."""
    message = str(timestamp_s).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"t={timestamp_s},v1={digest}"


def verify(secret: str, body: bytes, header: str, *, now_s: int, tolerance_s: int = 300) -> bool:
    """What a receiver does: recompute the signature and refuse stale timestamps."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now_s - timestamp) > tolerance_s:
        return False
    expected = sign(secret, body, timestamp)
    return hmac.compare_digest(expected, header)


def event_body(event: ChallengeEventRow) -> dict[str, Any]:
    """The JSON an event is published as (webhooks, streams and listings alike)."""
    return {
        "id": event.id,
        "type": event.type,
        "tenant_id": event.tenant_id,
        "challenge_id": event.challenge_id,
        "end_user_id": event.end_user_id,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "payload": event.payload,
    }


def register_webhook(
    db: Database, *, tenant_id: str, spec: WebhookCreate, now_ms: int
) -> WebhookRow:
    row = WebhookRow(
        id=f"wh_{secrets.token_hex(8)}",
        tenant_id=tenant_id,
        url=spec.url,
        event_types=[event_type.value for event_type in spec.event_types],
        secret=spec.secret,
        created_at=now_ms,
    )
    with db.write() as session:
        WebhookRepository(session).add(row)
    return row


def list_webhooks(db: Database, *, tenant_id: str) -> list[WebhookRow]:
    with db.read() as session:
        return WebhookRepository(session).list(tenant_id=tenant_id)


def delete_webhook(db: Database, *, tenant_id: str, webhook_id: str) -> None:
    with db.write() as session:
        webhooks = WebhookRepository(session)
        webhooks.delete(webhooks.get(webhook_id, tenant_id=tenant_id))


def list_deliveries(
    db: Database, *, tenant_id: str, webhook_id: str, limit: int
) -> list[WebhookDeliveryRow]:
    with db.read() as session:
        WebhookRepository(session).get(webhook_id, tenant_id=tenant_id)
        return DeliveryRepository(session).list(webhook_id=webhook_id, limit=limit)


def enqueue_deliveries(session: Session, *, event: ChallengeEventRow, now_ms: int) -> int:
    """A pending delivery of ``event`` to every webhook of its tenant that wants its type."""
    deliveries = DeliveryRepository(session)
    count = 0
    for webhook in WebhookRepository(session).list(tenant_id=event.tenant_id):
        if event.type in webhook.event_types:
            deliveries.enqueue(webhook_id=webhook.id, event_id=event.id, now_ms=now_ms)
            count += 1
    return count


def backoff_ms(attempts_made: int, base_s: float) -> int:
    """How long to wait after the ``attempts_made``-th failed try."""
    return min(MAX_BACKOFF_MS, round(base_s * 1000 * 2.0 ** (attempts_made - 1)))


@dataclass(frozen=True, slots=True)
class DeliveryPass:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def http_sender(timeout_s: float) -> Sender:
    def send(url: str, body: bytes, headers: Mapping[str, str]) -> int:
        response = httpx.post(url, content=body, headers=dict(headers), timeout=timeout_s)
        return int(response.status_code)

    return send


def deliver_due(
    db: Database,
    *,
    now_ms: int,
    send: Sender,
    max_attempts: int,
    backoff_s: float,
    lease_ms: int = 60_000,
) -> DeliveryPass:
    """Try every due delivery once; what became of them.

    A pass with nothing due only reads: a write would drop this process's read caches
    (``ReadCache``) and, on SQLite, take the writer's lock, once a second in every API process.
    """
    with db.read() as session:
        if not DeliveryRepository(session).any_due(now_ms=now_ms):
            return DeliveryPass()
    with db.write() as session:
        claimed = [
            (delivery.id, delivery.attempts, webhook.url, webhook.secret, event_body(event))
            for delivery, webhook, event in DeliveryRepository(session).claim_due(
                now_ms=now_ms, limit=BATCH_SIZE, lease_ms=lease_ms
            )
        ]
    delivered = retried = failed = 0
    for delivery_id, attempts_before, url, secret, body_json in claimed:
        body = json.dumps(body_json, separators=(",", ":"), sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "Podium-Event": str(body_json["type"]),
            "Podium-Delivery": str(delivery_id),
            SIGNATURE_HEADER: sign(secret, body, now_ms // 1000),
        }
        status_code: int | None = None
        error: str | None = None
        try:
            status_code = send(url, body, headers)
        except Exception as failure:  # any transport failure is one failed try
            error = f"{type(failure).__name__}: {failure}"
        ok = status_code is not None and 200 <= status_code < 300
        if not ok and error is None:
            error = f"HTTP {status_code}"
        attempts = attempts_before + 1
        next_at = None
        if not ok and attempts < max_attempts:
            next_at = now_ms + backoff_ms(attempts, backoff_s)
        with db.write() as session:
            DeliveryRepository(session).record_attempt(
                delivery_id,
                now_ms=now_ms,
                delivered=ok,
                status_code=status_code,
                error=None if ok else error,
                next_attempt_at=next_at,
            )
        if ok:
            delivered += 1
        elif next_at is not None:
            retried += 1
        else:
            failed += 1
            log.warning("webhook delivery %s to %s failed for good: %s", delivery_id, url, error)
    return DeliveryPass(delivered=delivered, retried=retried, failed=failed)


class WebhookDeliveryJob(ThreadJob):
    """The background job (``BackgroundJob``) that delivers webhooks, in its own thread."""

    thread_name = "podium-webhooks"

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Clock = wall_clock_ms,
        send: Sender | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.send = send or http_sender(settings.webhook_timeout)
        super().__init__()

    def run_once(self) -> DeliveryPass:
        return deliver_due(
            self.db,
            now_ms=self.clock(),
            send=self.send,
            max_attempts=self.settings.webhook_max_attempts,
            backoff_s=self.settings.webhook_backoff,
            # Long enough for a whole batch of slow receivers: no other process takes them.
            lease_ms=round((BATCH_SIZE * self.settings.webhook_timeout + 30) * 1000),
        )

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("webhook delivery pass failed; trying again at the next interval")
            self._stop.wait(self.settings.webhook_poll_interval)
