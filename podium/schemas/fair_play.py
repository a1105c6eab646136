"""Request and response shapes of fair-play controls: player flags and challenge rules."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from podium.domain.timestamps import from_ms
from podium.schemas.common import Instant, ResponseModel, StrictModel
from podium.store.collection_tables import ChallengeRulesRow, PlayerFlagsRow

Limit = Annotated[int, Field(ge=1, le=1_000_000)]


class PlayerFlagsUpdate(StrictModel):
    """``tenant_id`` may be given; it must then be the tenant of the key."""

    tenant_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    hidden: bool | None = None
    banned: bool | None = None


class PlayerFlagsOut(ResponseModel):
    tenant_id: str
    end_user_id: str
    hidden: bool
    banned: bool
    updated_at: Instant

    @classmethod
    def from_row(cls, row: PlayerFlagsRow) -> PlayerFlagsOut:
        return cls(
            tenant_id=row.tenant_id,
            end_user_id=row.end_user_id,
            hidden=row.hidden,
            banned=row.banned,
            updated_at=from_ms(row.updated_at),
        )


class ChallengeRulesIn(StrictModel):
    """The whole fair-play settings of a challenge (a field left out is cleared)."""

    freeze_at: Instant | None = None
    max_attempts_per_player: Limit | None = None
    max_attempts_per_day: Limit | None = None
    max_attempts_per_minute: Limit | None = None


class ChallengeRulesOut(ResponseModel):
    challenge_id: str
    freeze_at: Instant | None
    frozen: bool
    max_attempts_per_player: int | None
    max_attempts_per_day: int | None
    max_attempts_per_minute: int | None

    @classmethod
    def from_row(
        cls, row: ChallengeRulesRow | None, *, challenge_id: str, now_ms: int
    ) -> ChallengeRulesOut:
        freeze = row.freeze_at if row is not None else None
        return cls(
            challenge_id=challenge_id,
            freeze_at=None if freeze is None else from_ms(freeze),
            frozen=freeze is not None and now_ms >= freeze,
            max_attempts_per_player=row.max_attempts_per_player if row else None,
            max_attempts_per_day=row.max_attempts_per_day if row else None,
            max_attempts_per_minute=row.max_attempts_per_minute if row else None,
        )
