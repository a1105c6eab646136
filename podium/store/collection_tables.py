"""Tables of collections, challenge events and their webhooks, and fair-play controls.

Challenges are referred to by id (``String(64)``); the tables that belong to a tenant carry
``tenant_id``. Exactly-once rules live in unique constraints, so that two processes racing to
write the same fact keep one row: ``challenge_events (challenge_id, dedupe_key)``,
``challenge_solves (challenge_id, position)`` and ``webhook_deliveries (webhook_id, event_id)``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from podium.store.tables import Base, JsonType, SerialKey

ChallengeKey = String(64)


class CollectionRow(Base):
    __tablename__ = "collections"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    strategy: Mapped[str] = mapped_column(String(32))
    # For `custom`: the collection scorer plugin and its validated configuration.
    scoring_plugin_id: Mapped[str | None] = mapped_column(String(200))
    scoring_config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Optional dynamic value of each challenge (initial, minimum, decay, function), for `sum`.
    dynamic_value: Mapped[dict[str, Any] | None]
    freeze_at: Mapped[int | None]
    created_at: Mapped[int]
    updated_at: Mapped[int]


class CollectionChallengeRow(Base):
    __tablename__ = "collection_challenges"
    __table_args__ = (UniqueConstraint("collection_id", "position"),)

    collection_id: Mapped[str] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True
    )
    challenge_id: Mapped[str] = mapped_column(ChallengeKey, primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)


class ChallengeRulesRow(Base):
    """Fair-play settings of one challenge: its freeze and its attempt limits."""

    __tablename__ = "challenge_rules"

    challenge_id: Mapped[str] = mapped_column(ChallengeKey, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    freeze_at: Mapped[int | None]
    max_attempts_per_player: Mapped[int | None] = mapped_column(Integer)
    max_attempts_per_day: Mapped[int | None] = mapped_column(Integer)
    max_attempts_per_minute: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[int]


class PlayerFlagsRow(Base):
    """Hidden and banned players (``end_user_id``) of a tenant."""

    __tablename__ = "player_flags"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    end_user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    banned: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[int]


class ChallengeSolveRow(Base):
    """The n-th player to solve a challenge, fixed at their first success (dynamic value)."""

    __tablename__ = "challenge_solves"
    __table_args__ = (UniqueConstraint("challenge_id", "position"),)

    challenge_id: Mapped[str] = mapped_column(ChallengeKey, primary_key=True)
    end_user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    attempt_id: Mapped[int]
    solved_at: Mapped[int]


class ChallengeEventRow(Base):
    __tablename__ = "challenge_events"
    __table_args__ = (
        UniqueConstraint("challenge_id", "dedupe_key"),
        Index("ix_challenge_events_tenant_id_id", "tenant_id", "id"),
        Index("ix_challenge_events_challenge_id_id", "challenge_id", "id"),
    )

    id: Mapped[int] = mapped_column(SerialKey, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    challenge_id: Mapped[str] = mapped_column(ChallengeKey)
    type: Mapped[str] = mapped_column(String(64))
    end_user_id: Mapped[str] = mapped_column(String(128))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[int]
    recorded_at: Mapped[int]
    payload: Mapped[dict[str, Any]]


class WebhookRow(Base):
    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(JsonType)
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[int]


class WebhookDeliveryRow(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id"),
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(SerialKey, primary_key=True, autoincrement=True)
    webhook_id: Mapped[str] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("challenge_events.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[int]
    last_attempt_at: Mapped[int | None]
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[int | None]
    created_at: Mapped[int]
