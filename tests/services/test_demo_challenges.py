from __future__ import annotations

from podium.domain.access import DEFAULT_TENANT
from podium.services.challenge_events import list_events
from podium.services.challenges import IN_PROCESS_SCORER, challenge_leaderboard, list_attempts
from podium.services.collections import CollectionScorer, collection_leaderboard
from podium.services.demo_challenges import (
    DEMO_CHALLENGES,
    DEMO_COLLECTION,
    DEMO_PLAYERS,
    DemoAttempts,
    ensure_demo_challenges,
)
from podium.store.database import Database
from tests.conftest import T0, FakeClock


def test_demo_challenges_fill_their_leaderboards_and_the_collection(database: Database) -> None:
    clock = FakeClock(T0)
    ids = ensure_demo_challenges(database, now_ms=clock())
    assert ensure_demo_challenges(database, now_ms=clock()) == ids  # again: harmless
    assert len(ids) == len(set(ids)) == len(DEMO_CHALLENGES)
    job = DemoAttempts(database, challenge_ids=ids, scorer=IN_PROCESS_SCORER, clock=clock)
    for _ in range(200):
        clock.advance(2)
        job.step()

    recorded = 0
    for challenge_id in ids:
        attempts = list_attempts(
            database,
            tenant_id=DEFAULT_TENANT,
            challenge_id=challenge_id,
            include_inactive=False,
            end_user_id=None,
            limit=1_000,
            offset=0,
        )
        recorded += len(attempts)
        board = challenge_leaderboard(
            database,
            tenant_id=DEFAULT_TENANT,
            challenge_id=challenge_id,
            include_inactive=False,
            limit=100,
            offset=0,
        )
        assert 3 <= len(board.standings) <= len(DEMO_PLAYERS)
        ranks = [ranked.rank for ranked in board.standings]
        assert ranks[0] == 1
        assert ranks == sorted(ranks)
        events = list_events(
            database,
            tenant_id=DEFAULT_TENANT,
            challenge_id=challenge_id,
            types=["challenge_first_blood"],
            since=None,
            after_id=None,
            include_hidden=False,
            limit=10,
        )
        assert len(events) == 1
    assert recorded == 200  # every simulated attempt was stored

    collection = collection_leaderboard(
        database,
        tenant_id=DEFAULT_TENANT,
        collection_id=DEMO_COLLECTION,
        is_admin=False,
        live=False,
        now_ms=clock(),
        scorer=CollectionScorer(timeout_ms=5_000, sandbox=None),
    )
    assert collection.challenge_ids == ids
    assert len(collection.standings) >= 3
    # More completed challenges rank first under fastest_total.
    completed = [standing.completed for standing in collection.standings]
    assert completed == sorted(completed, reverse=True)
