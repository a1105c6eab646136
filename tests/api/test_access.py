"""API keys, roles, tenants and public reads, through the HTTP API on both backends."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from podium.api.app import create_app
from podium.domain.access import Role
from podium.errors import ConfigurationError
from podium.services import api_keys
from podium.settings import Settings
from podium.store.database import Database
from tests.conftest import T0, FakeClock

ADMIN_KEY = "bootstrap-admin-key-0123456789abcdef"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def keyed(database: Database, clock: FakeClock) -> Iterator[TestClient]:
    """An instance where keys are required (PODIUM_ADMIN_KEY is set)."""
    settings = Settings(database_url=database.url, admin_key=ADMIN_KEY)
    with TestClient(create_app(settings, database, clock=clock)) as client:
        yield client


def make_key(database: Database, role: str, tenant: str = "default") -> str:
    return api_keys.create_key(database, role=Role(role), tenant_id=tenant, now_ms=T0).token


def setup_competition(
    client: TestClient, token: str, competition_id: str = "c1", **fields: object
) -> None:
    headers = bearer(token)
    body = {"id": competition_id, "name": "C", "resolver": "explicit", **fields}
    assert client.post("/api/competitions", json=body, headers=headers).status_code == 201


def test_without_any_key_loopback_requests_act_as_local_admin(client: TestClient) -> None:
    assert client.post("/api/competitions", json={"id": "c1", "name": "C"}).status_code == 201
    assert client.get("/api/competitions/c1").json()["tenant_id"] == "default"


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({}, 401, "needs an API key"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401, "Bearer"),
        ({"Authorization": "Bearer "}, 401, "Bearer"),
        ({"Authorization": "Bearer pdm_nope_nope"}, 401, "unknown or revoked"),
        ({"Authorization": "Bearer not-a-podium-token"}, 401, "unknown or revoked"),
    ],
)
def test_requests_without_a_valid_key_are_refused(
    keyed: TestClient, headers: dict[str, str], status: int, message: str
) -> None:
    response = keyed.get("/api/competitions", headers=headers)
    assert response.status_code == status
    assert message in response.json()["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_key_in_the_query_string_is_refused(keyed: TestClient, database: Database) -> None:
    token = make_key(database, "read")
    response = keyed.get(f"/api/competitions?api_key={token}", headers=bearer(token))
    assert response.status_code == 422
    assert "Authorization: Bearer" in response.json()["message"]


def test_roles_admin_ingest_read(keyed: TestClient, database: Database) -> None:
    reader, ingester = make_key(database, "read"), make_key(database, "ingest")
    setup_competition(keyed, ADMIN_KEY)
    players = {"players": [{"id": "ann", "name": "Ann"}]}
    refused = keyed.post("/api/players", json=players, headers=bearer(reader))
    assert refused.status_code == 403
    assert refused.json()["message"] == "this needs the ingest role; the key has read"
    assert keyed.post("/api/players", json=players, headers=bearer(ingester)).status_code == 200
    change = {"name": "Renamed"}
    assert (
        keyed.patch("/api/competitions/c1", json=change, headers=bearer(ingester)).status_code
        == 403
    )
    assert keyed.get("/api/competitions/c1", headers=bearer(reader)).status_code == 200
    assert keyed.get("/api/players", headers=bearer(reader)).json()[0]["id"] == "ann"
    assert keyed.get("/metrics", headers=bearer(reader)).status_code == 200
    assert keyed.get("/metrics").status_code == 401
    # Liveness and readiness answer without a key (load balancers and orchestrators).
    assert keyed.get("/healthz").status_code == 200
    assert keyed.get("/readyz").status_code == 200


def test_revoked_keys_stop_working_and_last_use_is_recorded(
    keyed: TestClient, database: Database
) -> None:
    created = api_keys.create_key(database, role=Role.READ, tenant_id="default", now_ms=T0)
    assert created.row.last_used_at is None
    assert keyed.get("/api/competitions", headers=bearer(created.token)).status_code == 200
    (row,) = [key for key in api_keys.list_keys(database) if key.id == created.row.id]
    assert row.last_used_at == T0
    assert row.secret_sha256 == hashlib.sha256(created.token.encode()).hexdigest()
    api_keys.revoke_key(database, key_id=created.row.id, now_ms=T0 + 1)
    keyed.app.state.access.forget()  # else refused within CACHE_TTL_S
    assert keyed.get("/api/competitions", headers=bearer(created.token)).status_code == 401


def test_a_tampered_secret_of_a_known_key_is_refused(keyed: TestClient, database: Database) -> None:
    token = make_key(database, "admin")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert keyed.get("/api/competitions", headers=bearer(tampered)).status_code == 401


def test_tenants_see_only_their_own_objects(keyed: TestClient, database: Database) -> None:
    acme, globex = make_key(database, "admin", "acme"), make_key(database, "admin", "globex")
    setup_competition(keyed, acme, "acme-c")
    setup_competition(keyed, globex, "globex-c")
    assert keyed.get("/api/competitions/acme-c", headers=bearer(acme)).json()["tenant_id"] == (
        "acme"
    )
    listed = keyed.get("/api/competitions", headers=bearer(globex)).json()
    assert [row["id"] for row in listed] == ["globex-c"]
    for method, path in [
        ("GET", "/api/competitions/acme-c"),
        ("PATCH", "/api/competitions/acme-c"),
        ("GET", "/api/competitions/acme-c/models"),
        ("GET", "/api/competitions/acme-c/params"),
        ("POST", "/api/competitions/acme-c/truths"),
        ("POST", "/api/competitions/acme-c/score-cycles"),
        ("GET", "/reports/leaderboard?competition=acme-c"),
        ("GET", "/reports/predictions?competition=acme-c"),
    ]:
        body = {"name": "x"} if method == "PATCH" else {"truths": []}
        response = keyed.request(
            method, path, headers=bearer(globex), json=body if method != "GET" else None
        )
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["message"] == "competition 'acme-c' was not found"
    # Without ?competition=, reports pick the tenant's only competition.
    assert keyed.get("/reports/leaderboard", headers=bearer(globex)).status_code == 200
    # Probing a competition that does not exist yet gives no access once it is created.
    assert keyed.get("/api/competitions/later", headers=bearer(globex)).status_code == 404
    setup_competition(keyed, acme, "later")
    assert keyed.get("/api/competitions/later", headers=bearer(globex)).status_code == 404


def test_players_belong_to_a_tenant(keyed: TestClient, database: Database) -> None:
    acme, globex = make_key(database, "ingest", "acme"), make_key(database, "admin", "globex")
    ann = {"players": [{"id": "ann", "name": "Ann"}]}
    assert keyed.post("/api/players", json=ann, headers=bearer(acme)).status_code == 200
    taken = keyed.post("/api/players", json=ann, headers=bearer(globex))
    assert taken.status_code == 422
    assert "not available" in taken.json()["message"]
    assert keyed.get("/api/players", headers=bearer(globex)).json() == []
    setup_competition(keyed, globex, "g")
    model = {"models": [{"id": "m1", "name": "M", "player_id": "ann"}]}
    refused = keyed.post("/api/competitions/g/models", json=model, headers=bearer(globex))
    assert refused.status_code == 422
    assert "unknown player 'ann'" in refused.json()["message"]


def test_public_reports_are_readable_without_a_key(keyed: TestClient) -> None:
    setup_competition(keyed, ADMIN_KEY, "open", public_reports=True)
    setup_competition(keyed, ADMIN_KEY, "closed")
    assert keyed.get("/reports/leaderboard?competition=open").status_code == 200
    assert keyed.get("/reports/models?competition=open").status_code == 200
    assert keyed.get("/api/competitions/open").status_code == 200
    assert keyed.get("/reports/leaderboard?competition=closed").status_code == 401
    # Public means readable, not writable.
    assert keyed.post("/api/competitions/open/truths", json={"truths": []}).status_code == 401
    assert keyed.patch(
        "/api/competitions/closed", json={"public_reports": True}, headers=bearer(ADMIN_KEY)
    ).json()["public_reports"]
    keyed.app.state.access.forget()  # else public within CACHE_TTL_S
    assert keyed.get("/reports/leaderboard?competition=closed").status_code == 200


def test_non_loopback_without_keys_refuses_to_start(database: Database) -> None:
    with pytest.raises(ConfigurationError, match=r"refusing to serve 0\.0\.0\.0 without API keys"):
        api_keys.check_startup_access(database, Settings(database_url=database.url, host="0.0.0.0"))
    assert api_keys.check_startup_access(
        database, Settings(database_url=database.url, host="0.0.0.0", admin_key=ADMIN_KEY)
    )
    assert not api_keys.check_startup_access(database, Settings(database_url=database.url))
    make_key(database, "read")
    assert api_keys.check_startup_access(database, Settings(database_url=database.url, host="::"))


def test_a_short_admin_key_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 24 characters"):
        Settings(admin_key="short")
