"""What PostgreSQL's backends of a store wait on during a measurement, sampled from
``pg_stat_activity``: whether writers queue behind each other's locks (``Lock``), or for the
WAL, or for nothing (on a CPU).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from types import TracebackType

import psycopg
from sqlalchemy import make_url

from bench.backends import libpq_url

_ACTIVE = """
SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU')
FROM pg_stat_activity
WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid()
"""


@dataclass(slots=True)
class Waits:
    samples: int = 0
    locked_samples: int = 0  # samples in which some backend waited for a lock (``Lock:*``)
    events: Counter[str] = field(default_factory=Counter)  # per active backend and sample

    @property
    def locked_share(self) -> float:
        return self.locked_samples / self.samples if self.samples else 0.0

    def add(self, other: Waits) -> None:
        self.samples += other.samples
        self.locked_samples += other.locked_samples
        self.events.update(other.events)

    def commonest(self, count: int = 3) -> str:
        """The commonest states of the active backends, as shares of their sightings, and
        every lock they waited for (``Lock:extend``: a relation's extension), as counts."""
        seen = sum(self.events.values())
        found = ", ".join(
            f"{event} {seen_times / seen:.0%}"
            for event, seen_times in self.events.most_common(count)
        )
        locks = sorted(event for event in self.events if event.startswith("Lock:"))
        if locks:
            found += "; locks: " + ", ".join(f"{event} ×{self.events[event]}" for event in locks)
        return found


class WaitSampler:
    """Samples the store's active backends every ``interval_s`` in a thread, while in a
    ``with`` block; the tally is ``waits``."""

    def __init__(self, url: str, interval_s: float = 0.05) -> None:
        self.url = url
        self.interval_s = interval_s
        self.waits = Waits()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> WaitSampler:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        database = make_url(self.url).database
        with psycopg.connect(libpq_url(self.url), autocommit=True) as connection:
            while not self._stop.wait(self.interval_s):
                events = [row[0] for row in connection.execute(_ACTIVE, (database,))]
                self.waits.samples += 1
                self.waits.locked_samples += any(event.startswith("Lock:") for event in events)
                self.waits.events.update(events)
