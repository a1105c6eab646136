"""Challenges, their attempts, and their standings (one entry per player)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

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

    def lock_for_attempt(self, challenge_id: str, *, tenant_id: str) -> ChallengeRow:
        """The challenge, locked as by ``lock``, its ``revision`` bumped: one UPDATE."""
        row: ChallengeRow | None = self.session.scalar(
            update(ChallengeRow)
            .where(ChallengeRow.id == challenge_id, ChallengeRow.tenant_id == tenant_id)
            .values(revision=ChallengeRow.revision + 1)
            .returning(ChallengeRow),
            execution_options={"synchronize_session": False},
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

    def insert(self, **values: Any) -> ChallengeAttemptRow:
        """One INSERT (no unit of work); the row returned is not attached to the session."""
        table = cast(Table, ChallengeAttemptRow.__table__)
        attempt_id = self.session.execute(
            insert(table).values(**values).returning(table.c.id)
        ).scalar_one()
        return ChallengeAttemptRow(id=int(attempt_id), **values)

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
    return _better_than_key(StandingKey(entry.sort_value, entry.best_created_at or 0))


@dataclass(frozen=True, slots=True)
class StandingKey:
    """Where a placed entry sorts: ``sort_value`` (``None`` last), then ``best_created_at``."""

    sort_value: float | None
    best_created_at: int


def _better_than_key(key: StandingKey) -> ColumnElement[bool]:
    table = ChallengeEntryRow
    if key.sort_value is None:
        return or_(
            table.sort_value.is_not(None),
            and_(table.sort_value.is_(None), table.best_created_at < key.best_created_at),
        )
    return or_(
        table.sort_value < key.sort_value,
        and_(table.sort_value == key.sort_value, table.best_created_at < key.best_created_at),
    )


@dataclass(frozen=True, slots=True)
class Placing:
    """The ranks of a player's standing keys among the others, and the current leader."""

    ranks: tuple[int | None, ...]
    leader: str | None


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

    def placing(
        self, *, challenge_id: str, end_user_id: str, keys: Sequence[StandingKey | None]
    ) -> Placing:
        """In one statement: for each key, 1 + the placed entries of the other players strictly
        better (``None`` for no key), and the leader as the entries stand now.

        Only the player's own entry may differ between the keys, and an entry is never better
        than itself, so these are the ranks ``rank_of`` gives with the entry at each key.
        """
        table = ChallengeEntryRow
        top = aliased(ChallengeEntryRow)
        leader = (
            select(top.end_user_id)
            .where(top.challenge_id == challenge_id, top.placed.is_(True))
            .order_by(
                top.sort_value.is_(None), top.sort_value, top.best_created_at, top.best_attempt_id
            )
            .limit(1)
            .correlate(None)
            .scalar_subquery()
        )
        counted = [key for key in keys if key is not None]
        found = self.session.execute(
            select(
                leader,
                func.count(),  # an aggregate, so one row even without keys
                *(
                    func.coalesce(func.sum(case((_better_than_key(key), 1), else_=0)), 0)
                    for key in counted
                ),
            ).where(
                table.challenge_id == challenge_id,
                table.placed.is_(True),
                table.end_user_id != end_user_id,
            )
        ).one()
        better = iter(found[2:])
        return Placing(
            ranks=tuple(None if key is None else 1 + int(next(better)) for key in keys),
            leader=found[0],
        )

    def leader(self, *, challenge_id: str) -> str | None:
        top = self.page(challenge_id=challenge_id, limit=1, offset=0)
        return top[0].end_user_id if top else None

    def insert(self, entry: ChallengeEntryRow) -> None:
        """One INSERT (no unit of work); ``entry`` stays out of the session."""
        table = cast(Table, ChallengeEntryRow.__table__)
        self.session.execute(
            insert(table).values({column.key: getattr(entry, column.key) for column in table.c})
        )

    def update(self, entry: ChallengeEntryRow, values: dict[str, Any]) -> None:
        """One UPDATE of the loaded ``entry``'s columns ``values``, also set on ``entry``."""
        table = ChallengeEntryRow
        self.session.execute(
            update(table)
            .where(table.challenge_id == entry.challenge_id, table.end_user_id == entry.end_user_id)
            .values(values)
        )
        for name, value in values.items():
            set_committed_value(entry, name, value)

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
