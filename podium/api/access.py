"""Access control of requests: who is asking (API key), may they, and on which tenant's data.

``AccessControl.principal_of`` is what the role dependencies of ``api/deps.py`` call:

1. The principal: a key from ``Authorization: Bearer <token>`` (never from the query string);
   with no key configured on a loopback instance, the local admin; without a key, anonymous.
2. Anonymous requests may only read the reports of a competition whose ``public_reports`` is on.
3. The role must allow the route (``admin`` ⊃ ``ingest`` ⊃ ``read``), else 403.
4. A competition named by the request (``{competition_id}`` in the path, ``?competition=``)
   must belong to the principal's tenant; another tenant's competition is a 404, as if absent.
5. Writes are rate limited per key (token bucket, ``PODIUM_WRITE_RATE_LIMIT`` per minute).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from podium.domain.access import LOCAL_ADMIN, Principal, Role
from podium.domain.rate_limit import TokenBucket, retry_after_header
from podium.errors import (
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    UnauthorizedError,
)
from podium.services import api_keys
from podium.services.clock import Clock
from podium.services.competitions import CompetitionScope, competition_scope
from podium.services.read_cache import MISSING, RefreshingCache, Runner, in_background
from podium.settings import Settings
from podium.store.database import Database

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Query parameters a client might put a key in: refused, so that keys never end up in logs.
_KEY_PARAMETERS = ("api_key", "apikey", "access_token")
# How long answers from the store are reused: whether any key exists, what a token proves, a
# competition's tenant. A key created or revoked with the CLI counts within this time.
CACHE_TTL_S = 2.0
_CACHE_MAX = 10_000


class NotCachedError(Exception):
    """The answer needs the store: raised by a lookup while ``_CACHED_ONLY`` is set."""


# Set by ``AccessControl.principal_for`` (per request: a context variable) while it tries to
# decide on the event loop, from the caches alone; any lookup that would read the store raises.
_CACHED_ONLY: ContextVar[bool] = ContextVar("podium_access_cached_only", default=False)


class TimedCache(RefreshingCache[K, V]):
    """A ``RefreshingCache`` whose entries are served for ``ttl_s`` seconds: reloaded in the
    background when asked for past half of it, so that under steady traffic none expires and no
    request waits for the store; one nobody asked for in its second half expires."""

    def __init__(
        self,
        ttl_s: float,
        *,
        keep_none: bool = True,
        monotonic: Callable[[], float] = time.monotonic,
        refresh_in: Runner = in_background,
    ) -> None:
        super().__init__(
            ttl_s,
            max_entries=_CACHE_MAX,
            keep_none=keep_none,
            monotonic=monotonic,
            refresh_in=refresh_in,
        )

    def get_or_load(self, key: K, load: Callable[[], V]) -> V:
        """The value of ``key``, loaded when absent or expired (``NotCachedError`` instead
        while ``principal_for`` tries to answer from memory alone)."""
        found = self.peek(key)
        if found is not MISSING:
            return found
        if _CACHED_ONLY.get():
            raise NotCachedError
        return self.load(key, load)


class WriteRateLimiter:
    """One token bucket per key; thread-safe (the API serves requests from a thread pool)."""

    def __init__(self, per_minute: int, *, max_keys: int = 100_000) -> None:
        self.per_minute = per_minute
        self.max_keys = max_keys
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def check(self, key: str, now_s: float | None = None) -> None:
        if self.per_minute <= 0:
            return
        now = time.monotonic() if now_s is None else now_s
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_keys:
                    self._buckets.clear()
                bucket = self._buckets[key] = TokenBucket.full(self.per_minute, 60.0, now)
            wait_s = bucket.take(now)
        if wait_s > 0:
            raise RateLimitedError(
                f"too many writes with this key (limit {self.per_minute} per minute); "
                "retry after the Retry-After seconds",
                retry_after_s=retry_after_header(wait_s),
            )


class AccessControl:
    def __init__(self, settings: Settings, db: Database, clock: Clock) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.rate_limiter = WriteRateLimiter(settings.write_rate_limit)
        self._keys_required: TimedCache[None, bool] = TimedCache(CACHE_TTL_S)
        self._principals: TimedCache[str, Principal | None] = TimedCache(CACHE_TTL_S)
        # "No such competition" is never kept: it may be created the next moment, by anyone.
        self._scopes: TimedCache[str, CompetitionScope | None] = TimedCache(
            CACHE_TTL_S, keep_none=False
        )

    def keys_required(self) -> bool:
        return self._keys_required.get_or_load(
            None, lambda: api_keys.keys_configured(self.db, self.settings)
        )

    def competition_scope(self, competition_id: str) -> CompetitionScope | None:
        return self._scopes.get_or_load(
            competition_id, lambda: competition_scope(self.db, competition_id=competition_id)
        )

    def forget(self) -> None:
        """Drop what was read from the store (after keys are revoked in this process)."""
        for cache in (self._keys_required, self._principals, self._scopes):
            cache.clear()

    def authenticate(self, request: Request) -> Principal | None:
        for name in _KEY_PARAMETERS:
            if name in request.query_params:
                raise InvalidInputError.for_field(
                    name, "API keys are accepted only in the 'Authorization: Bearer' header"
                )
        header = request.headers.get("authorization")
        if header is None:
            return None if self.keys_required() else LOCAL_ADMIN
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise UnauthorizedError("the Authorization header must read 'Bearer <API key>'")
        token = token.strip()
        principal = self._principals.get_or_load(
            hashlib.sha256(token.encode()).hexdigest(),
            lambda: api_keys.authenticate(self.db, self.settings, token=token, now_ms=self.clock()),
        )
        if principal is None:
            raise UnauthorizedError("unknown or revoked API key")
        return principal

    async def principal_for(self, request: Request, needed: Role) -> Principal:
        """``principal_of`` for an async dependency: decided on the event loop from what was
        read from the store recently, in the thread pool when the store must be asked."""
        token = _CACHED_ONLY.set(True)
        try:
            return self.principal_of(request, needed)
        except NotCachedError:
            pass
        finally:
            _CACHED_ONLY.reset(token)
        return await run_in_threadpool(self.principal_of, request, needed)

    def principal_of(self, request: Request, needed: Role) -> Principal:
        principal = self.authenticate(request)
        competition_id = request.path_params.get("competition_id") or request.query_params.get(
            "competition"
        )
        if principal is None:
            principal = self._public_reader(competition_id) if needed is Role.READ else None
            if principal is None:
                raise UnauthorizedError(
                    "this needs an API key in the header 'Authorization: Bearer <key>'"
                )
        if not principal.may(needed):
            raise ForbiddenError(
                f"this needs the {needed.value} role; the key has {principal.role.value}"
            )
        if competition_id is not None:
            scope = self.competition_scope(competition_id)
            if scope is not None and scope.tenant_id != principal.tenant_id:
                raise NotFoundError("competition", competition_id)
        if request.method not in SAFE_METHODS:
            client = request.client.host if request.client is not None else "unknown"
            self.rate_limiter.check(principal.key_id or f"local:{client}")
        request.state.principal = principal
        return principal

    def _public_reader(self, competition_id: str | None) -> Principal | None:
        wanted = competition_id or self.settings.default_competition
        if wanted is None:
            return None
        scope = self.competition_scope(wanted)
        if scope is None or not scope.public_reports:
            return None
        return Principal(tenant_id=scope.tenant_id, role=Role.READ)
