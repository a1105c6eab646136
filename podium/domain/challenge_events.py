"""Challenge events: first blood and record beaten, found by comparing records.

A *record* is the head of a challenge's leaderboard under its strategy: who holds it, with what
score, set by which attempt. ``detect_events`` compares the last published record with the
current head (computed from the attempts the public may see: no hidden or banned players, none
after a freeze) and says which events that makes:

- no previous record and a head → ``challenge_first_blood`` (the head is the first success);
- a head strictly better than the previous record → ``challenge_record_beaten`` with the
  previous and the new record. A tie does not beat a record (whoever got there first keeps it),
  and a head that got *worse* (the holder was banned) publishes nothing.

``record_may_move`` says, from where a player's new best ranks, when the record cannot move, so
that the record is not looked up for nothing.

Each event carries a ``dedupe_key`` unique per challenge: two processes that see the same
change write the same key, and the store keeps one (exactly-once under concurrency).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from podium.domain.challenges import AttemptOutcome, ScoringStrategy, sort_value, strategy_value


class EventType(StrEnum):
    FIRST_BLOOD = "challenge_first_blood"
    RECORD_BEATEN = "challenge_record_beaten"


@dataclass(frozen=True, slots=True)
class ChallengeRecord:
    """The head of a challenge leaderboard; ``order`` is its sort key (smaller is better)."""

    end_user_id: str
    attempt_id: int
    score: float | None
    created_at: int
    order: tuple[float, ...]

    def as_payload(self) -> dict[str, Any]:
        return {
            "end_user_id": self.end_user_id,
            "attempt_id": self.attempt_id,
            "score": self.score,
            "created_at": self.created_at,
            "order": list(self.order),
        }

    @staticmethod
    def from_payload(payload: dict[str, Any]) -> ChallengeRecord:
        return ChallengeRecord(
            end_user_id=str(payload["end_user_id"]),
            attempt_id=int(payload["attempt_id"]),
            score=payload.get("score"),
            created_at=int(payload["created_at"]),
            order=tuple(float(part) for part in payload["order"]),
        )


@dataclass(frozen=True, slots=True)
class EventDraft:
    """An event to store: unique per challenge by ``dedupe_key``."""

    type: EventType
    challenge_id: str
    end_user_id: str
    occurred_at: int
    dedupe_key: str
    payload: dict[str, Any]


def detect_events(
    challenge_id: str, previous: ChallengeRecord | None, head: ChallengeRecord | None
) -> list[EventDraft]:
    """The events that publishing ``head`` after ``previous`` makes (none, or one)."""
    if head is None:
        return []
    record = head.as_payload()
    if previous is None:
        return [
            EventDraft(
                type=EventType.FIRST_BLOOD,
                challenge_id=challenge_id,
                end_user_id=head.end_user_id,
                occurred_at=head.created_at,
                dedupe_key="first_blood",
                payload={"challenge_id": challenge_id, "record": record},
            )
        ]
    if head.order >= previous.order:
        return []
    return [
        EventDraft(
            type=EventType.RECORD_BEATEN,
            challenge_id=challenge_id,
            end_user_id=head.end_user_id,
            occurred_at=head.created_at,
            dedupe_key=f"record:{head.attempt_id}",
            payload={
                "challenge_id": challenge_id,
                "previous_record": previous.as_payload(),
                "new_record": record,
            },
        )
    ]


def record_may_move(*, rank: int | None, anyone_unseen: bool, frozen: bool) -> bool:
    """Whether a player's new best, ranked ``rank`` among all placed entries, may change the
    published record; ``False`` means ``detect_events`` has nothing new to say.

    Every placed entry is a success, and ``rank`` is 1 + the entries strictly better (by value,
    then time). A new best ranked below first has such an entry ahead of it: when every player
    is seen (``anyone_unseen`` false) and nothing is frozen, that entry is a success the public
    sees, so the record, the best of those, is at least as good and already published, and a
    new best behind it cannot beat it (a tie does not beat a record either). With hidden or
    banned players the entries ahead may be theirs, and with a freeze they may be after it: the
    record must then be looked up.

    "Already published" holds because each change of what the public sees publishes its events
    in turn: an attempt (here), a player shown again, a freeze lifted or moved.
    """
    return rank == 1 or anyone_unseen or frozen


def record_order(strategy: ScoringStrategy, attempt: AttemptOutcome) -> tuple[float, ...]:
    """The sort key of a successful attempt as a record (smaller is better).

    Only the strategy's own result is in the key, so that an equal result never beats a record;
    a missing or NaN result sorts after every present one.
    """
    ordered = sort_value(strategy, strategy_value(strategy, attempt))
    return (1.0, 0.0) if ordered is None else (0.0, ordered)


def record_of(strategy: ScoringStrategy, attempt: AttemptOutcome) -> ChallengeRecord:
    return ChallengeRecord(
        end_user_id=attempt.end_user_id,
        attempt_id=attempt.attempt_id,
        score=strategy_value(strategy, attempt),
        created_at=attempt.created_at,
        order=record_order(strategy, attempt),
    )


def find_head(candidates: list[ChallengeRecord]) -> ChallengeRecord | None:
    """The record holder among successful attempts: best result, then earliest, then id."""
    if not candidates:
        return None
    return min(candidates, key=lambda record: (record.order, record.created_at, record.attempt_id))
