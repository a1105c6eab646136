"""score roll-ups on PostgreSQL: heap-only updates (a narrow window index, half-empty pages)

A competition scored every minute adds to the roll-ups of the current hour at every cycle. On
PostgreSQL an update whose row is in an index that holds an updated column writes a new entry
in every index of the table, and the window index held ``count`` and ``total``: each update of
a roll-up wrote to both indexes and their WAL. With 3.36M roll-ups (1,000 models × 20 params
× 168 hourly buckets), 20,000 such updates took 1.2–1.7 s; with the window index on
``(competition_id, bucket_start)`` only and ``fillfactor = 50``, they are heap-only: 0.28–0.41 s.

The covering index bought nothing on PostgreSQL: the roll-ups kept are those the windows read
(0008), so the planner reads the windows' buckets by a scan of the table either way (0.67–0.82 s
covering, 0.71–0.79 s not, for the 3.36M). SQLite keeps it: its windows are summed from it.

``fillfactor`` applies to pages written from now on; ``VACUUM FULL score_rollups`` rewrites the
existing ones.

Revision ID: 0012_rollup_updates
Revises: 0011_rollup_writes
Create Date: 2026-12-05 00:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_rollup_updates"
down_revision: str | None = "0011_rollup_writes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COVERING = ["competition_id", "bucket_start", "model_id", "param_id", "count", "total"]
_NARROW = ["competition_id", "bucket_start"]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index("ix_score_rollups_window", "score_rollups", _NARROW)
    op.drop_index("ix_score_rollups_window_sums", table_name="score_rollups")
    op.execute("ALTER TABLE score_rollups SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE score_rollups RESET (fillfactor)")
    op.create_index("ix_score_rollups_window_sums", "score_rollups", _COVERING)
    op.drop_index("ix_score_rollups_window", table_name="score_rollups")
