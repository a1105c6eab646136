"""Where fair play and events hook into challenges.

- ``ATTEMPT_LISTENERS`` run inside the transaction that records an attempt (see
  ``services.challenges.record_attempt``): first the fair-play check (a banned player or an
  attempt over a limit raises, and the attempt is rolled back, never stored), then event
  detection and the solve order of dynamic values.
- ``submit_attempt`` is how an attempt enters Podium (the API route, the demo):
  ``record_attempt`` with the fair-play pre-check (run in its read of the challenge, before
  scoring; skipped for a player recently found clear, ``AttemptClearances``) and those
  listeners.
- ``fair_challenge_leaderboard`` is the public challenge leaderboard when fair play changes it
  (hidden or banned players, a freeze): computed from the attempts the reader may see, with
  the same strategies and tie rules as the stored standings, and cached per challenge revision.
  It returns ``None`` when nothing changes the stored standings, which are then read as they are.
"""

from __future__ import annotations

from collections.abc import Hashable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from podium.domain.challenges import ScoringStrategy, Standing, standings
from podium.domain.freeze import visible_before
from podium.domain.timestamps import from_ms
from podium.errors import ForbiddenError, NotFoundError, TooManyAttemptsError
from podium.schemas.challenges import AttemptCreate, LeaderboardOut, StandingOut
from podium.services.attempt_scoring import AttemptScorer
from podium.services.challenge_events import on_attempt_recorded
from podium.services.challenges import (
    AttemptListener,
    RecordedAttempt,
    outcome_of,
    record_attempt,
)
from podium.services.fair_play import ATTEMPT_CLEARANCES, enforce_attempt_rules
from podium.services.read_cache import BoundedCache
from podium.store.challenge_tables import ChallengeAttemptRow, ChallengeRow
from podium.store.challenges import ChallengeRepository
from podium.store.collection_tables import PlayerFlagsRow
from podium.store.database import Database
from podium.store.fair_play import ChallengeRulesRepository, PlayerFlagRepository


def refuse_barred_attempt(session: Session, recorded: RecordedAttempt) -> None:
    enforce_attempt_rules(session, attempt=recorded.attempt, now_ms=recorded.attempt.recorded_at)


ATTEMPT_LISTENERS: tuple[AttemptListener, ...] = (refuse_barred_attempt, on_attempt_recorded)


def submit_attempt(
    db: Database,
    *,
    tenant_id: str,
    challenge_id: str,
    spec: AttemptCreate,
    scorer: AttemptScorer,
    now_ms: int,
    max_clock_skew_ms: int,
    clearance_ms: int = 0,
) -> RecordedAttempt:
    """Record one attempt with fair play and events: a banned player or an attempt over a limit
    is refused when it is stored, exactly, and, when a scorer plugin would score it, already
    before (no plugin time spent).

    That precheck is skipped for a player found clear on the challenge less than
    ``clearance_ms`` ago (``PODIUM_ATTEMPT_CLEARANCE_MS`` in the API; 0: never skipped), see
    ``AttemptClearances``.
    """
    try:
        return record_attempt(
            db,
            tenant_id=tenant_id,
            challenge_id=challenge_id,
            spec=spec,
            scorer=scorer,
            now_ms=now_ms,
            max_clock_skew_ms=max_clock_skew_ms,
            listeners=ATTEMPT_LISTENERS,
            prechecks=(ATTEMPT_CLEARANCES.precheck(db, max_age_ms=clearance_ms),),
        )
    except (ForbiddenError, TooManyAttemptsError):
        # Refused under the lock, maybe for a ban or limits another process set since the
        # player was found clear: their next attempt is checked before its plugin runs again.
        ATTEMPT_CLEARANCES.forget(
            ATTEMPT_CLEARANCES.key(
                db, tenant_id=tenant_id, challenge_id=challenge_id, end_user_id=spec.end_user_id
            )
        )
        raise


_cache: BoundedCache[Hashable, list[Standing]] = BoundedCache(256)


def _visible_standings(
    session: Session,
    challenge: ChallengeRow,
    *,
    bound: int | None,
    hidden: list[str],
) -> list[Standing]:
    flags = session.execute(
        select(func.count(), func.max(PlayerFlagsRow.updated_at)).where(
            PlayerFlagsRow.tenant_id == challenge.tenant_id
        )
    ).one()
    key = (
        challenge.id,
        challenge.revision,
        challenge.updated_at,
        bound,
        tuple(flags),
        tuple(hidden),
    )

    def read() -> list[Standing]:
        table = ChallengeAttemptRow
        query = select(table).where(table.challenge_id == challenge.id)
        if bound is not None:
            query = query.where(table.created_at < bound)
        if hidden:
            query = query.where(table.end_user_id.not_in(hidden))
        return standings(
            ScoringStrategy(challenge.scoring_strategy),
            (outcome_of(row) for row in session.scalars(query)),
        )

    return _cache.get_or_load(key, read)


def fair_challenge_leaderboard(
    db: Database,
    *,
    tenant_id: str,
    challenge_id: str,
    is_admin: bool,
    live: bool,
    now_ms: int,
    limit: int,
    offset: int,
) -> LeaderboardOut | None:
    with db.read() as session:
        challenge = ChallengeRepository(session).find(challenge_id, tenant_id=tenant_id)
        if challenge is None or not (challenge.is_active or is_admin):
            raise NotFoundError("challenge", challenge_id)
        rules = ChallengeRulesRepository(session).find(challenge.id)
        bound = visible_before(
            rules.freeze_at if rules else None, now_ms=now_ms, live=live and is_admin
        )
        hidden = [] if is_admin else PlayerFlagRepository(session).invisible(tenant_id=tenant_id)
        if bound is None and not hidden:
            return None
        found = _visible_standings(session, challenge, bound=bound, hidden=sorted(hidden))
    strategy = ScoringStrategy(challenge.scoring_strategy)
    return LeaderboardOut(
        challenge_id=challenge.id,
        scoring_strategy=strategy,
        metric=strategy.metric,
        higher_is_better=strategy.higher_is_better,
        revision=challenge.revision,
        total=len(found),
        limit=limit,
        offset=offset,
        entries=[
            StandingOut(
                rank=standing.rank,
                end_user_id=standing.end_user_id,
                value=standing.value,
                best_attempt_id=standing.best.attempt_id,
                best_attempt_at=from_ms(standing.best.created_at),
                attempts=standing.attempts,
                first_success_at=None
                if standing.first_success_at is None
                else from_ms(standing.first_success_at),
            )
            for standing in found[offset : offset + limit]
        ],
    )
