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
    cruncher_name: str = Field(description="The player's name (dashboard contract)")
    username: str = Field(description="The player's display name (dashboard contract)")
    status: bool = Field(description="True when the model is active")
    score_recent: float | None
    score_steady: float | None
    score_anchor: float | None
    combined_score: float | None = Field(description="The ranker's combined value, if it has one")
    prediction_count: int = Field(description="Successfully scored predictions, all time")
    rank_change_24h: int | None = Field(
        description="Places gained against the leaderboard of 24 h earlier; null when new"
    )
    leaderboard_id: str
    category: str
    created_at: Instant = Field(description="When this leaderboard was built")


class ModelReportOut(ResponseModel):
    model_id: str
    model_name: str
    player_id: str
    player_name: str
    is_active: bool
    cruncher_name: str = Field(description="The player's name (dashboard contract)")
    cruncher_id: str = Field(description="The player's id (dashboard contract)")
    deployment_id: str = Field(description="Podium has no deployments: the model id")
    unranked_reason: str | None = Field(
        description="Why the model is not on the latest overall leaderboard, if it is not"
    )


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
    score_failed: bool = Field(description="True when scoring failed or the truth never came")
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


class LeaderboardOut(ResponseModel):
    id: str
    category: str
    created_at: Instant
    entry_count: int
    ranker: str
    revision: int


class CategoryOut(ResponseModel):
    category: str = Field(description="'overall' or an asset")
    leaderboard_count: int
    latest_created_at: Instant


class ModelStatsResponse(ResponseModel):
    model_id: str
    model_name: str
    total_predictions: int
    successful_predictions: int
    average_score: float | None
    best_asset: str | None
    worst_asset: str | None
    rank: int | None = Field(description="Rank on the latest overall leaderboard")
    unranked_reason: str | None = Field(description="Why the model is not on it, if it is not")


class ScoreHistoryResponse(ResponseModel):
    timestamp: Instant
    score_recent: float | None
    score_steady: float | None
    score_anchor: float | None


class MetricPointOut(ResponseModel):
    model_id: str
    metric_name: str
    metric_value: float
    recorded_at: Instant
    performed_at: Instant = Field(description="Same as recorded_at, for chart clients")


class FeedSummaryOut(ResponseModel):
    source: str = Field(description="The competition the feed belongs to")
    subject: str = Field(description="The asset (observations) or param (truths)")
    kind: str = Field(description="'observation' or 'truth'")
    granularity: str = Field(description="Typical spacing: '5s', '1m', '1h'…")
    record_count: int
    oldest_ts: Instant
    newest_ts: Instant
    watermark_ts: Instant
    watermark_updated_at: Instant


class FeedRecordOut(ResponseModel):
    source: str
    subject: str
    kind: str
    granularity: str | None
    ts: Instant
    value: float
