"""Event detection: first blood and record beaten from the previous record and the head."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.domain.challenge_events import (
    ChallengeRecord,
    EventType,
    detect_events,
    find_head,
    record_may_move,
    record_of,
    record_order,
)
from podium.domain.challenges import AttemptOutcome, ScoringStrategy


def record(
    player: str, attempt: str, order: float, at: int = 0, score: float | None = None
) -> ChallengeRecord:
    return ChallengeRecord(player, attempt, score, at, (0.0, order))


def test_first_success_is_first_blood() -> None:
    [event] = detect_events("ch", None, record("ann", 1, 5.0, at=7, score=5))
    assert event.type is EventType.FIRST_BLOOD
    assert event.end_user_id == "ann"
    assert event.occurred_at == 7
    assert event.dedupe_key == "first_blood"
    assert event.payload["record"]["end_user_id"] == "ann"


def test_better_head_beats_the_record_with_previous_and_new() -> None:
    previous = record("ann", 1, 5.0, score=5)
    [event] = detect_events("ch", previous, record("bob", 2, 3.0, at=9, score=3))
    assert event.type is EventType.RECORD_BEATEN
    assert event.payload["previous_record"]["end_user_id"] == "ann"
    assert event.payload["new_record"]["end_user_id"] == "bob"
    assert event.payload["new_record"]["score"] == 3
    assert event.dedupe_key == "record:2"


@pytest.mark.parametrize(
    ("previous", "head"),
    [
        pytest.param(None, None, id="no-success-yet"),
        pytest.param(record("ann", 1, 5.0), record("ann", 1, 5.0), id="same-head"),
        pytest.param(record("ann", 1, 5.0), record("bob", 2, 5.0), id="tie-keeps-record"),
        pytest.param(record("ann", 1, 5.0), record("bob", 2, 6.0), id="worse-head"),
        pytest.param(record("ann", 1, 5.0), None, id="head-vanished"),
    ],
)
def test_no_event(previous, head) -> None:  # type: ignore[no-untyped-def]
    assert detect_events("ch", previous, head) == []


def test_record_round_trips_through_its_payload() -> None:
    original = record("ann", 1, 5.0, at=3, score=1.5)
    assert ChallengeRecord.from_payload(original.as_payload()) == original


@pytest.mark.parametrize(
    ("strategy", "better", "worse"),
    [
        ("first", {"created_at": 1}, {"created_at": 2}),
        ("fastest", {"elapsed_ms": 10}, {"elapsed_ms": 11}),
        ("fastest", {"elapsed_ms": 10}, {"elapsed_ms": None}),
        ("fewest_tokens", {"tokens_total": 0}, {"tokens_total": 1}),
        ("highest_rating", {"rating": 9}, {"rating": 8}),
        ("custom", {"score": 2.0}, {"score": 1.0}),
        ("custom", {"score": 0.0}, {"score": float("nan")}),
    ],
)
def test_record_order_per_strategy(strategy, better, worse) -> None:  # type: ignore[no-untyped-def]
    base = {"attempt_id": 1, "end_user_id": "ann", "succeeded": True, "created_at": 5}
    first = AttemptOutcome(**{**base, **better})
    second = AttemptOutcome(**{**base, **worse})
    assert record_order(ScoringStrategy(strategy), first) < record_order(
        ScoringStrategy(strategy), second
    )


def test_record_of_carries_the_strategy_value() -> None:
    outcome = AttemptOutcome(
        attempt_id=4, end_user_id="ann", succeeded=True, created_at=9, elapsed_ms=120
    )
    found = record_of(ScoringStrategy.FASTEST, outcome)
    assert (found.end_user_id, found.attempt_id, found.score, found.created_at) == (
        "ann",
        4,
        120.0,
        9,
    )


def test_head_ties_go_to_earliest_then_attempt_id() -> None:
    late = record("ann", 1, 5.0, at=9)
    early = record("bob", 3, 5.0, at=2)
    same_time = record("cat", 2, 5.0, at=2)
    assert find_head([late, early, same_time]) == same_time
    assert find_head([]) is None


@given(
    st.lists(
        st.tuples(st.sampled_from(["ann", "bob", "cat"]), st.one_of(st.none(), st.integers(0, 50))),
        max_size=25,
    )
)
def test_replaying_attempts_publishes_one_first_blood_and_only_improvements(attempts) -> None:  # type: ignore[no-untyped-def]
    """Detection after each attempt (as the listener does) gives an event log that makes sense."""
    strategy = ScoringStrategy.FASTEST
    seen: list[AttemptOutcome] = []
    published = []
    previous = None
    for index, (player, elapsed) in enumerate(attempts):
        seen.append(
            AttemptOutcome(
                attempt_id=index,
                end_user_id=player,
                succeeded=True,
                created_at=index,
                elapsed_ms=elapsed,
            )
        )
        best = min(seen, key=lambda a: (record_order(strategy, a), a.created_at, a.attempt_id))
        head = record_of(strategy, best)
        for event in detect_events("ch", previous, head):
            published.append(event)
            previous = head
        # Detecting again without a new attempt publishes nothing (exactly once).
        assert detect_events("ch", previous, head) == []
    types = [event.type for event in published]
    assert types.count(EventType.FIRST_BLOOD) == (1 if attempts else 0)
    assert all(t is EventType.RECORD_BEATEN for t in types[1:])
    orders = [
        tuple(event.payload.get("new_record", event.payload.get("record"))["order"])
        for event in published
    ]
    assert orders == sorted(orders, reverse=True)
    assert len(set(orders)) == len(orders)


@pytest.mark.parametrize(
    ("rank", "anyone_unseen", "frozen", "may_move"),
    [
        pytest.param(1, False, False, True, id="first: may beat the record"),
        pytest.param(2, False, False, False, id="behind a seen success: cannot"),
        pytest.param(7, False, False, False, id="far behind: cannot"),
        pytest.param(2, True, False, True, id="the entries ahead may be unseen players'"),
        pytest.param(2, False, True, True, id="the entries ahead may be after the freeze"),
        pytest.param(1, True, True, True, id="first, unseen players and a freeze"),
    ],
)
def test_a_new_best_behind_a_seen_success_cannot_move_the_record(
    rank: int, anyone_unseen: bool, frozen: bool, may_move: bool
) -> None:
    assert record_may_move(rank=rank, anyone_unseen=anyone_unseen, frozen=frozen) is may_move
