"""The latest leaderboard of each competition and category, kept in memory for pollers.

``GET /reports/leaderboard`` is polled by dashboards: most requests carry the ETag they already
have and get a 304, the others want the same body. Per API process, ``LatestLeaderboards``
keeps the latest board's version (``reports.latest_leaderboard_version``) in a ``ReadCache``
(served for ``PODIUM_READ_CACHE_MS``, read again in the background past half of it, or
dropped when this process writes) and the body serialized
once per version, so that a warm request does no I/O at all: the route answers it on the event
loop, and goes to the thread pool only to ``load`` a version or ``build`` a body.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from podium.domain.leaderboard import OVERALL_CATEGORY
from podium.domain.timestamps import from_ms
from podium.services import reports
from podium.services.read_cache import Missing, ReadCache, Runner, in_background
from podium.store.database import Database

BODY_CACHE_SIZE = 64
BUILDERS_MAX = 1_024


@dataclass(frozen=True, slots=True)
class LatestLeaderboard:
    """The latest board of a category, and the key of what its body depends on."""

    id: str
    created_at: int
    created_at_iso: str
    key: tuple[Any, ...]

    @property
    def etag(self) -> str:
        return f'"{self.id}"'


class LatestLeaderboards:
    def __init__(
        self,
        db: Database,
        *,
        max_age_ms: int,
        monotonic: Callable[[], float] = time.monotonic,
        refresh_in: Runner = in_background,
    ) -> None:
        self.db = db
        self._versions: ReadCache[tuple[str, str], LatestLeaderboard | None] = ReadCache(
            db, max_age_ms=max_age_ms, monotonic=monotonic, refresh_in=refresh_in
        )
        self._bodies: dict[tuple[Any, ...], bytes] = {}
        self._builders: dict[tuple[str, str], threading.Lock] = {}
        self._lock = threading.Lock()

    def peek(
        self, competition_id: str, category: str = OVERALL_CATEGORY
    ) -> LatestLeaderboard | Missing | None:
        """The latest board if known fresh (``None``: none built yet), else ``MISSING``; no I/O."""
        return self._versions.peek((competition_id, category))

    def load(
        self, competition_id: str, category: str = OVERALL_CATEGORY
    ) -> LatestLeaderboard | None:
        """The latest board's version, read from the store (a few indexed rows) and kept."""

        def read() -> LatestLeaderboard | None:
            row, key = reports.latest_leaderboard_version(
                self.db, competition_id=competition_id, category=category
            )
            if row is None:
                return None
            return _latest(row.id, row.created_at, key)

        return self._versions.load((competition_id, category), read)

    def body(self, latest: LatestLeaderboard) -> bytes | None:
        """The serialized entries of ``latest`` if built already; no I/O."""
        return self._bodies.get(latest.key)

    def build(
        self, competition_id: str, category: str = OVERALL_CATEGORY
    ) -> tuple[LatestLeaderboard | None, bytes]:
        """The latest board and its serialized entries (entries, rank changes, roster) read
        now; the body is kept for the board's key when the store did not change meanwhile.

        One build at a time per category: when a new board comes, the requests that find no
        body wait for the first one's rather than each reading and serializing it again (the
        tail after every score cycle).
        """
        with self._lock:
            if len(self._builders) > BUILDERS_MAX:  # categories named by clients, say
                self._builders.clear()
            builder = self._builders.setdefault((competition_id, category), threading.Lock())
        with builder:
            known = self.peek(competition_id, category)
            if isinstance(known, LatestLeaderboard) and (body := self.body(known)) is not None:
                return known, body  # built while this request waited
            return self._build(competition_id, category)

    def _build(self, competition_id: str, category: str) -> tuple[LatestLeaderboard | None, bytes]:
        board, body, key = reports.latest_leaderboard_json(
            self.db, competition_id=competition_id, category=category
        )
        if board is None:
            return None, body
        if key is not None:
            with self._lock:
                self._bodies[key] = body
                while len(self._bodies) > BODY_CACHE_SIZE:
                    self._bodies.pop(next(iter(self._bodies)))
        return _latest(board.id, board.created_at, key or ()), body


def _latest(board_id: str, created_at: int, key: tuple[Any, ...]) -> LatestLeaderboard:
    return LatestLeaderboard(board_id, created_at, from_ms(created_at).isoformat(), key)
