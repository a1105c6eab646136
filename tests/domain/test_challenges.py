from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.domain.challenges import (
    AttemptOutcome,
    ScoringResultError,
    ScoringStrategy,
    best_attempt,
    builtin_score,
    is_better,
    read_scoring_result,
    standings,
)

S = ScoringStrategy


def attempt(
    attempt_id: int,
    player: str,
    *,
    ok: bool = True,
    at: int = 0,
    tokens: int | None = None,
    elapsed: int | None = None,
    rating: int | None = None,
    score: float | None = None,
) -> AttemptOutcome:
    return AttemptOutcome(
        attempt_id=attempt_id,
        end_user_id=player,
        succeeded=ok,
        created_at=at if at else attempt_id * 1000,
        tokens_total=tokens,
        elapsed_ms=elapsed,
        rating=rating,
        score=score,
    )


def table(strategy: ScoringStrategy, attempts: list[AttemptOutcome]) -> list[tuple[int, str]]:
    return [(s.rank, s.end_user_id) for s in standings(strategy, attempts)]


@pytest.mark.parametrize(
    ("strategy", "attempts", "expected"),
    [
        # first: the earliest success wins; a failure never places
        (
            S.FIRST,
            [
                attempt(1, "a", ok=False),
                attempt(2, "b"),
                attempt(3, "a"),
                attempt(4, "c", ok=False),
            ],
            [(1, "b"), (2, "a")],
        ),
        # fastest: lowest elapsed among successes; None last; zero is the best time
        (
            S.FASTEST,
            [
                attempt(1, "a", elapsed=500),
                attempt(2, "b", elapsed=None),
                attempt(3, "c", elapsed=0),
                attempt(4, "d", elapsed=10, ok=False),
                attempt(5, "a", elapsed=300),
            ],
            [(1, "c"), (2, "a"), (3, "b")],
        ),
        # fewest_tokens: ties broken by the earliest attempt
        (
            S.FEWEST_TOKENS,
            [
                attempt(1, "a", tokens=100),
                attempt(2, "b", tokens=100),
                attempt(3, "c", tokens=None),
            ],
            [(1, "a"), (2, "b"), (3, "c")],
        ),
        # highest_rating: highest first, ties by earliest; None last
        (
            S.HIGHEST_RATING,
            [
                attempt(1, "a", rating=7),
                attempt(2, "b", rating=9),
                attempt(3, "c", rating=9),
                attempt(4, "d", rating=None),
                attempt(5, "e", rating=0),
            ],
            [(1, "b"), (2, "c"), (3, "a"), (4, "e"), (5, "d")],
        ),
        # custom: higher score better; None and NaN last
        (
            S.CUSTOM,
            [
                attempt(1, "a", score=None),
                attempt(2, "b", score=math.nan),
                attempt(3, "c", score=0.0),
                attempt(4, "d", score=50.0),
                attempt(5, "d", score=10.0),
            ],
            [(1, "d"), (2, "c"), (3, "a"), (4, "b")],
        ),
        # equal results at the same instant share a rank: 1, 2, 2, 4
        (
            S.CUSTOM,
            [
                attempt(1, "a", score=9.0, at=5),
                attempt(2, "b", score=5.0, at=7),
                attempt(3, "c", score=5.0, at=7),
                attempt(4, "d", score=1.0, at=8),
            ],
            [(1, "a"), (2, "b"), (2, "c"), (4, "d")],
        ),
        # nobody succeeded: an empty board
        (S.FASTEST, [attempt(1, "a", ok=False, elapsed=1)], []),
        (S.CUSTOM, [], []),
    ],
)
def test_standings(
    strategy: ScoringStrategy, attempts: list[AttemptOutcome], expected: list[tuple[int, str]]
) -> None:
    assert table(strategy, attempts) == expected


def test_standing_counts_attempts_and_first_success() -> None:
    rows = standings(
        S.FASTEST,
        [
            attempt(1, "a", ok=False, elapsed=1),
            attempt(2, "a", elapsed=900),
            attempt(3, "a", elapsed=400),
        ],
    )
    assert len(rows) == 1
    assert rows[0].attempts == 3
    assert rows[0].first_success_at == 2000
    assert rows[0].best.attempt_id == 3
    assert rows[0].value == 400


@pytest.mark.parametrize(
    ("strategy", "outcome", "expected"),
    [
        (S.FIRST, attempt(1, "a"), 1.0),
        (S.FIRST, attempt(1, "a", ok=False), None),
        (S.FASTEST, attempt(1, "a", elapsed=0), 0.0),
        (S.FASTEST, attempt(1, "a", elapsed=None), None),
        (S.FEWEST_TOKENS, attempt(1, "a", tokens=12), 12.0),
        (S.HIGHEST_RATING, attempt(1, "a", rating=None), None),
        (S.HIGHEST_RATING, attempt(1, "a", rating=7, ok=False), None),
        (S.HIGHEST_RATING, attempt(1, "a", rating=0), 0.0),
    ],
)
def test_builtin_score(
    strategy: ScoringStrategy, outcome: AttemptOutcome, expected: float | None
) -> None:
    assert builtin_score(strategy, outcome) == expected


def test_is_better_follows_the_chain() -> None:
    best = attempt(1, "a", elapsed=300)
    assert is_better(S.FASTEST, attempt(2, "a", elapsed=200), best)
    assert not is_better(S.FASTEST, attempt(2, "a", elapsed=300), best)  # later loses the tie
    assert not is_better(S.FASTEST, attempt(2, "a", elapsed=1, ok=False), best)
    assert is_better(S.FASTEST, attempt(2, "a", elapsed=None), None)
    assert best_attempt(S.FASTEST, [attempt(3, "a", ok=False)]) is None


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ({"score": 3}, (3.0, None)),
        ({"score": -2.5, "details": {"x": 1}}, (0.0, {"x": 1})),
        ({"score": 1.0, "details": None}, (1.0, None)),
    ],
)
def test_read_scoring_result(result: object, expected: tuple[float, object]) -> None:
    assert read_scoring_result(result) == expected


@pytest.mark.parametrize(
    "result",
    [
        None,
        3.0,
        [1],
        {},
        {"details": {}},
        {"score": "1"},
        {"score": None},
        {"score": True},
        {"score": math.nan},
        {"score": math.inf},
        {"score": 1.0, "details": [1]},
    ],
)
def test_junk_results_are_refused(result: object) -> None:
    with pytest.raises(ScoringResultError):
        read_scoring_result(result)


outcomes = st.lists(
    st.builds(
        AttemptOutcome,
        attempt_id=st.integers(1, 10_000),
        end_user_id=st.sampled_from(["a", "b", "c", "d", "e"]),
        succeeded=st.booleans(),
        created_at=st.integers(0, 20),
        tokens_total=st.none() | st.integers(0, 5),
        elapsed_ms=st.none() | st.integers(0, 5),
        rating=st.none() | st.integers(0, 10),
        score=st.none() | st.just(math.nan) | st.floats(min_value=0, max_value=5),
    ),
    max_size=30,
    unique_by=lambda a: a.attempt_id,
)


@given(strategy=st.sampled_from(list(S)), attempts=outcomes, seed=st.integers(0, 1000))
def test_shuffling_never_changes_standings(
    strategy: ScoringStrategy, attempts: list[AttemptOutcome], seed: int
) -> None:
    shuffled = list(attempts)
    random.Random(seed).shuffle(shuffled)

    def seen(rows: list[AttemptOutcome]) -> list[tuple[int, str, int, int]]:
        return [
            (row.rank, row.end_user_id, row.best.attempt_id, row.attempts)
            for row in standings(strategy, rows)
        ]

    assert seen(shuffled) == seen(attempts)


@given(strategy=st.sampled_from(list(S)), attempts=outcomes)
def test_ranks_are_competition_ranks(
    strategy: ScoringStrategy, attempts: list[AttemptOutcome]
) -> None:
    rows = standings(strategy, attempts)
    for position, row in enumerate(rows, start=1):
        assert row.rank <= position
        if row.rank < position:
            assert rows[position - 2].rank == row.rank
        else:
            assert row.rank == position
    assert len({row.end_user_id for row in rows}) == len(rows)
