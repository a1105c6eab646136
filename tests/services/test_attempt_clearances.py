"""The fair-play precheck before a scorer plugin remembers a player it found clear
(``AttemptClearances``): their next attempt is scored without reading the store first, until
the bound, a ban or new rules set through this process; the check under the lock still refuses
what another process set meanwhile."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from podium.domain.challenges import AttemptOutcome, ScoringStrategy
from podium.errors import ForbiddenError, TooManyAttemptsError
from podium.schemas.challenges import AttemptCreate
from podium.schemas.fair_play import ChallengeRulesIn, PlayerFlagsUpdate
from podium.services import challenges as challenge_service
from podium.services.attempt_hooks import submit_attempt
from podium.services.attempt_scoring import AttemptScorer, ScoreOutcome
from podium.services.challenges import PendingAttempt
from podium.services.fair_play import (
    ATTEMPT_CLEARANCES,
    AttemptClearances,
    set_challenge_rules,
    set_player_flags,
)
from podium.store.challenge_tables import ChallengeRow
from podium.store.database import Database
from podium.store.fair_play import PlayerFlagRepository
from tests.conftest import T0, Monotonic
from tests.services.test_attempt_recording import counted_statements
from tests.services.test_challenges import oracle_challenge

BOUND_MS = 60_000


class WatchedScorer(AttemptScorer):
    """Scores in-process and notes, for each attempt it scores, its player and how many
    statements ran before it (``watch``)."""

    def __init__(self) -> None:
        super().__init__(default_timeout_ms=5_000, sandbox=None)
        self.statements: list[str] = []
        self.scored: list[tuple[str, int]] = []

    def score(self, challenge: ChallengeRow, attempt: AttemptOutcome, **known: Any) -> ScoreOutcome:
        before = [s for s in self.statements if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
        self.scored.append((attempt.end_user_id, len(before)))
        return super().score(challenge, attempt, **known)


@pytest.fixture
def scorer(database: Database) -> Iterator[WatchedScorer]:
    watched = WatchedScorer()
    with counted_statements(database) as seen:
        watched.statements = seen
        yield watched


@pytest.fixture
def challenge(database: Database) -> ChallengeRow:
    return oracle_challenge(database, ScoringStrategy.CUSTOM)


def submit(
    database: Database,
    challenge: ChallengeRow,
    scorer: WatchedScorer,
    player: str = "ann",
    *,
    clearance_ms: int = BOUND_MS,
) -> int:
    """Submit an attempt; return how many statements ran before the plugin scored it."""
    scorer.statements.clear()
    scored = len(scorer.scored)
    submit_attempt(
        database,
        tenant_id="default",
        challenge_id=challenge.id,
        spec=AttemptCreate(end_user_id=player, succeeded=True, rating=5),
        scorer=scorer,
        now_ms=T0,
        max_clock_skew_ms=0,
        clearance_ms=clearance_ms,
    )
    assert len(scorer.scored) == scored + 1
    return scorer.scored[-1][1]


def stored(database: Database, challenge: ChallengeRow) -> int:
    return len(
        challenge_service.list_attempts(
            database,
            tenant_id="default",
            challenge_id=challenge.id,
            include_inactive=True,
            end_user_id=None,
            limit=100,
            offset=0,
        )
    )


def limit_attempts(database: Database, challenge: ChallengeRow, per_player: int) -> None:
    set_challenge_rules(
        database,
        tenant_id="default",
        challenge_id=challenge.id,
        spec=ChallengeRulesIn(max_attempts_per_player=per_player),
        now_ms=T0,
    )


def test_a_clear_player_is_scored_without_a_precheck_read(
    database: Database, challenge: ChallengeRow, scorer: WatchedScorer
) -> None:
    assert submit(database, challenge, scorer) > 0  # the challenge and the precheck read
    assert submit(database, challenge, scorer) == 0
    assert submit(database, challenge, scorer) == 0
    assert submit(database, challenge, scorer, "bob") == 1  # another player: prechecked
    assert stored(database, challenge) == 4


@pytest.mark.parametrize(
    ("per_player", "clearance_ms"),
    [(10, BOUND_MS), (None, 0)],
    ids=["limits in play", "no bound"],
)
def test_nothing_is_remembered_under_limits_or_without_a_bound(
    database: Database,
    challenge: ChallengeRow,
    scorer: WatchedScorer,
    per_player: int | None,
    clearance_ms: int,
) -> None:
    if per_player is not None:
        limit_attempts(database, challenge, per_player)
    submit(database, challenge, scorer, clearance_ms=clearance_ms)
    for _ in range(3):
        assert submit(database, challenge, scorer, clearance_ms=clearance_ms) > 0


def test_a_ban_set_here_is_refused_before_the_plugin_runs(
    database: Database, challenge: ChallengeRow, scorer: WatchedScorer
) -> None:
    submit(database, challenge, scorer)
    set_player_flags(
        database,
        tenant_id="default",
        end_user_id="ann",
        changes=PlayerFlagsUpdate(banned=True),
        now_ms=T0,
    )
    with pytest.raises(ForbiddenError):
        submit(database, challenge, scorer)
    assert [player for player, _ in scorer.scored] == ["ann"]
    assert stored(database, challenge) == 1


def test_limits_set_here_are_checked_before_the_plugin_runs(
    database: Database, challenge: ChallengeRow, scorer: WatchedScorer
) -> None:
    submit(database, challenge, scorer)
    limit_attempts(database, challenge, 1)
    with pytest.raises(TooManyAttemptsError):
        submit(database, challenge, scorer)
    assert len(scorer.scored) == 1
    assert stored(database, challenge) == 1


def test_a_clearance_expires_after_its_bound(
    database: Database,
    challenge: ChallengeRow,
    scorer: WatchedScorer,
    monotonic: Monotonic,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ATTEMPT_CLEARANCES, "monotonic", monotonic)
    submit(database, challenge, scorer, clearance_ms=1_000)
    monotonic.now_s += 0.9
    assert submit(database, challenge, scorer, clearance_ms=1_000) == 0
    monotonic.now_s += 0.2  # 1.1 s after the read that cleared the player
    assert submit(database, challenge, scorer, clearance_ms=1_000) == 1
    assert submit(database, challenge, scorer, clearance_ms=1_000) == 0


def test_a_ban_set_by_another_process_is_refused_under_the_lock(
    database: Database, challenge: ChallengeRow, scorer: WatchedScorer
) -> None:
    submit(database, challenge, scorer)
    with database.write() as session:  # as another process would: this one is not told
        PlayerFlagRepository(session).upsert(
            tenant_id="default", end_user_id="ann", hidden=None, banned=True, now_ms=T0
        )
    with pytest.raises(ForbiddenError):
        submit(database, challenge, scorer)  # scored (the clearance held), then refused
    assert stored(database, challenge) == 1
    with pytest.raises(ForbiddenError):  # refused before the plugin from then on
        submit(database, challenge, scorer)
    assert len(scorer.scored) == 2


def test_what_a_precheck_begun_before_a_change_here_finds_is_not_kept(
    database: Database, challenge: ChallengeRow
) -> None:
    clearances = AttemptClearances()
    pending = PendingAttempt("default", challenge.id, "ann", T0)

    def precheck_reads() -> int:
        precheck = clearances.precheck(database, max_age_ms=BOUND_MS)
        with counted_statements(database) as seen, database.read() as session:
            precheck(session, pending)
        return len(seen)

    began = clearances.precheck(database, max_age_ms=BOUND_MS)
    clearances.clear()  # a ban committed here after that precheck's transaction began
    with database.read() as session:
        began(session, pending)  # may read a snapshot from before the ban
    assert precheck_reads() > 0
    assert precheck_reads() == 0
