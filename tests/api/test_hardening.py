"""Hostile and bad input at the HTTP edge: rate limits, body size, CORS, headers; and ops routes."""

from __future__ import annotations

import socket

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from podium import metrics
from podium.api.app import create_app
from podium.api.middleware import SecurityHeaders
from podium.domain.rate_limit import TokenBucket, retry_after_header
from podium.errors import ConfigurationError
from podium.services.worker import ScoreWorker
from podium.settings import Settings, load_settings
from podium.store.database import Database
from tests import builders
from tests.conftest import T0, FakeClock


def client_with(database: Database, clock: FakeClock, **settings: object) -> TestClient:
    app = create_app(Settings(database_url=database.url, **settings), database, clock=clock)  # type: ignore[arg-type]
    return TestClient(app)


def test_writes_past_the_rate_limit_get_429_with_retry_after(
    database: Database, clock: FakeClock
) -> None:
    with client_with(database, clock, write_rate_limit=3) as client:
        players = {"players": [{"id": "ann", "name": "Ann"}]}
        assert [client.post("/api/players", json=players).status_code for _ in range(3)] == [
            200
        ] * 3
        refused = client.post("/api/players", json=players)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["code"] == "rate_limited"
        # Reads are not limited.
        assert client.get("/api/players").status_code == 200


def test_token_bucket_refills_over_its_period() -> None:
    bucket = TokenBucket.full(2, 60.0, now_s=0.0)
    assert [bucket.take(0.0), bucket.take(0.0)] == [0.0, 0.0]
    assert bucket.take(0.0) == pytest.approx(30.0)
    assert bucket.take(30.0) == 0.0
    assert retry_after_header(0.2) == 1


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_the_cap_is_a_413(database: Database, clock: FakeClock, chunked: bool) -> None:
    big = b'{"players": [' + b'{"id": "a", "name": "A"},' * 200 + b'{"id": "b", "name": "B"}]}'
    with client_with(database, clock, max_body_bytes=1024) as client:
        body = iter([big[:600], big[600:]]) if chunked else big
        response = client.post(
            "/api/players", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413
        assert "PODIUM_MAX_BODY_BYTES" in response.json()["message"]
        small = client.post("/api/players", json={"players": [{"id": "a", "name": "A"}]})
        assert small.status_code == 200


def test_cors_is_off_by_default_and_an_allow_list_when_set(
    database: Database, clock: FakeClock
) -> None:
    preflight = {
        "Origin": "https://dash.example.org",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    with client_with(database, clock) as client:
        response = client.get("/healthz", headers={"Origin": "https://dash.example.org"})
        assert "access-control-allow-origin" not in response.headers
    with client_with(database, clock, cors_origins="https://dash.example.org") as client:
        allowed = client.options("/api/players", headers=preflight)
        assert allowed.headers["access-control-allow-origin"] == "https://dash.example.org"
        assert "access-control-allow-credentials" not in allowed.headers
        other = client.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize("origins", ["*", "https://a.example,*", "ftp://x"])
def test_wildcard_or_malformed_cors_origins_are_refused(origins: str) -> None:
    with pytest.raises(ConfigurationError, match="PODIUM_CORS_ORIGINS"):
        load_settings(cors_origins=origins)


def test_html_pages_get_security_headers() -> None:
    page = Starlette(routes=[Route("/", lambda _request: HTMLResponse("<h1>hi</h1>"))])
    with TestClient(SecurityHeaders(page)) as client:
        headers = client.get("/").headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_json_responses_are_nosniff(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in response.headers


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/reports/predictions?limit=100000", "limit"),
        ("/reports/predictions?start=2026-01-02&end=2026-01-01", "must not be after end"),
        ("/reports/models/global?start=1500-01-01&end=2026-01-01", "spans more than 100 years"),
        ("/reports/predictions?start=1000-01-01&end=2026-01-01", "spans more than 100 years"),
        ("/reports/predictions?offset=-1", "offset"),
    ],
)
def test_report_queries_are_bounded(client: TestClient, path: str, message: str) -> None:
    assert client.post("/api/competitions", json={"id": "c1", "name": "C"}).status_code == 201
    response = client.get(path)
    assert response.status_code == 422
    assert message in response.text


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_refused(client: TestClient, value: str) -> None:
    assert (
        client.post(
            "/api/competitions", json={"id": "c1", "name": "C", "resolver": "explicit"}
        ).status_code
        == 201
    )
    assert (
        client.post("/api/competitions/c1/params", json={"params": [{"id": "x"}]}).status_code
        == 200
    )
    body = '{"truths": [{"param_id": "x", "ts": 0, "value": ' + value + "}]}"
    response = client.post(
        "/api/competitions/c1/truths", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


def test_readyz_checks_the_database_and_its_migrations(
    client: TestClient, clock: FakeClock, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/readyz").json() == {"status": "ok", "database": True, "migrations": True}
    with Database(f"sqlite:///{tmp_path / 'empty.db'}") as empty:
        app = create_app(Settings(database_url=empty.url), empty, clock=clock)
        with TestClient(app) as unready:
            response = unready.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": True, "migrations": False}


def test_metrics_count_cycles_predictions_and_requests(
    client: TestClient, database: Database
) -> None:
    builders.competition(database, T0, competition_id="met")
    builders.roster(database, T0, "met", models={"m1": "ann"}, params=[{"id": "x"}])
    builders.truths(database, "met", [{"param_id": "x", "ts": T0 + 1000, "value": 1.0}])
    builders.predictions(
        database,
        T0,
        "met",
        [
            {
                "model_id": "m1",
                "param_id": "x",
                "performed_at": T0 - 1000,
                "resolvable_at": T0 + 1000,
                "payload": 2.0,
            }
        ],
    )
    worker = ScoreWorker(database, default_interval_s=60, batch_size=100, clock=lambda: T0 + 60_000)
    assert [report.scored for report in worker.run_due()] == [1]
    assert client.get("/healthz").status_code == 200
    text = client.get("/metrics").text
    assert 'podium_score_cycle_duration_seconds_count{competition="met"}' in text
    assert 'podium_predictions_scored_total{competition="met",outcome="scored"}' in text
    assert 'podium_http_request_duration_seconds_count{method="GET",route="/healthz"' in text
    assert "podium_plugin_timeouts_total" in text


def test_a_worker_serves_its_metrics_on_its_own_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = metrics.start_metrics_server(port)
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    finally:
        server.shutdown()
        server.server_close()
    assert "# TYPE podium_score_cycle_duration_seconds histogram" in text
