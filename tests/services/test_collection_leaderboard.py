"""Collection leaderboards read from the store agree with the pure domain on random attempts."""

from __future__ import annotations

import random

import pytest

from podium.domain.collections import CollectionStrategy, SuccessfulAttempt, collection_standings
from podium.schemas.challenges import AttemptCreate, ChallengeCreate
from podium.schemas.collections import CollectionCreate
from podium.services import challenges as challenge_service
from podium.services import collections as service
from podium.services.attempt_hooks import ATTEMPT_LISTENERS
from podium.services.attempt_scoring import AttemptScorer
from podium.store.database import Database
from tests.conftest import T0


@pytest.mark.parametrize(
    "strategy",
    [
        CollectionStrategy.SUM,
        CollectionStrategy.FASTEST_TOTAL,
        CollectionStrategy.FEWEST_TOKENS_TOTAL,
        CollectionStrategy.HIGHEST_AVG_RATING,
    ],
)
def test_store_and_domain_agree(database: Database, strategy: CollectionStrategy) -> None:
    rng = random.Random(f"collections-{strategy}")
    scorer = AttemptScorer(default_timeout_ms=5_000, sandbox=None)
    challenge_ids = [
        challenge_service.create_challenge(
            database,
            tenant_id="default",
            spec=ChallengeCreate(name=f"C{index}", scoring_strategy=kind),
            now_ms=T0,
        ).id
        for index, kind in enumerate(("fastest", "highest_rating", "first"))
    ]
    service.create_collection(
        database,
        tenant_id="default",
        spec=CollectionCreate(
            id="s", name="S", strategy=strategy, challenge_ids=challenge_ids[:2] + challenge_ids[2:]
        ),
        now_ms=T0,
    )
    oracle: list[SuccessfulAttempt] = []
    for _ in range(40):
        spec = AttemptCreate(
            end_user_id=rng.choice(["ann", "bob", "cat", "dan", "eve"]),
            succeeded=rng.random() < 0.8,
            elapsed_ms=rng.choice([None, rng.randint(1, 20)]),
            tokens_total=rng.choice([None, rng.randint(0, 20)]),
            rating=rng.choice([None, float(rng.randint(0, 10))]),
            created_at=T0 + rng.randint(0, 50),
        )
        recorded = challenge_service.record_attempt(
            database,
            tenant_id="default",
            challenge_id=rng.choice(challenge_ids),
            spec=spec,
            scorer=scorer,
            now_ms=T0 + 100,
            max_clock_skew_ms=0,
            listeners=ATTEMPT_LISTENERS,
        )
        row = recorded.attempt
        if row.succeeded:
            oracle.append(
                SuccessfulAttempt(
                    attempt_id=row.id,
                    challenge_id=row.challenge_id,
                    end_user_id=row.end_user_id,
                    created_at=row.created_at,
                    score=row.score,
                    elapsed_ms=row.elapsed_ms,
                    tokens_total=row.tokens_total,
                    rating=row.rating,
                )
            )
    board = service.collection_leaderboard(
        database,
        tenant_id="default",
        collection_id="s",
        is_admin=False,
        live=False,
        now_ms=T0 + 100,
        scorer=service.CollectionScorer(timeout_ms=1_000, sandbox=None),
    )
    expected = collection_standings(oracle, strategy, challenge_ids=challenge_ids)
    assert board.standings == expected
    assert len(expected) >= 3
