from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.domain.leaderboard import Leaderboard, leaderboard_id
from podium.domain.model import Model, ModelScore, Player
from podium.domain.ranking import LexicographicRanker
from podium.domain.timestamps import from_ms
from podium.domain.windows import WindowScores

PLAYER = Player("p", "Pat")


def model(
    model_id: str, anchor: float | None, steady: float | None = None, recent: float | None = None
) -> Model:
    return Model(
        model_id,
        f"name of {model_id}",
        PLAYER,
        score=ModelScore(overall_score=WindowScores(recent=recent, steady=steady, anchor=anchor)),
    )


def order(models: list[Model], ranker: LexicographicRanker | None = None) -> list[str]:
    return [
        placement.model.model_id for placement in (ranker or LexicographicRanker()).rank(models)
    ]


def test_default_ranking_sorts_by_anchor_then_steady_then_recent_descending() -> None:
    models = [
        model("a", 1.0, 5.0, 9.0),
        model("b", 2.0, 0.0, 0.0),
        model("c", 1.0, 5.0, 10.0),
        model("d", 1.0, 6.0, 0.0),
    ]
    assert order(models) == ["b", "d", "c", "a"]


def test_missing_values_rank_last() -> None:
    models = [model("none", None), model("low", -1e9), model("mid", 0.0, None, 3.0)]
    assert order(models) == ["mid", "low", "none"]


def test_missing_tiebreak_is_below_any_value() -> None:
    assert order([model("a", 1.0, None), model("b", 1.0, -5.0)]) == ["b", "a"]


def test_equal_scores_are_ordered_by_model_id_and_get_distinct_ranks() -> None:
    placements = LexicographicRanker().rank(
        [model("zeta", 1.0), model("alpha", 1.0), model("mid", 1.0)]
    )
    assert [(p.model.model_id, p.rank) for p in placements] == [
        ("alpha", 1),
        ("mid", 2),
        ("zeta", 3),
    ]


def test_ranking_keys_are_configurable() -> None:
    ranker = LexicographicRanker(keys=["recent"])  # type: ignore[arg-type]
    assert order([model("a", 9.0, 9.0, 1.0), model("b", 0.0, 0.0, 2.0)], ranker) == ["b", "a"]


def test_unknown_ranking_key_is_refused() -> None:
    with pytest.raises(ValueError, match="ranking keys"):
        LexicographicRanker(keys=("median",))


def test_leaderboard_create_keeps_the_hosts_fields() -> None:
    board = Leaderboard.create(
        [model("a", 1.0), model("b", 2.0)], competition_id="c1", created_at=from_ms(1_000)
    )
    assert board.id == leaderboard_id("c1", "overall", 1_000) == "LBR_c1_overall_1000"
    assert board.category == "overall"
    assert [(entry.rank, entry.model_id, entry.player_name) for entry in board.entries] == [
        (1, "b", "Pat"),
        (2, "a", "Pat"),
    ]
    assert board.entries[0].score.anchor == 2.0


maybe_score = st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
score_triples = st.lists(st.tuples(maybe_score, maybe_score, maybe_score), min_size=1, max_size=12)


def models_of(triples: list[tuple[float | None, float | None, float | None]]) -> list[Model]:
    return [
        model(f"m{index:02d}", anchor, steady, recent)
        for index, (anchor, steady, recent) in enumerate(triples)
    ]


@given(score_triples, st.randoms())
def test_shuffling_models_never_changes_the_ranking(triples, random) -> None:  # type: ignore[no-untyped-def]
    models = models_of(triples)
    shuffled = list(models)
    random.shuffle(shuffled)
    assert order(shuffled) == order(models)


@given(score_triples, st.data())
def test_raising_a_models_anchor_never_lowers_its_rank(triples, data) -> None:  # type: ignore[no-untyped-def]
    models = models_of(triples)
    index = data.draw(st.integers(min_value=0, max_value=len(models) - 1))
    target = models[index]
    current = target.overall_score.anchor
    raised_to = data.draw(
        st.floats(
            min_value=current if current is not None else -1e6, max_value=2e6, allow_nan=False
        )
    )
    better = replace(
        target,
        score=ModelScore(overall_score=replace(target.overall_score, anchor=raised_to)),
    )
    before = order(models).index(target.model_id)
    after = order([better if m is target else m for m in models]).index(target.model_id)
    assert after <= before


@given(score_triples)
def test_ranks_are_one_to_n_and_sorted_by_the_first_key(triples) -> None:  # type: ignore[no-untyped-def]
    placements = LexicographicRanker().rank(models_of(triples))
    assert [p.rank for p in placements] == list(range(1, len(placements) + 1))
    anchors = [p.model.overall_score.anchor for p in placements]
    keys = [-math.inf if value is None else value for value in anchors]
    assert keys == sorted(keys, reverse=True)
