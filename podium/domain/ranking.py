"""Ranking rules: the order of models on a leaderboard.

The default rule is the host's original one: sort by ``anchor``, then ``steady``, then
``recent``, higher first, a missing value counting as minus infinity (last). Models whose keys are
all equal are ordered by ``model_id`` (ascending) so that a leaderboard never depends on the order
models were loaded in; each gets its own rank (1, 2, 3…).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from podium.domain.model import Model
from podium.domain.windows import WINDOW_NAMES

DEFAULT_RANKING_KEYS: tuple[str, ...] = ("anchor", "steady", "recent")


@dataclass(frozen=True, slots=True)
class Placement:
    """A model's place on a leaderboard."""

    model: Model
    rank: int
    combined_score: float | None = None


@runtime_checkable
class Ranker(Protocol):
    """A ranking rule: the models in leaderboard order, each with its rank."""

    def rank(self, models: Sequence[Model]) -> list[Placement]: ...


@dataclass(frozen=True, slots=True)
class LexicographicRanker:
    """Sort by several window keys in turn, higher first, missing last."""

    keys: tuple[str, ...] = DEFAULT_RANKING_KEYS

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(self.keys))  # a JSON config gives a list
        unknown = [key for key in self.keys if key not in WINDOW_NAMES]
        if unknown or not self.keys:
            raise ValueError(f"ranking keys must be among {WINDOW_NAMES}, got {self.keys}")

    def sort_key(self, model: Model) -> tuple[float, ...]:
        score = model.overall_score
        values = (score.get(key) for key in self.keys)
        # Negated so that an ascending sort puts the highest score first; -inf (missing) goes last.
        return tuple(-(value if value is not None else -math.inf) for value in values)

    def rank(self, models: Sequence[Model]) -> list[Placement]:
        ordered = sorted(models, key=lambda model: (self.sort_key(model), model.model_id))
        return [Placement(model=model, rank=index + 1) for index, model in enumerate(ordered)]


DEFAULT_RANKER = LexicographicRanker()
