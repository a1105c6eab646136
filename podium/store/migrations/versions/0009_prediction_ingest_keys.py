"""predictions: no foreign keys; the ingest service checks models and params once per batch

On PostgreSQL each foreign key of ``predictions`` ran a ``SELECT … FOR KEY SHARE`` per inserted
row (three per prediction, 40–50 % of a bulk insert's server time). The key to ``competitions``
was implied by the one to ``params``; the keys to ``models`` and ``params`` are now the ingest
service's: it reads the batch's models and params in its own transaction, locked ``FOR KEY
SHARE`` once per batch on PostgreSQL (SQLite has one writer). Nothing deletes or re-keys a
model, a param or a competition.

Revision ID: 0009_prediction_ingest_keys
Revises: 0008_rollup_retention
Create Date: 2026-11-23 17:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_prediction_ingest_keys"
down_revision: str | None = "0008_rollup_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name: (local columns, referred table, referred columns), as 0001 created them
_FOREIGN_KEYS = {
    "fk_predictions_competition_id_competitions": (["competition_id"], "competitions", ["id"]),
    "fk_predictions_model_id_models": (["model_id"], "models", ["id"]),
    "fk_predictions_competition_id_param_id_params": (
        ["competition_id", "param_id"],
        "params",
        ["competition_id", "id"],
    ),
}


def upgrade() -> None:
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        for name in _FOREIGN_KEYS:
            batch_op.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        for name, (columns, referred, referred_columns) in _FOREIGN_KEYS.items():
            batch_op.create_foreign_key(name, referred, columns, referred_columns)
