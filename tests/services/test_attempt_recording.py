"""Recording an attempt in few statements: ranks and leaders still match the domain oracle."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from podium.domain.challenges import AttemptOutcome, ScoringStrategy, standings
from podium.schemas.challenges import AttemptCreate, ChallengeCreate
from podium.services import challenges as service
from podium.services.attempt_hooks import submit_attempt
from podium.services.attempt_scoring import AttemptScorer
from podium.store.database import Database
from tests.conftest import T0
from tests.services.test_challenges import oracle_challenge

IN_PROCESS = AttemptScorer(default_timeout_ms=5_000, sandbox=None)


def _ranks(strategy: ScoringStrategy, outcomes: list[AttemptOutcome]) -> dict[str, int]:
    return {standing.end_user_id: standing.rank for standing in standings(strategy, outcomes)}


def _leader(strategy: ScoringStrategy, outcomes: list[AttemptOutcome]) -> str | None:
    found = standings(strategy, outcomes)
    return found[0].end_user_id if found else None


@pytest.mark.parametrize("strategy", [ScoringStrategy.FASTEST, ScoringStrategy.CUSTOM])
def test_ranks_and_leaders_match_the_domain_oracle(
    database: Database, strategy: ScoringStrategy
) -> None:
    challenge = oracle_challenge(database, strategy)
    rng = random.Random(7)
    outcomes: list[AttemptOutcome] = []
    for _ in range(40):
        player = rng.choice("abcdef")
        before = _ranks(strategy, outcomes)
        leader_before = _leader(strategy, outcomes)
        recorded = service.record_attempt(
            database,
            tenant_id="default",
            challenge_id=challenge.id,
            spec=AttemptCreate(
                end_user_id=player,
                succeeded=rng.random() < 0.7,
                elapsed_ms=rng.choice([None, 5, 7, 9]),
                rating=rng.choice([None, 0, 5, 10]),
                created_at=T0 - rng.randrange(3) * 1000,  # ties on created_at too
            ),
            scorer=IN_PROCESS,
            now_ms=T0,
            max_clock_skew_ms=0,
        )
        outcomes.append(service.outcome_of(recorded.attempt))
        after = _ranks(strategy, outcomes)
        assert (recorded.previous_rank, recorded.rank) == (before.get(player), after.get(player))
        assert (recorded.leader_before, recorded.leader_after) == (
            leader_before,
            _leader(strategy, outcomes),
        )
        assert recorded.standing.attempts == sum(o.end_user_id == player for o in outcomes)


@contextmanager
def counted_statements(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    engines = {database.engine, database.write_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


def test_an_attempt_takes_few_statements(database: Database) -> None:
    """A guard against round trips creeping back (not a timing): an attempt that is not a new
    best, with fair play and events, is one read and one short locked transaction."""
    challenge = service.create_challenge(
        database,
        tenant_id="default",
        spec=ChallengeCreate(name="c", scoring_strategy=ScoringStrategy.FASTEST),
        now_ms=T0,
    )

    def submit(elapsed_ms: int) -> service.RecordedAttempt:
        return submit_attempt(
            database,
            tenant_id="default",
            challenge_id=challenge.id,
            spec=AttemptCreate(end_user_id="ann", succeeded=True, elapsed_ms=elapsed_ms),
            scorer=IN_PROCESS,
            now_ms=T0,
            max_clock_skew_ms=0,
        )

    submit(10)
    with counted_statements(database) as seen:
        recorded = submit(20)
    assert (recorded.rank, recorded.personal_best) == (1, False)
    statements = [s for s in seen if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    # read: nothing (the challenge from memory, no precheck for a built-in strategy); locked:
    # lock, standing, attempt, ranks, standing, fair-play check
    assert len(statements) <= 6, statements
