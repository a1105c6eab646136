"""score roll-ups: the window index covers the columns the windows sum

Reading a competition's windows then touches only the index entries of the buckets inside the
widest window, never the table nor the roll-ups of older history.

Revision ID: 0007_rollup_window_index
Revises: 0006_attempt_indexes
Create Date: 2026-11-23 16:15:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_rollup_window_index"
down_revision: str | None = "0006_attempt_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COVERING = ["competition_id", "bucket_start", "model_id", "param_id", "count", "total"]


def upgrade() -> None:
    op.create_index("ix_score_rollups_window_sums", "score_rollups", _COVERING)
    op.drop_index("ix_score_rollups_window", table_name="score_rollups")


def downgrade() -> None:
    op.create_index("ix_score_rollups_window", "score_rollups", ["competition_id", "bucket_start"])
    op.drop_index("ix_score_rollups_window_sums", table_name="score_rollups")
