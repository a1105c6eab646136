"""Windowed scores: `recent`, `steady` and `anchor` means over roll-up buckets.

Scores are rolled up into fixed time buckets (count and sum per model, param and bucket), so a
window is a sum over a bounded number of buckets whatever the length of the history. A score is
dated at its prediction's ``resolvable_at``, the instant its outcome became known.

Windows are aligned to buckets: at time ``now`` a window of length ``W`` covers the ``W / bucket``
buckets that end with the bucket holding ``now`` (that bucket included). With the default one-hour
bucket, ``recent`` (24 h) is the 24 latest hourly buckets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from podium.domain.timestamps import MS_PER_HOUR, floor_to

WINDOW_NAMES: tuple[str, ...] = ("recent", "steady", "anchor")


@dataclass(frozen=True, slots=True)
class WindowScores:
    """The windowed means of one model (overall) or of one model on one param.

    A window with no successful score in it is ``None``.
    """

    recent: float | None = None
    steady: float | None = None
    anchor: float | None = None

    def get(self, window: str) -> float | None:
        if window not in WINDOW_NAMES:
            raise KeyError(window)
        value: float | None = getattr(self, window)
        return value


EMPTY_WINDOW_SCORES = WindowScores()


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """Lengths of the three windows and of the roll-up bucket, in milliseconds."""

    recent_ms: int = 24 * MS_PER_HOUR
    steady_ms: int = 72 * MS_PER_HOUR
    anchor_ms: int = 168 * MS_PER_HOUR
    bucket_ms: int = MS_PER_HOUR

    def __post_init__(self) -> None:
        if self.bucket_ms <= 0:
            raise ValueError("bucket_ms must be positive")
        for name in WINDOW_NAMES:
            length = self.length_ms(name)
            if length < self.bucket_ms or length % self.bucket_ms:
                raise ValueError(
                    f"window {name} ({length} ms) must be a positive multiple of the "
                    f"bucket ({self.bucket_ms} ms)"
                )

    def length_ms(self, window: str) -> int:
        if window not in WINDOW_NAMES:
            raise KeyError(window)
        length: int = getattr(self, f"{window}_ms")
        return length

    def first_bucket(self, window: str, now_ms: int) -> int:
        """Start of the oldest bucket inside ``window`` at ``now_ms``."""
        return floor_to(now_ms, self.bucket_ms) - self.length_ms(window) + self.bucket_ms

    def earliest_bucket(self, now_ms: int) -> int:
        """Start of the oldest bucket any window needs at ``now_ms``."""
        return min(self.first_bucket(name, now_ms) for name in WINDOW_NAMES)


@dataclass(frozen=True, slots=True)
class BucketTotal:
    """One roll-up bucket: how many successful scores it holds and their sum."""

    bucket_start: int
    count: int
    total: float


def score_windows(buckets: Iterable[BucketTotal], spec: WindowSpec, now_ms: int) -> WindowScores:
    """The three windowed means over ``buckets`` at ``now_ms`` (buckets after ``now`` ignored)."""
    last_bucket = floor_to(now_ms, spec.bucket_ms)
    starts = {name: spec.first_bucket(name, now_ms) for name in WINDOW_NAMES}
    counts = dict.fromkeys(WINDOW_NAMES, 0)
    totals = dict.fromkeys(WINDOW_NAMES, 0.0)
    for bucket in buckets:
        if bucket.bucket_start > last_bucket:
            continue
        for name in WINDOW_NAMES:
            if bucket.bucket_start >= starts[name]:
                counts[name] += bucket.count
                totals[name] += bucket.total
    return window_means(counts, totals)


def window_means(counts: dict[str, int], totals: dict[str, float]) -> WindowScores:
    """``WindowScores`` from per-window counts and sums (``None`` where the count is zero)."""

    def mean(name: str) -> float | None:
        count = counts.get(name, 0)
        return totals[name] / count if count else None

    return WindowScores(recent=mean("recent"), steady=mean("steady"), anchor=mean("anchor"))
