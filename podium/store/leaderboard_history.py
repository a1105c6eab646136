"""Leaderboards through time: the categories built, the newest per competition, a model's ranks.

The pages and the leaderboard stream read these; the score worker never does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from podium.domain.leaderboard import OVERALL_CATEGORY
from podium.store.tables import CompetitionRow, LeaderboardEntryRow, LeaderboardRow


@dataclass(frozen=True, slots=True)
class RankPoint:
    created_at: int
    rank: int
    entry_count: int


@dataclass(frozen=True, slots=True)
class LatestLeaderboard:
    competition_id: str
    category: str
    id: str
    created_at: int


class LeaderboardHistoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def categories(self, competition_id: str) -> list[str]:
        """Categories with at least one leaderboard, ``overall`` first, then by name."""
        statement = (
            select(LeaderboardRow.category)
            .where(LeaderboardRow.competition_id == competition_id)
            .distinct()
        )
        found = set(self.session.scalars(statement))
        return sorted(found, key=lambda category: (category != OVERALL_CATEGORY, category))

    def latest_per_competition(
        self,
        *,
        tenant_id: str,
        category: str = OVERALL_CATEGORY,
        competition_id: str | None = None,
    ) -> list[LatestLeaderboard]:
        """The newest leaderboard of ``category`` of each competition of the tenant (or of one)."""
        newest = select(
            LeaderboardRow.competition_id, func.max(LeaderboardRow.created_at).label("created_at")
        ).where(LeaderboardRow.category == category)
        if competition_id is not None:
            newest = newest.where(LeaderboardRow.competition_id == competition_id)
        latest = newest.group_by(LeaderboardRow.competition_id).subquery()
        statement = (
            select(LeaderboardRow.competition_id, LeaderboardRow.id, LeaderboardRow.created_at)
            .join(
                latest,
                (LeaderboardRow.competition_id == latest.c.competition_id)
                & (LeaderboardRow.created_at == latest.c.created_at),
            )
            .join(CompetitionRow, CompetitionRow.id == LeaderboardRow.competition_id)
            .where(LeaderboardRow.category == category, CompetitionRow.tenant_id == tenant_id)
            .order_by(LeaderboardRow.competition_id)
        )
        return [
            LatestLeaderboard(competition, category, leaderboard_id, created_at)
            for competition, leaderboard_id, created_at in self.session.execute(statement)
        ]

    def reference(
        self, competition_id: str, *, category: str, before_ms: int
    ) -> LeaderboardRow | None:
        """The leaderboard a rank change is measured against.

        The newest one built at or before ``before_ms``; for a competition younger than that,
        its oldest leaderboard.
        """
        base = select(LeaderboardRow).where(
            LeaderboardRow.competition_id == competition_id, LeaderboardRow.category == category
        )
        older = base.where(LeaderboardRow.created_at <= before_ms).order_by(
            LeaderboardRow.created_at.desc()
        )
        found = self.session.scalars(older.limit(1)).first()
        if found is not None:
            return found
        return self.session.scalars(base.order_by(LeaderboardRow.created_at).limit(1)).first()

    def ranks(self, leaderboard_id: str) -> dict[str, int]:
        statement = select(LeaderboardEntryRow.model_id, LeaderboardEntryRow.rank).where(
            LeaderboardEntryRow.leaderboard_id == leaderboard_id
        )
        return {str(model_id): int(rank) for model_id, rank in self.session.execute(statement)}

    def rank_history(
        self,
        competition_id: str,
        model_id: str,
        *,
        category: str,
        start_ms: int,
        end_ms: int,
        limit: int,
    ) -> list[RankPoint]:
        """The model's rank on every leaderboard of the category in the range, oldest first."""
        statement = (
            select(LeaderboardRow.created_at, LeaderboardEntryRow.rank, LeaderboardRow.entry_count)
            .join(LeaderboardEntryRow, LeaderboardEntryRow.leaderboard_id == LeaderboardRow.id)
            .where(
                LeaderboardRow.competition_id == competition_id,
                LeaderboardRow.category == category,
                LeaderboardRow.created_at >= start_ms,
                LeaderboardRow.created_at <= end_ms,
                LeaderboardEntryRow.model_id == model_id,
            )
            .order_by(LeaderboardRow.created_at.desc())
            .limit(limit)
        )
        points = [
            RankPoint(created_at, rank, entry_count)
            for created_at, rank, entry_count in self.session.execute(statement)
        ]
        points.reverse()
        return points
