"""Fair-play settings: hidden and banned players, and each challenge's freeze and limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, String, Table, bindparam, or_, select
from sqlalchemy.orm import Session

from podium.store.collection_tables import ChallengeRulesRow, PlayerFlagsRow

# Built once: it runs with every attempt that betters a player's best.
_flags = cast(Table, PlayerFlagsRow.__table__).c
_INVISIBLE = select(_flags.end_user_id).where(
    _flags.tenant_id == bindparam("tenant_id", type_=String),
    or_(_flags.hidden.is_(True), _flags.banned.is_(True)),
)


class PlayerFlagRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, *, tenant_id: str, end_user_id: str) -> PlayerFlagsRow | None:
        return self.session.get(PlayerFlagsRow, (tenant_id, end_user_id))

    def upsert(
        self,
        *,
        tenant_id: str,
        end_user_id: str,
        hidden: bool | None,
        banned: bool | None,
        now_ms: int,
    ) -> PlayerFlagsRow:
        row = self.find(tenant_id=tenant_id, end_user_id=end_user_id)
        if row is None:
            row = PlayerFlagsRow(
                tenant_id=tenant_id,
                end_user_id=end_user_id,
                hidden=False,
                banned=False,
                updated_at=now_ms,
            )
            self.session.add(row)
        if hidden is not None:
            row.hidden = hidden
        if banned is not None:
            row.banned = banned
        row.updated_at = now_ms
        self.session.flush()
        return row

    def invisible(self, *, tenant_id: str) -> list[str]:
        """The players of the tenant the public must not see (hidden or banned)."""
        return list(self.session.scalars(_INVISIBLE, {"tenant_id": tenant_id}))

    def list(self, *, tenant_id: str, limit: int, offset: int) -> Sequence[PlayerFlagsRow]:
        return list(
            self.session.scalars(
                select(PlayerFlagsRow)
                .where(PlayerFlagsRow.tenant_id == tenant_id)
                .order_by(PlayerFlagsRow.end_user_id)
                .limit(limit)
                .offset(offset)
            )
        )


@dataclass(frozen=True, slots=True)
class AttemptRules:
    """What fair play checks an attempt against: the player's ban, the challenge's rules."""

    banned: bool
    rules_tenant_id: str | None  # None: the challenge has no rules
    freeze_at: int | None
    max_attempts_per_player: int | None
    max_attempts_per_day: int | None
    max_attempts_per_minute: int | None


def _attempt_rules_statement() -> Select[Any]:
    # Core columns: an ORM-enabled statement costs more CPU to run than SQLite takes.
    rules = cast(Table, ChallengeRulesRow.__table__).c
    flags = cast(Table, PlayerFlagsRow.__table__).c
    challenge_id = bindparam("challenge_id", type_=String)

    def rule(column: Any) -> Any:
        return select(column).where(rules.challenge_id == challenge_id).scalar_subquery()

    banned = select(flags.banned).where(
        flags.tenant_id == bindparam("tenant_id", type_=String),
        flags.end_user_id == bindparam("end_user_id", type_=String),
    )
    return select(
        banned.scalar_subquery(),
        *(
            rule(column)
            for column in (
                rules.tenant_id,
                rules.freeze_at,
                rules.max_attempts_per_player,
                rules.max_attempts_per_day,
                rules.max_attempts_per_minute,
            )
        ),
    )


_ATTEMPT_RULES = _attempt_rules_statement()  # built once: it runs twice per attempt


class ChallengeRulesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_attempt(self, *, tenant_id: str, challenge_id: str, end_user_id: str) -> AttemptRules:
        """The player's ban flag and the challenge's rules, in one statement."""
        found = self.session.execute(
            _ATTEMPT_RULES,
            {"tenant_id": tenant_id, "challenge_id": challenge_id, "end_user_id": end_user_id},
        ).one()
        return AttemptRules(bool(found[0]), *found[1:])

    def find(self, challenge_id: str) -> ChallengeRulesRow | None:
        return self.session.get(ChallengeRulesRow, challenge_id)

    def for_challenges(self, challenge_ids: Sequence[str]) -> dict[str, ChallengeRulesRow]:
        rows = self.session.scalars(
            select(ChallengeRulesRow).where(ChallengeRulesRow.challenge_id.in_(list(challenge_ids)))
        )
        return {row.challenge_id: row for row in rows}

    def save(self, row: ChallengeRulesRow) -> ChallengeRulesRow:
        merged = self.session.merge(row)
        self.session.flush()
        return merged

    def delete(self, challenge_id: str) -> None:
        row = self.find(challenge_id)
        if row is not None:
            self.session.delete(row)
            self.session.flush()
