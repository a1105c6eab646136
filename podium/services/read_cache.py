"""Values kept in memory between requests: ``ReadCache`` (bounded staleness) and
``BoundedCache`` (bounded size).

``ReadCache``: a value read from the store is served until it is ``PODIUM_READ_CACHE_MS`` old
(counted from when its read began) or this process commits a write through the same ``Database``
(``Database.write_generation`` changes), whichever comes first: a change made through this
process (its score worker, an API call) is seen at once, a change made by another process within
the bound. Past half the bound, a value still served is read again in the background
(stale-while-revalidate, one read at a time per key), so that under steady load no request
waits for a reload. ``peek`` never does I/O, so an async route can answer from memory and go to
the thread pool only to ``load``.

``BoundedCache``: values whose key says when they are stale (a revision, an ``updated_at``...),
or that the caller checks itself, so they never age; the least recently used go first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from typing import Final, Generic, Literal, TypeVar

from podium.store.database import Database

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Task = Callable[[], None]
Runner = Callable[[Task], object]
"""Runs a task soon, off the caller's thread (``in_background``; tests pass their own)."""

BACKGROUND_THREADS = 2
_background: ThreadPoolExecutor | None = None
_background_lock = threading.Lock()


def in_background(task: Task) -> None:
    """Run ``task`` on the process's refresh threads: not the event loop, and not the request
    thread pool, which a burst of requests may have filled."""
    global _background
    with _background_lock:
        if _background is None:
            _background = ThreadPoolExecutor(
                BACKGROUND_THREADS, thread_name_prefix="podium-refresh"
            )
        runner = _background
    runner.submit(task)


class _Missing(Enum):
    MISSING = "missing"


MISSING: Final = _Missing.MISSING
"""What ``ReadCache.peek`` returns when the caller must ``load`` (``None`` may be a value)."""
Missing = Literal[_Missing.MISSING]


@dataclass(slots=True)
class _Entry(Generic[V]):
    value: V
    read_at_s: float  # when the read of ``value`` began
    generation: int
    read: Callable[[], V]
    refreshing: bool = False


class ReadCache(Generic[K, V]):
    """A map of values read from ``db``, each served for ``max_age_ms`` (0: never reused) and
    read again in the background past half of it.

    Thread-safe: ``peek`` runs on the event loop, ``load`` in the thread pool, the refreshes on
    ``refresh_in``.
    """

    def __init__(
        self,
        db: Database,
        *,
        max_age_ms: int,
        max_entries: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
        refresh_in: Runner = in_background,
    ) -> None:
        self.db = db
        self.max_age_s = max_age_ms / 1000
        self.max_entries = max_entries
        self.monotonic = monotonic
        self.refresh_in = refresh_in
        self._entries: dict[K, _Entry[V]] = {}
        self._lock = threading.Lock()

    def peek(self, key: K) -> V | Missing:
        """The value of ``key`` if read less than the bound ago, else ``MISSING``, without I/O.

        Past half the bound the value is served and read again in the background (once: the
        other callers meanwhile get the value as it is, never past the bound).
        """
        entry = self._entries.get(key)
        if entry is None or entry.generation != self.db.write_generation:
            return MISSING
        age = self.monotonic() - entry.read_at_s
        if not 0 <= age <= self.max_age_s:
            return MISSING
        if age > self.max_age_s / 2 and not entry.refreshing:
            with self._lock:
                start, entry.refreshing = not entry.refreshing, True
            if start:
                self.refresh_in(lambda: self._refresh(key, entry))
        return entry.value

    def load(self, key: K, read: Callable[[], V]) -> V:
        """``read()`` the value of ``key`` from the store and keep it."""
        generation = self.db.write_generation  # before reading: a write meanwhile shows later
        started = self.monotonic()
        value = read()
        if self.max_age_s > 0:
            with self._lock:
                if len(self._entries) >= self.max_entries and key not in self._entries:
                    self._entries.clear()
                self._entries[key] = _Entry(value, started, generation, read)
        return value

    def _refresh(self, key: K, entry: _Entry[V]) -> None:
        try:
            self.load(key, entry.read)
        except Exception:  # the entry stays marked: past the bound a request reads it again
            log.warning("background refresh of %r failed", key, exc_info=True)


class BoundedCache(Generic[K, V]):
    """At most ``max_entries`` values, the least recently used dropped first; thread-safe.

    ``get_or_load`` loads a missing key once however many threads ask for it at the same time:
    the others wait for that load instead of repeating it.
    """

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._values: OrderedDict[K, V] = OrderedDict()
        self._loading: dict[K, threading.Event] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._get(key)

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._put(key, value)

    def forget(self, key: K) -> None:
        with self._lock:
            self._values.pop(key, None)

    def get_or_load(self, key: K, load: Callable[[], V]) -> V:
        """The value of ``key``, ``load()``-ed and kept if missing (``load`` must not return
        ``None``). If ``load`` raises, the error is the caller's and a waiting thread loads."""
        while True:
            with self._lock:
                found = self._get(key)
                if found is not None:
                    return found
                loading = self._loading.get(key)
                if loading is None:
                    loading = self._loading[key] = threading.Event()
                    break
            loading.wait()  # then read what that load kept (or load, if it failed)
        try:
            value = load()
            with self._lock:
                self._put(key, value)
            return value
        finally:
            with self._lock:
                del self._loading[key]
            loading.set()

    def _get(self, key: K) -> V | None:
        found = self._values.get(key)
        if found is not None:
            self._values.move_to_end(key)
        return found

    def _put(self, key: K, value: V) -> None:
        self._values[key] = value
        self._values.move_to_end(key)
        while len(self._values) > self.max_entries:
            self._values.popitem(last=False)
