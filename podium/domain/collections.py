"""Collection standings: players ranked over a series of challenges by a collection strategy.

The input is every successful attempt of the collection's challenges (failed attempts never
count); for each player and challenge the best attempt under the strategy's metric is kept,
then the per-challenge bests are combined:

============================  ==========================================  ==================
strategy                      aggregate (over completed challenges)       order
============================  ==========================================  ==================
``sum``                       sum of scores (or of dynamic values)        higher first
``fastest_total``             sum of best ``elapsed_ms``                  more completed
                                                                          first, then lower
``fewest_tokens_total``       sum of best ``tokens_total``                more completed
                                                                          first, then lower
``highest_avg_rating``        mean of best ``rating``                     higher first, then
                                                                          more completed
``custom``                    a collection scorer plugin's score          higher first, then
                                                                          more completed
============================  ==========================================  ==================

A challenge counts as *completed* by a player when the player has a successful attempt that
carries the strategy's metric (``elapsed_ms`` for ``fastest_total``…; for ``sum`` any success).
An aggregate that is ``None`` or NaN (a custom scorer that failed, a ``sum`` whose challenges
carry no score) always sorts last. Ties go to whoever reached the aggregate first (the latest
``created_at`` among the player's best attempts, earlier first), then ``end_user_id``; players
whose aggregate and completed count are equal share a rank ("1, 2, 2, 4").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class CollectionStrategy(StrEnum):
    SUM = "sum"
    FASTEST_TOTAL = "fastest_total"
    FEWEST_TOKENS_TOTAL = "fewest_tokens_total"
    HIGHEST_AVG_RATING = "highest_avg_rating"
    CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class SuccessfulAttempt:
    """The plain values of one successful attempt that a collection strategy looks at."""

    attempt_id: int
    challenge_id: str
    end_user_id: str
    created_at: int
    score: float | None = None
    elapsed_ms: int | None = None
    tokens_total: int | None = None
    rating: float | None = None
    value: float | None = None
    """The dynamic value the player earned on this challenge (fixed at their first success)."""


@dataclass(frozen=True, slots=True)
class CollectionStanding:
    rank: int
    end_user_id: str
    aggregate: float | None
    completed: int
    reached_at: int
    bests: tuple[SuccessfulAttempt, ...]


def _number(value: float | None) -> float | None:
    if value is None or value != value:  # None or NaN
        return None
    return float(value)


def _sum_metric(attempt: SuccessfulAttempt) -> float | None:
    # With dynamic value the value earned counts, else the attempt's score.
    return _number(attempt.value) if attempt.value is not None else _number(attempt.score)


def _elapsed(attempt: SuccessfulAttempt) -> float | None:
    return _number(attempt.elapsed_ms)


def _tokens(attempt: SuccessfulAttempt) -> float | None:
    return _number(attempt.tokens_total)


def _rating(attempt: SuccessfulAttempt) -> float | None:
    return _number(attempt.rating)


def _score(attempt: SuccessfulAttempt) -> float | None:
    return _number(attempt.score)


_METRICS: dict[CollectionStrategy, Callable[[SuccessfulAttempt], float | None]] = {
    CollectionStrategy.SUM: _sum_metric,
    CollectionStrategy.FASTEST_TOTAL: _elapsed,
    CollectionStrategy.FEWEST_TOKENS_TOTAL: _tokens,
    CollectionStrategy.HIGHEST_AVG_RATING: _rating,
    CollectionStrategy.CUSTOM: _score,
}


def _metric(strategy: CollectionStrategy) -> Callable[[SuccessfulAttempt], float | None]:
    return _METRICS[strategy]


_LOWER_IS_BETTER = {CollectionStrategy.FASTEST_TOTAL, CollectionStrategy.FEWEST_TOKENS_TOTAL}
# Strategies for which a success without the metric does not complete the challenge.
_NEEDS_METRIC = {
    CollectionStrategy.FASTEST_TOTAL,
    CollectionStrategy.FEWEST_TOKENS_TOTAL,
    CollectionStrategy.HIGHEST_AVG_RATING,
}


def best_attempts(
    attempts: Iterable[SuccessfulAttempt],
    strategy: CollectionStrategy,
    *,
    challenge_ids: Sequence[str] | None = None,
) -> dict[str, list[SuccessfulAttempt]]:
    """Each player's best attempt per challenge, in the collection's challenge order."""
    metric = _metric(strategy)
    lower = strategy in _LOWER_IS_BETTER
    wanted = set(challenge_ids) if challenge_ids is not None else None
    best: dict[tuple[str, str], SuccessfulAttempt] = {}

    def key(attempt: SuccessfulAttempt) -> tuple[int, float, int, int]:
        value = metric(attempt)
        if value is None:
            return (1, 0.0, attempt.created_at, attempt.attempt_id)
        return (0, value if lower else -value, attempt.created_at, attempt.attempt_id)

    for attempt in attempts:
        if wanted is not None and attempt.challenge_id not in wanted:
            continue
        if strategy in _NEEDS_METRIC and metric(attempt) is None:
            continue
        slot = (attempt.end_user_id, attempt.challenge_id)
        if slot not in best or key(attempt) < key(best[slot]):
            best[slot] = attempt
    order = {cid: index for index, cid in enumerate(challenge_ids or ())}
    found: dict[str, list[SuccessfulAttempt]] = {}
    for (player, _), attempt in best.items():
        found.setdefault(player, []).append(attempt)
    for bests in found.values():
        bests.sort(key=lambda a: (order.get(a.challenge_id, len(order)), a.challenge_id))
    return found


def aggregate(strategy: CollectionStrategy, bests: Sequence[SuccessfulAttempt]) -> float | None:
    """The aggregate of one player's per-challenge bests (``custom`` is computed elsewhere)."""
    if strategy is CollectionStrategy.CUSTOM:
        raise ValueError("the custom strategy's aggregate comes from its scorer plugin")
    values = [value for value in map(_metric(strategy), bests) if value is not None]
    if not values:
        return None
    if strategy is CollectionStrategy.HIGHEST_AVG_RATING:
        return math.fsum(values) / len(values)
    return math.fsum(values)


def _order_key(
    strategy: CollectionStrategy, value: float | None, completed: int
) -> tuple[float, ...]:
    """Smaller is better; the part of the order that decides a shared rank."""
    missing = 1.0 if value is None else 0.0
    number = 0.0 if value is None else value
    if strategy in _LOWER_IS_BETTER:
        return (-completed, missing, number)
    return (missing, -number, -completed)


def rank_collection(
    bests_by_player: Mapping[str, Sequence[SuccessfulAttempt]],
    strategy: CollectionStrategy,
    *,
    custom_aggregates: Mapping[str, float | None] | None = None,
) -> list[CollectionStanding]:
    """The standings of a collection, best first, with shared ranks for equal results."""
    rows: list[tuple[tuple[float, ...], int, str, CollectionStanding]] = []
    for player, bests in bests_by_player.items():
        if not bests:
            continue
        if strategy is CollectionStrategy.CUSTOM:
            value = _number((custom_aggregates or {}).get(player))
        else:
            value = aggregate(strategy, bests)
        reached_at = max(attempt.created_at for attempt in bests)
        standing = CollectionStanding(
            rank=0,
            end_user_id=player,
            aggregate=value,
            completed=len(bests),
            reached_at=reached_at,
            bests=tuple(bests),
        )
        rows.append((_order_key(strategy, value, len(bests)), reached_at, player, standing))
    rows.sort(key=lambda row: (row[0], row[1], row[2]))
    ranked: list[CollectionStanding] = []
    previous: tuple[float, ...] | None = None
    rank = 0
    for position, (order, _, _, standing) in enumerate(rows, start=1):
        if order != previous:
            rank = position
            previous = order
        ranked.append(
            CollectionStanding(
                rank=rank,
                end_user_id=standing.end_user_id,
                aggregate=standing.aggregate,
                completed=standing.completed,
                reached_at=standing.reached_at,
                bests=standing.bests,
            )
        )
    return ranked


def collection_standings(
    attempts: Iterable[SuccessfulAttempt],
    strategy: CollectionStrategy,
    *,
    challenge_ids: Sequence[str],
    custom_aggregate: (
        Callable[[Mapping[str, Sequence[SuccessfulAttempt]]], Mapping[str, float | None]] | None
    ) = None,
) -> list[CollectionStanding]:
    """Best attempts per player and challenge, combined and ranked: the whole pipeline.

    ``custom_aggregate`` (the custom strategy) gets every player's bests at once and returns
    each player's aggregate, so that a sandboxed plugin scores them in one batch."""
    bests = best_attempts(attempts, strategy, challenge_ids=challenge_ids)
    customs: dict[str, float | None] | None = None
    if strategy is CollectionStrategy.CUSTOM:
        if custom_aggregate is None:
            raise ValueError("the custom strategy needs its scorer")
        customs = dict(custom_aggregate(bests))
    return rank_collection(bests, strategy, custom_aggregates=customs)
