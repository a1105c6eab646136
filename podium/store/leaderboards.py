"""Persisted leaderboards: every one built is kept; reads take the latest (or one as of a time)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from sqlalchemy import Row, delete, func, select
from sqlalchemy.orm import Session

from podium.domain.leaderboard import Leaderboard, LeaderboardRows
from podium.store.database import insert_rows
from podium.store.tables import LeaderboardEntryRow, LeaderboardRow

_BOARD_COLUMNS = (
    "id",
    "competition_id",
    "category",
    "created_at",
    "revision",
    "ranker",
    "entry_count",
)
_ENTRY_COLUMNS = (
    "leaderboard_id",
    "model_id",
    "rank",
    "model_name",
    "player_id",
    "player_name",
    "score_recent",
    "score_steady",
    "score_anchor",
    "combined_score",
    "prediction_count",
)


class LeaderboardRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def save(
        self, leaderboard: Leaderboard, *, competition_id: str, revision: int, ranker: str
    ) -> None:
        """Store a leaderboard; one rebuilt at the same instant replaces the earlier one."""
        self.save_all(
            [LeaderboardRows.of(leaderboard)],
            competition_id=competition_id,
            revision=revision,
            ranker=ranker,
        )

    def save_all(
        self,
        boards: Sequence[LeaderboardRows],
        *,
        competition_id: str,
        revision: int,
        ranker: str,
    ) -> None:
        """Store leaderboards (a cycle's ``overall`` and per asset) in four statements; those
        rebuilt at the same instant replace the earlier ones."""
        if not boards:
            return
        ids = [board.id for board in boards]
        self.session.execute(
            delete(LeaderboardEntryRow).where(LeaderboardEntryRow.leaderboard_id.in_(ids))
        )
        self.session.execute(delete(LeaderboardRow).where(LeaderboardRow.id.in_(ids)))
        insert_rows(
            self.session,
            "leaderboards",
            _BOARD_COLUMNS,
            [
                (
                    board.id,
                    competition_id,
                    board.category,
                    board.created_at_ms,
                    revision,
                    ranker,
                    len(board),
                )
                for board in boards
            ],
        )
        insert_rows(
            self.session,
            "leaderboard_entries",
            _ENTRY_COLUMNS,
            itertools.chain.from_iterable(
                zip(
                    itertools.repeat(board.id),
                    board.model_id,
                    board.rank,
                    board.model_name,
                    board.player_id,
                    board.player_name,
                    board.recent,
                    board.steady,
                    board.anchor,
                    board.combined_score,
                    board.prediction_count,
                )
                for board in boards
            ),
        )

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
