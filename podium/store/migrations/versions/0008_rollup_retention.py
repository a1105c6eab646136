"""competitions: the first roll-up bucket kept

The score cycle drops the roll-ups of buckets older than every window of the competition; this
records where the kept ones start (NULL: none dropped yet, the next cycle drops the old ones).

Revision ID: 0008_rollup_retention
Revises: 0007_rollup_window_index
Create Date: 2026-11-23 17:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_rollup_retention"
down_revision: str | None = "0007_rollup_window_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rollups_kept_from", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.drop_column("rollups_kept_from")
