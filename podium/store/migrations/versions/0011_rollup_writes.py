"""score_rollups and score_totals without foreign keys; the outcomes' status check as equalities

Three costs of each score cycle's writes, none of them a check the data needs from the store:

- Each roll-up or total inserted ran a ``SELECT … FOR KEY SHARE`` per foreign key on
  PostgreSQL (its competition and its model): a third of the roll-up upsert's time when a
  cycle opens new buckets. Roll-ups and totals are sums of stored predictions, whose models
  and params the ingest service checks (``predictions`` has no foreign keys since 0009), and
  nothing deletes or re-keys a model or a competition.
- SQLite evaluates ``status IN ('SCORED', 'FAILED', 'EXPIRED')`` by filling a temporary table
  with the list each time the insert statement runs, i.e. for every row of an
  ``executemany``: 3 µs per outcome, half the outcomes' insert. The same check written as
  three equalities costs nothing measurable; PostgreSQL takes it unchanged.
- ``score_totals`` (one row per model and param, updated by every cycle) leaves half of each
  page free on PostgreSQL (``fillfactor = 50``), so that an update can put the new row version
  on the same page without a new index entry (a heap-only update). It applies to pages written
  from now on: ``VACUUM FULL score_totals`` rewrites the table's existing pages.

Revision ID: 0011_rollup_writes
Revises: 0010_prediction_outcomes
Create Date: 2026-12-04 23:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_rollup_writes"
down_revision: str | None = "0010_prediction_outcomes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table: {name: (local columns, referred table, referred columns)}, as 0001 created them
_FOREIGN_KEYS = {
    table: {
        f"fk_{table}_competition_id_competitions": (["competition_id"], "competitions", ["id"]),
        f"fk_{table}_model_id_models": (["model_id"], "models", ["id"]),
    }
    for table in ("score_rollups", "score_totals")
}
_STATUS_CHECK = "ck_prediction_outcomes_status"
_STATUSES = ("'SCORED'", "'FAILED'", "'EXPIRED'")


def upgrade() -> None:
    for table, keys in _FOREIGN_KEYS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in keys:
                batch_op.drop_constraint(op.f(name), type_="foreignkey")
    with op.batch_alter_table("prediction_outcomes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(_STATUS_CHECK), type_="check")
        batch_op.create_check_constraint(
            op.f(_STATUS_CHECK), " OR ".join(f"status = {status}" for status in _STATUSES)
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE score_totals SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE score_totals RESET (fillfactor)")
    with op.batch_alter_table("prediction_outcomes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(_STATUS_CHECK), type_="check")
        batch_op.create_check_constraint(op.f(_STATUS_CHECK), f"status IN ({', '.join(_STATUSES)})")
    for table, keys in _FOREIGN_KEYS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, (columns, referred, referred_columns) in keys.items():
                batch_op.create_foreign_key(op.f(name), referred, columns, referred_columns)
