"""Fair play: hidden and banned players, each challenge's freeze, and attempt limits.

- A hidden or banned player vanishes from public challenge leaderboards, collection
  leaderboards and event listings, and never triggers an event; their attempts are kept and
  admins still see them. A banned player's new attempts are refused (403); a hidden one may go
  on playing (staff, test accounts).
- A challenge's rules hold its ``freeze_at`` and attempt limits. ``enforce_attempt_rules`` runs
  inside the transaction that records an attempt, after the attempt was added and while the
  challenge's row is locked (attempts of one challenge are recorded in turn), so counts are
  exact; raising there rolls the attempt back: a refused attempt is never stored.
- ``AttemptClearances`` lets the precheck before a scorer plugin (``precheck_attempt``) skip the
  store for a player it recently found clear on a challenge: not banned, and no attempt limits.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from podium.domain.attempt_limits import MINUTE_MS, AttemptLimits, check_attempt, utc_day_start
from podium.domain.freeze import visible_before
from podium.errors import ForbiddenError, TooManyAttemptsError
from podium.schemas.common import instant_ms
from podium.schemas.fair_play import ChallengeRulesIn, PlayerFlagsUpdate
from podium.services.challenges import AttemptPrecheck, PendingAttempt
from podium.services.read_cache import BoundedCache
from podium.store.challenge_tables import ChallengeAttemptRow
from podium.store.challenges import ChallengeRepository
from podium.store.collection_tables import ChallengeRulesRow, PlayerFlagsRow
from podium.store.database import Database
from podium.store.fair_play import AttemptRules, ChallengeRulesRepository, PlayerFlagRepository


def set_player_flags(
    db: Database, *, tenant_id: str, end_user_id: str, changes: PlayerFlagsUpdate, now_ms: int
) -> PlayerFlagsRow:
    if changes.tenant_id is not None and changes.tenant_id != tenant_id:
        raise ForbiddenError(
            f"tenant_id: the key belongs to tenant {tenant_id!r}, not {changes.tenant_id!r}"
        )
    with db.write() as session:
        row = PlayerFlagRepository(session).upsert(
            tenant_id=tenant_id,
            end_user_id=end_user_id,
            hidden=changes.hidden,
            banned=changes.banned,
            now_ms=now_ms,
        )
        visible = not (row.hidden or row.banned)
        solved = list(
            session.scalars(
                select(ChallengeAttemptRow.challenge_id)
                .where(
                    ChallengeAttemptRow.tenant_id == tenant_id,
                    ChallengeAttemptRow.end_user_id == end_user_id,
                    ChallengeAttemptRow.succeeded.is_(True),
                )
                .distinct()
            )
        )
    if changes.banned is not None:
        ATTEMPT_CLEARANCES.clear()
    if visible:
        # A player shown again may hold a record nobody was told about: publish it now.
        from podium.services.challenge_events import publish_challenge_events

        for challenge_id in solved:
            publish_challenge_events(
                db, tenant_id=tenant_id, challenge_id=challenge_id, now_ms=now_ms
            )
    return row


def invisible_players(session: Session, *, tenant_id: str) -> list[str]:
    return PlayerFlagRepository(session).invisible(tenant_id=tenant_id)


def get_challenge_rules(
    db: Database, *, tenant_id: str, challenge_id: str
) -> ChallengeRulesRow | None:
    with db.read() as session:
        ChallengeRepository(session).get(challenge_id, tenant_id=tenant_id)
        return ChallengeRulesRepository(session).find(challenge_id)


def set_challenge_rules(
    db: Database, *, tenant_id: str, challenge_id: str, spec: ChallengeRulesIn, now_ms: int
) -> ChallengeRulesRow:
    with db.write() as session:
        ChallengeRepository(session).lock(challenge_id, tenant_id=tenant_id)
        row = ChallengeRulesRepository(session).save(
            ChallengeRulesRow(
                challenge_id=challenge_id,
                tenant_id=tenant_id,
                freeze_at=None if spec.freeze_at is None else instant_ms(spec.freeze_at),
                max_attempts_per_player=spec.max_attempts_per_player,
                max_attempts_per_day=spec.max_attempts_per_day,
                max_attempts_per_minute=spec.max_attempts_per_minute,
                updated_at=now_ms,
            )
        )
    ATTEMPT_CLEARANCES.clear()
    # Unfreezing (or moving the freeze later) publishes what the freeze held back.
    from podium.services.challenge_events import publish_challenge_events

    publish_challenge_events(db, tenant_id=tenant_id, challenge_id=challenge_id, now_ms=now_ms)
    return row


def challenge_bound(
    session: Session, *, challenge_id: str, now_ms: int, live: bool = False
) -> int | None:
    """The exclusive bound on ``created_at`` of the challenge's attempts a reader may see."""
    known = session.info.get(_rules_key(challenge_id))
    if isinstance(known, AttemptRules):
        freeze_at = known.freeze_at
    else:
        rules = ChallengeRulesRepository(session).find(challenge_id)
        freeze_at = rules.freeze_at if rules else None
    return visible_before(freeze_at, now_ms=now_ms, live=live)


def enforce_attempt_rules(session: Session, *, attempt: ChallengeAttemptRow, now_ms: int) -> None:
    """Refuse the just-added ``attempt`` of a banned player or over a limit (rolls it back)."""
    check_attempt_rules(
        session,
        tenant_id=attempt.tenant_id,
        challenge_id=attempt.challenge_id,
        end_user_id=attempt.end_user_id,
        now_ms=now_ms,
        exclude_attempt_id=attempt.id,
    )


def precheck_attempt(session: Session, pending: PendingAttempt) -> bool:
    """The same check before an attempt is scored (a precheck of ``record_attempt``), so that a
    refused attempt costs no scorer time; ``enforce_attempt_rules`` repeats it, exactly, when
    the attempt is stored. Returns whether the player was clear (``check_attempt_rules``)."""
    return check_attempt_rules(
        session,
        tenant_id=pending.tenant_id,
        challenge_id=pending.challenge_id,
        end_user_id=pending.end_user_id,
        now_ms=pending.now_ms,
        exclude_attempt_id=None,
    )


ClearanceKey = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class _Clearance:
    checked_at_s: float  # at the latest when the read that found the player clear began
    generation: int  # of the ``AttemptClearances`` then


class AttemptClearances:
    """Players recently found clear to attempt a challenge, by store, tenant, challenge and
    player, so that the precheck of their next attempt does no I/O (one process's memory).

    Clear: the player not banned and the challenge without attempt limits, so that neither a
    count nor the clock can refuse the next attempt. A refusal, or limits in play, is never
    kept: limits need the counts every time. A clearance holds for ``max_age_ms`` from before
    the read that found it, and no longer once this process changed a ban or a challenge's
    rules (``clear()``); another process's change is seen within ``max_age_ms``. It is only
    advisory: ``enforce_attempt_rules``, under the challenge's lock, is the check of record, so
    a ban set meanwhile elsewhere costs at most a plugin's run, never a stored attempt.
    """

    def __init__(
        self, max_entries: int = 10_000, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.monotonic = monotonic
        self._clearances: BoundedCache[ClearanceKey, _Clearance] = BoundedCache(max_entries)
        self._generations = itertools.count(1)
        self._generation = 0

    @staticmethod
    def key(db: Database, *, tenant_id: str, challenge_id: str, end_user_id: str) -> ClearanceKey:
        return (db.url, tenant_id, challenge_id, end_user_id)

    def precheck(self, db: Database, *, max_age_ms: int) -> AttemptPrecheck:
        """``precheck_attempt`` for an attempt to record in ``db`` now, skipped for a player
        cleared less than ``max_age_ms`` ago (0: never skipped)."""
        # Taken before the transaction the precheck runs in, whose snapshot may predate its
        # first statement (it may have read the challenge): a change of this process committed
        # meanwhile drops what that snapshot finds.
        generation, started_s = self._generation, self.monotonic()

        def precheck(session: Session, pending: PendingAttempt) -> None:
            key = self.key(
                db,
                tenant_id=pending.tenant_id,
                challenge_id=pending.challenge_id,
                end_user_id=pending.end_user_id,
            )
            if self._holds(key, max_age_ms=max_age_ms):
                return
            if precheck_attempt(session, pending) and max_age_ms > 0:
                self._clearances.put(key, _Clearance(started_s, generation))

        return precheck

    def _holds(self, key: ClearanceKey, *, max_age_ms: int) -> bool:
        found = self._clearances.get(key)
        if found is None or found.generation != self._generation:
            return False
        return 0 <= self.monotonic() - found.checked_at_s <= max_age_ms / 1000

    def forget(self, key: ClearanceKey) -> None:
        self._clearances.forget(key)

    def clear(self) -> None:
        """Forget every clearance, and any a precheck begun before finds."""
        self._generation = next(self._generations)
        self._clearances.clear()


ATTEMPT_CLEARANCES = AttemptClearances()


def _rules_key(challenge_id: str) -> tuple[str, str]:
    return ("podium.challenge_rules", challenge_id)


def _attempt_rules(
    session: Session, *, tenant_id: str, challenge_id: str, end_user_id: str
) -> AttemptRules:
    """The player's ban flag and the challenge's rules, in one statement.

    The rules are kept in ``session.info`` for ``challenge_bound``: the transaction that records
    an attempt holds the challenge's lock, which a change of rules takes too.
    """
    found = ChallengeRulesRepository(session).for_attempt(
        tenant_id=tenant_id, challenge_id=challenge_id, end_user_id=end_user_id
    )
    session.info[_rules_key(challenge_id)] = found
    return found


def check_attempt_rules(
    session: Session,
    *,
    tenant_id: str,
    challenge_id: str,
    end_user_id: str,
    now_ms: int,
    exclude_attempt_id: int | None,
) -> bool:
    """Refuse the player's attempt if they are banned or over a limit of the challenge. Returns
    whether nothing could have refused it: the player not banned and the challenge without
    limits (what ``AttemptClearances`` keeps)."""
    found = _attempt_rules(
        session, tenant_id=tenant_id, challenge_id=challenge_id, end_user_id=end_user_id
    )
    if found.banned:
        raise ForbiddenError(f"player {end_user_id!r} is banned from this tenant")
    if found.rules_tenant_id != tenant_id:
        return True
    limits = AttemptLimits(
        max_attempts_per_player=found.max_attempts_per_player,
        max_attempts_per_day=found.max_attempts_per_day,
        max_attempts_per_minute=found.max_attempts_per_minute,
    )
    if not limits.any:
        return True
    table = ChallengeAttemptRow
    mine = [table.challenge_id == challenge_id, table.end_user_id == end_user_id]
    if exclude_attempt_id is not None:
        mine.append(table.id != exclude_attempt_id)
    total = int(session.scalar(select(func.count()).select_from(table).where(*mine)) or 0)
    since = min(utc_day_start(now_ms), now_ms - MINUTE_MS)
    recent = list(
        session.scalars(select(table.recorded_at).where(*mine, table.recorded_at >= since))
    )
    decision = check_attempt(limits, recent, now_ms, total=total)
    if decision.allowed:
        return False
    assert decision.limit is not None
    when = (
        "no more attempts are allowed"
        if decision.retry_at is None
        else f"retry in {decision.retry_after_seconds(now_ms)} s"
    )
    raise TooManyAttemptsError(
        f"{decision.limit} of challenge {challenge_id!r} reached: {when}",
        limit=decision.limit,
        retry_at=decision.retry_at,
        retry_after_s=decision.retry_after_seconds(now_ms),
    )
