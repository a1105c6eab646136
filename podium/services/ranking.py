"""A competition's ranking rule: its ranker plugin plus the eligibility rule around it.

The competition's ``ranker_config`` is the ranker's own JSON configuration, plus the keys
Podium applies around any ranker (``ELIGIBILITY_KEYS``: ``min_predictions``). Those are taken
out before the ranker sees its configuration, so a third-party ranker needs not know them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from podium.domain.ranking import Eligibility, RankingRule
from podium.errors import InvalidInputError, Problem
from podium.plugins import RANKERS

ELIGIBILITY_KEYS: tuple[str, ...] = ("min_predictions",)
# The host's guide: ``MIN_PREDICTIONS_FOR_RANKING = 100``. A competition that wants every model
# ranked from its first score sets ``"min_predictions": 0`` in its ranker_config.
DEFAULT_MIN_PREDICTIONS = 100


class EligibilityConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_predictions: int = Field(
        DEFAULT_MIN_PREDICTIONS,
        ge=0,
        description="Scored predictions a model needs to be ranked (0: everyone)",
    )


def split_ranker_config(config: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(the ranker's own config, the eligibility keys)`` of a competition's ranker_config."""
    given = dict(config or {})
    eligibility = {key: given.pop(key) for key in ELIGIBILITY_KEYS if key in given}
    return given, eligibility


def checked_eligibility(
    values: Mapping[str, Any], *, field: str = "ranker_config"
) -> dict[str, Any]:
    """The eligibility keys validated (defaults left out), or ``InvalidInputError`` naming them."""
    try:
        checked = EligibilityConfig.model_validate(dict(values))
    except ValidationError as error:
        problems = [
            Problem(f"{field}." + ".".join(str(part) for part in item["loc"]), item["msg"])
            for item in error.errors()
        ]
        shown = "; ".join(f"{problem.field}: {problem.message}" for problem in problems)
        raise InvalidInputError(shown, problems) from None
    return checked.model_dump(exclude_unset=True)


def eligibility_rule(config: Mapping[str, Any] | None) -> Eligibility:
    """The eligibility part of a competition's ranker_config, defaults filled in."""
    _, eligibility = split_ranker_config(config)
    return Eligibility(
        min_predictions=EligibilityConfig.model_validate(eligibility).min_predictions
    )


def ranking_rule(ranker: str, config: Mapping[str, Any] | None) -> RankingRule:
    """The ready-to-use rule of a competition (its plugin and config are checked already)."""
    own, _ = split_ranker_config(config)
    return RankingRule(ranker=RANKERS.create(ranker, own), eligibility=eligibility_rule(config))
