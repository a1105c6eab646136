"""A resolver that always fails, loaded as 'tests.services.broken_resolver:BrokenResolver'."""

from __future__ import annotations

from typing import Any


class BrokenResolver:
    def resolve(self, predictions: Any, source: Any) -> list[float | None]:
        raise ConnectionError("the truth feed is down")
