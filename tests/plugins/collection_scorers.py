"""Collection scorer plugins for the tests: one that works, one that raises, one returning junk."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class CountTimesTen:
    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        factor: float = 10.0

    def __init__(self, **config: Any) -> None:
        self.config = self.Config.model_validate(config)

    def score(
        self, bests: list[dict[str, Any]], config: dict[str, Any], ctx: dict[str, Any]
    ) -> dict[str, Any]:
        return {"score": config["factor"] * len(bests) - 1 + (1 if ctx["end_user_id"] else 0)}


class Raises:
    def score(
        self, bests: list[dict[str, Any]], config: dict[str, Any], ctx: dict[str, Any]
    ) -> dict[str, Any]:
        if ctx["end_user_id"] == "bob":
            raise RuntimeError("secret internal detail")
        return {"score": 1.0}


class Junk:
    def score(
        self, bests: list[dict[str, Any]], config: dict[str, Any], ctx: dict[str, Any]
    ) -> Any:
        return {"score": float("nan")} if ctx["end_user_id"] == "bob" else {"score": -5}


class Hangs:
    def score(
        self, bests: list[dict[str, Any]], config: dict[str, Any], ctx: dict[str, Any]
    ) -> dict[str, Any]:
        while True:
            pass


class HangsOnBob:
    """The number of bests, but never returns for bob."""

    def score(
        self, bests: list[dict[str, Any]], config: dict[str, Any], ctx: dict[str, Any]
    ) -> dict[str, Any]:
        while ctx["end_user_id"] == "bob":
            pass
        return {"score": float(len(bests))}
