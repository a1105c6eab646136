"""Built-in collection scorers (plugin kind ``podium.collection_scorers``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from podium.plugins.collection_scorer_protocol import ChallengeBest, CollectionScoringContext
from podium.plugins.scorer_protocol import ScoringResult


class WeightedSum:
    """``builtin.weighted_sum``: Σ weight(challenge) × best score, plus a bonus per completion.

    ``score = Σ_c weights.get(c, default_weight) × (score_c or 0) + completion_bonus × completed``
    """

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

        weights: dict[str, float] = Field(default_factory=dict)
        default_weight: float = 1.0
        completion_bonus: float = 0.0

    def __init__(self, **config: Any) -> None:
        self.config = self.Config.model_validate(config)

    def score(
        self, bests: list[ChallengeBest], config: dict[str, Any], ctx: CollectionScoringContext
    ) -> ScoringResult:
        settings = self.Config.model_validate(config) if config else self.config
        total = 0.0
        for best in bests:
            weight = settings.weights.get(best["challenge_id"], settings.default_weight)
            total += weight * (best.get("score") or 0.0)
        total += settings.completion_bonus * len(bests)
        return {"score": max(total, 0.0), "details": {"completed": len(bests)}}
