"""Ranking rules: the order of models on a leaderboard.

Two built-in rules (rankers), each a plain value configured from the competition's JSON
``ranker_config``:

- ``LexicographicRanker`` (``lexicographic``, the default): sort by several window keys in
  turn (default ``anchor`` → ``steady`` → ``recent``), higher first (``order: "desc"``) or lower
  first (``"asc"``), a missing value always last.
- ``WeightedRanker`` (``weighted``): sort by ``Σ weight × window score`` (default 0.5 anchor,
  0.3 steady, 0.2 recent), a missing window counting as 0 as in the host's guide; a model with
  no score at all is last. The combined value is kept on each placement (``combined_score``).

Ties (``ties``): ``"ordered"`` (default) gives every model its own rank, equal keys ordered by
``model_id``; ``"shared"`` gives equal keys the same rank and skips the next ones ("1224"
competition ranking). Either way the order never depends on the order models were loaded in.

Eligibility (``Eligibility``) is separate from the ranker and combines with any of them,
third-party ones included: a model with fewer scored predictions than ``min_predictions`` is not
ranked, and ``Eligibility.reason`` says why.

The built-in rankers also rank columns (``rank_columns``, see ``podium.domain.standings``), with
the same order, ranks and combined scores as ``rank``; ``RankingRule.rank_columns`` uses it when
the ranker has one and says ``None`` otherwise, and the caller ranks ``Model`` objects instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, cast, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from podium.domain.model import Model
from podium.domain.standings import ColumnRanking, Standings, rank_rows_by_keys
from podium.domain.windows import WINDOW_NAMES

DEFAULT_RANKING_KEYS: tuple[str, ...] = ("anchor", "steady", "recent")
DEFAULT_WEIGHTS: Mapping[str, float] = {"anchor": 0.5, "steady": 0.3, "recent": 0.2}
TIE_MODES: tuple[str, ...] = ("ordered", "shared")
Ties = Literal["ordered", "shared"]


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


def rank_by_key(
    models: Sequence[Model],
    *,
    sort_key: Callable[[Model], tuple[float, ...]],
    ties: str,
    combined: Callable[[Model], float | None] | None = None,
) -> list[Placement]:
    """Placements of models sorted by ``sort_key`` ascending (then by id), ranks per ``ties``."""
    keyed = sorted((sort_key(model), model.model_id, model) for model in models)
    placements: list[Placement] = []
    previous: tuple[float, ...] | None = None
    rank = 0
    for index, (key, _, model) in enumerate(keyed):
        if ties == "ordered" or key != previous:
            rank = index + 1
        previous = key
        placements.append(
            Placement(model=model, rank=rank, combined_score=combined(model) if combined else None)
        )
    return placements


def _check_ties(ties: str) -> None:
    if ties not in TIE_MODES:
        raise ValueError(f"ties must be one of {TIE_MODES}, got {ties!r}")


@dataclass(frozen=True, slots=True)
class LexicographicRanker:
    """Sort by several window keys in turn, higher first (or lower first), missing last."""

    keys: tuple[str, ...] = DEFAULT_RANKING_KEYS
    order: Literal["desc", "asc"] = "desc"
    ties: Ties = "ordered"

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")

        keys: list[str] = Field(default_factory=lambda: list(DEFAULT_RANKING_KEYS), min_length=1)
        order: Literal["desc", "asc"] = "desc"
        ties: Ties = "ordered"

        @field_validator("keys")
        @classmethod
        def _known_keys(cls, keys: list[str]) -> list[str]:
            unknown = [key for key in keys if key not in WINDOW_NAMES]
            if unknown:
                raise ValueError(f"ranking keys must be among {WINDOW_NAMES}, got {unknown}")
            return keys

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(self.keys))  # a JSON config gives a list
        unknown = [key for key in self.keys if key not in WINDOW_NAMES]
        if unknown or not self.keys:
            raise ValueError(f"ranking keys must be among {WINDOW_NAMES}, got {self.keys}")
        if self.order not in ("desc", "asc"):
            raise ValueError(f"order must be 'desc' or 'asc', got {self.order!r}")
        _check_ties(self.ties)

    def sort_key(self, model: Model) -> tuple[float, ...]:
        score = model.overall_score
        sign = -1.0 if self.order == "desc" else 1.0
        # Ascending sort: the best first; a missing value is +inf, so always last.
        return tuple(
            math.inf if value is None else sign * value
            for value in (score.get(key) for key in self.keys)
        )

    def rank(self, models: Sequence[Model]) -> list[Placement]:
        return rank_by_key(models, sort_key=self.sort_key, ties=self.ties)

    def rank_columns(self, standings: Standings) -> ColumnRanking:
        """``rank`` in columns: the same keys (a missing value is +inf), then the model id."""
        sign = -1.0 if self.order == "desc" else 1.0
        keys = []
        for key in self.keys:
            values = standings.window(key)
            keys.append(np.where(np.isnan(values), math.inf, sign * values))
        order, rank = rank_rows_by_keys(keys, standings.tiebreak, ties=self.ties)
        return ColumnRanking(order=order, rank=rank)


@dataclass(frozen=True, slots=True)
class WeightedRanker:
    """Sort by a weighted sum of the window scores, higher first; the sum is shown."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    ties: Ties = "ordered"

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")

        weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
        ties: Ties = "ordered"

        @field_validator("weights")
        @classmethod
        def _valid_weights(cls, weights: dict[str, float]) -> dict[str, float]:
            unknown = sorted(set(weights) - set(WINDOW_NAMES))
            if unknown:
                raise ValueError(f"weights are for windows {WINDOW_NAMES}, got {unknown}")
            if any(not math.isfinite(value) or value < 0 for value in weights.values()):
                raise ValueError("weights must be finite and not negative")
            if not any(value > 0 for value in weights.values()):
                raise ValueError("at least one weight must be positive")
            return weights

    def __post_init__(self) -> None:
        checked = self.Config.model_validate({"weights": dict(self.weights), "ties": self.ties})
        object.__setattr__(self, "weights", dict(checked.weights))
        _check_ties(self.ties)

    def combined_score(self, model: Model) -> float | None:
        score = model.overall_score
        values = [score.get(name) for name in WINDOW_NAMES]
        if all(value is None for value in values):
            return None
        # Added one after the other in window order (not ``sum``, whose float rounding differs
        # between Python versions), as ``rank_columns`` does.
        combined = 0.0
        for name, value in zip(WINDOW_NAMES, values, strict=True):
            combined += self.weights.get(name, 0.0) * (value if value is not None else 0.0)
        return combined

    def sort_key(self, model: Model) -> tuple[float, ...]:
        combined = self.combined_score(model)
        return (math.inf if combined is None else -combined,)

    def rank(self, models: Sequence[Model]) -> list[Placement]:
        return rank_by_key(
            models, sort_key=self.sort_key, ties=self.ties, combined=self.combined_score
        )

    def rank_columns(self, standings: Standings) -> ColumnRanking | None:
        """``rank`` in columns; ``None`` when a combined score is NaN (an infinite window
        score times a zero weight...), whose place only ``rank`` defines."""
        combined = np.zeros(len(standings))
        with np.errstate(over="ignore", invalid="ignore"):  # as Python floats: inf, NaN
            for name, values in zip(WINDOW_NAMES, standings.scores, strict=True):
                combined = combined + self.weights.get(name, 0.0) * np.where(
                    np.isnan(values), 0.0, values
                )
        if np.isnan(combined).any():
            return None
        combined[np.isnan(standings.scores).all(axis=0)] = np.nan
        key = np.where(np.isnan(combined), math.inf, -combined)
        order, rank = rank_rows_by_keys([key], standings.tiebreak, ties=self.ties)
        return ColumnRanking(order=order, rank=rank, combined=combined[order])


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Who may be ranked: at least ``min_predictions`` scored predictions (0: everyone)."""

    min_predictions: int = 0

    def reason(self, model: Model) -> str | None:
        """Why the model is not ranked, or ``None`` when it is eligible."""
        if model.prediction_count < self.min_predictions:
            return (
                f"fewer than {self.min_predictions} scored predictions "
                f"({model.prediction_count} so far)"
            )
        return None


@dataclass(frozen=True, slots=True)
class RankingRule:
    """A ranker and the eligibility rule applied before it."""

    ranker: Ranker
    eligibility: Eligibility = Eligibility()

    def rank(self, models: Sequence[Model]) -> list[Placement]:
        return self.ranker.rank(
            [model for model in models if self.eligibility.reason(model) is None]
        )

    def rank_columns(self, standings: Standings) -> ColumnRanking | None:
        """``rank`` in columns, or ``None``: the ranker's class has no ``rank_columns`` of its
        own, or it declines these standings."""
        rank_columns = _columnar_method(self.ranker)
        if rank_columns is None:
            return None
        eligible = np.flatnonzero(standings.prediction_count >= self.eligibility.min_predictions)
        ranking = rank_columns(standings.take(eligible))
        return None if ranking is None else ranking.of_rows(eligible)

    def excluded(self, models: Sequence[Model]) -> dict[str, str]:
        """``model_id → reason`` of the models this rule leaves off the leaderboard."""
        reasons = {model.model_id: self.eligibility.reason(model) for model in models}
        return {model_id: reason for model_id, reason in reasons.items() if reason is not None}


def _columnar_method(ranker: Ranker) -> Callable[[Standings], ColumnRanking | None] | None:
    """The ranker's ``rank_columns`` if its own class defines one.

    Not an inherited one: a subclass of a built-in that changes ``rank`` or ``sort_key`` would
    otherwise be ranked by its parent's columns (it may say ``rank_columns = ...`` again).
    """
    if "rank_columns" not in vars(type(ranker)):
        return None
    return cast(Callable[[Standings], ColumnRanking | None], ranker.rank_columns)  # type: ignore[attr-defined]


DEFAULT_RANKER = LexicographicRanker()
