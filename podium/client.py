"""``PodiumClient``: Podium's HTTP API from Python, typed with the API's own schemas.

::

    from podium.client import PodiumClient

    with PodiumClient("http://127.0.0.1:8000", api_key="pk_...") as podium:
        podium.submit_predictions("demo", [
            {"model_id": "my-model", "param_id": "BTC-10s", "payload": 0.01,
             "performed_at": "2026-01-05T00:00:00Z"},
        ])
        for entry in podium.leaderboard("demo"):
            print(entry.rank, entry.model_name, entry.score_anchor)

Idempotent calls (every read, and bulk predictions, whose ids make a repeat harmless) are
retried on connection errors and on 429/502/503/504, with exponential backoff and jitter (a
``Retry-After`` header is honoured). An attempt is not idempotent and is sent once. An error
answer raises ``PodiumAPIError`` carrying the status, the code, the message and the problems.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter

from podium.schemas.common import instant_ms
from podium.schemas.competitions import CompetitionOut
from podium.schemas.ingest import IngestResult, PredictionIn
from podium.schemas.reports import (
    LeaderboardEntryOut,
    ModelReportOut,
    ModelScoresPoint,
    ModelStatsResponse,
    ParamScoresPoint,
    PredictionOut,
    ScoreHistoryResponse,
)

RETRIED_STATUSES = frozenset({429, 502, 503, 504})
DEFAULT_BATCH_ROWS = 10_000
Schema = TypeVar("Schema", bound=BaseModel)
Instant = datetime | int | str


class PodiumAPIError(Exception):
    """The API answered with an error: ``status``, ``code``, ``message`` and ``problems``."""

    def __init__(
        self, status: int, code: str, message: str, problems: Sequence[Mapping[str, Any]] = ()
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.problems = list(problems)


def _instant(value: Instant | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class PodiumClient:
    """A client of one Podium instance; ``api_key`` is sent as a Bearer token when given."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": "podium-client"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport
        )
        self.retries = retries
        self.backoff = backoff
        self.batch_rows = batch_rows
        self._sleep = sleep

    # plumbing ------------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PodiumClient:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None:
            after = response.headers.get("Retry-After", "")
            if after.isdigit():
                return float(after)
        return float(self.backoff * 2**attempt * random.uniform(0.5, 1.0))  # noqa: S311 - jitter

    def _request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> Any:
        clean = {key: value for key, value in (params or {}).items() if value is not None}
        attempts = self.retries + 1 if idempotent else 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._http.request(method, path, params=clean, json=body)
            except httpx.TransportError:
                if last:
                    raise
                self._sleep(self._delay(attempt, None))
                continue
            if response.status_code in RETRIED_STATUSES and not last:
                self._sleep(self._delay(attempt, response))
                continue
            if response.is_error:
                raise self._error(response)
            return response.json()
        raise AssertionError("unreachable: the last attempt returns or raises")

    @staticmethod
    def _error(response: httpx.Response) -> PodiumAPIError:
        try:
            body = response.json()
        except json.JSONDecodeError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        return PodiumAPIError(
            response.status_code,
            str(body.get("code", "http_error")),
            str(body.get("message", response.reason_phrase)),
            body.get("problems", []),
        )

    @staticmethod
    def _many(schema: type[Schema], body: Any) -> list[Schema]:
        return TypeAdapter(list[schema]).validate_python(body)  # type: ignore[valid-type]

    # ingest --------------------------------------------------------------------------------
    def submit_predictions(
        self, competition_id: str, predictions: Iterable[PredictionIn | Mapping[str, Any]]
    ) -> IngestResult:
        """Store predictions in batches of ``batch_rows``; a batch is stored whole or not at all.

        Each row is checked locally first (``PredictionIn``), so a bad row fails before any
        request. Retrying is safe: a prediction's id (given, or derived from model, param and
        ``performed_at``) makes a repeat a duplicate, not a second prediction.
        """
        received = stored = duplicates = 0
        batch: list[dict[str, Any]] = []

        def send() -> None:
            nonlocal received, stored, duplicates
            result = IngestResult.model_validate(
                self._request(
                    "POST",
                    f"/api/competitions/{competition_id}/predictions",
                    idempotent=True,
                    body={"predictions": batch},
                )
            )
            received += result.received
            stored += result.stored
            duplicates += result.duplicates
            batch.clear()

        for prediction in predictions:
            row = (
                prediction
                if isinstance(prediction, PredictionIn)
                else PredictionIn.model_validate(prediction)
            )
            fields = row.model_dump(mode="json", exclude_none=True)
            # Instants as epoch milliseconds: the server takes them without parsing a date.
            fields["performed_at"] = instant_ms(row.performed_at)
            if row.resolvable_at is not None:
                fields["resolvable_at"] = instant_ms(row.resolvable_at)
            batch.append(fields)
            if len(batch) >= self.batch_rows:
                send()
        if batch:
            send()
        return IngestResult(received=received, stored=stored, duplicates=duplicates)

    def submit_attempt(self, challenge_id: str, attempt: Mapping[str, Any]) -> dict[str, Any]:
        """Record one attempt at a challenge (sent once: an attempt is not idempotent)."""
        result: dict[str, Any] = self._request(
            "POST", f"/api/challenges/{challenge_id}/attempts", idempotent=False, body=dict(attempt)
        )
        return result

    # reads ---------------------------------------------------------------------------------
    def competitions(self) -> list[CompetitionOut]:
        return self._many(
            CompetitionOut, self._request("GET", "/api/competitions", idempotent=True)
        )

    def competition(self, competition_id: str) -> CompetitionOut:
        return CompetitionOut.model_validate(
            self._request("GET", f"/api/competitions/{competition_id}", idempotent=True)
        )

    def leaderboard(
        self,
        competition_id: str | None = None,
        *,
        category: str | None = None,
        at: Instant | None = None,
    ) -> list[LeaderboardEntryOut]:
        """The latest leaderboard (or the one as of ``at``), in rank order; ``category`` is
        ``overall`` (default) or an asset. Empty before the first scoring cycle."""
        body = self._request(
            "GET",
            "/reports/leaderboard",
            idempotent=True,
            params={"competition": competition_id, "category": category, "at": _instant(at)},
        )
        return self._many(LeaderboardEntryOut, body)

    def stats(self, model_id: str, competition_id: str | None = None) -> ModelStatsResponse:
        """A model's counts, mean score, best and worst asset, and rank."""
        body = self._request(
            "GET",
            f"/reports/models/{model_id}/stats",
            idempotent=True,
            params={"competition": competition_id},
        )
        return ModelStatsResponse.model_validate(body)

    def history(
        self, model_id: str, competition_id: str | None = None, *, start: Instant, end: Instant
    ) -> list[ScoreHistoryResponse]:
        """A model's overall window scores at each snapshot in ``[start, end]``."""
        body = self._request(
            "GET",
            f"/reports/models/{model_id}/history",
            idempotent=True,
            params={"competition": competition_id, "start": _instant(start), "end": _instant(end)},
        )
        return self._many(ScoreHistoryResponse, body)

    def models(self, competition_id: str | None = None) -> list[ModelReportOut]:
        body = self._request(
            "GET", "/reports/models", idempotent=True, params={"competition": competition_id}
        )
        return self._many(ModelReportOut, body)

    def _history_params(
        self,
        competition_id: str | None,
        model_ids: Sequence[str] | None,
        start: Instant | None,
        end: Instant | None,
    ) -> dict[str, Any]:
        return {
            "competition": competition_id,
            "projectIds": ",".join(model_ids) if model_ids else None,
            "start": _instant(start),
            "end": _instant(end),
        }

    def score_history(
        self,
        competition_id: str | None = None,
        *,
        model_ids: Sequence[str] | None = None,
        start: Instant | None = None,
        end: Instant | None = None,
    ) -> list[ModelScoresPoint]:
        """Each model's overall window scores at each cycle (default: the last 7 days)."""
        body = self._request(
            "GET",
            "/reports/models/global",
            idempotent=True,
            params=self._history_params(competition_id, model_ids, start, end),
        )
        return self._many(ModelScoresPoint, body)

    def param_history(
        self,
        competition_id: str | None = None,
        *,
        model_ids: Sequence[str] | None = None,
        start: Instant | None = None,
        end: Instant | None = None,
    ) -> list[ParamScoresPoint]:
        """Each model's window scores per param at each cycle."""
        body = self._request(
            "GET",
            "/reports/models/params",
            idempotent=True,
            params=self._history_params(competition_id, model_ids, start, end),
        )
        return self._many(ParamScoresPoint, body)

    def predictions(
        self,
        competition_id: str | None = None,
        *,
        model_ids: Sequence[str] | None = None,
        start: Instant | None = None,
        end: Instant | None = None,
        status: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[PredictionOut]:
        """One page of predictions, newest first, with their scores."""
        params = self._history_params(competition_id, model_ids, start, end)
        params.update(status=status, limit=limit, offset=offset)
        body = self._request("GET", "/reports/predictions", idempotent=True, params=params)
        return self._many(PredictionOut, body)

    def stream_leaderboards(self, competition_id: str | None = None) -> Iterator[dict[str, Any]]:
        """New leaderboards as they are built (``GET /api/stream/leaderboards``), forever.

        Each item is ``{competition_id, category, leaderboard_id, created_at}``.
        """
        params = {"competition": competition_id} if competition_id else {}
        with self._http.stream(
            "GET", "/api/stream/leaderboards", params=params, timeout=None
        ) as response:
            if response.is_error:
                response.read()
                raise self._error(response)
            event = ""
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line.removeprefix("event:").strip()
                elif line.startswith("data:") and event == "leaderboard":
                    found: dict[str, Any] = json.loads(line.removeprefix("data:"))
                    yield found
                elif not line:
                    event = ""
