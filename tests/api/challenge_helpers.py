"""Helpers for the API tests of collections, events and fair play."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from podium.domain.access import Principal, Role


class Acting:
    """Switches the principal requests act as (as if each came with a key of that tenant and
    role; the keys themselves are tested in ``test_access``)."""

    def __init__(self, app: FastAPI) -> None:
        self.principal = Principal(tenant_id="default", role=Role.ADMIN)
        access = app.state.access
        access.authenticate = lambda request: self.principal

    def __call__(self, tenant_id: str = "default", role: Role = Role.ADMIN) -> None:
        self.principal = Principal(tenant_id=tenant_id, role=role)


@pytest.fixture
def acting(app: FastAPI) -> Acting:
    return Acting(app)


def challenge(client: TestClient, strategy: str = "fastest", **fields: Any) -> str:
    response = client.post(
        "/api/challenges", json={"name": "C", "scoring_strategy": strategy, **fields}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def attempt(client: TestClient, challenge_id: str, player: str, **fields: Any) -> Any:
    body = {"end_user_id": player, "succeeded": True, **fields}
    return client.post(f"/api/challenges/{challenge_id}/attempts", json=body)


def ok_attempt(client: TestClient, challenge_id: str, player: str, **fields: Any) -> Any:
    response = attempt(client, challenge_id, player, **fields)
    assert response.status_code == 201, response.text
    return response.json()


def events(client: TestClient, challenge_id: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"/api/challenges/{challenge_id}/events", params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found
