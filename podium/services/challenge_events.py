"""Challenge events: found when an attempt is recorded, stored once, listed and delivered.

``on_attempt_recorded`` is a listener of ``services.challenges.record_attempt``: it runs inside
the transaction that stores the attempt, while the challenge's row is locked, so the attempts of
one challenge are looked at in turn and the events they make are written exactly once (the
unique ``(challenge_id, dedupe_key)`` constraint guards the rest). It does database work only:
webhooks are delivered later by ``WebhookDeliveryJob``, so a slow receiver never slows
attempts.

The record is computed from what the public may see: successful attempts of players neither
hidden nor banned, made before the challenge's freeze. A frozen challenge therefore publishes
nothing new until it is unfrozen (``publish_challenge_events`` then catches up).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, bindparam, select, text
from sqlalchemy.orm import Session

from podium.domain.challenge_events import (
    ChallengeRecord,
    EventType,
    detect_events,
    record_may_move,
    record_of,
)
from podium.domain.challenges import ScoringStrategy, best_attempt
from podium.errors import NotFoundError
from podium.services.challenges import RecordedAttempt, outcome_of
from podium.services.fair_play import challenge_bound, invisible_players
from podium.services.webhooks import enqueue_deliveries
from podium.store.challenge_events import ChallengeEventRepository, SolveRepository
from podium.store.challenge_tables import ChallengeAttemptRow, ChallengeEntryRow, ChallengeRow
from podium.store.challenges import ChallengeRepository
from podium.store.collection_tables import ChallengeEventRow
from podium.store.database import Database

log = logging.getLogger(__name__)


def _lock_events(session: Session, challenge_id: str) -> None:
    """Serialize event detection per challenge (SQLite's writer lock already does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"podium.challenge_events:{challenge_id}"},
        )


def _live_head(*, excluding: bool) -> Any:
    """The best attempt of the first placed entry (the stored standings are in leaderboard
    order), built once: it runs with every attempt that betters a player's best."""
    entries = ChallengeEntryRow
    live = (
        select(ChallengeAttemptRow)
        .join(entries, entries.best_attempt_id == ChallengeAttemptRow.id)
        .where(
            entries.challenge_id == bindparam("challenge_id", type_=String),
            entries.placed.is_(True),
        )
    )
    if excluding:
        live = live.where(entries.end_user_id.not_in(bindparam("excluding", expanding=True)))
    return live.order_by(
        entries.sort_value.is_(None),
        entries.sort_value,
        entries.best_created_at,
        entries.best_attempt_id,
    ).limit(1)


_LIVE_HEAD = _live_head(excluding=False)
_LIVE_HEAD_EXCLUDING = _live_head(excluding=True)


def current_head(
    session: Session,
    challenge: ChallengeRow,
    *,
    bound: int | None,
    invisible: Sequence[str],
) -> ChallengeRecord | None:
    """The record holder the public may see, or ``None`` before any visible success."""
    strategy = ScoringStrategy(challenge.scoring_strategy)
    if bound is None:
        # Live: the stored standings are already in leaderboard order; their best attempt is
        # read in the same statement.
        row = session.scalar(
            _LIVE_HEAD_EXCLUDING if invisible else _LIVE_HEAD,
            {"challenge_id": challenge.id, "excluding": list(invisible)}
            if invisible
            else {"challenge_id": challenge.id},
        )
        return None if row is None else record_of(strategy, outcome_of(row))
    attempts = ChallengeAttemptRow
    query = select(attempts).where(
        attempts.challenge_id == challenge.id,
        attempts.succeeded.is_(True),
        attempts.created_at < bound,
    )
    if invisible:
        query = query.where(attempts.end_user_id.not_in(list(invisible)))
    best = best_attempt(strategy, (outcome_of(row) for row in session.scalars(query)))
    return None if best is None else record_of(strategy, best)


def _previous_record(
    events: ChallengeEventRepository, challenge_id: str, invisible: Sequence[str]
) -> ChallengeRecord | None:
    # A record whose holder was hidden since is no longer the public record: the one before is.
    latest = events.latest_record(challenge_id, excluding=invisible)
    if latest is None:
        return None
    key = "record" if latest.type == EventType.FIRST_BLOOD else "new_record"
    return ChallengeRecord.from_payload(latest.payload[key])


def publish_in(
    session: Session,
    *,
    challenge: ChallengeRow,
    now_ms: int,
    invisible: Sequence[str] | None = None,
) -> list[int]:
    """Detect and store the challenge's new events in ``session``; their ids.

    ``invisible`` (the hidden and banned players) is given by a caller that already holds the
    challenge's event lock and read them; otherwise both are taken here.
    """
    if invisible is None:
        _lock_events(session, challenge.id)
        invisible = invisible_players(session, tenant_id=challenge.tenant_id)
    bound = challenge_bound(session, challenge_id=challenge.id, now_ms=now_ms)
    head = current_head(session, challenge, bound=bound, invisible=invisible)
    events = ChallengeEventRepository(session)
    stored: list[int] = []
    for draft in detect_events(
        challenge.id, _previous_record(events, challenge.id, invisible), head
    ):
        event_id = events.add_once(draft, tenant_id=challenge.tenant_id, recorded_at=now_ms)
        if event_id is None:
            continue
        event = events.get(event_id)
        assert event is not None
        enqueue_deliveries(session, event=event, now_ms=now_ms)
        stored.append(event_id)
    return stored


def record_solve(
    session: Session, *, attempt: ChallengeAttemptRow, invisible: Sequence[str]
) -> None:
    """Fix the player's solve position (dynamic value) at their first visible success."""
    if not attempt.succeeded or attempt.end_user_id in invisible:
        return
    SolveRepository(session).add_next(
        challenge_id=attempt.challenge_id,
        end_user_id=attempt.end_user_id,
        attempt_id=attempt.id,
        solved_at=attempt.recorded_at,
    )


def on_attempt_recorded(session: Session, recorded: RecordedAttempt) -> None:
    """The attempt listener: solve position and events, in the attempt's transaction."""
    attempt = recorded.attempt
    # Only a player's new best can move the record (a first success is always one).
    if not attempt.succeeded or not recorded.personal_best:
        return
    challenge = recorded.challenge
    _lock_events(session, challenge.id)
    invisible = invisible_players(session, tenant_id=challenge.tenant_id)
    record_solve(session, attempt=attempt, invisible=invisible)
    bound = challenge_bound(session, challenge_id=challenge.id, now_ms=attempt.recorded_at)
    if not record_may_move(
        rank=recorded.rank, anyone_unseen=bool(invisible), frozen=bound is not None
    ):
        return
    publish_in(session, challenge=challenge, now_ms=attempt.recorded_at, invisible=invisible)


def publish_challenge_events(
    db: Database, *, tenant_id: str, challenge_id: str, now_ms: int
) -> list[int]:
    """Catch up on a challenge's events (after an unfreeze or a player shown again)."""
    with db.write() as session:
        challenge = ChallengeRepository(session).find(challenge_id, tenant_id=tenant_id)
        if challenge is None:
            return []
        return publish_in(session, challenge=challenge, now_ms=now_ms)


def list_events(
    db: Database,
    *,
    tenant_id: str,
    challenge_id: str | None,
    types: Sequence[str],
    since: int | None,
    after_id: int | None,
    include_hidden: bool,
    limit: int,
) -> list[ChallengeEventRow]:
    with db.read() as session:
        if challenge_id is not None:
            # Players (not admins) see neither inactive challenges nor hidden players.
            _visible_challenge(session, tenant_id, challenge_id, admin=include_hidden)
        hidden = [] if include_hidden else invisible_players(session, tenant_id=tenant_id)
        return ChallengeEventRepository(session).list(
            tenant_id=tenant_id,
            challenge_id=challenge_id,
            types=types,
            since=since,
            after_id=after_id,
            hidden_players=hidden,
            limit=limit,
        )


def _visible_challenge(session: Session, tenant_id: str, challenge_id: str, *, admin: bool) -> None:
    challenge = ChallengeRepository(session).find(challenge_id, tenant_id=tenant_id)
    if challenge is None or not (challenge.is_active or admin):
        raise NotFoundError("challenge", challenge_id)


def ensure_challenge(db: Database, *, tenant_id: str, challenge_id: str, admin: bool) -> None:
    with db.read() as session:
        _visible_challenge(session, tenant_id, challenge_id, admin=admin)


def last_event_id(db: Database, *, tenant_id: str) -> int:
    with db.read() as session:
        found = session.scalar(
            select(ChallengeEventRow.id)
            .where(ChallengeEventRow.tenant_id == tenant_id)
            .order_by(ChallengeEventRow.id.desc())
            .limit(1)
        )
        return int(found or 0)
