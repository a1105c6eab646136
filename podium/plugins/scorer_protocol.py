"""The protocol of challenge scorer plugins: what a scorer receives and what it returns.

A scorer turns the metrics of one attempt at a challenge into a number, higher is better::

    from podium.plugins.scorer_protocol import AttemptMetrics, ScoringContext, ScoringResult

    class MyScorer:
        def score(self, metrics: AttemptMetrics, config: dict[str, Any],
                  ctx: ScoringContext) -> ScoringResult:
            return {"score": 2.0 * (metrics.get("rating") or 0)}

The types are plain dictionaries (``TypedDict``), so they cross the process boundary of the
sandbox unchanged. ``config`` is the challenge's ``scoring_config``, validated by the class's
pydantic model named ``Config`` when it declares one. See ``docs/challenges.md``.
"""

from __future__ import annotations

from typing import Any, NotRequired, Protocol, TypedDict, runtime_checkable

__all__ = ["AttemptMetrics", "ScorerProtocol", "ScoringContext", "ScoringResult"]


class AttemptMetrics(TypedDict, total=False):
    """What an attempt measured; any metric may be missing or ``None``."""

    succeeded: bool
    tokens_total: int | None
    elapsed_ms: int | None
    rating: int | None  # a judge's rating, 0 to 10
    created_at: int | None  # epoch milliseconds


class ScoringContext(TypedDict):
    """Where the attempt was made, and how long the scorer may take."""

    tenant_id: str
    app_id: str
    workflow_id: str
    challenge_id: str
    end_user_id: str | None
    timeout_ms: int


class ScoringResult(TypedDict):
    """The score (required, finite; negative scores are clamped to 0) and optional details."""

    score: float
    details: NotRequired[dict[str, Any] | None]


@runtime_checkable
class ScorerProtocol(Protocol):
    def score(
        self, metrics: AttemptMetrics, config: dict[str, Any], ctx: ScoringContext
    ) -> ScoringResult: ...
