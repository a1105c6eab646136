"""Rank changes: how a model moved between a reference leaderboard and the current one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Movement = Literal["up", "down", "same", "new"]


@dataclass(frozen=True, slots=True)
class RankChange:
    movement: Movement
    places: int = 0
    """Places gained (positive) or lost (negative); 0 for ``same`` and ``new``."""

    @property
    def symbol(self) -> str:
        return {"up": "▲", "down": "▼", "same": "•", "new": "★"}[self.movement]

    @property
    def label(self) -> str:
        if self.movement == "up":
            return f"up {self.places}"
        if self.movement == "down":
            return f"down {-self.places}"
        return "new" if self.movement == "new" else "unchanged"


def rank_change(current: int, reference: int | None) -> RankChange:
    """The change from ``reference`` (``None``: the model was not ranked then) to ``current``."""
    if reference is None:
        return RankChange("new")
    places = reference - current
    if places > 0:
        return RankChange("up", places)
    if places < 0:
        return RankChange("down", places)
    return RankChange("same")


def rank_changes(current: Mapping[str, int], reference: Mapping[str, int]) -> dict[str, RankChange]:
    """Each model of ``current`` (model id → rank) with its change since ``reference``."""
    return {
        model_id: rank_change(rank, reference.get(model_id)) for model_id, rank in current.items()
    }
