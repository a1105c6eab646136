"""prediction tournaments

Revision ID: 0001_tournaments
Revises:
Create Date: 2026-11-23 09:53:40.427447
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_tournaments"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "competitions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("scoring_function", sa.String(length=200), nullable=False),
        sa.Column(
            "scoring_config",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("resolver", sa.String(length=200), nullable=False),
        sa.Column(
            "resolver_config",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("ranker", sa.String(length=200), nullable=False),
        sa.Column(
            "ranker_config",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("window_recent_ms", sa.BigInteger(), nullable=False),
        sa.Column("window_steady_ms", sa.BigInteger(), nullable=False),
        sa.Column("window_anchor_ms", sa.BigInteger(), nullable=False),
        sa.Column("bucket_ms", sa.BigInteger(), nullable=False),
        sa.Column("score_interval_s", sa.Float(), nullable=True),
        sa.Column("grace_period_ms", sa.BigInteger(), nullable=False),
        sa.Column("allow_backfill", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("last_cycle_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitions")),
    )
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_competitions_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "players",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_players")),
    )
    op.create_table(
        "leaderboards",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("ranker", sa.String(length=200), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_leaderboards_competition_id_competitions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leaderboards")),
    )
    with op.batch_alter_table("leaderboards", schema=None) as batch_op:
        batch_op.create_index(
            "ix_leaderboards_latest", ["competition_id", "category", "created_at"], unique=False
        )

    op.create_table(
        "models",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("player_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_models_competition_id_competitions"),
        ),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.id"], name=op.f("fk_models_player_id_players")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_models")),
    )
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_models_competition_id"), ["competition_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_models_player_id"), ["player_id"], unique=False)

    op.create_table(
        "observations",
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("asset", sa.String(length=64), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_observations_competition_id_competitions"),
        ),
        sa.PrimaryKeyConstraint("competition_id", "asset", "ts", name=op.f("pk_observations")),
    )
    op.create_table(
        "params",
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("asset", sa.String(length=64), nullable=True),
        sa.Column("horizon", sa.BigInteger(), nullable=True),
        sa.Column("step", sa.BigInteger(), nullable=True),
        sa.Column(
            "extra",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_params_competition_id_competitions"),
        ),
        sa.PrimaryKeyConstraint("competition_id", "id", name=op.f("pk_params")),
    )
    op.create_table(
        "leaderboard_entries",
        sa.Column("leaderboard_id", sa.String(length=200), nullable=False),
        sa.Column("model_id", sa.String(length=128), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("model_name", sa.String(length=200), nullable=False),
        sa.Column("player_id", sa.String(length=128), nullable=False),
        sa.Column("player_name", sa.String(length=200), nullable=False),
        sa.Column("score_recent", sa.Float(), nullable=True),
        sa.Column("score_steady", sa.Float(), nullable=True),
        sa.Column("score_anchor", sa.Float(), nullable=True),
        sa.Column("combined_score", sa.Float(), nullable=True),
        sa.Column("prediction_count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["leaderboard_id"],
            ["leaderboards.id"],
            name=op.f("fk_leaderboard_entries_leaderboard_id_leaderboards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_leaderboard_entries_model_id_models")
        ),
        sa.PrimaryKeyConstraint("leaderboard_id", "model_id", name=op.f("pk_leaderboard_entries")),
    )
    with op.batch_alter_table("leaderboard_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_leaderboard_entries_rank", ["leaderboard_id", "rank"], unique=False
        )

    op.create_table(
        "model_score_snapshots",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("model_id", sa.String(length=128), nullable=False),
        sa.Column("performed_at", sa.BigInteger(), nullable=False),
        sa.Column("score_recent", sa.Float(), nullable=True),
        sa.Column("score_steady", sa.Float(), nullable=True),
        sa.Column("score_anchor", sa.Float(), nullable=True),
        sa.Column("prediction_count", sa.BigInteger(), nullable=False),
        sa.Column(
            "scores_by_param",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_model_score_snapshots_competition_id_competitions"),
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_model_score_snapshots_model_id_models")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_score_snapshots")),
    )
    with op.batch_alter_table("model_score_snapshots", schema=None) as batch_op:
        batch_op.create_index(
            "ix_model_score_snapshots_competition_time",
            ["competition_id", "performed_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_model_score_snapshots_model_time", ["model_id", "performed_at"], unique=False
        )

    op.create_table(
        "predictions",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("model_id", sa.String(length=128), nullable=False),
        sa.Column("param_id", sa.String(length=128), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("performed_at", sa.BigInteger(), nullable=False),
        sa.Column("resolvable_at", sa.BigInteger(), nullable=False),
        sa.Column("submitted_at", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("truth", sa.Float(), nullable=True),
        sa.Column("score_value", sa.Float(), nullable=True),
        sa.Column("score_success", sa.Boolean(), nullable=True),
        sa.Column("score_failed_reason", sa.String(length=500), nullable=True),
        sa.Column("scored_at", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "status IN ('PENDING', 'SCORED', 'FAILED', 'EXPIRED')",
            name=op.f("ck_predictions_status"),
        ),
        sa.CheckConstraint(
            "resolvable_at > performed_at", name=op.f("ck_predictions_resolvable_after_performed")
        ),
        sa.ForeignKeyConstraint(
            ["competition_id", "param_id"],
            ["params.competition_id", "params.id"],
            name=op.f("fk_predictions_competition_id_param_id_params"),
        ),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_predictions_competition_id_competitions"),
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_predictions_model_id_models")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_predictions")),
        sa.UniqueConstraint("competition_id", "id", name=op.f("uq_predictions_competition_id_id")),
    )
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_predictions_competition_performed", ["competition_id", "performed_at"], unique=False
        )
        batch_op.create_index(
            "ix_predictions_due",
            ["competition_id", "resolvable_at", "pk"],
            unique=False,
            postgresql_where=sa.text("status = 'PENDING'"),
            sqlite_where=sa.text("status = 'PENDING'"),
        )
        batch_op.create_index(
            "ix_predictions_model_performed", ["model_id", "performed_at"], unique=False
        )

    op.create_table(
        "score_rollups",
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("model_id", sa.String(length=128), nullable=False),
        sa.Column("param_id", sa.String(length=128), nullable=False),
        sa.Column("bucket_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_score_rollups_competition_id_competitions"),
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_score_rollups_model_id_models")
        ),
        sa.PrimaryKeyConstraint(
            "competition_id", "model_id", "param_id", "bucket_start", name=op.f("pk_score_rollups")
        ),
    )
    with op.batch_alter_table("score_rollups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_score_rollups_window", ["competition_id", "bucket_start"], unique=False
        )

    op.create_table(
        "score_totals",
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("model_id", sa.String(length=128), nullable=False),
        sa.Column("param_id", sa.String(length=128), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("failed", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_score_totals_competition_id_competitions"),
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_score_totals_model_id_models")
        ),
        sa.PrimaryKeyConstraint(
            "competition_id", "model_id", "param_id", name=op.f("pk_score_totals")
        ),
    )
    op.create_table(
        "truths",
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("param_id", sa.String(length=128), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competition_id", "param_id"],
            ["params.competition_id", "params.id"],
            name=op.f("fk_truths_competition_id_param_id_params"),
        ),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_truths_competition_id_competitions"),
        ),
        sa.PrimaryKeyConstraint("competition_id", "param_id", "ts", name=op.f("pk_truths")),
    )


def downgrade() -> None:

    op.drop_table("truths")
    op.drop_table("score_totals")
    with op.batch_alter_table("score_rollups", schema=None) as batch_op:
        batch_op.drop_index("ix_score_rollups_window")

    op.drop_table("score_rollups")
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.drop_index("ix_predictions_model_performed")
        batch_op.drop_index(
            "ix_predictions_due",
            postgresql_where=sa.text("status = 'PENDING'"),
            sqlite_where=sa.text("status = 'PENDING'"),
        )
        batch_op.drop_index("ix_predictions_competition_performed")

    op.drop_table("predictions")
    with op.batch_alter_table("model_score_snapshots", schema=None) as batch_op:
        batch_op.drop_index("ix_model_score_snapshots_model_time")
        batch_op.drop_index("ix_model_score_snapshots_competition_time")

    op.drop_table("model_score_snapshots")
    with op.batch_alter_table("leaderboard_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_leaderboard_entries_rank")

    op.drop_table("leaderboard_entries")
    op.drop_table("params")
    op.drop_table("observations")
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_models_player_id"))
        batch_op.drop_index(batch_op.f("ix_models_competition_id"))

    op.drop_table("models")
    with op.batch_alter_table("leaderboards", schema=None) as batch_op:
        batch_op.drop_index("ix_leaderboards_latest")

    op.drop_table("leaderboards")
    op.drop_table("players")
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_competitions_tenant_id"))

    op.drop_table("competitions")
