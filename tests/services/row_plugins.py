"""Plugins with the per-row protocol only, loaded as 'tests.services.row_plugins:<name>'."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from podium.domain.model import Model, Param
from podium.domain.predictions import DuePrediction
from podium.domain.ranking import Placement
from podium.plugins import RANKERS, RESOLVERS, SCORING_FUNCTIONS
from podium.plugins.protocols import TruthSource


def squared_error(payload: Mapping[str, Any], truth: float, param: Param) -> float:
    """``mse`` through its per-row call only (no ``score_batch``, no ``score_columns``)."""
    return float(SCORING_FUNCTIONS.create("mse")(payload, truth, param))


class ExplicitRows:
    """``explicit`` through its per-row ``resolve`` only."""

    def resolve(
        self, predictions: Sequence[DuePrediction], source: TruthSource
    ) -> list[float | None]:
        return list(RESOLVERS.create("explicit").resolve(predictions, source))


class RankerRows:
    """A built-in ranker (``ranker``, configured by ``config``) through ``rank`` only: no
    ``rank_columns``, so leaderboards are ranked as ``Model`` objects."""

    def __init__(self, ranker: str = "lexicographic", config: Mapping[str, Any] | None = None):
        self.ranker = RANKERS.create(ranker, config)

    def rank(self, models: Sequence[Model]) -> list[Placement]:
        return self.ranker.rank(models)
