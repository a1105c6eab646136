"""Attempt limits of a challenge: per player in all, per UTC day, and per minute.

``check_attempt`` is given the times (epoch ms) of the player's earlier attempts at the
challenge and the current time; it says whether one more is allowed and, when not, which
limit refused it and when the player may retry (``None`` when never: the lifetime limit).

- ``max_attempts_per_player``: attempts in all; once reached, no retry.
- ``max_attempts_per_day``: attempts since 00:00 UTC of the current day; retry at the next
  00:00 UTC.
- ``max_attempts_per_minute``: attempts in the sliding 60 s before now; retry when the oldest of
  them leaves the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DAY_MS = 86_400_000
MINUTE_MS = 60_000


@dataclass(frozen=True, slots=True)
class AttemptLimits:
    max_attempts_per_player: int | None = None
    max_attempts_per_day: int | None = None
    max_attempts_per_minute: int | None = None

    @property
    def any(self) -> bool:
        return any(
            limit is not None
            for limit in (
                self.max_attempts_per_player,
                self.max_attempts_per_day,
                self.max_attempts_per_minute,
            )
        )


@dataclass(frozen=True, slots=True)
class LimitDecision:
    allowed: bool
    limit: str | None = None
    retry_at: int | None = None

    def retry_after_seconds(self, now_ms: int) -> int | None:
        """Whole seconds to wait (rounded up, at least 1), for a ``Retry-After`` header."""
        if self.retry_at is None:
            return None
        return max(1, -(-(self.retry_at - now_ms) // 1000))


ALLOWED = LimitDecision(allowed=True)


def utc_day_start(now_ms: int) -> int:
    return now_ms - now_ms % DAY_MS


def check_attempt(
    limits: AttemptLimits, earlier: Sequence[int], now_ms: int, *, total: int | None = None
) -> LimitDecision:
    """Whether one more attempt at ``now_ms`` is allowed after the ``earlier`` ones.

    ``earlier`` needs only the attempts of the current UTC day and minute when ``total`` (the
    count of all earlier attempts) is given.
    """
    count = len(earlier) if total is None else total
    if limits.max_attempts_per_player is not None and count >= limits.max_attempts_per_player:
        return LimitDecision(False, "max_attempts_per_player", None)
    if limits.max_attempts_per_day is not None:
        day_start = utc_day_start(now_ms)
        today = [at for at in earlier if day_start <= at <= now_ms]
        if len(today) >= limits.max_attempts_per_day:
            return LimitDecision(False, "max_attempts_per_day", day_start + DAY_MS)
    if limits.max_attempts_per_minute is not None:
        window = sorted(at for at in earlier if now_ms - MINUTE_MS < at <= now_ms)
        if len(window) >= limits.max_attempts_per_minute:
            # The attempt that must leave the window for one more to fit.
            oldest_blocking = window[len(window) - limits.max_attempts_per_minute]
            return LimitDecision(False, "max_attempts_per_minute", oldest_blocking + MINUTE_MS)
    return ALLOWED
