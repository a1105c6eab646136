"""Competitions as the API and CLI read and write them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from podium.domain.timestamps import from_ms
from podium.schemas.common import (
    Duration,
    Instant,
    Name,
    ResponseModel,
    Slug,
    StrictModel,
    format_duration,
)

if TYPE_CHECKING:
    from podium.store.tables import CompetitionRow


class Windows(StrictModel):
    """Lengths of the score windows and of the roll-up bucket they are made of."""

    recent: Duration = Field(default="24h", validate_default=True)
    steady: Duration = Field(default="72h", validate_default=True)
    anchor: Duration = Field(default="168h", validate_default=True)
    bucket: Duration = Field(
        default="1h", validate_default=True, description="The roll-up bucket windows are made of"
    )


class WindowsOut(ResponseModel):
    recent: str
    steady: str
    anchor: str
    bucket: str


class MetricSpec(StrictModel):
    """A custom metric the score cycle records for every model (see docs/reports.md)."""

    name: Slug | None = Field(None, description="Name of the time series; default: the plugin id")
    plugin: str = Field(min_length=1, max_length=200, description="Metric id or module:attr")
    window: Duration = Field(
        default="24h", validate_default=True, description="Scored predictions measured"
    )
    config: dict[str, Any] = Field(default_factory=dict)


class MetricSpecOut(ResponseModel):
    name: str
    plugin: str
    window: str
    config: dict[str, Any]


class CompetitionCreate(StrictModel):
    id: Slug
    name: Name
    description: str = Field("", max_length=10_000)
    scoring_function: str = Field("mse", min_length=1, max_length=200)
    scoring_config: dict[str, Any] = Field(default_factory=dict)
    resolver: str = Field("price_return", min_length=1, max_length=200)
    resolver_config: dict[str, Any] = Field(default_factory=dict)
    ranker: str = Field("lexicographic", min_length=1, max_length=200)
    ranker_config: dict[str, Any] = Field(default_factory=dict)
    windows: Windows = Field(default_factory=Windows)
    metrics: list[MetricSpec] = Field(default_factory=list, max_length=50)
    score_interval: Duration | None = Field(
        None, description="Time between score cycles; default: the worker's PODIUM_SCORE_INTERVAL"
    )
    grace_period: Duration = Field(
        "1h",
        validate_default=True,
        description="How long after resolvable_at a prediction may wait for its truth",
    )
    allow_backfill: bool = Field(
        False, description="Accept predictions whose outcome is already known (historical imports)"
    )
    public_reports: bool = Field(
        False, description="Anyone may read this competition's reports, without a key"
    )


class CompetitionUpdate(StrictModel):
    name: Name | None = None
    description: str | None = Field(None, max_length=10_000)
    scoring_function: str | None = Field(None, min_length=1, max_length=200)
    scoring_config: dict[str, Any] | None = None
    resolver: str | None = Field(None, min_length=1, max_length=200)
    resolver_config: dict[str, Any] | None = None
    ranker: str | None = Field(None, min_length=1, max_length=200)
    ranker_config: dict[str, Any] | None = None
    windows: Windows | None = None
    metrics: list[MetricSpec] | None = Field(None, max_length=50)
    score_interval: Duration | None = None
    grace_period: Duration | None = None
    allow_backfill: bool | None = None
    public_reports: bool | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> CompetitionUpdate:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        return self


class CompetitionOut(ResponseModel):
    id: str
    tenant_id: str
    name: str
    description: str
    scoring_function: str
    scoring_config: dict[str, Any]
    resolver: str
    resolver_config: dict[str, Any]
    ranker: str
    ranker_config: dict[str, Any]
    windows: WindowsOut
    metrics: list[MetricSpecOut]
    score_interval: str | None
    grace_period: str
    allow_backfill: bool
    public_reports: bool
    revision: int
    last_cycle_at: Instant | None
    created_at: Instant
    updated_at: Instant

    @classmethod
    def from_row(cls, row: CompetitionRow) -> CompetitionOut:
        return cls(
            id=row.id,
            tenant_id=row.tenant_id,
            name=row.name,
            description=row.description,
            scoring_function=row.scoring_function,
            scoring_config=row.scoring_config,
            resolver=row.resolver,
            resolver_config=row.resolver_config,
            ranker=row.ranker,
            ranker_config=row.ranker_config,
            windows=WindowsOut(
                recent=format_duration(row.window_recent_ms),
                steady=format_duration(row.window_steady_ms),
                anchor=format_duration(row.window_anchor_ms),
                bucket=format_duration(row.bucket_ms),
            ),
            metrics=[
                MetricSpecOut(
                    name=item["name"],
                    plugin=item["plugin"],
                    window=format_duration(item["window_ms"]),
                    config=item["config"],
                )
                for item in row.metrics or []
            ],
            score_interval=(
                None
                if row.score_interval_s is None
                else format_duration(round(row.score_interval_s * 1000))
            ),
            grace_period=format_duration(row.grace_period_ms),
            allow_backfill=row.allow_backfill,
            public_reports=row.public_reports,
            revision=row.revision,
            last_cycle_at=None if row.last_cycle_at is None else from_ms(row.last_cycle_at),
            created_at=from_ms(row.created_at),
            updated_at=from_ms(row.updated_at),
        )
