"""Shapes of the report API (``/reports/...``), flat rows as charts and tables want them."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from podium.schemas.common import Instant, ResponseModel


class LeaderboardEntryOut(ResponseModel):
    rank: int
    model_id: str
    model_name: str
    player_id: str
    player_name: str
    score_recent: float | None
    score_steady: float | None
    score_anchor: float | None
    prediction_count: int = Field(description="Successfully scored predictions, all time")


class ModelReportOut(ResponseModel):
    model_id: str
    model_name: str
    player_id: str
    player_name: str
    is_active: bool


class ModelScoresPoint(ResponseModel):
    model_id: str
    performed_at: Instant
    score_recent: float | None
    score_steady: float | None
    score_anchor: float | None
    prediction_count: int


class ParamScoresPoint(ResponseModel):
    model_id: str
    performed_at: Instant
    param: str
    asset: str | None
    horizon: int | None
    step: int | None
    score_recent: float | None
    score_steady: float | None
    score_anchor: float | None
    prediction_count: int


class PredictionOut(ResponseModel):
    id: str
    model_id: str
    param: str
    asset: str | None
    horizon: int | None
    payload: dict[str, Any]
    performed_at: Instant
    resolvable_at: Instant
    status: str
    truth: float | None
    score_value: float | None
    score_success: bool | None
    score_failed_reason: str | None
    scored_at: Instant | None


class CycleReportOut(ResponseModel):
    competition_id: str
    performed_at: Instant
    scored: int
    failed: int
    expired: int
    waiting: int = Field(description="Due predictions whose truth is not known yet")
    leaderboard_id: str | None = Field(description="The leaderboard built, if one was")
    duration_s: float
