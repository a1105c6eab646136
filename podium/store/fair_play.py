"""Fair-play settings: hidden and banned players, and each challenge's freeze and limits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from podium.store.collection_tables import ChallengeRulesRow, PlayerFlagsRow


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
        return list(
            self.session.scalars(
                select(PlayerFlagsRow.end_user_id).where(
                    PlayerFlagsRow.tenant_id == tenant_id,
                    or_(PlayerFlagsRow.hidden.is_(True), PlayerFlagsRow.banned.is_(True)),
                )
            )
        )

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


class ChallengeRulesRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

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
