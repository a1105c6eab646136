"""The protocol of collection scorer plugins (a collection's ``custom`` strategy).

A collection scorer turns one player's best attempt per challenge of the collection into one
number, higher is better::

    from podium.plugins.collection_scorer_protocol import ChallengeBest, CollectionScoringContext
    from podium.plugins.scorer_protocol import ScoringResult

    class Bonus:
        def score(self, bests: list[ChallengeBest], config: dict[str, Any],
                  ctx: CollectionScoringContext) -> ScoringResult:
            return {"score": sum(best.get("score") or 0 for best in bests) + 10 * len(bests)}

It follows the attempt scorers' rules: the result must carry a finite ``score`` (negative ones
are clamped to 0); an exception or junk gives the player no aggregate (``None``, ranked last),
and the details go to the log, never to players.
"""

from __future__ import annotations

from typing import Any, Protocol, TypedDict, runtime_checkable

from podium.plugins.scorer_protocol import ScoringResult

__all__ = ["ChallengeBest", "CollectionScorerProtocol", "CollectionScoringContext"]


class ChallengeBest(TypedDict):
    """A player's best successful attempt at one challenge of the collection."""

    challenge_id: str
    succeeded: bool
    tokens_total: int | None
    elapsed_ms: int | None
    rating: float | None
    created_at: int
    score: float | None
    value: float | None  # the dynamic value earned, when the collection has one


class CollectionScoringContext(TypedDict):
    tenant_id: str
    collection_id: str
    challenge_ids: list[str]
    end_user_id: str
    timeout_ms: int


@runtime_checkable
class CollectionScorerProtocol(Protocol):
    def score(
        self, bests: list[ChallengeBest], config: dict[str, Any], ctx: CollectionScoringContext
    ) -> ScoringResult: ...
