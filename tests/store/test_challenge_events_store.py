"""The store keeps one event per (challenge, dedupe key) even when writers race."""

from __future__ import annotations

import threading

from podium.domain.challenge_events import EventDraft, EventType
from podium.store.challenge_events import ChallengeEventRepository, SolveRepository
from podium.store.collection_tables import ChallengeSolveRow
from podium.store.database import Database
from tests.conftest import T0


def test_racing_writers_store_one_first_blood(database: Database) -> None:
    draft = EventDraft(
        type=EventType.FIRST_BLOOD,
        challenge_id="ch",
        end_user_id="ann",
        occurred_at=T0,
        dedupe_key="first_blood",
        payload={},
    )
    barrier = threading.Barrier(4)
    ids: list[int | None] = []
    failures: list[BaseException] = []

    def write() -> None:
        try:
            barrier.wait()
            with database.write() as session:
                ids.append(
                    ChallengeEventRepository(session).add_once(
                        draft, tenant_id="default", recorded_at=T0
                    )
                )
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len([found for found in ids if found is not None]) == 1
    with database.read() as session:
        assert len(ChallengeEventRepository(session).list(tenant_id="default", limit=10)) == 1


def test_solve_positions_are_given_in_turn(database: Database) -> None:
    with database.write() as session:
        solves = SolveRepository(session)
        assert solves.add_next(challenge_id="ch", end_user_id="ann", attempt_id=1, solved_at=T0)
        assert solves.add_next(challenge_id="ch", end_user_id="bob", attempt_id=2, solved_at=T0)
        assert not solves.add_next(challenge_id="ch", end_user_id="ann", attempt_id=3, solved_at=T0)
        assert solves.positions(["ch"]) == {("ch", "ann"): 0, ("ch", "bob"): 1}


def test_a_solve_takes_the_position_after_the_last_one(database: Database) -> None:
    """Positions follow the last one given, not the number of solves (a gap stays a gap)."""
    with database.write() as session:
        session.add(
            ChallengeSolveRow(
                challenge_id="ch", end_user_id="ann", position=4, attempt_id=1, solved_at=T0
            )
        )
        session.flush()
        solves = SolveRepository(session)
        assert solves.add_next(challenge_id="ch", end_user_id="bob", attempt_id=2, solved_at=T0)
        assert solves.add_next(challenge_id="other", end_user_id="bob", attempt_id=3, solved_at=T0)
        assert solves.positions(["ch", "other"]) == {
            ("ch", "ann"): 4,
            ("ch", "bob"): 5,
            ("other", "bob"): 0,
        }


def test_the_latest_record_leaves_out_the_players_asked(database: Database) -> None:
    def draft(kind: EventType, player: str, key: str) -> EventDraft:
        return EventDraft(
            type=kind,
            challenge_id="ch",
            end_user_id=player,
            occurred_at=T0,
            dedupe_key=key,
            payload={},
        )

    with database.write() as session:
        events = ChallengeEventRepository(session)
        assert events.latest_record("ch") is None
        for kind, player, key in (
            (EventType.FIRST_BLOOD, "ann", "first_blood"),
            (EventType.RECORD_BEATEN, "bob", "record:1"),
            (EventType.RECORD_BEATEN, "cat", "record:2"),
        ):
            events.add_once(draft(kind, player, key), tenant_id="default", recorded_at=T0)

        def holder(*excluding: str) -> str | None:
            found = events.latest_record("ch", excluding=excluding)
            return None if found is None else found.end_user_id

        assert holder() == "cat"
        assert holder("cat") == "bob"
        assert holder("cat", "bob") == "ann"
        assert holder("ann", "bob", "cat") is None
        assert events.latest_record("other") is None
