"""Challenges, their attempts, and their standings (one entry per player)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from podium.errors import NotFoundError
from podium.store.challenge_tables import ChallengeAttemptRow, ChallengeEntryRow, ChallengeRow


class ChallengeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, challenge_id: str, *, tenant_id: str) -> ChallengeRow | None:
        row = self.session.get(ChallengeRow, challenge_id)
        # Another tenant's challenge does not exist, as far as this tenant can tell.
        return row if row is not None and row.tenant_id == tenant_id else None

    def get(self, challenge_id: str, *, tenant_id: str) -> ChallengeRow:
        row = self.find(challenge_id, tenant_id=tenant_id)
        if row is None:
            raise NotFoundError("challenge", challenge_id)
        return row

    def lock(self, challenge_id: str, *, tenant_id: str) -> ChallengeRow:
        """The challenge, locked until the transaction ends: its attempts are recorded in turn."""
        row = self.session.scalar(
            select(ChallengeRow)
            .where(ChallengeRow.id == challenge_id, ChallengeRow.tenant_id == tenant_id)
            .with_for_update()
        )
        if row is None:
            raise NotFoundError("challenge", challenge_id)
        return row

    def list(
        self, *, tenant_id: str, active_only: bool, limit: int, offset: int
    ) -> list[ChallengeRow]:
        query = select(ChallengeRow).where(ChallengeRow.tenant_id == tenant_id)
        if active_only:
            query = query.where(ChallengeRow.is_active.is_(True))
        query = query.order_by(ChallengeRow.created_at, ChallengeRow.id).limit(limit).offset(offset)
        return list(self.session.scalars(query))

    def add(self, row: ChallengeRow) -> None:
        self.session.add(row)
        self.session.flush()

    def delete(self, row: ChallengeRow) -> None:
        # Explicit deletes: SQLite enforces ON DELETE CASCADE only with foreign keys on.
        for table in (ChallengeEntryRow, ChallengeAttemptRow):
            self.session.execute(delete(table).where(table.challenge_id == row.id))
        self.session.delete(row)
        self.session.flush()

    def bump_revision(self, challenge_id: str) -> None:
        self.session.execute(
            update(ChallengeRow)
            .where(ChallengeRow.id == challenge_id)
            .values(revision=ChallengeRow.revision + 1)
        )


class AttemptRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: ChallengeAttemptRow) -> ChallengeAttemptRow:
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, attempt_id: int) -> ChallengeAttemptRow | None:
        return self.session.get(ChallengeAttemptRow, attempt_id)

    def list(
        self, *, challenge_id: str, end_user_id: str | None = None, limit: int, offset: int = 0
    ) -> list[ChallengeAttemptRow]:
        query = select(ChallengeAttemptRow).where(ChallengeAttemptRow.challenge_id == challenge_id)
        if end_user_id is not None:
            query = query.where(ChallengeAttemptRow.end_user_id == end_user_id)
        query = query.order_by(ChallengeAttemptRow.id).limit(limit).offset(offset)
        return list(self.session.scalars(query))


def _better_than(entry: ChallengeEntryRow) -> ColumnElement[bool]:
    """Placed entries that rank strictly better than ``entry`` (same rule as the domain)."""
    table = ChallengeEntryRow
    if entry.sort_value is None:
        return or_(
            table.sort_value.is_not(None),
            and_(table.sort_value.is_(None), table.best_created_at < entry.best_created_at),
        )
    return or_(
        table.sort_value < entry.sort_value,
        and_(
            table.sort_value == entry.sort_value,
            table.best_created_at < entry.best_created_at,
        ),
    )


class StandingRepository:
    """``challenge_entries``: the standings, in leaderboard order."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, *, challenge_id: str, end_user_id: str) -> ChallengeEntryRow | None:
        return self.session.get(ChallengeEntryRow, (challenge_id, end_user_id))

    def add(self, row: ChallengeEntryRow) -> None:
        self.session.add(row)
        self.session.flush()

    def rank_of(self, entry: ChallengeEntryRow) -> int | None:
        """1 + the placed entries strictly better; ``None`` for an entry not placed."""
        if not entry.placed:
            return None
        better = self.session.scalar(
            select(func.count())
            .select_from(ChallengeEntryRow)
            .where(
                ChallengeEntryRow.challenge_id == entry.challenge_id,
                ChallengeEntryRow.placed.is_(True),
                _better_than(entry),
            )
        )
        return 1 + int(better or 0)

    def count_placed(self, *, challenge_id: str) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(ChallengeEntryRow)
                .where(
                    ChallengeEntryRow.challenge_id == challenge_id,
                    ChallengeEntryRow.placed.is_(True),
                )
            )
            or 0
        )

    def page(self, *, challenge_id: str, limit: int, offset: int) -> Sequence[ChallengeEntryRow]:
        """Placed entries in leaderboard order."""
        table = ChallengeEntryRow
        return list(
            self.session.scalars(
                select(table)
                .where(table.challenge_id == challenge_id, table.placed.is_(True))
                .order_by(
                    table.sort_value.is_(None),
                    table.sort_value,
                    table.best_created_at,
                    table.best_attempt_id,
                )
                .limit(limit)
                .offset(offset)
            )
        )
