"""A third-party ranker used by the tests: 'tests.plugins.sample_rankers:ByName'."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from podium.domain.model import Model
from podium.domain.ranking import Placement


class ByName:
    """Ranks models by name (reverse when asked); refuses any key it does not know."""

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        reverse: bool = False

    def __init__(self, reverse: bool = False) -> None:
        self.reverse = reverse

    def rank(self, models: Sequence[Model]) -> list[Placement]:
        ordered = sorted(models, key=lambda model: model.name, reverse=self.reverse)
        return [Placement(model=model, rank=index + 1) for index, model in enumerate(ordered)]
