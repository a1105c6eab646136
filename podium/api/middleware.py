"""HTTP middleware: request body cap, security headers, CORS, and request metrics.

Pure ASGI middleware (no ``BaseHTTPMiddleware``): bodies are streamed, not buffered twice.

- A body larger than ``PODIUM_MAX_BODY_BYTES`` is a 413, whether announced by
  ``Content-Length`` or found while streaming (chunked uploads).
- Every response says ``X-Content-Type-Options: nosniff``; HTML pages also get a strict
  ``Content-Security-Policy`` (same-origin scripts and styles only), ``X-Frame-Options: DENY``
  and ``Referrer-Policy``.
- CORS is off unless ``PODIUM_CORS_ORIGINS`` lists origins (never ``*``).
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from podium import metrics
from podium.api.problems import problem_response
from podium.settings import Settings

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)
# FastAPI's interactive docs load their own scripts and run inline ones: no CSP there.
_DOC_PATHS = ("/docs", "/redoc")


class BodyTooLarge(StarletteHTTPException):
    """Raised while reading a body past the cap; an HTTP error so every layer maps it to 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, _too_large_message(max_bytes))


def _too_large_message(max_bytes: int) -> str:
    return f"the request body is larger than {max_bytes} bytes (PODIUM_MAX_BODY_BYTES); split it"


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        has_body = False
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self._refuse(scope, receive, send)
                    return
                has_body = True
            elif name == b"transfer-encoding":
                has_body = True
        if not has_body:
            # Neither Content-Length nor Transfer-Encoding: HTTP/1.1 says there is no body
            # (a GET, mostly), nothing to count.
            await self.app(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(413, "too_large", _too_large_message(self.max_bytes))
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


_NOSNIFF: tuple[tuple[bytes, bytes], ...] = ((b"x-content-type-options", b"nosniff"),)
_HTML_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    *_NOSNIFF,
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_doc = scope.get("path", "").startswith(_DOC_PATHS)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = _NOSNIFF
                if not is_doc and b"content-type" in names:
                    content_type = next(
                        value for name, value in headers if name.lower() == b"content-type"
                    )
                    if content_type.startswith(b"text/html"):
                        extra = _HTML_HEADERS
                headers += [(name, value) for name, value in extra if name not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class RequestMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route: Any = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            metrics.record_request(
                scope.get("method", "GET"), template, status, time.perf_counter() - started
            )


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Innermost first: metrics see the real status, the body cap runs before anything reads."""
    app.add_middleware(RequestMetrics)
    app.add_middleware(SecurityHeaders)
    origins = settings.cors_origin_list
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials=False,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-None-Match"],
            expose_headers=["ETag", "Retry-After", "X-Leaderboard-Id"],
            max_age=600,
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
