"""The first player to succeed at a challenge (the first-blood badge of the pages)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from podium.store.challenge_tables import ChallengeEntryRow


class FirstBloodRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def first_success(self, *, challenge_id: str) -> ChallengeEntryRow | None:
        statement = (
            select(ChallengeEntryRow)
            .where(
                ChallengeEntryRow.challenge_id == challenge_id,
                ChallengeEntryRow.first_success_at.is_not(None),
            )
            .order_by(ChallengeEntryRow.first_success_at, ChallengeEntryRow.end_user_id)
            .limit(1)
        )
        return self.session.scalars(statement).first()
