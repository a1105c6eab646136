"""`podium serve` killed (SIGKILL) during a bulk ingest: the batch is stored whole or not at all,
and sending it again stores it exactly once."""

from __future__ import annotations

import signal
import socket
import threading

import httpx
import pytest
from sqlalchemy import func, select, text

from podium.services.clock import wall_clock_ms
from podium.store.database import Database
from podium.store.tables import PredictionRow
from tests.builders import competition, roster
from tests.conftest import _truncate_all
from tests.scale import fleet

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROWS = 5_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(url: str, port: int):  # type: ignore[no-untyped-def]
    process = fleet.podium_process(url, "serve", "--no-worker", "--port", str(port))
    fleet.wait_until(
        lambda: _answers(port) or process.poll() is not None, timeout_s=60, what="podium serve"
    )
    assert process.poll() is None, process.communicate()[1]
    return process


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def stored(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(PredictionRow)) or 0)


def ingest_in_flight(db: Database) -> bool:
    """Another connection is inside a transaction writing predictions."""
    with db.engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction') "
                # a new batch goes in by COPY, in a savepoint; a retried one by INSERT
                "AND (query ILIKE 'INSERT INTO predictions%' OR query ILIKE 'COPY predictions%' "
                "OR query ILIKE '%SAVEPOINT predictions_copy')"
            )
        ).scalar()
    return bool(found)


def test_a_server_killed_during_a_bulk_ingest_stores_all_or_nothing_and_a_retry_is_safe(
    postgres_database: Database,
) -> None:
    db = postgres_database
    _truncate_all(db)
    now_ms = wall_clock_ms()
    competition(db, now_ms, competition_id="c1")
    roster(db, now_ms, "c1", models={"m1": "ann"}, params=[{"id": "x", "horizon": 3600}])
    batch = {
        "predictions": [
            {
                "id": f"p{index}",
                "model_id": "m1",
                "param_id": "x",
                "performed_at": now_ms - index,
                "payload": float(index % 13),
            }
            for index in range(ROWS)
        ]
    }
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}/api/competitions/c1/predictions"
    server = serve(db.url, port)
    outcome: list[object] = []

    def send() -> None:
        try:
            outcome.append(httpx.post(endpoint, json=batch, timeout=60).status_code)
        except httpx.TransportError as error:
            outcome.append(error)

    sender = threading.Thread(target=send)
    sender.start()
    try:
        fleet.wait_until(
            lambda: ingest_in_flight(db) or bool(outcome), timeout_s=60, what="the ingest"
        )
    finally:
        server.send_signal(signal.SIGKILL)
        server.communicate(timeout=30)
        sender.join(60)
    assert stored(db) in (0, ROWS), "a killed ingest left part of its batch"
    server = serve(db.url, port)
    try:
        first = httpx.post(endpoint, json=batch, timeout=60).json()
        again = httpx.post(endpoint, json=batch, timeout=60).json()
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)
    assert first["received"] == ROWS
    assert first["stored"] + first["duplicates"] == ROWS
    assert again == {"received": ROWS, "stored": 0, "duplicates": ROWS}
    assert stored(db) == ROWS
