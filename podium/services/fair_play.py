"""Fair play: hidden and banned players, each challenge's freeze, and attempt limits.

- A hidden or banned player vanishes from public challenge leaderboards, collection
  leaderboards and event listings, and never triggers an event; their attempts are kept and
  admins still see them. A banned player's new attempts are refused (403); a hidden one may go
  on playing (staff, test accounts).
- A challenge's rules hold its ``freeze_at`` and attempt limits. ``enforce_attempt_rules`` runs
  inside the transaction that records an attempt, after the attempt was added and while the
  challenge's row is locked (attempts of one challenge are recorded in turn), so counts are
  exact; raising there rolls the attempt back: a refused attempt is never stored.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from podium.domain.attempt_limits import MINUTE_MS, AttemptLimits, check_attempt, utc_day_start
from podium.domain.freeze import visible_before
from podium.errors import ForbiddenError, TooManyAttemptsError
from podium.schemas.common import instant_ms
from podium.schemas.fair_play import ChallengeRulesIn, PlayerFlagsUpdate
from podium.services.challenges import PendingAttempt
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


def precheck_attempt(session: Session, pending: PendingAttempt) -> None:
    """The same check before an attempt is scored (a precheck of ``record_attempt``), so that a
    refused attempt costs no scorer time; ``enforce_attempt_rules`` repeats it, exactly, when
    the attempt is stored."""
    check_attempt_rules(
        session,
        tenant_id=pending.tenant_id,
        challenge_id=pending.challenge_id,
        end_user_id=pending.end_user_id,
        now_ms=pending.now_ms,
        exclude_attempt_id=None,
    )


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
) -> None:
    found = _attempt_rules(
        session, tenant_id=tenant_id, challenge_id=challenge_id, end_user_id=end_user_id
    )
    if found.banned:
        raise ForbiddenError(f"player {end_user_id!r} is banned from this tenant")
    if found.rules_tenant_id != tenant_id:
        return
    limits = AttemptLimits(
        max_attempts_per_player=found.max_attempts_per_player,
        max_attempts_per_day=found.max_attempts_per_day,
        max_attempts_per_minute=found.max_attempts_per_minute,
    )
    if not limits.any:
        return
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
        return
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
