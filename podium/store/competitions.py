"""Competitions: their settings, and the revision counter leaderboards are built from."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from podium.errors import NotFoundError
from podium.store.tables import CompetitionRow


class CompetitionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, competition_id: str) -> CompetitionRow | None:
        return self.session.get(CompetitionRow, competition_id)

    def get(self, competition_id: str) -> CompetitionRow:
        row = self.find(competition_id)
        if row is None:
            raise NotFoundError("competition", competition_id)
        return row

    def lock(self, competition_id: str) -> CompetitionRow:
        """``get``, the row read again and locked against other changes of it until the
        transaction ends (PostgreSQL ``FOR NO KEY UPDATE``, which leaves the foreign-key
        checks of other writers free; SQLite's write transactions hold the whole database)."""
        row = self.session.get(
            CompetitionRow,
            competition_id,
            with_for_update={"key_share": True},
            populate_existing=True,
        )
        if row is None:
            raise NotFoundError("competition", competition_id)
        return row

    def list(self, *, tenant_id: str | None = None) -> list[CompetitionRow]:
        statement = select(CompetitionRow).order_by(CompetitionRow.id)
        if tenant_id is not None:
            statement = statement.where(CompetitionRow.tenant_id == tenant_id)
        return list(self.session.scalars(statement))

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(CompetitionRow)) or 0)

    def add(self, row: CompetitionRow) -> None:
        self.session.add(row)
        self.session.flush()

    def bump_revision(self, competition_id: str) -> None:
        """Mark the inputs of the competition's leaderboard as changed."""
        self.session.execute(
            update(CompetitionRow)
            .where(CompetitionRow.id == competition_id)
            .values(revision=CompetitionRow.revision + 1)
        )

    def mark_cycle(self, competition_id: str, *, at_ms: int) -> None:
        self.session.execute(
            update(CompetitionRow)
            .where(CompetitionRow.id == competition_id)
            .values(last_cycle_at=at_ms)
        )
