"""Errors as HTTP responses, mapped in one place.

Every error body is JSON: ``{"status", "code", "message", "problems"?}``; ``message`` says what is
wrong in one sentence and ``problems`` lists each bad field (with its row ``index`` in a batch).
Unexpected exceptions become a 500 without any internal detail; the traceback goes to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from podium.domain.timestamps import from_ms
from podium.errors import (
    ConflictError,
    InvalidInputError,
    PodiumError,
    Problem,
    TooManyAttemptsError,
)

log = logging.getLogger(__name__)

MAX_PROBLEMS_SHOWN = 100


def problem_response(
    status: int, code: str, message: str, problems: Sequence[Problem] = (), **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"status": status, "code": code, "message": message, **extra}
    if problems:
        body["problems"] = [problem.as_dict() for problem in problems[:MAX_PROBLEMS_SHOWN]]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            body["problems_omitted"] = len(problems) - MAX_PROBLEMS_SHOWN
    return JSONResponse(body, status_code=status)


def _problem_of(error: dict[str, Any]) -> Problem:
    location = [
        part for part in error.get("loc", ()) if part not in ("body", "query", "path", "header")
    ]
    index = None
    # A row of a batch: ("predictions", 3, "model_id") → index 3, field "predictions.model_id".
    if len(location) >= 2 and isinstance(location[1], int):
        index = location.pop(1)
    field = ".".join(str(part) for part in location) or "body"
    return Problem(field=field, message=str(error.get("msg", "invalid")), index=index)


async def _on_validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [_problem_of(item) for item in error.errors()]
    first = problems[0] if problems else Problem("body", "invalid request")
    where = f"{first.field}[{first.index}]" if first.index is not None else first.field
    more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
    return problem_response(422, "invalid_input", f"{where}: {first.message}{more}", problems)


async def _on_podium_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, PodiumError)
    problems = error.problems if isinstance(error, InvalidInputError | ConflictError) else ()
    if isinstance(error, TooManyAttemptsError):
        return _too_many_attempts(error)
    response = problem_response(error.status_code, error.code, error.message, problems)
    response.headers.update(error.headers)
    return response


def _too_many_attempts(error: TooManyAttemptsError) -> JSONResponse:
    response = problem_response(
        error.status_code,
        error.code,
        error.message,
        limit=error.limit,
        retry_at=None
        if error.retry_at is None
        else from_ms(error.retry_at).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    )
    response.headers.update(error.headers)
    return response


async def _on_http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
        error.status_code, "http_error"
    )
    response = problem_response(error.status_code, code, str(error.detail))
    if error.headers:
        response.headers.update(error.headers)
    return response


async def _on_unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return problem_response(500, "internal_error", "internal error; the server log has the details")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(PodiumError, _on_podium_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
