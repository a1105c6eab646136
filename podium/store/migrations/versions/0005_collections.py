"""collections, challenge events, webhooks and fair play (player flags, challenge rules)

Revision ID: 0005_collections
Revises: 0002_challenges
Create Date: 2026-11-23 11:26:18.153855
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_collections"
down_revision: str | None = "0002_challenges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "challenge_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("challenge_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("end_user_id", sa.String(length=128), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_events")),
        sa.UniqueConstraint(
            "challenge_id", "dedupe_key", name=op.f("uq_challenge_events_challenge_id_dedupe_key")
        ),
    )
    with op.batch_alter_table("challenge_events", schema=None) as batch_op:
        batch_op.create_index("ix_challenge_events_tenant_id_id", ["tenant_id", "id"], unique=False)

    op.create_table(
        "challenge_rules",
        sa.Column("challenge_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("freeze_at", sa.BigInteger(), nullable=True),
        sa.Column("max_attempts_per_player", sa.Integer(), nullable=True),
        sa.Column("max_attempts_per_day", sa.Integer(), nullable=True),
        sa.Column("max_attempts_per_minute", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("challenge_id", name=op.f("pk_challenge_rules")),
    )
    with op.batch_alter_table("challenge_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_rules_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "challenge_solves",
        sa.Column("challenge_id", sa.String(length=64), nullable=False),
        sa.Column("end_user_id", sa.String(length=128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.BigInteger(), nullable=False),
        sa.Column("solved_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("challenge_id", "end_user_id", name=op.f("pk_challenge_solves")),
        sa.UniqueConstraint(
            "challenge_id", "position", name=op.f("uq_challenge_solves_challenge_id_position")
        ),
    )
    op.create_table(
        "collections",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("strategy", sa.String(length=32), nullable=False),
        sa.Column("scoring_plugin_id", sa.String(length=200), nullable=True),
        sa.Column(
            "scoring_config",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "dynamic_value",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("freeze_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
    )
    with op.batch_alter_table("collections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collections_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "player_flags",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("end_user_id", sa.String(length=128), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("banned", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "end_user_id", name=op.f("pk_player_flags")),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column(
            "event_types",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhooks_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "collection_challenges",
        sa.Column("collection_id", sa.String(length=64), nullable=False),
        sa.Column("challenge_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_collection_challenges_collection_id_collections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "collection_id", "challenge_id", name=op.f("pk_collection_challenges")
        ),
        sa.UniqueConstraint(
            "collection_id",
            "position",
            name=op.f("uq_collection_challenges_collection_id_position"),
        ),
    )
    with op.batch_alter_table("collection_challenges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_collection_challenges_challenge_id"), ["challenge_id"], unique=False
        )

    op.create_table(
        "webhook_deliveries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("webhook_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=False),
        sa.Column("last_attempt_at", sa.BigInteger(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("delivered_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')",
            name=op.f("ck_webhook_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["challenge_events.id"],
            name=op.f("fk_webhook_deliveries_event_id_challenge_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name=op.f("fk_webhook_deliveries_webhook_id_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "webhook_id", "event_id", name=op.f("uq_webhook_deliveries_webhook_id_event_id")
        ),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_webhook_id"), ["webhook_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_webhook_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_event_id"))
        batch_op.drop_index("ix_webhook_deliveries_due")

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("collection_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_challenges_challenge_id"))

    op.drop_table("collection_challenges")
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhooks_tenant_id"))

    op.drop_table("webhooks")
    op.drop_table("player_flags")
    with op.batch_alter_table("collections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collections_tenant_id"))

    op.drop_table("collections")
    op.drop_table("challenge_solves")
    with op.batch_alter_table("challenge_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_rules_tenant_id"))

    op.drop_table("challenge_rules")
    with op.batch_alter_table("challenge_events", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_events_tenant_id_id")

    op.drop_table("challenge_events")
