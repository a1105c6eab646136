"""The store keeps one event per (challenge, dedupe key) even when writers race."""

from __future__ import annotations

import threading

from podium.domain.challenge_events import EventDraft, EventType
from podium.store.challenge_events import ChallengeEventRepository, SolveRepository
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
