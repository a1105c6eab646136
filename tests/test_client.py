"""``PodiumClient`` against the app in-process, and its retries against scripted transports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import anyio.from_thread
import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from podium.client import PodiumAPIError, PodiumClient
from podium.schemas.ingest import PredictionIn
from podium.store.database import Database
from tests import builders, scored
from tests.conftest import T0, FakeClock


class InProcessTransport(httpx.BaseTransport):
    """A synchronous transport that runs each request through the ASGI app."""

    def __init__(self, app: FastAPI) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._portal_context = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_context.__enter__()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            response = await self._asgi.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return self._portal.call(send)

    def close(self) -> None:
        self._portal_context.__exit__(None, None, None)


@pytest.fixture
def podium(app: FastAPI) -> Iterator[PodiumClient]:
    with PodiumClient(
        "http://podium.test", transport=InProcessTransport(app), batch_rows=4
    ) as client:
        yield client


@pytest.fixture
def roster(database: Database) -> None:
    builders.competition(database, T0)
    builders.roster(database, T0, "c1", models=scored.MODELS, params=scored.PARAMS)


def rows(count: int) -> list[dict[str, object]]:
    return [
        {
            "model_id": "sharp",
            "param_id": "BTC-1h",
            "payload": float(i),
            "performed_at": T0 - i * 1000,
        }
        for i in range(count)
    ]


def test_bulk_predictions_go_in_batches_and_retrying_is_harmless(
    podium: PodiumClient, roster: None
) -> None:
    batch = [*rows(9), PredictionIn.model_validate(rows(10)[-1])]
    first = podium.submit_predictions("c1", batch)
    assert (first.received, first.stored, first.duplicates) == (10, 10, 0)
    again = podium.submit_predictions("c1", batch)
    assert (again.received, again.stored, again.duplicates) == (10, 0, 10)


def test_instants_are_sent_as_epoch_milliseconds_and_stored_as_given(
    podium: PodiumClient, roster: None
) -> None:
    sent = podium.submit_predictions(
        "c1",
        [
            {
                "id": "iso",
                "model_id": "sharp",
                "param_id": "BTC-1h",
                "payload": 1,
                "performed_at": "2026-01-04T23:00:00.123+01:00",
                "resolvable_at": "2026-01-05T00:30:00Z",
            }
        ],
    )
    assert sent.stored == 1
    (stored,) = podium.predictions("c1", model_ids=["sharp"])
    assert stored.performed_at == datetime(2026, 1, 4, 22, 0, 0, 123_000, tzinfo=UTC)
    assert stored.resolvable_at == datetime(2026, 1, 5, 0, 30, tzinfo=UTC)


def test_a_bad_row_fails_before_any_request(podium: PodiumClient, roster: None) -> None:
    with pytest.raises(ValidationError, match="performed_at"):
        podium.submit_predictions("c1", [{"model_id": "sharp", "param_id": "BTC-1h", "payload": 1}])


def test_errors_of_the_api_carry_status_code_message_and_problems(
    podium: PodiumClient, roster: None
) -> None:
    with pytest.raises(PodiumAPIError) as caught:
        podium.submit_predictions(
            "c1",
            [{"model_id": "ghost", "param_id": "BTC-1h", "payload": 1, "performed_at": T0}],
        )
    assert (caught.value.status, caught.value.code) == (422, "invalid_input")
    assert caught.value.problems == [
        {"field": "model_id", "message": "unknown model 'ghost'", "index": 0}
    ]
    with pytest.raises(PodiumAPIError, match="404 not_found"):
        podium.competition("nope")


def test_reads(podium: PodiumClient, database: Database, clock: FakeClock) -> None:
    clock.now_ms = scored.seed(database)
    assert [c.id for c in podium.competitions()] == ["c1"]
    assert [entry.model_id for entry in podium.leaderboard("c1")] == ["sharp", "fair", "wild"]
    assert {model.model_id for model in podium.models("c1")} == set(scored.MODELS)
    history = podium.score_history("c1", model_ids=["sharp"], start=T0)
    assert len(history) == 3
    assert all(point.model_id == "sharp" for point in history)
    per_param = podium.param_history("c1", model_ids=["sharp", "fair"], start=T0)
    assert len(per_param) == 2 * 2 * 3  # models × params × cycles
    assert [entry.model_id for entry in podium.leaderboard("c1", category="ETH")] == [
        "sharp",
        "fair",
        "wild",
    ]
    stats = podium.stats("fair", "c1")
    assert (stats.rank, stats.total_predictions) == (2, 6)
    assert len(podium.history("sharp", "c1", start=T0, end=clock.now_ms)) == 3
    latest = podium.predictions("c1", model_ids=["wild"], status="SCORED", limit=2)
    assert len(latest) == 2
    assert latest[0].performed_at >= latest[1].performed_at


def scripted(
    responses: list[httpx.Response | Exception], seen: list[httpx.Request]
) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        reply = responses.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply

    return httpx.MockTransport(answer)


def test_idempotent_calls_are_retried_with_backoff() -> None:
    seen: list[httpx.Request] = []
    sleeps: list[float] = []
    transport = scripted(
        [
            httpx.ConnectError("refused"),
            httpx.Response(503),
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(200, json=[]),
        ],
        seen,
    )
    with PodiumClient(
        "http://podium.test", api_key="pk_secret", transport=transport, sleep=sleeps.append
    ) as client:
        assert client.leaderboard("c1") == []
    assert len(seen) == 4
    assert seen[0].headers["Authorization"] == "Bearer pk_secret"
    assert 0.25 <= sleeps[0] <= 0.5
    assert 0.5 <= sleeps[1] <= 1.0
    assert sleeps[2] == 2.0


def test_retries_give_up_after_the_last_attempt() -> None:
    seen: list[httpx.Request] = []
    transport = scripted([httpx.Response(503)] * 3, seen)
    with (
        PodiumClient(
            "http://podium.test", transport=transport, retries=2, sleep=lambda _s: None
        ) as client,
        pytest.raises(PodiumAPIError, match="503"),
    ):
        client.models("c1")
    assert len(seen) == 3


def test_an_attempt_is_sent_once() -> None:
    seen: list[httpx.Request] = []
    transport = scripted([httpx.Response(503, json={"code": "busy", "message": "later"})], seen)
    with (
        PodiumClient("http://podium.test", transport=transport, sleep=lambda _s: None) as client,
        pytest.raises(PodiumAPIError, match="503 busy: later"),
    ):
        client.submit_attempt("ch1", {"player_id": "ann", "metrics": {"succeeded": True}})
    assert len(seen) == 1
    assert seen[0].url.path == "/api/challenges/ch1/attempts"
    assert "Authorization" not in seen[0].headers
