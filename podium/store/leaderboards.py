"""Persisted leaderboards: every one built is kept; reads take the latest (or one as of a time)."""

from __future__ import annotations

from sqlalchemy import Row, delete, func, select
from sqlalchemy.orm import Session

from podium.domain.leaderboard import Leaderboard
from podium.domain.timestamps import to_ms
from podium.store.tables import LeaderboardEntryRow, LeaderboardRow

_ENTRY_COLUMNS = (
    "leaderboard_id, model_id, rank, model_name, player_id, player_name, score_recent, "
    "score_steady, score_anchor, combined_score, prediction_count"
)
_ENTRIES_SQLITE = (
    f"INSERT INTO leaderboard_entries ({_ENTRY_COLUMNS}) "  # noqa: S608 (constants only)
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_ENTRIES_POSTGRESQL = (
    f"INSERT INTO leaderboard_entries ({_ENTRY_COLUMNS}) SELECT * FROM unnest(%s::varchar[], "  # noqa: S608 (constants only)
    "%s::varchar[], %s::integer[], %s::varchar[], %s::varchar[], %s::varchar[], %s::float8[], "
    "%s::float8[], %s::float8[], %s::float8[], %s::integer[])"
)


class LeaderboardRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def save(
        self, leaderboard: Leaderboard, *, competition_id: str, revision: int, ranker: str
    ) -> None:
        """Store a leaderboard; one rebuilt at the same instant replaces the earlier one."""
        self.session.execute(
            delete(LeaderboardEntryRow).where(LeaderboardEntryRow.leaderboard_id == leaderboard.id)
        )
        self.session.execute(delete(LeaderboardRow).where(LeaderboardRow.id == leaderboard.id))
        self.session.add(
            LeaderboardRow(
                id=leaderboard.id,
                competition_id=competition_id,
                category=leaderboard.category,
                created_at=to_ms(leaderboard.created_at),
                revision=revision,
                ranker=ranker,
                entry_count=len(leaderboard.entries),
            )
        )
        self.session.flush()
        if leaderboard.entries:
            self._insert_entries(leaderboard)

    def _insert_entries(self, leaderboard: Leaderboard) -> None:
        """One statement through the driver: ``unnest(arrays)`` on PostgreSQL, ``executemany``
        on SQLite (a leaderboard per asset of 1,000 entries each is built every cycle)."""
        entries = leaderboard.entries
        columns = (
            [leaderboard.id] * len(entries),
            [entry.model_id for entry in entries],
            [entry.rank for entry in entries],
            [entry.model_name for entry in entries],
            [entry.player_id for entry in entries],
            [entry.player_name for entry in entries],
            [entry.score.recent for entry in entries],
            [entry.score.steady for entry in entries],
            [entry.score.anchor for entry in entries],
            [entry.combined_score for entry in entries],
            [entry.prediction_count for entry in entries],
        )
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(_ENTRIES_POSTGRESQL, columns)
        else:
            connection.exec_driver_sql(_ENTRIES_SQLITE, list(zip(*columns, strict=True)))

    def latest(
        self, competition_id: str, *, category: str, at_ms: int | None = None
    ) -> LeaderboardRow | None:
        statement = select(LeaderboardRow).where(
            LeaderboardRow.competition_id == competition_id, LeaderboardRow.category == category
        )
        if at_ms is not None:
            statement = statement.where(LeaderboardRow.created_at <= at_ms)
        statement = statement.order_by(LeaderboardRow.created_at.desc()).limit(1)
        return self.session.scalars(statement).first()

    def latest_version(
        self, competition_id: str, *, category: str, at_ms: int | None = None
    ) -> Row[str, int, int] | None:
        """``(id, revision, created_at)`` of the latest leaderboard (as of ``at_ms``): one
        indexed row, no ORM."""
        statement = select(
            LeaderboardRow.id, LeaderboardRow.revision, LeaderboardRow.created_at
        ).where(
            LeaderboardRow.competition_id == competition_id, LeaderboardRow.category == category
        )
        if at_ms is not None:
            statement = statement.where(LeaderboardRow.created_at <= at_ms)
        statement = statement.order_by(LeaderboardRow.created_at.desc()).limit(1)
        return self.session.connection().execute(statement).first()

    def entries(self, leaderboard_id: str) -> list[LeaderboardEntryRow]:
        statement = (
            select(LeaderboardEntryRow)
            .where(LeaderboardEntryRow.leaderboard_id == leaderboard_id)
            .order_by(LeaderboardEntryRow.rank, LeaderboardEntryRow.model_id)
        )
        return list(self.session.scalars(statement))

    def history(
        self,
        competition_id: str,
        *,
        category: str | None,
        start_ms: int,
        end_ms: int,
        limit: int,
    ) -> list[LeaderboardRow]:
        """Leaderboards built in ``[start, end]``, oldest first."""
        statement = select(LeaderboardRow).where(
            LeaderboardRow.competition_id == competition_id,
            LeaderboardRow.created_at >= start_ms,
            LeaderboardRow.created_at <= end_ms,
        )
        if category is not None:
            statement = statement.where(LeaderboardRow.category == category)
        statement = statement.order_by(LeaderboardRow.created_at, LeaderboardRow.category).limit(
            limit
        )
        return list(self.session.scalars(statement))

    def categories(self, competition_id: str) -> list[tuple[str, int, int]]:
        """``(category, number of leaderboards, latest created_at)`` of each category."""
        statement = (
            select(
                LeaderboardRow.category,
                func.count(),
                func.max(LeaderboardRow.created_at),
            )
            .where(LeaderboardRow.competition_id == competition_id)
            .group_by(LeaderboardRow.category)
            .order_by(LeaderboardRow.category)
        )
        return [
            (category, int(count), int(latest))
            for category, count, latest in self.session.execute(statement)
        ]

    def ranks(self, leaderboard_id: str) -> dict[str, int]:
        statement = select(LeaderboardEntryRow.model_id, LeaderboardEntryRow.rank).where(
            LeaderboardEntryRow.leaderboard_id == leaderboard_id
        )
        return {row.model_id: row.rank for row in self.session.execute(statement)}
