"""Request and response shapes of collections and their leaderboards."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from podium.domain.collections import CollectionStrategy
from podium.domain.dynamic_value import DecayFunction
from podium.domain.timestamps import from_ms
from podium.schemas.common import Instant, Name, ResponseModel, Slug, StrictModel
from podium.store.collection_tables import CollectionRow

Text = Annotated[str, StringConstraints(max_length=10_000)]
PluginName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ChallengeRef = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class DynamicValueIn(StrictModel):
    """A challenge's value decays with its solvers: see ``docs/collections.md``."""

    initial: float = Field(gt=0, le=1e9)
    minimum: float = Field(ge=0, le=1e9)
    decay: float = Field(ge=0, le=1e9)
    function: DecayFunction = DecayFunction.LINEAR

    @model_validator(mode="after")
    def _consistent(self) -> DynamicValueIn:
        if self.minimum > self.initial:
            raise ValueError("minimum must not exceed initial")
        if self.function is DecayFunction.LOGARITHMIC and self.decay == 0:
            raise ValueError("decay must be > 0 for the logarithmic function")
        return self


class CollectionCreate(StrictModel):
    id: Slug | None = None
    name: Name
    instructions: Text = ""
    strategy: CollectionStrategy = CollectionStrategy.SUM
    scoring_plugin_id: PluginName | None = None
    scoring_config: dict[str, Any] = Field(default_factory=dict)
    dynamic_value: DynamicValueIn | None = None
    freeze_at: Instant | None = None
    challenge_ids: list[ChallengeRef] = Field(default_factory=list, max_length=1_000)


class CollectionUpdate(StrictModel):
    name: Name | None = None
    instructions: Text | None = None
    strategy: CollectionStrategy | None = None
    scoring_plugin_id: PluginName | None = None
    scoring_config: dict[str, Any] | None = None
    dynamic_value: DynamicValueIn | None = None
    freeze_at: Instant | None = None


class CollectionChallengesIn(StrictModel):
    """The collection's challenges, in order (replaces the previous list)."""

    challenge_ids: list[ChallengeRef] = Field(max_length=1_000)


class CollectionOut(ResponseModel):
    id: str
    tenant_id: str
    name: str
    instructions: str
    strategy: CollectionStrategy
    scoring_plugin_id: str | None
    scoring_config: dict[str, Any]
    dynamic_value: dict[str, Any] | None
    freeze_at: Instant | None
    challenge_ids: list[str]
    created_at: Instant
    updated_at: Instant

    @classmethod
    def from_row(cls, row: CollectionRow, challenge_ids: list[str]) -> CollectionOut:
        return cls(
            id=row.id,
            tenant_id=row.tenant_id,
            name=row.name,
            instructions=row.instructions,
            strategy=CollectionStrategy(row.strategy),
            scoring_plugin_id=row.scoring_plugin_id,
            scoring_config=row.scoring_config,
            dynamic_value=row.dynamic_value,
            freeze_at=None if row.freeze_at is None else from_ms(row.freeze_at),
            challenge_ids=challenge_ids,
            created_at=from_ms(row.created_at),
            updated_at=from_ms(row.updated_at),
        )


class ChallengeBestOut(ResponseModel):
    challenge_id: str
    attempt_id: int
    created_at: Instant
    score: float | None
    elapsed_ms: int | None
    tokens_total: int | None
    rating: float | None
    value: float | None


class CollectionStandingOut(ResponseModel):
    rank: int
    end_user_id: str
    aggregate: float | None
    challenges_completed: int
    reached_at: Instant
    hidden: bool = False
    bests: list[ChallengeBestOut]


class CollectionLeaderboardOut(ResponseModel):
    collection_id: str
    strategy: CollectionStrategy
    challenge_ids: list[str]
    frozen: bool
    as_of: Instant | None
    total: int
    limit: int
    offset: int
    standings: list[CollectionStandingOut]
