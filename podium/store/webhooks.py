"""Webhooks of a tenant and the delivery of each event to each of them."""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from podium.errors import NotFoundError
from podium.store.collection_tables import ChallengeEventRow, WebhookDeliveryRow, WebhookRow
from podium.store.database import dialect_insert


def _due(now_ms: int) -> tuple[ColumnElement[bool], ...]:
    """Which deliveries are due: pending, with their next attempt's time come."""
    return (
        WebhookDeliveryRow.status == "pending",
        WebhookDeliveryRow.next_attempt_at <= now_ms,
    )


class WebhookRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, webhook_id: str, *, tenant_id: str) -> WebhookRow:
        row = self.session.get(WebhookRow, webhook_id)
        if row is None or row.tenant_id != tenant_id:
            raise NotFoundError("webhook", webhook_id)
        return row

    def list(self, *, tenant_id: str) -> list[WebhookRow]:
        return list(
            self.session.scalars(
                select(WebhookRow)
                .where(WebhookRow.tenant_id == tenant_id)
                .order_by(WebhookRow.created_at, WebhookRow.id)
            )
        )

    def add(self, row: WebhookRow) -> None:
        self.session.add(row)
        self.session.flush()

    def delete(self, row: WebhookRow) -> None:
        self.session.execute(
            delete(WebhookDeliveryRow).where(WebhookDeliveryRow.webhook_id == row.id)
        )
        self.session.delete(row)
        self.session.flush()


class DeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def enqueue(self, *, webhook_id: str, event_id: int, now_ms: int) -> None:
        """One delivery per webhook and event, whoever asks first (the others change nothing)."""
        self.session.execute(
            dialect_insert(self.session, WebhookDeliveryRow)
            .values(
                webhook_id=webhook_id,
                event_id=event_id,
                status="pending",
                attempts=0,
                next_attempt_at=now_ms,
                created_at=now_ms,
            )
            .on_conflict_do_nothing(index_elements=["webhook_id", "event_id"])
        )

    def any_due(self, *, now_ms: int) -> bool:
        """Whether some delivery is due (a read: an idle pass need not open a write)."""
        return (
            self.session.scalar(select(WebhookDeliveryRow.id).where(*_due(now_ms)).limit(1))
            is not None
        )

    def claim_due(
        self, *, now_ms: int, limit: int, lease_ms: int
    ) -> list[tuple[WebhookDeliveryRow, WebhookRow, ChallengeEventRow]]:
        """Due deliveries, leased to this worker for ``lease_ms`` (``SKIP LOCKED`` on PostgreSQL).

        The lease moves ``next_attempt_at`` forward, so that a worker that dies mid-delivery
        leaves the delivery to be retried (at-least-once), never lost.
        """
        query = (
            select(WebhookDeliveryRow)
            .where(*_due(now_ms))
            .order_by(WebhookDeliveryRow.next_attempt_at, WebhookDeliveryRow.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        deliveries = list(self.session.scalars(query))
        claimed = []
        for delivery in deliveries:
            delivery.next_attempt_at = now_ms + lease_ms
            webhook = self.session.get(WebhookRow, delivery.webhook_id)
            event = self.session.get(ChallengeEventRow, delivery.event_id)
            if webhook is None or event is None:
                continue
            claimed.append((delivery, webhook, event))
        self.session.flush()
        return claimed

    def record_attempt(
        self,
        delivery_id: int,
        *,
        now_ms: int,
        delivered: bool,
        status_code: int | None,
        error: str | None,
        next_attempt_at: int | None,
    ) -> None:
        """Record one try: delivered, retried at ``next_attempt_at``, or given up (``None``)."""
        status = "delivered" if delivered else ("pending" if next_attempt_at else "failed")
        self.session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id == delivery_id)
            .values(
                attempts=WebhookDeliveryRow.attempts + 1,
                last_attempt_at=now_ms,
                last_status_code=status_code,
                last_error=error[:500] if error else None,
                status=status,
                delivered_at=now_ms if delivered else None,
                next_attempt_at=next_attempt_at if next_attempt_at is not None else now_ms,
            )
        )

    def list(self, *, webhook_id: str, limit: int) -> list[WebhookDeliveryRow]:
        return list(
            self.session.scalars(
                select(WebhookDeliveryRow)
                .where(WebhookDeliveryRow.webhook_id == webhook_id)
                .order_by(WebhookDeliveryRow.id.desc())
                .limit(limit)
            )
        )
