"""Tables of attempt challenges.

``challenge_entries`` is the standings, kept up to date with each recorded attempt: one row per
player with their attempt count and best attempt, ordered by ``sort_value`` (the strategy's
value turned so that lower is better; ``NULL`` last), then ``best_created_at``, then
``best_attempt_id``. A leaderboard read is one indexed query over it; ``revision`` counts the
attempts that changed it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from podium.store.tables import Base, SerialKey

STRATEGIES = ("first", "fastest", "fewest_tokens", "highest_rating", "custom")


class ChallengeRow(Base):
    __tablename__ = "challenges"
    __table_args__ = (
        CheckConstraint(
            "scoring_strategy IN (" + ", ".join(f"'{name}'" for name in STRATEGIES) + ")",
            name="scoring_strategy",
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    app_id: Mapped[str | None]
    workflow_id: Mapped[str | None]
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    goal: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    scoring_strategy: Mapped[str] = mapped_column(String(16))
    scoring_plugin_id: Mapped[str | None] = mapped_column(String(200))
    scoring_entrypoint: Mapped[str | None] = mapped_column(String(200))
    scoring_config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    timeout_ms: Mapped[int | None] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[int]
    updated_at: Mapped[int]


class ChallengeAttemptRow(Base):
    __tablename__ = "challenge_attempts"
    __table_args__ = (
        Index("ix_challenge_attempts_player", "challenge_id", "end_user_id", "created_at"),
        Index(
            "ix_challenge_attempts_player_recorded", "challenge_id", "end_user_id", "recorded_at"
        ),
    )

    id: Mapped[int] = mapped_column(SerialKey, primary_key=True, autoincrement=True)
    challenge_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("challenges.id", ondelete="CASCADE")
    )
    tenant_id: Mapped[str] = mapped_column(String(64))
    end_user_id: Mapped[str]
    workflow_run_id: Mapped[str | None]
    succeeded: Mapped[bool] = mapped_column(Boolean)
    tokens_total: Mapped[int | None]
    elapsed_ms: Mapped[int | None]
    rating: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[int]
    recorded_at: Mapped[int]
    score: Mapped[float | None]
    score_details: Mapped[dict[str, Any] | None]
    failed_reason: Mapped[str | None] = mapped_column(String(500))


class ChallengeEntryRow(Base):
    __tablename__ = "challenge_entries"
    __table_args__ = (
        Index(
            "ix_challenge_entries_standing",
            "challenge_id",
            "placed",
            "sort_value",
            "best_created_at",
            "best_attempt_id",
        ),
    )

    challenge_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
    )
    end_user_id: Mapped[str] = mapped_column(primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    placed: Mapped[bool] = mapped_column(Boolean, default=False)
    best_attempt_id: Mapped[int | None]
    best_value: Mapped[float | None]
    sort_value: Mapped[float | None]
    best_created_at: Mapped[int | None]
    first_success_at: Mapped[int | None]
    updated_at: Mapped[int]
