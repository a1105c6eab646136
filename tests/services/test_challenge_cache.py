"""The challenge an attempt is scored with comes from memory (``ChallengeCache``), checked by
the attempt's lock: a challenge changed elsewhere is never scored with nor taken for active."""

from __future__ import annotations

from typing import Any

import pytest

from podium.domain.challenges import AttemptOutcome, ScoringStrategy
from podium.errors import ConflictError, NotFoundError
from podium.schemas.challenges import AttemptCreate, ChallengeCreate, ChallengeUpdate
from podium.services import challenges as service
from podium.services.attempt_scoring import AttemptScorer, ScoreOutcome
from podium.store.challenge_tables import ChallengeRow
from podium.store.database import Database
from tests.conftest import T0
from tests.services.test_attempt_recording import counted_statements


class SeenScorer(AttemptScorer):
    """Scores in-process and notes the ``app_id`` of each challenge it was given."""

    def __init__(self) -> None:
        super().__init__(default_timeout_ms=5_000, sandbox=None)
        self.app_ids: list[str | None] = []

    def score(self, challenge: ChallengeRow, attempt: AttemptOutcome, **known: Any) -> ScoreOutcome:
        self.app_ids.append(challenge.app_id)
        return super().score(challenge, attempt, **known)


@pytest.fixture
def scorer() -> SeenScorer:
    return SeenScorer()


@pytest.fixture
def cache() -> service.ChallengeCache:
    """This process's memory; the services' own updates forget in ``CHALLENGE_CACHE``, so a
    change through them is a change made by another process, as far as this one knows."""
    return service.ChallengeCache()


def _challenge(database: Database) -> ChallengeRow:
    return service.create_challenge(
        database,
        tenant_id="default",
        spec=ChallengeCreate(name="c", scoring_strategy=ScoringStrategy.FASTEST, app_id="old"),
        now_ms=T0,
    )


def _record(
    database: Database, challenge_id: str, scorer: AttemptScorer, cache: service.ChallengeCache
) -> service.RecordedAttempt:
    return service.record_attempt(
        database,
        tenant_id="default",
        challenge_id=challenge_id,
        spec=AttemptCreate(end_user_id="ann", succeeded=True, elapsed_ms=10),
        scorer=scorer,
        now_ms=T0,
        max_clock_skew_ms=0,
        challenges=cache,
    )


def _update(database: Database, challenge_id: str, **changes: Any) -> None:
    service.update_challenge(
        database,
        tenant_id="default",
        challenge_id=challenge_id,
        changes=ChallengeUpdate.model_validate(changes),
        now_ms=T0 + 1,
    )


def test_a_known_challenge_is_not_read_again(
    database: Database, scorer: SeenScorer, cache: service.ChallengeCache
) -> None:
    challenge = _challenge(database)
    _record(database, challenge.id, scorer, cache)
    with counted_statements(database) as seen:
        _record(database, challenge.id, scorer, cache)
    assert [s for s in seen if s.lstrip().startswith("SELECT challenges.")] == []
    assert scorer.app_ids == ["old", "old"]


def test_an_attempt_scored_with_a_changed_challenge_is_scored_again(
    database: Database, scorer: SeenScorer, cache: service.ChallengeCache
) -> None:
    challenge = _challenge(database)
    _record(database, challenge.id, scorer, cache)
    _update(database, challenge.id, app_id="new")  # elsewhere: this memory still has "old"
    recorded = _record(database, challenge.id, scorer, cache)
    assert scorer.app_ids == ["old", "old", "new"]
    assert recorded.standing.attempts == 2  # the first try was rolled back
    assert recorded.challenge.revision == 2
    _record(database, challenge.id, scorer, cache)
    assert scorer.app_ids[-1] == "new"  # kept as the lock returned it
    assert len(scorer.app_ids) == 4


def test_a_challenge_deactivated_elsewhere_takes_no_attempt(
    database: Database, scorer: SeenScorer, cache: service.ChallengeCache
) -> None:
    challenge = _challenge(database)
    _record(database, challenge.id, scorer, cache)
    _update(database, challenge.id, is_active=False)
    with pytest.raises(ConflictError, match="is not active: it takes no attempts"):
        _record(database, challenge.id, scorer, cache)
    _update(database, challenge.id, is_active=True)  # the memory says inactive: read again
    assert _record(database, challenge.id, scorer, cache).standing.attempts == 2


def test_a_challenge_deleted_elsewhere_is_not_found_and_forgotten(
    database: Database, scorer: SeenScorer, cache: service.ChallengeCache
) -> None:
    challenge = _challenge(database)
    _record(database, challenge.id, scorer, cache)
    service.delete_challenge(database, tenant_id="default", challenge_id=challenge.id)
    with pytest.raises(NotFoundError):
        _record(database, challenge.id, scorer, cache)
    assert len(cache) == 0


def test_another_tenant_never_gets_the_challenge_from_memory(
    database: Database, scorer: SeenScorer, cache: service.ChallengeCache
) -> None:
    challenge = _challenge(database)
    _record(database, challenge.id, scorer, cache)
    with pytest.raises(NotFoundError):
        service.record_attempt(
            database,
            tenant_id="other",
            challenge_id=challenge.id,
            spec=AttemptCreate(end_user_id="ann", succeeded=True, elapsed_ms=10),
            scorer=scorer,
            now_ms=T0,
            max_clock_skew_ms=0,
            challenges=cache,
        )
