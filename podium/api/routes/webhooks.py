"""Webhooks of the caller's tenant: register, list, delete, and see their deliveries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from podium.api.deps import AdminDep, DatabaseDep, NowDep
from podium.schemas.webhooks import DeliveryOut, WebhookCreate, WebhookOut
from podium.services import webhooks as service

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])


@router.post("", status_code=status.HTTP_201_CREATED)
def register_webhook(
    spec: WebhookCreate, db: DatabaseDep, now_ms: NowDep, principal: AdminDep
) -> WebhookOut:
    row = service.register_webhook(db, tenant_id=principal.tenant_id, spec=spec, now_ms=now_ms)
    return WebhookOut.from_row(row)


@router.get("")
def list_webhooks(db: DatabaseDep, principal: AdminDep) -> list[WebhookOut]:
    return [
        WebhookOut.from_row(row) for row in service.list_webhooks(db, tenant_id=principal.tenant_id)
    ]


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(webhook_id: str, db: DatabaseDep, principal: AdminDep) -> Response:
    service.delete_webhook(db, tenant_id=principal.tenant_id, webhook_id=webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{webhook_id}/deliveries")
def list_deliveries(
    webhook_id: str,
    db: DatabaseDep,
    principal: AdminDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryOut]:
    rows = service.list_deliveries(
        db, tenant_id=principal.tenant_id, webhook_id=webhook_id, limit=limit
    )
    return [DeliveryOut.from_row(row) for row in rows]
