"""The latest leaderboard and the report competition are answered from memory per process:
changes made through the process are seen at once, changes made by another process (another
``Database`` on the same store) within ``PODIUM_READ_CACHE_MS``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from podium.schemas.roster import ModelIn
from podium.services import ingest, reports
from podium.services.latest_leaderboards import LatestLeaderboards
from podium.services.worker import run_exclusive_score_cycle
from podium.store.database import Database
from tests.conftest import T0, FakeClock, Monotonic, Refreshes

HOUR_MS = 3_600_000
MAX_AGE_MS = 1_000


@pytest.fixture
def monotonic(app: FastAPI, database: Database, refreshes: Refreshes) -> Monotonic:
    clock = Monotonic()
    app.state.latest_leaderboards = LatestLeaderboards(
        database, max_age_ms=MAX_AGE_MS, monotonic=clock, refresh_in=refreshes
    )
    return clock


@pytest.fixture
def other_process(database: Database) -> Iterator[Database]:
    """The same store through another ``Database``: its writes are not seen by the app's."""
    other = Database(database.url)
    yield other
    other.dispose()


@pytest.fixture
def scored(client: TestClient, competition: str, clock: FakeClock) -> None:
    rows = [
        {"model_id": model_id, "param_id": "BTC-1h", "payload": value, "performed_at": T0 - HOUR_MS}
        for model_id, value in (("m-ann", 0.1), ("m-bob", 0.5))
    ]
    assert client.post("/api/competitions/c1/predictions", json={"predictions": rows}).is_success
    truths = [{"param_id": "BTC-1h", "ts": T0, "value": 0.0}]
    assert client.post("/api/competitions/c1/truths", json={"truths": truths}).is_success
    assert client.post("/api/competitions/c1/score-cycles").json()["scored"] == 2


@pytest.mark.usefixtures("scored")
def test_a_new_board_of_another_process_is_seen_within_the_bound(
    client: TestClient, monotonic: Monotonic, other_process: Database, clock: FakeClock
) -> None:
    etag = client.get("/reports/leaderboard").headers["etag"]
    clock.advance(3600)
    report = run_exclusive_score_cycle(
        other_process, competition_id="c1", now_ms=clock(), batch_size=1_000
    )
    assert report.leaderboard_id is not None
    assert f'"{report.leaderboard_id}"' != etag
    monotonic.now_s += MAX_AGE_MS / 1000  # at the bound: still the board known
    assert client.get("/reports/leaderboard", headers={"If-None-Match": etag}).status_code == 304
    monotonic.now_s += 0.001  # past it: the store is asked again
    fresh = client.get("/reports/leaderboard", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] == f'"{report.leaderboard_id}"'
    assert fresh.json()[0]["leaderboard_id"] == report.leaderboard_id


@pytest.mark.usefixtures("scored")
def test_past_half_the_bound_a_new_board_is_read_in_the_background(
    client: TestClient,
    monotonic: Monotonic,
    refreshes: Refreshes,
    other_process: Database,
    clock: FakeClock,
) -> None:
    etag = client.get("/reports/leaderboard").headers["etag"]
    clock.advance(3600)
    report = run_exclusive_score_cycle(
        other_process, competition_id="c1", now_ms=clock(), batch_size=1_000
    )
    monotonic.now_s += 0.6 * MAX_AGE_MS / 1000
    # Answered from memory at once; the version is read again off the request.
    assert client.get("/reports/leaderboard", headers={"If-None-Match": etag}).status_code == 304
    assert len(refreshes.tasks) == 1
    refreshes.run()
    fresh = client.get("/reports/leaderboard", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] == f'"{report.leaderboard_id}"'
    assert refreshes.tasks == []


@pytest.mark.usefixtures("scored")
def test_requests_finding_no_body_wait_for_one_build(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    boards = app.state.latest_leaderboards
    latest = boards.load("c1")
    building = threading.Event()
    release = threading.Event()
    builds = []
    real = reports.latest_leaderboard_json

    def slow(*args: Any, **kwargs: Any) -> Any:
        builds.append(1)
        building.set()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(reports, "latest_leaderboard_json", slow)
    results: list[Any] = []
    threads = [threading.Thread(target=lambda: results.append(boards.build("c1"))) for _ in "ab"]
    threads[0].start()
    assert building.wait(10)
    threads[1].start()  # finds no body: waits for the first build (or comes after it)
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(builds) == 1
    assert [board for board, _ in results] == [latest, latest]
    assert results[0][1] == results[1][1]


@pytest.mark.usefixtures("scored")
def test_a_roster_change_of_another_process_is_seen_within_the_bound(
    client: TestClient, monotonic: Monotonic, other_process: Database
) -> None:
    first = client.get("/reports/leaderboard")
    assert [entry["status"] for entry in first.json()] == [True, True]
    ingest.register_models(
        other_process,
        competition_id="c1",
        models=[ModelIn(id="m-ann", name="Ann's model", player_id="ann", is_active=False)],
        now_ms=T0,
    )
    assert client.get("/reports/leaderboard").content == first.content
    monotonic.now_s += 2 * MAX_AGE_MS / 1000
    changed = client.get("/reports/leaderboard")
    assert changed.headers["etag"] == first.headers["etag"]  # the same board...
    statuses = {entry["model_id"]: entry["status"] for entry in changed.json()}
    assert statuses == {"m-ann": False, "m-bob": True}  # ...with the roster of now


@pytest.mark.usefixtures("scored", "monotonic")
def test_changes_made_through_the_process_are_seen_at_once(
    client: TestClient, clock: FakeClock
) -> None:
    etag = client.get("/reports/leaderboard").headers["etag"]
    clock.advance(3600)
    built = client.post("/api/competitions/c1/score-cycles").json()["leaderboard_id"]
    fresh = client.get("/reports/leaderboard", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] == f'"{built}"'
    assert (
        client.get(
            "/reports/leaderboard", headers={"If-None-Match": fresh.headers["etag"]}
        ).status_code
        == 304
    )


def test_a_competition_created_through_the_process_is_resolved_at_once(
    client: TestClient, competition: str
) -> None:
    assert client.get("/reports/leaderboard").status_code == 200  # the only competition
    assert client.post("/api/competitions", json={"id": "c2", "name": "C2"}).status_code == 201
    response = client.get("/reports/leaderboard")
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "competition"


def test_the_leaderboard_as_of_a_time_is_read_from_the_store(
    client: TestClient, scored: None, clock: FakeClock
) -> None:
    first = client.get("/reports/leaderboard")
    clock.advance(3600)
    client.post("/api/competitions/c1/score-cycles")
    then = client.get("/reports/leaderboard", params={"at": T0})
    assert then.status_code == 200
    assert then.headers["etag"] == first.headers["etag"]
    assert then.content == first.content
    etag = then.headers["etag"]
    assert (
        client.get(
            "/reports/leaderboard", params={"at": T0}, headers={"If-None-Match": etag}
        ).status_code
        == 304
    )
    assert client.get("/reports/leaderboard", params={"at": T0 - 10 * HOUR_MS}).json() == []
