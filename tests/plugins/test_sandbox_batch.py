"""A batch scored in the sandbox: every item that can be scored is, whatever the others do."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NoReturn

import pytest

from podium.domain.challenges import AttemptOutcome
from podium.plugins.sandbox import ScorerFailedError, ScorerSandbox, score_here
from podium.plugins.sandbox_batch import score_batch
from podium.services.attempt_scoring import FAILED_REASON, AttemptScorer
from podium.store.challenge_tables import ChallengeRow
from tests.plugins.test_sandbox import CTX, HOSTILE


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ScorerSandbox]:
    pool = ScorerSandbox(workers=2, memory_limit_mb=512)
    yield pool
    pool.close()


# What tests.plugins.hostile_scorers:Moody does with each rating.
EXPECTED: dict[int, str | float] = {
    0: 0.0,
    1: "RuntimeError: one",
    2: "timed out",
    3: "died",
    4: "timed out",
    5: "died",
    6: "SystemExit",
    7: 0.0,  # a negative score, clamped
    8: 16.0,
    9: 18.0,
}


def test_a_misbehaving_item_fails_alone_and_the_batch_returns(sandbox: ScorerSandbox) -> None:
    ratings = [i % 10 for i in range(25)]
    results = score_batch(
        sandbox,
        score_here,
        HOSTILE + "Moody",
        {},
        [({"rating": rating}, CTX) for rating in ratings],
        timeout_s=0.5,
    )
    assert len(results) == len(ratings)
    for rating, result in zip(ratings, results, strict=True):
        expected = EXPECTED[rating]
        if isinstance(expected, str):
            assert isinstance(result, ScorerFailedError)
            assert expected in str(result)
            assert result.timed_out == (expected == "timed out")
        else:
            assert not isinstance(result, ScorerFailedError)
            assert result[0] == expected
    # The pool replaced every worker it lost and serves the next batch in full.
    again = score_batch(
        sandbox, score_here, HOSTILE + "Doubler", {}, [({"rating": 3}, CTX)] * 5, timeout_s=5
    )
    assert [result[0] for result in again if not isinstance(result, ScorerFailedError)] == [6.0] * 5


@pytest.mark.parametrize("size", [0, 1, 2, 3, 101])
def test_results_come_back_in_the_batch_order(sandbox: ScorerSandbox, size: int) -> None:
    results = score_batch(
        sandbox,
        score_here,
        HOSTILE + "Doubler",
        {"factor": 1.5},
        [({"rating": i}, {**CTX, "end_user_id": f"u{i}"}) for i in range(size)],
        timeout_s=5,
    )
    assert [result for result in results if isinstance(result, ScorerFailedError)] == []
    assert [result[0] for result in results] == [1.5 * i for i in range(size)]  # type: ignore[index]
    assert [result[1]["ctx"]["end_user_id"] for result in results] == [  # type: ignore[index]
        f"u{i}" for i in range(size)
    ]


def test_a_plugin_that_cannot_load_fails_every_item(sandbox: ScorerSandbox) -> None:
    results = score_batch(
        sandbox, score_here, HOSTILE + "Missing", {}, [({}, CTX)] * 3, timeout_s=5
    )
    assert all(isinstance(result, ScorerFailedError) for result in results)
    assert "has no attribute" in str(results[0])


CHALLENGE = ChallengeRow(
    id="c",
    tenant_id="t",
    scoring_strategy="custom",
    scoring_entrypoint=HOSTILE + "Moody",
    scoring_plugin_id=HOSTILE + "Moody",
    scoring_config={},
    timeout_ms=500,
)


def _attempts(ratings: list[int]) -> list[AttemptOutcome]:
    return [
        AttemptOutcome(attempt_id=0, end_user_id="u", succeeded=True, created_at=i, rating=r)
        for i, r in enumerate(ratings)
    ]


@pytest.mark.parametrize("sandboxed", [False, True])
def test_score_many_equals_score_one_by_one(sandbox: ScorerSandbox, sandboxed: bool) -> None:
    scorer = AttemptScorer(default_timeout_ms=500, sandbox=sandbox if sandboxed else None)
    ratings = [0, 1, 7, 8, 9, 8, 1] if not sandboxed else [0, 1, 2, 3, 7, 8, 9]
    attempts = _attempts(ratings)
    many = scorer.score_many(CHALLENGE, attempts, tenant_id="t")
    assert many == [scorer.score(CHALLENGE, attempt, tenant_id="t") for attempt in attempts]
    assert [outcome.score for outcome in many] == [
        None if isinstance(EXPECTED[r], str) else EXPECTED[r] for r in ratings
    ]
    assert {outcome.failed_reason for outcome in many if outcome.score is None} == {FAILED_REASON}


def test_score_many_of_a_builtin_strategy() -> None:
    scorer = AttemptScorer(default_timeout_ms=500, sandbox=None)
    challenge = ChallengeRow(id="c", tenant_id="t", scoring_strategy="highest_rating")
    attempts = _attempts([3, 0, 9])
    assert scorer.score_many(challenge, attempts, tenant_id="t") == [
        scorer.score(challenge, attempt, tenant_id="t") for attempt in attempts
    ]


def test_a_pool_that_refuses_the_task_fails_its_items() -> None:
    class Refusing(ScorerSandbox):
        def schedule(self, *args: object, **kwargs: object) -> NoReturn:
            raise RuntimeError("the pool is closed")

    results = score_batch(
        Refusing(workers=2, memory_limit_mb=512),
        score_here,
        HOSTILE + "Doubler",
        {},
        [({"rating": 1}, CTX)] * 3,
        timeout_s=5,
    )
    assert [str(result) for result in results] == ["RuntimeError: the pool is closed"] * 3
