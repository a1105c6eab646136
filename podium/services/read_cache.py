"""Values kept in memory between requests: ``RefreshingCache`` (bounded staleness) and
``BoundedCache`` (bounded size).

``RefreshingCache``: a value is served until it is a given age (counted from when its read
began) and, past half of it, still served but read again in the background (stale-while-
revalidate, one read at a time per key), so that under steady load no caller waits for a reload.
``peek`` never does I/O, so an async route can answer from memory and go to the thread pool only
to ``load``. Two caches are built on it:

- ``ReadCache``: a value read from the store is served until it is ``PODIUM_READ_CACHE_MS`` old
  or this process commits a write through the same ``Database`` (``Database.write_generation``
  changes), whichever comes first: a change made through this process (its score worker, an API
  call) is seen at once, a change made by another process within the bound.
- ``TimedCache`` (``api/access.py``): what access control read from the store, kept
  ``CACHE_TTL_S`` or until ``clear()`` (keys revoked in this process).

``BoundedCache``: values whose key says when they are stale (a revision, an ``updated_at``...),
or that the caller checks itself (``AttemptClearances`` in ``fair_play.py``: their age), so they
never age; the least recently used go first.
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


@dataclass(frozen=True, slots=True)
class _Entry(Generic[V]):
    value: V
    read_at_s: float  # when the read of ``value`` began
    generation: tuple[int, int]  # the cache's (clears, changes) then
    read: Callable[[], V]  # how to read it again


class RefreshingCache(Generic[K, V]):
    """A map of values read from somewhere slow, each served until it is ``max_age_s`` old
    (counted from when its read began; 0: never kept) and read again in the background when asked
    for past half of that: under steady traffic no value expires and no caller waits for a read.

    - One background read per key at a time; the callers meanwhile get the value as it is, never
      past the bound. One that fails is logged, and the next caller past half starts another.
    - A read begun before ``clear()`` or before ``changes()`` changed is not kept, and a value
      read before either is not served.
    - ``keep_none=False``: ``None`` is not kept, and a read that finds it drops the key's value.
    - At most ``max_entries`` values: a new key when there are that many drops them all.

    Thread-safe: ``peek`` never does I/O and takes the lock only to start a refresh (it may run
    on the event loop), ``load`` reads on the caller's thread, the refreshes on ``refresh_in``.
    """

    def __init__(
        self,
        max_age_s: float,
        *,
        max_entries: int = 10_000,
        keep_none: bool = True,
        changes: Callable[[], int] = lambda: 0,
        monotonic: Callable[[], float] = time.monotonic,
        refresh_in: Runner = in_background,
    ) -> None:
        self.max_age_s = max_age_s
        self.max_entries = max_entries
        self.keep_none = keep_none
        self.changes = changes
        self.monotonic = monotonic
        self.refresh_in = refresh_in
        self._entries: dict[K, _Entry[V]] = {}
        self._refreshing: set[K] = set()
        self._clears = 0
        self._lock = threading.Lock()

    def peek(self, key: K) -> V | Missing:
        """The value of ``key`` if read less than the bound ago, else ``MISSING``, without I/O;
        past half the bound, it is read again in the background."""
        entry = self._entries.get(key)
        if entry is None:
            return MISSING
        generation = self._generation()
        if entry.generation != generation:
            return MISSING
        age = self.monotonic() - entry.read_at_s
        if not 0 <= age <= self.max_age_s:
            return MISSING
        if age > self.max_age_s / 2 and key not in self._refreshing:
            with self._lock:
                start = key not in self._refreshing
                self._refreshing.add(key)
            if start:
                self.refresh_in(lambda: self._refresh(key, entry.read, generation))
        return entry.value

    def load(self, key: K, read: Callable[[], V]) -> V:
        """``read()`` the value of ``key`` and keep it."""
        generation = self._generation()  # before reading: a change meanwhile shows later
        started = self.monotonic()
        value = read()
        self._keep(key, _Entry(value, started, generation, read))
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._clears += 1

    def _generation(self) -> tuple[int, int]:
        return self._clears, self.changes()

    def _keep(self, key: K, entry: _Entry[V]) -> None:
        if self.max_age_s <= 0:
            return
        with self._lock:
            if entry.generation != self._generation():
                return
            if entry.value is None and not self.keep_none:
                self._entries.pop(key, None)
                return
            if len(self._entries) >= self.max_entries and key not in self._entries:
                self._entries.clear()
            self._entries[key] = entry

    def _refresh(self, key: K, read: Callable[[], V], generation: tuple[int, int]) -> None:
        try:
            started = self.monotonic()
            self._keep(key, _Entry(read(), started, generation, read))
        except Exception:  # the value is served up to its bound; a caller past half retries
            log.warning("background refresh in a %s failed", type(self).__name__, exc_info=True)
        finally:
            with self._lock:
                self._refreshing.discard(key)


class ReadCache(RefreshingCache[K, V]):
    """A ``RefreshingCache`` of values read from ``db``, each served for ``max_age_ms`` (0: never
    reused) and no longer once this process commits a write through ``db``."""

    def __init__(
        self,
        db: Database,
        *,
        max_age_ms: int,
        max_entries: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
        refresh_in: Runner = in_background,
    ) -> None:
        super().__init__(
            max_age_ms / 1000,
            max_entries=max_entries,
            changes=lambda: db.write_generation,
            monotonic=monotonic,
            refresh_in=refresh_in,
        )
        self.db = db


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

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

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
