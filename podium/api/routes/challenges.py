"""Challenges: create, list, read, change, delete; record attempts; the leaderboard.

Everything is scoped by the tenant of the caller's key. Players (``read`` and ``ingest`` keys)
do not see inactive challenges; admins do.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status
from starlette.concurrency import run_in_threadpool

from podium.api.deps import (
    AdminDep,
    DatabaseDep,
    IngestDep,
    Limit,
    NowDep,
    Offset,
    ReadDep,
    SettingsDep,
    capped_limit,
)
from podium.domain.access import Role
from podium.domain.challenges import ScoringStrategy
from podium.domain.timestamps import from_ms
from podium.schemas.challenges import (
    AttemptCreate,
    AttemptOut,
    ChallengeCreate,
    ChallengeOut,
    ChallengeUpdate,
    LeaderboardOut,
    StandingOut,
)
from podium.services import challenges as service
from podium.services.attempt_hooks import fair_challenge_leaderboard, submit_attempt
from podium.services.attempt_scoring import AttemptScorer

router = APIRouter(prefix="/api/challenges", tags=["challenges"])


async def get_attempt_scorer(settings: SettingsDep) -> AttemptScorer:
    # async: it never blocks, and a sync dependency would cost each POST a hop to the
    # threadpool and back before the route's own.
    return AttemptScorer.for_settings(settings)


ScorerDep = Annotated[AttemptScorer, Depends(get_attempt_scorer)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_challenge(
    spec: ChallengeCreate, db: DatabaseDep, scorer: ScorerDep, now_ms: NowDep, principal: AdminDep
) -> ChallengeOut:
    row = service.create_challenge(
        db, tenant_id=principal.tenant_id, spec=spec, now_ms=now_ms, scorer=scorer
    )
    return ChallengeOut.from_row(row)


@router.get("")
def list_challenges(
    db: DatabaseDep,
    settings: SettingsDep,
    principal: ReadDep,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[ChallengeOut]:
    rows = service.list_challenges(
        db,
        tenant_id=principal.tenant_id,
        include_inactive=principal.may(Role.ADMIN),
        limit=capped_limit(limit, settings),
        offset=offset,
    )
    return [ChallengeOut.from_row(row) for row in rows]


@router.get("/{challenge_id}")
def get_challenge(challenge_id: str, db: DatabaseDep, principal: ReadDep) -> ChallengeOut:
    row = service.get_challenge(
        db,
        tenant_id=principal.tenant_id,
        challenge_id=challenge_id,
        include_inactive=principal.may(Role.ADMIN),
    )
    return ChallengeOut.from_row(row)


@router.patch("/{challenge_id}")
def update_challenge(
    challenge_id: str,
    changes: ChallengeUpdate,
    db: DatabaseDep,
    scorer: ScorerDep,
    now_ms: NowDep,
    principal: AdminDep,
) -> ChallengeOut:
    row = service.update_challenge(
        db,
        tenant_id=principal.tenant_id,
        challenge_id=challenge_id,
        changes=changes,
        now_ms=now_ms,
        scorer=scorer,
    )
    return ChallengeOut.from_row(row)


@router.delete("/{challenge_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_challenge(challenge_id: str, db: DatabaseDep, principal: AdminDep) -> Response:
    service.delete_challenge(db, tenant_id=principal.tenant_id, challenge_id=challenge_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{challenge_id}/attempts", status_code=status.HTTP_201_CREATED, response_model=AttemptOut
)
async def record_attempt(
    challenge_id: str,
    spec: AttemptCreate,
    db: DatabaseDep,
    settings: SettingsDep,
    scorer: ScorerDep,
    now_ms: NowDep,
    principal: IngestDep,
) -> Response:
    """Score the attempt now; the response has its score and the player's new rank."""

    def recorded_json() -> bytes:
        # Fair play and events: podium.services.attempt_hooks.
        recorded = submit_attempt(
            db,
            tenant_id=principal.tenant_id,
            challenge_id=challenge_id,
            spec=spec,
            scorer=scorer,
            now_ms=now_ms,
            max_clock_skew_ms=round(settings.max_clock_skew * 1000),
            clearance_ms=settings.attempt_clearance_ms,
        )
        return AttemptOut.json_of_row(recorded.attempt, rank=recorded.rank)

    # One trip to the thread pool for the service and the body: a sync route would take a
    # second one for FastAPI's validation of the response model.
    body = await run_in_threadpool(recorded_json)
    return Response(body, status_code=status.HTTP_201_CREATED, media_type="application/json")


@router.get("/{challenge_id}/attempts")
def list_attempts(
    challenge_id: str,
    db: DatabaseDep,
    settings: SettingsDep,
    principal: ReadDep,
    end_user_id: Annotated[str | None, Query(max_length=128)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[AttemptOut]:
    rows = service.list_attempts(
        db,
        tenant_id=principal.tenant_id,
        challenge_id=challenge_id,
        include_inactive=principal.may(Role.ADMIN),
        end_user_id=end_user_id,
        limit=capped_limit(limit, settings),
        offset=offset,
    )
    return [AttemptOut.from_row(row) for row in rows]


@router.get(
    "/{challenge_id}/leaderboard",
    response_model=LeaderboardOut,
    responses={304: {"description": "Not modified since the ETag given in If-None-Match"}},
)
def challenge_leaderboard(
    challenge_id: str,
    db: DatabaseDep,
    settings: SettingsDep,
    principal: ReadDep,
    response: Response,
    now_ms: NowDep,
    limit: Limit = 100,
    offset: Offset = 0,
    if_none_match: Annotated[str | None, Header()] = None,
    live: Annotated[
        bool, Query(description="Admins only: the live board, ignoring a freeze.")
    ] = False,
) -> LeaderboardOut | Response:
    """The standings; the ETag changes with each recorded attempt (304 when unchanged)."""
    # Fair play (podium.services.attempt_hooks): hidden players and freezes change the public
    # board, which is then computed apart (without an ETag: it moves with flags and freezes).
    fair = fair_challenge_leaderboard(
        db,
        tenant_id=principal.tenant_id,
        challenge_id=challenge_id,
        is_admin=principal.may(Role.ADMIN),
        live=live,
        now_ms=now_ms,
        limit=capped_limit(limit, settings),
        offset=offset,
    )
    if fair is not None:
        return fair
    board = service.challenge_leaderboard(
        db,
        tenant_id=principal.tenant_id,
        challenge_id=challenge_id,
        include_inactive=principal.may(Role.ADMIN),
        limit=capped_limit(limit, settings),
        offset=offset,
    )
    etag = f'"{board.challenge.id}-{board.challenge.revision}-{limit}-{offset}"'
    if if_none_match == etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    response.headers["ETag"] = etag
    strategy = ScoringStrategy(board.challenge.scoring_strategy)
    return LeaderboardOut(
        challenge_id=board.challenge.id,
        scoring_strategy=strategy,
        metric=strategy.metric,
        higher_is_better=strategy.higher_is_better,
        revision=board.challenge.revision,
        total=board.total,
        limit=board.limit,
        offset=board.offset,
        entries=[
            StandingOut(
                rank=ranked.rank,
                end_user_id=ranked.entry.end_user_id,
                value=ranked.entry.best_value,
                best_attempt_id=ranked.entry.best_attempt_id or 0,
                best_attempt_at=from_ms(ranked.entry.best_created_at or 0),
                attempts=ranked.entry.attempts,
                first_success_at=None
                if ranked.entry.first_success_at is None
                else from_ms(ranked.entry.first_success_at),
            )
            for ranked in board.standings
        ],
    )
