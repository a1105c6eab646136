"""Collection strategies: tables of cases (partial completion, ties, None) and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.domain.collections import (
    CollectionStrategy,
    SuccessfulAttempt,
    aggregate,
    best_attempts,
    collection_standings,
)

CHALLENGES = ("c1", "c2", "c3")
_ids = iter(range(1_000_000))


def attempt(player: str, challenge: str, at: int = 0, **metrics: float | None) -> SuccessfulAttempt:
    return SuccessfulAttempt(
        attempt_id=next(_ids),
        challenge_id=challenge,
        end_user_id=player,
        created_at=at,
        **metrics,  # type: ignore[arg-type]
    )


def board(strategy: CollectionStrategy, attempts: list[SuccessfulAttempt], **kw):  # type: ignore[no-untyped-def]
    standings = collection_standings(attempts, strategy, challenge_ids=CHALLENGES, **kw)
    return [(s.rank, s.end_user_id, s.aggregate, s.completed) for s in standings]


CASES = [
    pytest.param(
        CollectionStrategy.SUM,
        [
            attempt("ann", "c1", 1, score=10),
            attempt("ann", "c2", 2, score=5),
            attempt("bob", "c1", 1, score=20),
            attempt("bob", "c1", 3, score=12),
        ],
        [(1, "bob", 20.0, 1), (2, "ann", 15.0, 2)],
        id="sum-higher-first-best-score-per-challenge",
    ),
    pytest.param(
        CollectionStrategy.SUM,
        [
            attempt("ann", "c1", 5, score=10),
            attempt("bob", "c1", 3, score=10),
            attempt("cat", "c1", 4, score=10),
            attempt("dan", "c1", 1, score=1),
        ],
        [(1, "bob", 10.0, 1), (1, "cat", 10.0, 1), (1, "ann", 10.0, 1), (4, "dan", 1.0, 1)],
        id="sum-ties-share-rank-earliest-listed-first",
    ),
    pytest.param(
        CollectionStrategy.SUM,
        [attempt("ann", "c1", 1, score=None), attempt("bob", "c1", 2, score=0)],
        [(1, "bob", 0.0, 1), (2, "ann", None, 1)],
        id="sum-none-score-last",
    ),
    pytest.param(
        CollectionStrategy.SUM,
        [attempt("ann", "c1", 1, score=3, value=100), attempt("bob", "c1", 2, score=50, value=90)],
        [(1, "ann", 100.0, 1), (2, "bob", 90.0, 1)],
        id="sum-dynamic-value-wins-over-score",
    ),
    pytest.param(
        CollectionStrategy.FASTEST_TOTAL,
        [
            attempt("ann", "c1", 1, elapsed_ms=1000),
            attempt("ann", "c2", 2, elapsed_ms=9000),
            attempt("bob", "c1", 1, elapsed_ms=10),
            attempt("cat", "c1", 1, elapsed_ms=500),
            attempt("cat", "c1", 2, elapsed_ms=300),
            attempt("cat", "c2", 3, elapsed_ms=None),
        ],
        [(1, "ann", 10000.0, 2), (2, "bob", 10.0, 1), (3, "cat", 300.0, 1)],
        id="fastest-more-completed-first-missing-metric-does-not-complete",
    ),
    pytest.param(
        CollectionStrategy.FASTEST_TOTAL,
        [
            attempt("ann", "c1", 9, elapsed_ms=100),
            attempt("bob", "c1", 2, elapsed_ms=100),
        ],
        [(1, "bob", 100.0, 1), (1, "ann", 100.0, 1)],
        id="fastest-tie-shares-rank",
    ),
    pytest.param(
        CollectionStrategy.FEWEST_TOKENS_TOTAL,
        [
            attempt("ann", "c1", 1, tokens_total=100),
            attempt("ann", "c2", 1, tokens_total=0),
            attempt("bob", "c1", 1, tokens_total=50),
            attempt("bob", "c2", 1, tokens_total=60),
            attempt("bob", "c3", 1, tokens_total=1),
        ],
        [(1, "bob", 111.0, 3), (2, "ann", 100.0, 2)],
        id="fewest-tokens-zero-counts",
    ),
    pytest.param(
        CollectionStrategy.FEWEST_TOKENS_TOTAL,
        [
            attempt("ann", "c1", 4, tokens_total=30),
            attempt("bob", "c1", 2, tokens_total=None),
            attempt("bob", "c2", 3, tokens_total=30),
            attempt("cat", "c1", 1, tokens_total=10),
            attempt("cat", "c2", 1, tokens_total=20),
            attempt("dan", "c3", 9, tokens_total=None),
        ],
        [(1, "cat", 30.0, 2), (2, "bob", 30.0, 1), (2, "ann", 30.0, 1)],
        id="fewest-tokens-none-does-not-complete-ties-share",
    ),
    pytest.param(
        CollectionStrategy.HIGHEST_AVG_RATING,
        [
            attempt("ann", "c1", 1, rating=0),
            attempt("bob", "c1", 1, rating=0.5),
            attempt("bob", "c2", 5, rating=None),
        ],
        [(1, "bob", 0.5, 1), (2, "ann", 0.0, 1)],
        id="avg-rating-zero-is-a-rating-none-is-not",
    ),
    pytest.param(
        CollectionStrategy.HIGHEST_AVG_RATING,
        [
            attempt("ann", "c1", 1, rating=10),
            attempt("ann", "c2", 1, rating=8),
            attempt("bob", "c1", 1, rating=9),
            attempt("cat", "c1", 1, rating=9),
            attempt("cat", "c2", 1, rating=9),
            attempt("dan", "c1", 1, rating=None),
        ],
        [(1, "ann", 9.0, 2), (1, "cat", 9.0, 2), (3, "bob", 9.0, 1)],
        id="avg-rating-then-more-completed-no-rating-no-completion",
    ),
]


@pytest.mark.parametrize(("strategy", "attempts", "expected"), CASES)
def test_collection_strategies(strategy, attempts, expected) -> None:  # type: ignore[no-untyped-def]
    assert board(strategy, attempts) == expected


def test_ties_within_shared_rank_are_listed_by_earliest_then_id() -> None:
    attempts = [attempt("zed", "c1", 1, score=5), attempt("amy", "c1", 1, score=5)]
    assert [
        s.end_user_id
        for s in collection_standings(attempts, CollectionStrategy.SUM, challenge_ids=CHALLENGES)
    ] == ["amy", "zed"]


def test_attempts_outside_the_collection_are_ignored() -> None:
    attempts = [attempt("ann", "other", 1, score=99), attempt("ann", "c1", 1, score=1)]
    assert board(CollectionStrategy.SUM, attempts) == [(1, "ann", 1.0, 1)]


def test_custom_strategy_gets_the_bests_and_nan_sorts_last() -> None:
    attempts = [
        attempt("ann", "c1", 1, score=1),
        attempt("ann", "c2", 1, score=2),
        attempt("bob", "c1", 1, score=5),
        attempt("cat", "c1", 1, score=5),
    ]
    seen: dict[str, list[str]] = {}

    def scorer(bests_by_player):  # type: ignore[no-untyped-def]
        for player, bests in bests_by_player.items():
            seen[player] = [b.challenge_id for b in bests]
        return {"ann": 30.0, "bob": math.nan, "cat": None}

    result = board(CollectionStrategy.CUSTOM, attempts, custom_aggregate=scorer)
    assert result == [(1, "ann", 30.0, 2), (2, "bob", None, 1), (2, "cat", None, 1)]
    assert seen["ann"] == ["c1", "c2"]


def test_custom_without_scorer_is_refused() -> None:
    with pytest.raises(ValueError, match="scorer"):
        collection_standings([], CollectionStrategy.CUSTOM, challenge_ids=CHALLENGES)
    with pytest.raises(ValueError, match="plugin"):
        aggregate(CollectionStrategy.CUSTOM, [])


def test_best_attempts_are_in_collection_order() -> None:
    attempts = [attempt("ann", "c3", 1, score=1), attempt("ann", "c1", 1, score=1)]
    found = best_attempts(attempts, CollectionStrategy.SUM, challenge_ids=CHALLENGES)
    assert [a.challenge_id for a in found["ann"]] == ["c1", "c3"]


random_attempts = st.lists(
    st.builds(
        attempt,
        st.sampled_from(["ann", "bob", "cat", "dan"]),
        st.sampled_from(CHALLENGES),
        st.integers(0, 100),
        score=st.one_of(st.none(), st.floats(0, 100, allow_nan=False)),
        elapsed_ms=st.one_of(st.none(), st.integers(0, 10_000)),
    ),
    max_size=30,
)


@given(random_attempts, st.sampled_from(list(CollectionStrategy)[:3]), st.randoms())
def test_shuffling_attempts_never_changes_the_standings(attempts, strategy, rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(attempts)
    rnd.shuffle(shuffled)
    assert board(strategy, attempts) == board(strategy, shuffled)


@given(random_attempts)
def test_sum_ranks_are_consistent_with_aggregates(attempts) -> None:  # type: ignore[no-untyped-def]
    standings = collection_standings(attempts, CollectionStrategy.SUM, challenge_ids=CHALLENGES)
    ranks = [s.rank for s in standings]
    assert ranks == sorted(ranks)
    present = [s.aggregate for s in standings if s.aggregate is not None]
    assert present == sorted(present, reverse=True)
    # None aggregates come after every present one.
    seen_none = False
    for s in standings:
        seen_none = seen_none or s.aggregate is None
        assert not (seen_none and s.aggregate is not None)


@given(random_attempts)
def test_fastest_total_never_ranks_fewer_completed_above_more(attempts) -> None:  # type: ignore[no-untyped-def]
    standings = collection_standings(
        attempts, CollectionStrategy.FASTEST_TOTAL, challenge_ids=CHALLENGES
    )
    completed = [s.completed for s in standings]
    assert completed == sorted(completed, reverse=True)
    for s in standings:
        assert s.aggregate == sum(b.elapsed_ms or 0 for b in s.bests)
