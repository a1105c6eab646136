"""Token buckets: how many writes a key may make, and how long to wait when it may not.

A bucket holds up to ``capacity`` tokens and gains ``capacity`` per ``period_s``; each request
takes one. Pure: the caller passes the current time in seconds (any monotonic clock).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(slots=True)
class TokenBucket:
    capacity: float
    period_s: float
    tokens: float
    updated_s: float

    @classmethod
    def full(cls, capacity: int, period_s: float, now_s: float) -> TokenBucket:
        return cls(float(capacity), period_s, float(capacity), now_s)

    def take(self, now_s: float) -> float:
        """Take one token: 0.0 when granted, else the seconds until one is available."""
        rate = self.capacity / self.period_s
        elapsed = max(0.0, now_s - self.updated_s)
        self.tokens = min(self.capacity, self.tokens + elapsed * rate)
        self.updated_s = now_s
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / rate


def retry_after_header(wait_s: float) -> int:
    """Whole seconds for ``Retry-After`` (never 0: the client must wait at least a second)."""
    return max(1, math.ceil(wait_s))
