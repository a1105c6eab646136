"""Request and response shapes of challenges, attempts and challenge leaderboards."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from pydantic import Field, StringConstraints

from podium.domain.challenges import ScoringStrategy
from podium.domain.timestamps import from_ms
from podium.schemas.common import (
    Identifier,
    Instant,
    Name,
    ResponseModel,
    StrictModel,
    instant_text,
)
from podium.store.challenge_tables import ChallengeAttemptRow, ChallengeRow

Text = Annotated[str, StringConstraints(max_length=10_000)]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=128)]
PluginName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
TimeoutMs = Annotated[int, Field(ge=10, le=600_000)]


class ChallengeCreate(StrictModel):
    name: Name
    description: Text = ""
    goal: Text = ""
    app_id: Ref | None = None
    workflow_id: Ref | None = None
    is_active: bool = True
    scoring_strategy: ScoringStrategy = ScoringStrategy.FIRST
    scoring_plugin_id: PluginName | None = None
    scoring_entrypoint: PluginName | None = None
    scoring_config: dict[str, Any] = Field(default_factory=dict)
    timeout_ms: TimeoutMs | None = None


class ChallengeUpdate(StrictModel):
    name: Name | None = None
    description: Text | None = None
    goal: Text | None = None
    app_id: Ref | None = None
    workflow_id: Ref | None = None
    is_active: bool | None = None
    scoring_strategy: ScoringStrategy | None = None
    scoring_plugin_id: PluginName | None = None
    scoring_entrypoint: PluginName | None = None
    scoring_config: dict[str, Any] | None = None
    timeout_ms: TimeoutMs | None = None


class ChallengeOut(ResponseModel):
    id: str
    tenant_id: str
    app_id: str | None
    workflow_id: str | None
    name: str
    description: str
    goal: str
    is_active: bool
    scoring_strategy: ScoringStrategy
    scoring_plugin_id: str | None
    scoring_entrypoint: str | None
    scoring_config: dict[str, Any]
    timeout_ms: int | None
    created_at: Instant
    updated_at: Instant

    @classmethod
    def from_row(cls, row: ChallengeRow) -> ChallengeOut:
        return cls(
            id=row.id,
            tenant_id=row.tenant_id,
            app_id=row.app_id,
            workflow_id=row.workflow_id,
            name=row.name,
            description=row.description,
            goal=row.goal,
            is_active=row.is_active,
            scoring_strategy=ScoringStrategy(row.scoring_strategy),
            scoring_plugin_id=row.scoring_plugin_id,
            scoring_entrypoint=row.scoring_entrypoint,
            scoring_config=row.scoring_config,
            timeout_ms=row.timeout_ms,
            created_at=from_ms(row.created_at),
            updated_at=from_ms(row.updated_at),
        )


class AttemptCreate(StrictModel):
    end_user_id: Identifier
    succeeded: bool
    tokens_total: Annotated[int, Field(ge=0)] | None = None
    elapsed_ms: Annotated[int, Field(ge=0)] | None = None
    rating: Annotated[int, Field(ge=0, le=10)] | None = Field(
        None, description="A judge's rating, 0-10."
    )
    created_at: Instant | None = Field(None, description="Defaults to the time it is received.")
    workflow_run_id: Ref | None = None


class AttemptOut(ResponseModel):
    id: int
    challenge_id: str
    end_user_id: str
    workflow_run_id: str | None
    succeeded: bool
    tokens_total: int | None
    elapsed_ms: int | None
    rating: int | None
    created_at: Instant
    score: float | None
    score_details: dict[str, Any] | None
    failed_reason: str | None
    rank: int | None = Field(None, description="The player's rank once this attempt counted.")

    @classmethod
    def from_row(cls, row: ChallengeAttemptRow, *, rank: int | None = None) -> AttemptOut:
        return cls(
            id=row.id,
            challenge_id=row.challenge_id,
            end_user_id=row.end_user_id,
            workflow_run_id=row.workflow_run_id,
            succeeded=row.succeeded,
            tokens_total=row.tokens_total,
            elapsed_ms=row.elapsed_ms,
            rating=row.rating,
            created_at=from_ms(row.created_at),
            score=row.score,
            score_details=row.score_details,
            failed_reason=row.failed_reason,
            rank=rank,
        )

    @classmethod
    def json_of_row(cls, row: ChallengeAttemptRow, *, rank: int | None = None) -> bytes:
        """The JSON of ``from_row(row, rank=rank)``, written by orjson without building the
        model (the response of every POSTed attempt).

        Details holding what orjson would write otherwise than pydantic (datetimes, subclasses
        of built-in types, dataclasses, keys that are not strings...) take the model's path.
        """
        try:
            return orjson.dumps(
                {
                    "id": row.id,
                    "challenge_id": row.challenge_id,
                    "end_user_id": row.end_user_id,
                    "workflow_run_id": row.workflow_run_id,
                    "succeeded": row.succeeded,
                    "tokens_total": row.tokens_total,
                    "elapsed_ms": row.elapsed_ms,
                    "rating": row.rating,
                    "created_at": instant_text(row.created_at),
                    "score": None if row.score is None else float(row.score),
                    "score_details": row.score_details,
                    "failed_reason": row.failed_reason,
                    "rank": rank,
                },
                option=_AS_PYDANTIC_WRITES,
            )
        except TypeError:
            return cls.from_row(row, rank=rank).model_dump_json().encode()


# orjson refuses these (no ``default``), so that they are written by pydantic as before.
_AS_PYDANTIC_WRITES = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
)


class StandingOut(ResponseModel):
    rank: int
    end_user_id: str
    value: float | None = Field(description="The best attempt's value of the strategy's metric.")
    best_attempt_id: int
    best_attempt_at: Instant
    attempts: int
    first_success_at: Instant | None


class LeaderboardOut(ResponseModel):
    challenge_id: str
    scoring_strategy: ScoringStrategy
    metric: str
    higher_is_better: bool
    revision: int
    total: int
    limit: int
    offset: int
    entries: list[StandingOut]
