"""Attempt challenges: scoring strategies, the best attempt per player, and standings.

Pure functions over plain values. A strategy says which metric of an attempt ranks it and in
which direction; the **best attempt** of a player decides the player's place. Only successful
attempts place a player (failed ones are recorded and counted, never ranked).

The tie chain, the same for every strategy:

1. the strategy's value (``None`` and NaN always last);
2. the earliest ``created_at`` (whoever got there first wins);
3. the smallest attempt id (only to make the order total).

Two players whose best attempts are equal on 1 and 2 share a rank, and the next rank skips
("1, 2, 2, 4"); the attempt id only orders them within the shared rank.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ScoringStrategy(StrEnum):
    FIRST = "first"
    FASTEST = "fastest"
    FEWEST_TOKENS = "fewest_tokens"
    HIGHEST_RATING = "highest_rating"
    CUSTOM = "custom"

    @property
    def metric(self) -> str:
        """The attempt field the strategy ranks by."""
        return _METRICS[self]

    @property
    def higher_is_better(self) -> bool:
        return self in (ScoringStrategy.HIGHEST_RATING, ScoringStrategy.CUSTOM)


_METRICS = {
    ScoringStrategy.FIRST: "created_at",
    ScoringStrategy.FASTEST: "elapsed_ms",
    ScoringStrategy.FEWEST_TOKENS: "tokens_total",
    ScoringStrategy.HIGHEST_RATING: "rating",
    ScoringStrategy.CUSTOM: "score",
}


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    """One attempt as ranking sees it."""

    attempt_id: int
    end_user_id: str
    succeeded: bool
    created_at: int
    tokens_total: int | None = None
    elapsed_ms: int | None = None
    rating: int | None = None
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Standing:
    """A player's place: rank, best attempt, and how many attempts they made."""

    rank: int
    end_user_id: str
    best: AttemptOutcome
    value: float | None
    attempts: int
    first_success_at: int | None


RankKey = tuple[bool, float, int]


def finite_or_none(value: object) -> float | None:
    """A number as a float; ``None`` for missing, NaN or infinite values."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def strategy_value(strategy: ScoringStrategy, attempt: AttemptOutcome) -> float | None:
    """The value the strategy ranks the attempt by (``None`` when missing or NaN)."""
    return finite_or_none(getattr(attempt, strategy.metric))


def sort_value(strategy: ScoringStrategy, value: float | None) -> float | None:
    """The value turned so that lower is better (what the store orders by)."""
    if value is None:
        return None
    return -value if strategy.higher_is_better else value


def rank_key(strategy: ScoringStrategy, attempt: AttemptOutcome) -> RankKey:
    """Equal keys share a rank; lower keys rank better."""
    ordered = sort_value(strategy, strategy_value(strategy, attempt))
    return (ordered is None, 0.0 if ordered is None else ordered, attempt.created_at)


OrderKey = tuple[bool, float, int, int]


def order_key_of(ordered: float | None, created_at: int, attempt_id: int) -> OrderKey:
    """The total order of attempts from their stored parts (``ordered``: see ``sort_value``)."""
    return (ordered is None, 0.0 if ordered is None else ordered, created_at, attempt_id)


def order_key(strategy: ScoringStrategy, attempt: AttemptOutcome) -> OrderKey:
    return (*rank_key(strategy, attempt), attempt.attempt_id)


def best_attempt(
    strategy: ScoringStrategy, attempts: Iterable[AttemptOutcome]
) -> AttemptOutcome | None:
    """The attempt that places its player: the best successful one, or ``None``."""
    placing = [attempt for attempt in attempts if attempt.succeeded]
    if not placing:
        return None
    return min(placing, key=lambda attempt: order_key(strategy, attempt))


def is_better(
    strategy: ScoringStrategy, candidate: AttemptOutcome, best: AttemptOutcome | None
) -> bool:
    """Whether ``candidate`` replaces ``best`` as its player's best attempt."""
    if not candidate.succeeded:
        return False
    return best is None or order_key(strategy, candidate) < order_key(strategy, best)


def standings(strategy: ScoringStrategy, attempts: Iterable[AttemptOutcome]) -> list[Standing]:
    """Every placed player, best first, with shared ranks for equal results."""
    by_player: dict[str, list[AttemptOutcome]] = {}
    for attempt in attempts:
        by_player.setdefault(attempt.end_user_id, []).append(attempt)
    placed: list[tuple[AttemptOutcome, int, int | None]] = []
    for player_attempts in by_player.values():
        best = best_attempt(strategy, player_attempts)
        if best is None:
            continue
        earliest = min(a.created_at for a in player_attempts if a.succeeded)
        placed.append((best, len(player_attempts), earliest))
    placed.sort(key=lambda item: order_key(strategy, item[0]))
    result: list[Standing] = []
    for position, (best, count, first_success) in enumerate(placed, start=1):
        rank = position
        if result and rank_key(strategy, result[-1].best) == rank_key(strategy, best):
            rank = result[-1].rank
        result.append(
            Standing(
                rank=rank,
                end_user_id=best.end_user_id,
                best=best,
                value=strategy_value(strategy, best),
                attempts=count,
                first_success_at=first_success,
            )
        )
    return result


def builtin_score(strategy: ScoringStrategy, attempt: AttemptOutcome) -> float | None:
    """The score a built-in strategy gives: its metric for a success, ``None`` otherwise.

    ``first`` scores every success 1.0: its order comes from ``created_at`` alone.
    """
    if strategy is ScoringStrategy.CUSTOM:
        raise ValueError("a custom strategy is scored by its plugin")
    if not attempt.succeeded:
        return None
    if strategy is ScoringStrategy.FIRST:
        return 1.0
    return strategy_value(strategy, attempt)


class ScoringResultError(ValueError):
    """A scorer returned something that is not a ``ScoringResult``."""


def read_scoring_result(result: object) -> tuple[float, dict[str, Any] | None]:
    """The score (clamped to ≥ 0) and details of a scorer's result, or ``ScoringResultError``."""
    if not isinstance(result, Mapping):
        raise ScoringResultError(f"the result is a {type(result).__name__}, not a dict")
    if "score" not in result:
        raise ScoringResultError("the result has no 'score'")
    raw = result["score"]
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ScoringResultError(f"the score is a {type(raw).__name__}, not a number")
    score = float(raw)
    if not math.isfinite(score):
        raise ScoringResultError(f"the score is {score}, not a finite number")
    details = result.get("details")
    if details is not None and not isinstance(details, Mapping):
        raise ScoringResultError(f"the details are a {type(details).__name__}, not a dict")
    return max(score, 0.0), (dict(details) if details is not None else None)
