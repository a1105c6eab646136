"""indexes of the attempt path: a challenge's latest record, a player's recent attempts

Revision ID: 0006_attempt_indexes
Revises: 0005_collections
Create Date: 2026-11-23 15:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_attempt_indexes"
down_revision: str | None = "0005_collections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # record beaten: the challenge's latest record event, read backwards by id
    op.create_index(
        "ix_challenge_events_challenge_id_id", "challenge_events", ["challenge_id", "id"]
    )
    # fair-play limits: a player's attempts on a challenge since an instant
    op.create_index(
        "ix_challenge_attempts_player_recorded",
        "challenge_attempts",
        ["challenge_id", "end_user_id", "recorded_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_challenge_attempts_player_recorded", table_name="challenge_attempts")
    op.drop_index("ix_challenge_events_challenge_id_id", table_name="challenge_events")
