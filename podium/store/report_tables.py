"""The time series of custom metrics (``custom_metrics``, the table of the host's guide).

A metric is a plugin computed for every model after each score cycle that builds a leaderboard
(the competition's ``metrics`` list says which); each value is kept with its instant.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from podium.store.tables import Base, SerialKey


class CustomMetricRow(Base):
    """One value of one metric of one model, as recorded by a score cycle."""

    __tablename__ = "custom_metrics"
    __table_args__ = (
        Index("ix_custom_metrics_name_time", "competition_id", "metric_name", "recorded_at"),
        Index("ix_custom_metrics_model_time", "model_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(SerialKey, primary_key=True, autoincrement=True)
    competition_id: Mapped[str] = mapped_column(ForeignKey("competitions.id"))
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id"))
    metric_name: Mapped[str] = mapped_column(String(64))
    metric_value: Mapped[float]
    recorded_at: Mapped[int]
