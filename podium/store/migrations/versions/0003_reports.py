"""reports: metrics of competitions and their time series (custom_metrics)

Revision ID: 0003_reports
Revises: 0001_tournaments
Create Date: 2026-11-23 11:23:36.610177
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_reports"
down_revision: str | None = "0001_tournaments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "metrics",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default="[]",
            )
        )
    op.create_table(
        "custom_metrics",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("model_id", sa.String(length=128), nullable=False),
        sa.Column("metric_name", sa.String(length=64), nullable=False),
        sa.Column("metric_value", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_custom_metrics_competition_id_competitions"),
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_custom_metrics_model_id_models")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_metrics")),
    )
    with op.batch_alter_table("custom_metrics", schema=None) as batch_op:
        batch_op.create_index(
            "ix_custom_metrics_model_time", ["model_id", "recorded_at"], unique=False
        )
        batch_op.create_index(
            "ix_custom_metrics_name_time",
            ["competition_id", "metric_name", "recorded_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("custom_metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_custom_metrics_name_time")
        batch_op.drop_index("ix_custom_metrics_model_time")

    op.drop_table("custom_metrics")
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.drop_column("metrics")
