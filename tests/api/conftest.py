from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

HOUR_MS = 3_600_000


@pytest.fixture
def competition(client: TestClient) -> str:
    """A competition with two players, three models and two params, ready for predictions."""
    assert (
        client.post(
            "/api/competitions",
            json={
                "id": "c1",
                "name": "C1",
                "resolver": "explicit",
                "allow_backfill": True,
                # every model ranked from its first score: tests score a handful of predictions
                "ranker_config": {"min_predictions": 0},
            },
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/api/players",
            json={"players": [{"id": "ann", "name": "Ann"}, {"id": "bob", "name": "Bob"}]},
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/api/competitions/c1/models",
            json={
                "models": [
                    {"id": "m-ann", "name": "Ann's model", "player_id": "ann"},
                    {"id": "m-bob", "name": "Bob's model", "player_id": "bob"},
                    {"id": "m-off", "name": "Retired", "player_id": "bob", "is_active": False},
                ]
            },
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/api/competitions/c1/params",
            json={
                "params": [
                    {"id": "BTC-1h", "asset": "BTC", "horizon": 3600},
                    {"id": "ETH", "asset": "ETH", "extra": {"venue": "spot"}},
                ]
            },
        ).status_code
        == 200
    )
    return "c1"
