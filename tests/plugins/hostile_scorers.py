"""Scorer plugins that misbehave in every way the sandbox must contain (and two that behave)."""

from __future__ import annotations

import ctypes
import os
import sys
import time
from typing import Any

from pydantic import BaseModel, ConfigDict


class Doubler:
    """Twice the rating; a well-behaved plugin with a validated config."""

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        factor: float = 2.0

    def score(self, metrics: Any, config: dict[str, Any], ctx: Any) -> dict[str, Any]:
        rating = metrics.get("rating") or 0
        return {"score": config.get("factor", 2.0) * rating, "details": {"ctx": dict(ctx)}}


class Negative:
    def score(self, metrics: Any, config: dict[str, Any], ctx: Any) -> dict[str, Any]:
        return {"score": -5.0}


class Raises:
    def score(self, metrics: Any, config: dict[str, Any], ctx: Any) -> dict[str, Any]:
        raise RuntimeError("secret internals of the plugin")


class NoScore:
    def score(self, metrics: Any, config: dict[str, Any], ctx: Any) -> dict[str, Any]:
        return {"details": {"forgot": True}}


class Junk:
    def score(self, metrics: Any, config: dict[str, Any], ctx: Any) -> Any:
        return "a lot"


class NotANumber:
    def score(self, metrics: Any, config: dict[str, Any], ctx: Any) -> dict[str, Any]:
        return {"score": float("nan")}


class Loops:
    def score(self, metrics: Any, config: dict[str, Any], ctx: Any) -> dict[str, Any]:
        while True:
            pass


class Sleeps:
    def score(self, metrics: Any, config: dict[str, Any], ctx: Any) -> dict[str, Any]:
        time.sleep(3600)
        return {"score": 1.0}


class EatsMemory:
    def score(self, metrics: Any, config: dict[str, Any], ctx: Any) -> dict[str, Any]:
        hoard = []
        while True:
            hoard.append(bytearray(64 * 1024 * 1024))


class ExitsHard:
    def score(self, metrics: Any, config: dict[str, Any], ctx: Any) -> dict[str, Any]:
        os._exit(3)


class Segfaults:
    def score(self, metrics: Any, config: dict[str, Any], ctx: Any) -> dict[str, Any]:
        ctypes.string_at(0)
        return {"score": 1.0}


class CallsSysExit:
    def score(self, metrics: Any, config: dict[str, Any], ctx: Any) -> dict[str, Any]:
        sys.exit(0)


class NoScoreMethod:
    pass


class Flaky:
    """The rating as the score, but fails on a rating of 0 (so some attempts have no score)."""

    def score(self, metrics: Any, config: dict[str, Any], ctx: Any) -> dict[str, Any]:
        rating = metrics.get("rating")
        if not rating:
            raise ValueError("no rating")
        return {"score": float(rating)}


class Moody:
    """Twice the rating, but misbehaves on some ratings: a batch must lose only those."""

    def score(self, metrics: Any, config: dict[str, Any], ctx: Any) -> dict[str, Any]:
        rating = metrics.get("rating") or 0
        if rating == 1:
            raise RuntimeError("one")
        if rating == 2:
            time.sleep(3600)
        if rating == 3:
            os._exit(3)
        if rating == 4:
            while True:
                pass
        if rating == 5:
            ctypes.string_at(0)
        if rating == 6:
            sys.exit(0)
        if rating == 7:
            return {"score": -1.0}
        return {"score": 2.0 * rating, "details": {"rating": rating}}
