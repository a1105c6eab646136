"""Recording attempts: what ``record_attempt`` returns and the stored standings it keeps."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.orm import Session

from podium.domain.challenges import AttemptOutcome, ScoringStrategy, standings
from podium.schemas.challenges import AttemptCreate, ChallengeCreate
from podium.services import challenges as service
from podium.services.attempt_scoring import AttemptScorer
from podium.store.challenge_tables import ChallengeRow
from podium.store.database import Database
from tests.conftest import T0

IN_PROCESS = AttemptScorer(default_timeout_ms=5_000, sandbox=None)


def record(db: Database, challenge_id: str, **fields: object) -> service.RecordedAttempt:
    return service.record_attempt(
        db,
        tenant_id="default",
        challenge_id=challenge_id,
        spec=AttemptCreate.model_validate(fields),
        scorer=IN_PROCESS,
        now_ms=T0,
        max_clock_skew_ms=0,
    )


def test_recorded_attempt_tells_what_changed(database: Database) -> None:
    challenge = service.create_challenge(
        database,
        tenant_id="default",
        spec=ChallengeCreate(name="c", scoring_strategy=ScoringStrategy.HIGHEST_RATING),
        now_ms=T0,
    )
    seen: list[tuple[str, int | None]] = []

    def listener(session: Session, recorded: service.RecordedAttempt) -> None:
        assert session.is_active
        seen.append((recorded.attempt.end_user_id, recorded.rank))

    first = record(database, challenge.id, end_user_id="ann", succeeded=True, rating=5)
    assert (first.rank, first.previous_rank, first.personal_best) == (1, None, True)
    assert (first.leader_before, first.leader_after) == (None, "ann")
    failed = record(database, challenge.id, end_user_id="bob", succeeded=False, rating=9)
    assert (failed.rank, failed.personal_best, failed.leader_after) == (None, False, "ann")
    overtakes = service.record_attempt(
        database,
        tenant_id="default",
        challenge_id=challenge.id,
        spec=AttemptCreate(end_user_id="bob", succeeded=True, rating=8),
        scorer=IN_PROCESS,
        now_ms=T0 + 1,
        max_clock_skew_ms=0,
        listeners=[listener],
    )
    assert (overtakes.rank, overtakes.leader_before, overtakes.leader_after) == (1, "ann", "bob")
    assert overtakes.standing.attempts == 2
    assert seen == [("bob", 1)]
    worse = record(database, challenge.id, end_user_id="bob", succeeded=True, rating=1)
    assert (worse.rank, worse.previous_rank, worse.personal_best) == (1, 1, False)


def test_a_failing_listener_stores_nothing(database: Database) -> None:
    challenge = service.create_challenge(
        database, tenant_id="default", spec=ChallengeCreate(name="c"), now_ms=T0
    )

    def refuses(session: Session, recorded: service.RecordedAttempt) -> None:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        service.record_attempt(
            database,
            tenant_id="default",
            challenge_id=challenge.id,
            spec=AttemptCreate(end_user_id="ann", succeeded=True),
            scorer=IN_PROCESS,
            now_ms=T0,
            max_clock_skew_ms=0,
            listeners=[refuses],
        )
    board = service.challenge_leaderboard(
        database,
        tenant_id="default",
        challenge_id=challenge.id,
        include_inactive=True,
        limit=10,
        offset=0,
    )
    assert board.total == 0
    assert board.challenge.revision == 0


def oracle_challenge(database: Database, strategy: ScoringStrategy) -> ChallengeRow:
    """A challenge of ``strategy``; a custom one fails on a rating of 0 or none, so that those
    attempts rank last, unscored."""
    entrypoint = (
        "tests.plugins.hostile_scorers:Flaky" if strategy is ScoringStrategy.CUSTOM else None
    )
    return service.create_challenge(
        database,
        tenant_id="default",
        spec=ChallengeCreate(name="c", scoring_strategy=strategy, scoring_entrypoint=entrypoint),
        now_ms=T0,
    )


@pytest.mark.parametrize("strategy", list(ScoringStrategy))
def test_stored_standings_match_the_domain_oracle(
    database: Database, strategy: ScoringStrategy
) -> None:
    challenge = oracle_challenge(database, strategy)
    rng = random.Random(strategy.value)
    outcomes = []
    for _ in range(40):
        recorded = record(
            database,
            challenge.id,
            end_user_id=rng.choice("abcdefgh"),
            succeeded=rng.random() < 0.7,
            tokens_total=rng.choice([None, 0, 10, 20]),
            elapsed_ms=rng.choice([None, 0, 5, 7]),
            rating=rng.choice([None, 0, 5, 10]),
            created_at=T0 - rng.randrange(5) * 1000,
        )
        outcomes.append(service.outcome_of(recorded.attempt))
    expected = standings(strategy, outcomes)
    for offset in (0, 3):
        board = service.challenge_leaderboard(
            database,
            tenant_id="default",
            challenge_id=challenge.id,
            include_inactive=False,
            limit=4,
            offset=offset,
        )
        assert board.total == len(expected)
        got = [
            (row.rank, row.entry.end_user_id, row.entry.best_attempt_id, row.entry.attempts)
            for row in board.standings
        ]
        assert got == [
            (s.rank, s.end_user_id, s.best.attempt_id, s.attempts)
            for s in expected[offset : offset + 4]
        ]


def test_standings_pages_are_cached_per_revision(database: Database) -> None:
    challenge = service.create_challenge(
        database,
        tenant_id="default",
        spec=ChallengeCreate(name="c", scoring_strategy=ScoringStrategy.FASTEST),
        now_ms=T0,
    )
    cache = service.StandingsCache(max_pages=2)

    def board() -> service.ChallengeLeaderboard:
        return service.challenge_leaderboard(
            database,
            tenant_id="default",
            challenge_id=challenge.id,
            include_inactive=False,
            limit=10,
            offset=0,
            cache=cache,
        )

    record(database, challenge.id, end_user_id="ann", succeeded=True, elapsed_ms=50)
    first = board()
    assert board().standings is first.standings  # nothing changed: not read again
    record(database, challenge.id, end_user_id="bob", succeeded=True, elapsed_ms=20)
    second = board()
    assert second.standings is not first.standings
    assert [row.entry.end_user_id for row in second.standings] == ["bob", "ann"]


def test_concurrent_attempts_keep_the_standings_exact(database: Database) -> None:
    challenge = service.create_challenge(
        database,
        tenant_id="default",
        spec=ChallengeCreate(name="c", scoring_strategy=ScoringStrategy.FEWEST_TOKENS),
        now_ms=T0,
    )

    def post(worker: int) -> list[AttemptOutcome]:
        rng = random.Random(worker)
        return [
            service.outcome_of(
                record(
                    database,
                    challenge.id,
                    end_user_id=rng.choice("abc"),
                    succeeded=True,
                    tokens_total=rng.randrange(100),
                ).attempt
            )
            for _ in range(8)
        ]

    with ThreadPoolExecutor(4) as pool:
        outcomes = [outcome for part in pool.map(post, range(4)) for outcome in part]
    board = service.challenge_leaderboard(
        database,
        tenant_id="default",
        challenge_id=challenge.id,
        include_inactive=False,
        limit=10,
        offset=0,
    )
    assert board.challenge.revision == 32
    assert [
        (r.rank, r.entry.end_user_id, r.entry.best_attempt_id, r.entry.attempts)
        for r in board.standings
    ] == [
        (s.rank, s.end_user_id, s.best.attempt_id, s.attempts)
        for s in standings(ScoringStrategy.FEWEST_TOKENS, outcomes)
    ]


@pytest.mark.parametrize("plugin", ["Raises", "CallsSysExit", "Junk"])
def test_in_process_plugins_fail_their_attempt_only(database: Database, plugin: str) -> None:
    challenge = service.create_challenge(
        database,
        tenant_id="default",
        spec=ChallengeCreate(
            name="c",
            scoring_strategy=ScoringStrategy.CUSTOM,
            scoring_entrypoint=f"tests.plugins.hostile_scorers:{plugin}",
        ),
        now_ms=T0,
    )
    recorded = record(database, challenge.id, end_user_id="ann", succeeded=True)
    assert recorded.attempt.score is None
    assert recorded.attempt.failed_reason is not None
