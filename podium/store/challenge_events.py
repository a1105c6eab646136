"""Challenge events, written at most once each, and the solve order of each challenge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Select, String, Table, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from podium.domain.challenge_events import EventDraft, EventType
from podium.store.collection_tables import ChallengeEventRow, ChallengeSolveRow
from podium.store.database import dialect_insert


# The statements of an attempt that betters a player's best, built once (building and keying a
# statement costs more CPU than running it).
def _latest_record(*, excluding: bool) -> Select[ChallengeEventRow]:
    events = ChallengeEventRow
    query = select(events).where(
        events.challenge_id == bindparam("challenge_id", type_=String),
        events.type.in_([EventType.FIRST_BLOOD, EventType.RECORD_BEATEN]),
    )
    if excluding:
        query = query.where(events.end_user_id.not_in(bindparam("excluding", expanding=True)))
    return query.order_by(events.id.desc()).limit(1)


_LATEST_RECORD = _latest_record(excluding=False)
_LATEST_RECORD_EXCLUDING = _latest_record(excluding=True)
_solves = cast(Table, ChallengeSolveRow.__table__)
_SOLVE_CHALLENGE = bindparam("challenge_id", type_=String)
# The last position given and the player's own, if any: two reads of an index each (the
# unique ``(challenge_id, position)`` and the primary key), where a count would read every
# solve of the challenge.
_SOLVES = select(
    select(_solves.c.position)
    .where(_solves.c.challenge_id == _SOLVE_CHALLENGE)
    .order_by(_solves.c.position.desc())
    .limit(1)
    .scalar_subquery(),
    select(_solves.c.position)
    .where(
        _solves.c.challenge_id == _SOLVE_CHALLENGE,
        _solves.c.end_user_id == bindparam("end_user_id", type_=String),
    )
    .scalar_subquery(),
)
_ADD_SOLVE = {
    name: dialect.insert(_solves).on_conflict_do_nothing().returning(_solves.c.position)
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}


class ChallengeEventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_once(self, draft: EventDraft, *, tenant_id: str, recorded_at: int) -> int | None:
        """Store the event unless one with its ``dedupe_key`` exists; its id, or ``None``."""
        statement = (
            dialect_insert(self.session, ChallengeEventRow)
            .values(
                tenant_id=tenant_id,
                challenge_id=draft.challenge_id,
                type=draft.type.value,
                end_user_id=draft.end_user_id,
                dedupe_key=draft.dedupe_key,
                occurred_at=draft.occurred_at,
                recorded_at=recorded_at,
                payload=draft.payload,
            )
            .on_conflict_do_nothing(index_elements=["challenge_id", "dedupe_key"])
            .returning(ChallengeEventRow.id)
        )
        found = self.session.execute(statement).scalar_one_or_none()
        return int(found) if found is not None else None

    def latest_record(
        self, challenge_id: str, *, excluding: Sequence[str] = ()
    ) -> ChallengeEventRow | None:
        """The last event that set the challenge's record (first blood or record beaten),
        leaving out records held by the players ``excluding``."""
        return self.session.scalar(
            _LATEST_RECORD_EXCLUDING if excluding else _LATEST_RECORD,
            {"challenge_id": challenge_id, "excluding": list(excluding)}
            if excluding
            else {"challenge_id": challenge_id},
        )

    def list(
        self,
        *,
        tenant_id: str,
        challenge_id: str | None = None,
        types: Sequence[str] = (),
        since: int | None = None,
        after_id: int | None = None,
        hidden_players: Sequence[str] = (),
        limit: int,
    ) -> list[ChallengeEventRow]:
        query = select(ChallengeEventRow).where(ChallengeEventRow.tenant_id == tenant_id)
        if challenge_id is not None:
            query = query.where(ChallengeEventRow.challenge_id == challenge_id)
        if types:
            query = query.where(ChallengeEventRow.type.in_(list(types)))
        if since is not None:
            query = query.where(ChallengeEventRow.occurred_at >= since)
        if after_id is not None:
            query = query.where(ChallengeEventRow.id > after_id)
        if hidden_players:
            query = query.where(ChallengeEventRow.end_user_id.not_in(list(hidden_players)))
        return list(self.session.scalars(query.order_by(ChallengeEventRow.id).limit(limit)))

    def get(self, event_id: int) -> ChallengeEventRow | None:
        return self.session.get(ChallengeEventRow, event_id)


class SolveRepository:
    """Who solved a challenge in which order (``position`` 0 for the first solver)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, *, challenge_id: str, end_user_id: str) -> ChallengeSolveRow | None:
        return self.session.get(ChallengeSolveRow, (challenge_id, end_user_id))

    def count(self, challenge_id: str) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(ChallengeSolveRow)
                .where(ChallengeSolveRow.challenge_id == challenge_id)
            )
            or 0
        )

    def add_next(
        self, *, challenge_id: str, end_user_id: str, attempt_id: int, solved_at: int
    ) -> bool:
        """Give the player the position after the last one given; ``False`` when they have one
        already or another writer took it."""
        last, own = self.session.execute(
            _SOLVES, {"challenge_id": challenge_id, "end_user_id": end_user_id}
        ).one()
        if own is not None:
            return False
        position = 0 if last is None else last + 1
        dialect = self.session.get_bind().dialect.name
        found = self.session.execute(
            _ADD_SOLVE[dialect],
            {
                "challenge_id": challenge_id,
                "end_user_id": end_user_id,
                "position": position,
                "attempt_id": attempt_id,
                "solved_at": solved_at,
            },
        )
        return found.scalar_one_or_none() is not None

    def positions(self, challenge_ids: Sequence[str]) -> dict[tuple[str, str], int]:
        rows = self.session.execute(
            select(
                ChallengeSolveRow.challenge_id,
                ChallengeSolveRow.end_user_id,
                ChallengeSolveRow.position,
            ).where(ChallengeSolveRow.challenge_id.in_(list(challenge_ids)))
        )
        return {(row.challenge_id, row.end_user_id): row.position for row in rows}
