"""Request and response shapes of webhooks and their deliveries."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from podium.domain.challenge_events import EventType
from podium.domain.timestamps import from_ms
from podium.schemas.common import Instant, ResponseModel, StrictModel
from podium.store.collection_tables import WebhookDeliveryRow, WebhookRow

Secret = Annotated[str, StringConstraints(min_length=16, max_length=200)]


class WebhookCreate(StrictModel):
    url: Annotated[str, StringConstraints(min_length=8, max_length=2000)]
    event_types: list[EventType] = Field(min_length=1, max_length=len(EventType))
    secret: Secret

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("event_types")
    @classmethod
    def _distinct(cls, value: list[EventType]) -> list[EventType]:
        return list(dict.fromkeys(value))


class WebhookOut(ResponseModel):
    """A webhook; its secret is never shown again."""

    id: str
    tenant_id: str
    url: str
    event_types: list[EventType]
    created_at: Instant

    @classmethod
    def from_row(cls, row: WebhookRow) -> WebhookOut:
        return cls(
            id=row.id,
            tenant_id=row.tenant_id,
            url=row.url,
            event_types=[EventType(name) for name in row.event_types],
            created_at=from_ms(row.created_at),
        )


class DeliveryOut(ResponseModel):
    id: int
    event_id: int
    status: str
    attempts: int
    next_attempt_at: Instant | None
    last_attempt_at: Instant | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: Instant | None

    @classmethod
    def from_row(cls, row: WebhookDeliveryRow) -> DeliveryOut:
        def instant(value: int | None) -> object:
            return None if value is None else from_ms(value)

        return cls.model_validate(
            {
                "id": row.id,
                "event_id": row.event_id,
                "status": row.status,
                "attempts": row.attempts,
                "next_attempt_at": instant(
                    row.next_attempt_at if row.status == "pending" else None
                ),
                "last_attempt_at": instant(row.last_attempt_at),
                "last_status_code": row.last_status_code,
                "last_error": row.last_error,
                "delivered_at": instant(row.delivered_at),
            }
        )
