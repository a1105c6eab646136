"""predictions insert-only: outcomes in prediction_outcomes, the due queue in prediction_queue

The score cycle wrote each outcome with an ``UPDATE`` of six columns of ``predictions``: on
PostgreSQL a new row version with an entry in each of the table's four indexes (never heap-only,
as the due index's predicate named ``status``), 62 % of a cycle. Now the cycle inserts an
outcome row (keyed by the prediction's ``pk``) and deletes the prediction's row of
``prediction_queue`` (competition, resolvable_at, pk: the due queue, which the partial index
``ix_predictions_due`` was); ``predictions`` is never updated. A prediction without an outcome
is ``PENDING``.

The upgrade moves the outcomes of the predictions scored, failed or expired into
``prediction_outcomes`` and queues the pending ones; the downgrade puts them back.

Revision ID: 0010_prediction_outcomes
Revises: 0009_prediction_ingest_keys
Create Date: 2026-12-04 20:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_prediction_outcomes"
down_revision: str | None = "0009_prediction_ingest_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUS_CHECK = "status IN ('PENDING', 'SCORED', 'FAILED', 'EXPIRED')"
_PENDING = sa.text("status = 'PENDING'")
_OUTCOMES = "status, truth, score_value, score_success, score_failed_reason, scored_at"


def upgrade() -> None:
    op.create_table(
        "prediction_outcomes",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("truth", sa.Float(), nullable=True),
        sa.Column("score_value", sa.Float(), nullable=True),
        sa.Column("score_success", sa.Boolean(), nullable=False),
        sa.Column("score_failed_reason", sa.String(length=500), nullable=True),
        sa.Column("scored_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "status IN ('SCORED', 'FAILED', 'EXPIRED')",
            name=op.f("ck_prediction_outcomes_status"),
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_prediction_outcomes")),
    )
    op.create_table(
        "prediction_queue",
        sa.Column("competition_id", sa.String(length=64), nullable=False),
        sa.Column("resolvable_at", sa.BigInteger(), nullable=False),
        sa.Column("pk", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint(
            "competition_id", "resolvable_at", "pk", name=op.f("pk_prediction_queue")
        ),
    )
    op.execute(
        f"INSERT INTO prediction_outcomes (pk, {_OUTCOMES}) "  # noqa: S608 (constants only)
        "SELECT pk, status, truth, score_value, coalesce(score_success, false), "
        "score_failed_reason, coalesce(scored_at, submitted_at) FROM predictions "
        "WHERE status <> 'PENDING'"
    )
    op.execute(
        "INSERT INTO prediction_queue (competition_id, resolvable_at, pk) "
        "SELECT competition_id, resolvable_at, pk FROM predictions WHERE status = 'PENDING'"
    )
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.drop_index("ix_predictions_due", postgresql_where=_PENDING, sqlite_where=_PENDING)
        batch_op.drop_constraint(op.f("ck_predictions_status"), type_="check")
        for column in _OUTCOMES.split(", "):
            batch_op.drop_column(column)


def downgrade() -> None:
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status", sa.String(length=8), nullable=False, server_default=sa.text("'PENDING'")
            )
        )
        batch_op.add_column(sa.Column("truth", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("score_value", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("score_success", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("score_failed_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("scored_at", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE predictions SET status = o.status, truth = o.truth, score_value = o.score_value, "
        "score_success = o.score_success, score_failed_reason = o.score_failed_reason, "
        "scored_at = o.scored_at FROM prediction_outcomes AS o WHERE o.pk = predictions.pk"
    )
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.alter_column("status", server_default=None)
        batch_op.create_check_constraint(op.f("ck_predictions_status"), _STATUS_CHECK)
        batch_op.create_index(
            "ix_predictions_due",
            ["competition_id", "resolvable_at", "pk"],
            unique=False,
            postgresql_where=_PENDING,
            sqlite_where=_PENDING,
        )
    op.drop_table("prediction_queue")
    op.drop_table("prediction_outcomes")
