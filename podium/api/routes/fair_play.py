"""Fair play: hide or ban a player; a challenge's freeze and attempt limits."""

from __future__ import annotations

from fastapi import APIRouter

from podium.api.deps import AdminDep, DatabaseDep, NowDep, ReadDep
from podium.schemas.fair_play import (
    ChallengeRulesIn,
    ChallengeRulesOut,
    PlayerFlagsOut,
    PlayerFlagsUpdate,
)
from podium.services import fair_play as service

router = APIRouter(tags=["fair play"])


@router.patch("/api/players/{end_user_id}")
def set_player_flags(
    end_user_id: str,
    changes: PlayerFlagsUpdate,
    db: DatabaseDep,
    now_ms: NowDep,
    principal: AdminDep,
) -> PlayerFlagsOut:
    row = service.set_player_flags(
        db,
        tenant_id=principal.tenant_id,
        end_user_id=end_user_id,
        changes=changes,
        now_ms=now_ms,
    )
    return PlayerFlagsOut.from_row(row)


@router.get("/api/challenges/{challenge_id}/rules")
def get_challenge_rules(
    challenge_id: str, db: DatabaseDep, now_ms: NowDep, principal: ReadDep
) -> ChallengeRulesOut:
    row = service.get_challenge_rules(db, tenant_id=principal.tenant_id, challenge_id=challenge_id)
    return ChallengeRulesOut.from_row(row, challenge_id=challenge_id, now_ms=now_ms)


@router.put("/api/challenges/{challenge_id}/rules")
def set_challenge_rules(
    challenge_id: str,
    spec: ChallengeRulesIn,
    db: DatabaseDep,
    now_ms: NowDep,
    principal: AdminDep,
) -> ChallengeRulesOut:
    row = service.set_challenge_rules(
        db, tenant_id=principal.tenant_id, challenge_id=challenge_id, spec=spec, now_ms=now_ms
    )
    return ChallengeRulesOut.from_row(row, challenge_id=challenge_id, now_ms=now_ms)
