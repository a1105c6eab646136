"""Events and solves of recorded attempts: the record is not looked up when it cannot move
(``record_may_move``), and that changes none of the events or solve positions stored."""

from __future__ import annotations

import random
from typing import Any

import pytest

from podium.domain.challenge_events import record_may_move
from podium.domain.challenges import ScoringStrategy
from podium.schemas.challenges import AttemptCreate, ChallengeCreate
from podium.schemas.fair_play import ChallengeRulesIn, PlayerFlagsUpdate
from podium.services import challenge_events
from podium.services import challenges as challenge_service
from podium.services.attempt_hooks import submit_attempt
from podium.services.attempt_scoring import AttemptScorer
from podium.services.fair_play import set_challenge_rules, set_player_flags
from podium.store.challenge_events import SolveRepository
from podium.store.database import Database
from tests.conftest import T0
from tests.services.test_attempt_recording import counted_statements

IN_PROCESS = AttemptScorer(default_timeout_ms=5_000, sandbox=None)
PLAYERS = "abcdef"


def _play(database: Database, tenant_id: str, seed: int) -> dict[str, Any]:
    """A random season of one challenge: attempts (some backdated), then players hidden and
    shown again, a freeze set and lifted among them. Its events and solves, attempts named by
    their order."""
    challenge = challenge_service.create_challenge(
        database,
        tenant_id=tenant_id,
        spec=ChallengeCreate(name="c", scoring_strategy=ScoringStrategy.FASTEST),
        now_ms=T0,
    )
    rng = random.Random(seed)
    order: dict[int, int] = {}
    for step in range(120):
        now_ms = T0 + step * 1_000
        roll = rng.random() if step >= 40 else 1.0
        if roll < 0.06:
            set_player_flags(
                database,
                tenant_id=tenant_id,
                end_user_id=rng.choice(PLAYERS),
                changes=PlayerFlagsUpdate(hidden=rng.random() < 0.5),
                now_ms=now_ms,
            )
        elif roll < 0.1:
            freeze = now_ms - rng.randrange(5_000) if rng.random() < 0.5 else None
            set_challenge_rules(
                database,
                tenant_id=tenant_id,
                challenge_id=challenge.id,
                spec=ChallengeRulesIn(freeze_at=freeze),
                now_ms=now_ms,
            )
        else:
            recorded = submit_attempt(
                database,
                tenant_id=tenant_id,
                challenge_id=challenge.id,
                spec=AttemptCreate(
                    end_user_id=rng.choice(PLAYERS),
                    succeeded=rng.random() < 0.8,
                    elapsed_ms=rng.randrange(1, 400),
                    created_at=now_ms - rng.randrange(3) * 1_500,
                ),
                scorer=IN_PROCESS,
                now_ms=now_ms,
                max_clock_skew_ms=0,
            )
            order[recorded.attempt.id] = len(order)

    def named(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: order[item] if key == "attempt_id" else named(item)
                for key, item in value.items()
                if key != "challenge_id"
            }
        return value

    stored = challenge_events.list_events(
        database,
        tenant_id=tenant_id,
        challenge_id=challenge.id,
        types=[],
        since=None,
        after_id=None,
        include_hidden=True,
        limit=1_000,
    )
    with database.read() as session:
        solves = SolveRepository(session).positions([challenge.id])
    return {
        "events": [
            (event.type, event.end_user_id, event.occurred_at, named(event.payload))
            for event in stored
        ],
        "solves": {player: position for (_, player), position in solves.items()},
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_skipping_the_record_when_it_cannot_move_changes_no_event(
    database: Database, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    skipped: list[bool] = []
    decide = record_may_move

    def counted(**known: Any) -> bool:
        may_move = decide(**known)
        skipped.append(not may_move)
        return may_move

    monkeypatch.setattr(challenge_events, "record_may_move", counted)
    with_skip = _play(database, f"skip-{seed}", seed)
    assert any(skipped)  # the season had new bests that could not move the record
    monkeypatch.setattr(challenge_events, "record_may_move", lambda **_: True)
    always_looked_up = _play(database, f"look-{seed}", seed)
    assert with_skip == always_looked_up
    assert with_skip["events"]  # first blood at least


def test_a_new_best_behind_the_record_does_not_look_the_record_up(database: Database) -> None:
    challenge = challenge_service.create_challenge(
        database,
        tenant_id="default",
        spec=ChallengeCreate(name="c", scoring_strategy=ScoringStrategy.FASTEST),
        now_ms=T0,
    )

    def submit(player: str, elapsed_ms: int) -> challenge_service.RecordedAttempt:
        return submit_attempt(
            database,
            tenant_id="default",
            challenge_id=challenge.id,
            spec=AttemptCreate(end_user_id=player, succeeded=True, elapsed_ms=elapsed_ms),
            scorer=IN_PROCESS,
            now_ms=T0,
            max_clock_skew_ms=0,
        )

    submit("ann", 10)
    with counted_statements(database) as seen:
        recorded = submit("bob", 20)  # bob's first success: a new best, second
    assert (recorded.rank, recorded.personal_best) == (2, True)
    assert not [s for s in seen if "challenge_events" in s]
    with database.read() as session:
        assert SolveRepository(session).positions([challenge.id]) == {
            (challenge.id, "ann"): 0,
            (challenge.id, "bob"): 1,
        }


@pytest.mark.parametrize("unseen", ["hidden", "after the freeze"])
def test_a_new_best_behind_an_unseen_one_may_beat_the_record(
    database: Database, unseen: str
) -> None:
    challenge = challenge_service.create_challenge(
        database,
        tenant_id="default",
        spec=ChallengeCreate(name="c", scoring_strategy=ScoringStrategy.FASTEST),
        now_ms=T0,
    )

    def submit(player: str, elapsed_ms: int, created_at: int) -> int | None:
        return submit_attempt(
            database,
            tenant_id="default",
            challenge_id=challenge.id,
            spec=AttemptCreate(
                end_user_id=player, succeeded=True, elapsed_ms=elapsed_ms, created_at=created_at
            ),
            scorer=IN_PROCESS,
            now_ms=T0 + 10_000,
            max_clock_skew_ms=0,
        ).rank

    submit("ann", 30, T0)  # first blood
    if unseen == "hidden":
        set_player_flags(
            database,
            tenant_id="default",
            end_user_id="cat",
            changes=PlayerFlagsUpdate(hidden=True),
            now_ms=T0 + 10_000,
        )
        submit("cat", 5, T0 + 2_000)
    else:
        set_challenge_rules(
            database,
            tenant_id="default",
            challenge_id=challenge.id,
            spec=ChallengeRulesIn(freeze_at=T0 + 1_000),
            now_ms=T0 + 10_000,
        )
        submit("cat", 5, T0 + 2_000)  # after the freeze: the public does not see it
    assert submit("bob", 20, T0 + 500) == 2  # behind cat, ahead of the public record
    stored = challenge_events.list_events(
        database,
        tenant_id="default",
        challenge_id=challenge.id,
        types=[],
        since=None,
        after_id=None,
        include_hidden=True,
        limit=10,
    )
    assert [(event.type, event.end_user_id) for event in stored] == [
        ("challenge_first_blood", "ann"),
        ("challenge_record_beaten", "bob"),
    ]
