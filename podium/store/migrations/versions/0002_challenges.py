"""attempt challenges: challenges, their attempts and standings

Revision ID: 0002_challenges
Revises: 0004_security
Create Date: 2026-11-23 11:25:39.293745
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_challenges"
down_revision: str | None = "0004_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "challenges",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.String(length=128), nullable=True),
        sa.Column("workflow_id", sa.String(length=128), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("scoring_strategy", sa.String(length=16), nullable=False),
        sa.Column("scoring_plugin_id", sa.String(length=200), nullable=True),
        sa.Column("scoring_entrypoint", sa.String(length=200), nullable=True),
        sa.Column(
            "scoring_config",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("timeout_ms", sa.Integer(), nullable=True),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "scoring_strategy IN ('first', 'fastest', 'fewest_tokens', 'highest_rating', 'custom')",
            name=op.f("ck_challenges_scoring_strategy"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenges")),
    )
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenges_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "challenge_attempts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("challenge_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("end_user_id", sa.String(length=128), nullable=False),
        sa.Column("workflow_run_id", sa.String(length=128), nullable=True),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("tokens_total", sa.BigInteger(), nullable=True),
        sa.Column("elapsed_ms", sa.BigInteger(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column(
            "score_details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("failed_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_attempts_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_attempts")),
    )
    with op.batch_alter_table("challenge_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_challenge_attempts_player",
            ["challenge_id", "end_user_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "challenge_entries",
        sa.Column("challenge_id", sa.String(length=64), nullable=False),
        sa.Column("end_user_id", sa.String(length=128), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("placed", sa.Boolean(), nullable=False),
        sa.Column("best_attempt_id", sa.BigInteger(), nullable=True),
        sa.Column("best_value", sa.Float(), nullable=True),
        sa.Column("sort_value", sa.Float(), nullable=True),
        sa.Column("best_created_at", sa.BigInteger(), nullable=True),
        sa.Column("first_success_at", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_entries_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("challenge_id", "end_user_id", name=op.f("pk_challenge_entries")),
    )
    with op.batch_alter_table("challenge_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_challenge_entries_standing",
            ["challenge_id", "placed", "sort_value", "best_created_at", "best_attempt_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("challenge_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_entries_standing")

    op.drop_table("challenge_entries")
    with op.batch_alter_table("challenge_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_attempts_player")

    op.drop_table("challenge_attempts")
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenges_tenant_id"))

    op.drop_table("challenges")
