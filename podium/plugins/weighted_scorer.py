"""``builtin.weighted_scorer``: a weighted sum of an attempt's metrics, the seed's formula.

::

    score = success_bonus (only when the attempt succeeded)
          + rating × rating_weight
          − elapsed_seconds × time_penalty
          − tokens × token_penalty

Missing or ``None`` metrics count as 0, and the result is clamped to ≥ 0.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from podium.plugins.scorer_protocol import AttemptMetrics, ScoringContext, ScoringResult

PLUGIN_ID = "builtin.weighted_scorer"
# Where the seed's host keeps it: challenges created there name it so, and keep working here.
SEED_ENTRYPOINT = "services.scorers.weighted:WeightedScorer"


class WeightedScorerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    success_bonus: float = Field(100.0, description="Points for a successful attempt.")
    rating_weight: float = Field(10.0, description="Points per point of rating (0-10).")
    time_penalty: float = Field(1.0, description="Points taken per second elapsed.")
    token_penalty: float = Field(0.01, description="Points taken per token used.")


def _number(metrics: AttemptMetrics, key: str) -> float:
    value = metrics.get(key)
    if value is None or isinstance(value, bool):
        return 0.0
    return float(value)  # type: ignore[arg-type]


class WeightedScorer:
    """Success bonus plus weighted rating, minus time and token penalties."""

    Config = WeightedScorerConfig

    def score(
        self, metrics: AttemptMetrics, config: dict[str, Any], ctx: ScoringContext
    ) -> ScoringResult:
        settings = WeightedScorerConfig.model_validate(config)
        succeeded = bool(metrics.get("succeeded") or False)
        bonus = settings.success_bonus if succeeded else 0.0
        rating = _number(metrics, "rating") * settings.rating_weight
        time = _number(metrics, "elapsed_ms") / 1000.0 * settings.time_penalty
        tokens = _number(metrics, "tokens_total") * settings.token_penalty
        raw = bonus + rating - time - tokens
        return {
            "score": max(raw, 0.0),
            "details": {
                "success_bonus": bonus,
                "rating_points": rating,
                "time_penalty": time,
                "token_penalty": tokens,
                "raw_score": raw,
            },
        }
