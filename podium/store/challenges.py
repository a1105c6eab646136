"""Challenges, their attempts, and their standings (one entry per player)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Select,
    String,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    null,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session, instrumentation
from sqlalchemy.orm.attributes import set_committed_value

from podium.errors import NotFoundError
from podium.store.challenge_tables import ChallengeAttemptRow, ChallengeEntryRow, ChallengeRow

R = TypeVar("R", ChallengeRow, ChallengeAttemptRow, ChallengeEntryRow)


def detached(entity: type[R], values: Mapping[Any, Any]) -> R:
    """An object of ``entity`` holding ``values`` as loaded, in no session, built the way the
    ORM builds the objects it loads: its constructor (events, one instrumented ``setattr`` per
    column) costs more CPU than the statement that read the values."""
    row: R = instrumentation.manager_of_class(entity).new_instance()
    row.__dict__.update(values)
    return row


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
        """The challenge, locked as by ``lock``, its ``revision`` bumped: one UPDATE (Core: the
        ORM's bulk UPDATE took more CPU than the statement); the row is not in the session."""
        return self._one(_LOCK_FOR_ATTEMPT, challenge_id, tenant_id)

    def for_attempt(self, challenge_id: str, *, tenant_id: str) -> ChallengeRow:
        """The challenge as ``get`` reads it, by one Core SELECT; the row is not in the session."""
        return self._one(_CHALLENGE, challenge_id, tenant_id)

    def _one(self, statement: Any, challenge_id: str, tenant_id: str) -> ChallengeRow:
        found = self.session.execute(
            statement, {"key_id": challenge_id, "key_tenant_id": tenant_id}
        ).first()
        if found is None:
            raise NotFoundError("challenge", challenge_id)
        return detached(ChallengeRow, found._mapping)

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

    def insert(self, **values: Any) -> ChallengeAttemptRow:
        """One INSERT (no unit of work); the row returned is not attached to the session."""
        attempt_id = self.session.execute(_INSERT_ATTEMPT, values).scalar_one()
        return detached(ChallengeAttemptRow, {**values, "id": int(attempt_id)})

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
    """A player's rank before and after an attempt, and the leader before it."""

    rank_before: int | None
    rank_after: int | None
    leader: str | None


# The statements of recording an attempt, built once: building and keying a statement costs
# more CPU than SQLite takes to run it.
_challenges = cast(Table, ChallengeRow.__table__)
_attempts = cast(Table, ChallengeAttemptRow.__table__)
_entries = cast(Table, ChallengeEntryRow.__table__)
_ENTRY_COLUMNS = tuple(column.key for column in _entries.c)
_ENTRY_VALUES = tuple(column.key for column in _entries.c if not column.primary_key)

_LOCK_FOR_ATTEMPT = (
    update(_challenges)
    .where(
        _challenges.c.id == bindparam("key_id", type_=String),
        _challenges.c.tenant_id == bindparam("key_tenant_id", type_=String),
    )
    .values(revision=_challenges.c.revision + 1)
    .returning(*_challenges.c)
)
_CHALLENGE = select(*_challenges.c).where(
    _challenges.c.id == bindparam("key_id", type_=String),
    _challenges.c.tenant_id == bindparam("key_tenant_id", type_=String),
)
_INSERT_ATTEMPT = insert(_attempts).returning(_attempts.c.id)
_INSERT_ENTRY = insert(_entries)
_FIND_ENTRY = select(*_entries.c).where(
    _entries.c.challenge_id == bindparam("challenge_id", type_=String),
    _entries.c.end_user_id == bindparam("end_user_id", type_=String),
)
_UPDATE_ENTRY = update(_entries).where(
    _entries.c.challenge_id == bindparam("key_challenge_id", type_=String),
    _entries.c.end_user_id == bindparam("key_end_user_id", type_=String),
)


def _better_than_param(name: str, *, null: bool) -> ColumnElement[bool]:
    """``_better_than_key`` for the key in parameters ``{name}_sort_value`` (``null``: the key
    has none) and ``{name}_created_at``, in a form the standings index can range over."""
    column = _entries.c
    created_at = bindparam(f"{name}_created_at", type_=BigInteger)
    if null:
        return or_(
            column.sort_value.is_not(None),
            and_(column.sort_value.is_(None), column.best_created_at < created_at),
        )
    value = bindparam(f"{name}_sort_value", type_=Float)
    return tuple_(column.sort_value, column.best_created_at) < tuple_(value, created_at)


def _leader_statement() -> Any:
    """The first placed entry: the best with a value, else the earliest without one (two
    index-ordered reads instead of a sort on ``sort_value IS NULL``)."""
    column = _entries.c
    placed = [
        column.challenge_id == bindparam("challenge_id", type_=String),
        column.placed.is_(True),
    ]

    def first(has_value: bool, *order: Any) -> Any:
        where = column.sort_value.is_not(None) if has_value else column.sort_value.is_(None)
        return (
            select(column.end_user_id)
            .where(*placed, where)
            .order_by(*order)
            .limit(1)
            .scalar_subquery()
        )

    return func.coalesce(
        first(True, column.sort_value, column.best_created_at, column.best_attempt_id),
        first(False, column.best_created_at, column.best_attempt_id),
    )


_LEADER = select(_leader_statement())
_PLACINGS: dict[tuple[str, str], Select[Any]] = {}


def _placing_statement(before: str, after: str) -> Select[Any]:
    """Leader, then the count of entries better than each key; a key's shape is ``none`` (no
    key), ``null`` (no value) or ``value``. Built once per shape."""
    found = _PLACINGS.get((before, after))
    if found is not None:
        return found
    column = _entries.c
    placed = [
        column.challenge_id == bindparam("challenge_id", type_=String),
        column.placed.is_(True),
    ]
    counts = [
        null()
        if shape == "none"
        else select(func.count())
        .where(*placed, _better_than_param(name, null=shape == "null"))
        .scalar_subquery()
        for name, shape in (("before", before), ("after", after))
    ]
    return _PLACINGS.setdefault((before, after), select(_leader_statement(), *counts))


def _shape(key: StandingKey | None) -> str:
    return "none" if key is None else "null" if key.sort_value is None else "value"


class StandingRepository:
    """``challenge_entries``: the standings, in leaderboard order."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, *, challenge_id: str, end_user_id: str) -> ChallengeEntryRow | None:
        """The player's entry, by one Core SELECT; the row is not in the session (``update``
        writes it)."""
        found = self.session.execute(
            _FIND_ENTRY, {"challenge_id": challenge_id, "end_user_id": end_user_id}
        ).first()
        return None if found is None else detached(ChallengeEntryRow, found._mapping)

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
        self,
        *,
        challenge_id: str,
        before: StandingKey | None,
        after: StandingKey | None,
    ) -> Placing:
        """In one statement: the player's rank with their entry at ``before`` and at ``after``
        (1 + the placed entries strictly better; ``None`` for no key), and the leader as the
        entries stand now, with the player's entry still at ``before``.

        ``after`` is ``before`` or better than the stored entry, which is therefore never
        counted as better than ``after``: these are the ranks ``rank_of`` gives with the entry
        at each key.
        """
        params: dict[str, Any] = {"challenge_id": challenge_id}
        for name, key in (("before", before), ("after", after)):
            if key is not None:
                params[f"{name}_sort_value"] = key.sort_value
                params[f"{name}_created_at"] = key.best_created_at
        statement = _placing_statement(_shape(before), _shape(after))
        leader, better_before, better_after = self.session.execute(statement, params).one()
        return Placing(
            rank_before=None if before is None else 1 + int(better_before),
            rank_after=None if after is None else 1 + int(better_after),
            leader=leader,
        )

    def leader(self, *, challenge_id: str) -> str | None:
        found: str | None = self.session.scalar(_LEADER, {"challenge_id": challenge_id})
        return found

    def insert(
        self, *, challenge_id: str, end_user_id: str, values: dict[str, Any]
    ) -> ChallengeEntryRow:
        """The player's first entry, with ``values`` (unset columns ``NULL``, not placed): one
        INSERT, no unit of work; the row returned stays out of the session."""
        row = {
            **dict.fromkeys(_ENTRY_COLUMNS),
            "challenge_id": challenge_id,
            "end_user_id": end_user_id,
            "placed": False,
            **values,
        }
        self.session.execute(_INSERT_ENTRY, row)
        return detached(ChallengeEntryRow, row)

    def update(self, entry: ChallengeEntryRow, changes: dict[str, Any]) -> None:
        """One UPDATE of the loaded ``entry`` with ``changes``, also set on ``entry``."""
        values = {name: changes.get(name, getattr(entry, name)) for name in _ENTRY_VALUES}
        self.session.execute(
            _UPDATE_ENTRY,
            {
                "key_challenge_id": entry.challenge_id,
                "key_end_user_id": entry.end_user_id,
                **values,
            },
        )
        for name, value in changes.items():
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
