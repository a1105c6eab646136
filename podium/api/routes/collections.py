"""Collections: create, list, read, change, delete; their challenges; their leaderboard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from podium.api.deps import (
    AdminDep,
    DatabaseDep,
    Limit,
    NowDep,
    Offset,
    ReadDep,
    SettingsDep,
    capped_limit,
)
from podium.domain.access import Role
from podium.domain.collections import CollectionStrategy
from podium.domain.timestamps import from_ms
from podium.schemas.collections import (
    ChallengeBestOut,
    CollectionChallengesIn,
    CollectionCreate,
    CollectionLeaderboardOut,
    CollectionOut,
    CollectionStandingOut,
    CollectionUpdate,
)
from podium.services import collections as service
from podium.services.collections import CollectionScorer

router = APIRouter(prefix="/api/collections", tags=["collections"])


def get_collection_scorer(settings: SettingsDep) -> CollectionScorer:
    return CollectionScorer.for_settings(settings)


ScorerDep = Annotated[CollectionScorer, Depends(get_collection_scorer)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_collection(
    spec: CollectionCreate, db: DatabaseDep, scorer: ScorerDep, now_ms: NowDep, principal: AdminDep
) -> CollectionOut:
    row, challenge_ids = service.create_collection(
        db, tenant_id=principal.tenant_id, spec=spec, now_ms=now_ms, scorer=scorer
    )
    return CollectionOut.from_row(row, challenge_ids)


@router.get("")
def list_collections(
    db: DatabaseDep,
    settings: SettingsDep,
    principal: ReadDep,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[CollectionOut]:
    found = service.list_collections(
        db, tenant_id=principal.tenant_id, limit=capped_limit(limit, settings), offset=offset
    )
    return [CollectionOut.from_row(row, challenge_ids) for row, challenge_ids in found]


@router.get("/{collection_id}")
def get_collection(collection_id: str, db: DatabaseDep, principal: ReadDep) -> CollectionOut:
    row, challenge_ids = service.get_collection(
        db, tenant_id=principal.tenant_id, collection_id=collection_id
    )
    return CollectionOut.from_row(row, challenge_ids)


@router.patch("/{collection_id}")
def update_collection(
    collection_id: str,
    changes: CollectionUpdate,
    db: DatabaseDep,
    scorer: ScorerDep,
    now_ms: NowDep,
    principal: AdminDep,
) -> CollectionOut:
    row, challenge_ids = service.update_collection(
        db,
        tenant_id=principal.tenant_id,
        collection_id=collection_id,
        changes=changes,
        now_ms=now_ms,
        scorer=scorer,
    )
    return CollectionOut.from_row(row, challenge_ids)


@router.delete("/{collection_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_collection(collection_id: str, db: DatabaseDep, principal: AdminDep) -> Response:
    service.delete_collection(db, tenant_id=principal.tenant_id, collection_id=collection_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/{collection_id}/challenges")
def set_collection_challenges(
    collection_id: str,
    spec: CollectionChallengesIn,
    db: DatabaseDep,
    now_ms: NowDep,
    principal: AdminDep,
) -> CollectionOut:
    row, challenge_ids = service.set_collection_challenges(
        db,
        tenant_id=principal.tenant_id,
        collection_id=collection_id,
        challenge_ids=spec.challenge_ids,
        now_ms=now_ms,
    )
    return CollectionOut.from_row(row, challenge_ids)


@router.get("/{collection_id}/leaderboard")
def collection_leaderboard(
    collection_id: str,
    db: DatabaseDep,
    settings: SettingsDep,
    now_ms: NowDep,
    principal: ReadDep,
    scorer: ScorerDep,
    limit: Limit = 100,
    offset: Offset = 0,
    live: Annotated[
        bool, Query(description="Admins only: the live standings, ignoring any freeze.")
    ] = False,
) -> CollectionLeaderboardOut:
    is_admin = principal.may(Role.ADMIN)
    board = service.collection_leaderboard(
        db,
        tenant_id=principal.tenant_id,
        collection_id=collection_id,
        is_admin=is_admin,
        live=live,
        now_ms=now_ms,
        scorer=scorer,
    )
    page = board.standings[offset : offset + capped_limit(limit, settings)]
    return CollectionLeaderboardOut(
        collection_id=board.collection.id,
        strategy=CollectionStrategy(board.collection.strategy),
        challenge_ids=board.challenge_ids,
        frozen=board.frozen,
        as_of=None if board.as_of is None else from_ms(board.as_of),
        total=len(board.standings),
        limit=limit,
        offset=offset,
        standings=[
            CollectionStandingOut(
                rank=standing.rank,
                end_user_id=standing.end_user_id,
                aggregate=standing.aggregate,
                challenges_completed=standing.completed,
                reached_at=from_ms(standing.reached_at),
                hidden=standing.end_user_id in board.hidden,
                bests=[
                    ChallengeBestOut(
                        challenge_id=best.challenge_id,
                        attempt_id=best.attempt_id,
                        created_at=from_ms(best.created_at),
                        score=best.score,
                        elapsed_ms=best.elapsed_ms,
                        tokens_total=best.tokens_total,
                        rating=best.rating,
                        value=best.value,
                    )
                    for best in standing.bests
                ],
            )
            for standing in page
        ],
    )
