"""Players, models and params as the API and CLI read and write them."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from podium.schemas.common import Identifier, Instant, Name, ResponseModel, StrictModel

MAX_ROSTER_ROWS = 10_000


class PlayerIn(StrictModel):
    id: Identifier
    name: Name


class PlayersIn(StrictModel):
    players: list[PlayerIn] = Field(min_length=1, max_length=MAX_ROSTER_ROWS)


class PlayerOut(ResponseModel):
    id: str
    name: str
    created_at: Instant


class ModelIn(StrictModel):
    id: Identifier = Field(description="The model's crunch_identifier (unique in this instance)")
    name: Name
    player_id: Identifier
    is_active: bool = True


class ModelsIn(StrictModel):
    models: list[ModelIn] = Field(min_length=1, max_length=MAX_ROSTER_ROWS)


class ModelOut(ResponseModel):
    model_id: str
    model_name: str
    player_id: str
    player_name: str
    is_active: bool
    competition_id: str
    created_at: Instant


class ParamIn(StrictModel):
    id: Identifier
    asset: str | None = Field(None, min_length=1, max_length=64)
    horizon: int | None = Field(None, gt=0, le=10 * 365 * 86_400, description="seconds")
    step: int | None = Field(None, gt=0, le=10 * 365 * 86_400, description="seconds")
    extra: dict[str, Any] = Field(default_factory=dict)


class ParamsIn(StrictModel):
    params: list[ParamIn] = Field(min_length=1, max_length=MAX_ROSTER_ROWS)


class ParamOut(ResponseModel):
    id: str
    asset: str | None
    horizon: int | None
    step: int | None
    extra: dict[str, Any]


class RosterResult(ResponseModel):
    received: int
