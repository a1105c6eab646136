"""The built-in rankers (weighted, lexicographic options), ties and eligibility, as pure units."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.domain.leaderboard import asset_categories, models_on_asset, rank_changes
from podium.domain.model import Model, ModelScore, Param, ParamScore, Player
from podium.domain.ranking import (
    Eligibility,
    LexicographicRanker,
    Ranker,
    RankingRule,
    WeightedRanker,
)
from podium.domain.windows import WindowScores

PLAYER = Player("p", "Pat")


def model(
    model_id: str,
    anchor: float | None,
    steady: float | None = None,
    recent: float | None = None,
    count: int = 0,
) -> Model:
    return Model(
        model_id,
        f"name of {model_id}",
        PLAYER,
        score=ModelScore(
            overall_score=WindowScores(recent=recent, steady=steady, anchor=anchor),
            prediction_count=count,
        ),
    )


def ranks(ranker: Ranker, models: list[Model]) -> list[tuple[str, int]]:
    return [(p.model.model_id, p.rank) for p in ranker.rank(models)]


def test_weighted_uses_the_guides_weights_and_shows_the_combined_value() -> None:
    placements = WeightedRanker().rank(
        [model("a", 1.0, 0.0, 0.0), model("b", 0.0, 1.0, 2.0), model("c", None)]
    )
    assert [(p.model.model_id, p.rank) for p in placements] == [("b", 1), ("a", 2), ("c", 3)]
    assert placements[0].combined_score == pytest.approx(0.3 + 0.4)
    assert placements[1].combined_score == pytest.approx(0.5 * 1.0)
    assert placements[2].combined_score is None


def test_weighted_counts_a_missing_window_as_zero() -> None:
    ranker = WeightedRanker(weights={"anchor": 1.0, "recent": 1.0})
    placements = ranker.rank([model("a", 2.0, None, None), model("b", -1.0, None, 2.5)])
    assert [(p.model.model_id, p.combined_score) for p in placements] == [("a", 2.0), ("b", 1.5)]


@pytest.mark.parametrize(
    "weights",
    [{"anchor": -1.0}, {"median": 1.0}, {"anchor": 0.0}, {"anchor": float("nan")}],
)
def test_weighted_refuses_bad_weights(weights: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="weight"):
        WeightedRanker(weights=weights)


@pytest.mark.parametrize(
    ("ties", "expected"),
    [
        ("ordered", [("a", 1), ("b", 2), ("c", 3), ("d", 4)]),
        ("shared", [("a", 1), ("b", 2), ("c", 2), ("d", 4)]),
    ],
)
@pytest.mark.parametrize("make", [LexicographicRanker, WeightedRanker])
def test_ties_shared_give_1224_ranks_ordered_give_distinct_ones(
    make: type, ties: str, expected: list[tuple[str, int]]
) -> None:
    models = [model("d", 1.0), model("c", 2.0), model("b", 2.0), model("a", 3.0)]
    assert ranks(make(ties=ties), models) == expected


def test_lexicographic_ascending_order_still_puts_missing_last() -> None:
    ranker = LexicographicRanker(keys=("anchor",), order="asc")
    assert ranks(ranker, [model("a", 2.0), model("b", None), model("c", 1.0)]) == [
        ("c", 1),
        ("a", 2),
        ("b", 3),
    ]


def test_eligibility_leaves_out_models_with_too_few_predictions_and_says_why() -> None:
    rule = RankingRule(WeightedRanker(), Eligibility(min_predictions=100))
    models = [model("few", 9.0, count=99), model("many", 1.0, count=100)]
    assert ranks(rule, models) == [("many", 1)]
    assert rule.excluded(models) == {"few": "fewer than 100 scored predictions (99 so far)"}


maybe_score = st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
rows = st.lists(
    st.tuples(maybe_score, maybe_score, maybe_score, st.integers(0, 20)), min_size=1, max_size=12
)
rankers = st.one_of(
    st.builds(
        LexicographicRanker,
        keys=st.permutations(["anchor", "steady", "recent"]).map(tuple),
        order=st.sampled_from(["desc", "asc"]),
        ties=st.sampled_from(["ordered", "shared"]),
    ),
    st.builds(
        WeightedRanker,
        weights=st.fixed_dictionaries(
            {
                "anchor": st.floats(0.01, 1),
                "steady": st.floats(0, 1),
                "recent": st.floats(0, 1),
            }
        ),
        ties=st.sampled_from(["ordered", "shared"]),
    ),
)
rules = st.builds(
    RankingRule, ranker=rankers, eligibility=st.builds(Eligibility, st.integers(0, 20))
)


def models_of(items: list[tuple[float | None, float | None, float | None, int]]) -> list[Model]:
    return [
        model(f"m{index:02d}", anchor, steady, recent, count)
        for index, (anchor, steady, recent, count) in enumerate(items)
    ]


@given(rules, rows, st.randoms())
def test_shuffling_models_never_changes_the_ranking(rule, items, random) -> None:  # type: ignore[no-untyped-def]
    models = models_of(items)
    shuffled = list(models)
    random.shuffle(shuffled)
    assert rule.rank(shuffled) == rule.rank(models)


@given(rules, rows)
def test_an_ineligible_model_is_never_ranked(rule, items) -> None:  # type: ignore[no-untyped-def]
    models = models_of(items)
    ranked = {p.model.model_id for p in rule.rank(models)}
    too_few = {m.model_id for m in models if m.prediction_count < rule.eligibility.min_predictions}
    assert ranked.isdisjoint(too_few)
    assert ranked | too_few == {m.model_id for m in models}
    assert set(rule.excluded(models)) == too_few


@given(rules, rows, st.data())
def test_raising_one_models_score_never_lowers_its_rank(rule, items, data) -> None:  # type: ignore[no-untyped-def]
    models = models_of(items)
    index = data.draw(st.integers(0, len(models) - 1))
    target = models[index]
    score = target.overall_score
    ranker = rule.ranker
    # Raise every window the ranker reads in the direction it prefers.
    ascending = isinstance(ranker, LexicographicRanker) and ranker.order == "asc"
    raised = {}
    for name in ("recent", "steady", "anchor"):
        value = score.get(name)
        if ascending:
            raised[name] = data.draw(
                st.floats(-2e6, value if value is not None else 1e6, allow_nan=False)
            )
        else:
            low = (
                value if value is not None else 0.0 if isinstance(ranker, WeightedRanker) else -1e6
            )
            raised[name] = data.draw(st.floats(low, 2e6, allow_nan=False))
    better = replace(
        target,
        score=replace(target.score, overall_score=WindowScores(**raised)),
    )
    before = {p.model.model_id: p.rank for p in rule.rank(models)}
    after = {
        p.model.model_id: p.rank for p in rule.rank([better if m is target else m for m in models])
    }
    if target.model_id in before:
        assert after[target.model_id] <= before[target.model_id]


@given(rankers, rows)
def test_ranks_start_at_one_and_never_decrease(ranker, items) -> None:  # type: ignore[no-untyped-def]
    placements = ranker.rank(models_of(items))
    found = [p.rank for p in placements]
    assert found[0] == 1
    assert found == sorted(found)
    assert all(rank <= index + 1 for index, rank in enumerate(found))


def test_models_on_an_asset_are_scored_on_its_params_only() -> None:
    def param_score(param_id: str, asset: str | None, anchor: float, count: int) -> ParamScore:
        return ParamScore(Param(param_id, asset=asset), WindowScores(anchor=anchor), count)

    both = Model(
        "both",
        "Both",
        PLAYER,
        score=ModelScore.from_params(
            [
                param_score("BTC-1h", "BTC", -1.0, 3),
                param_score("BTC-24h", "BTC", -3.0, 2),
                param_score("ETH", "ETH", 5.0, 7),
                param_score("free", None, 9.0, 1),
            ]
        ),
    )
    eth_only = Model(
        "eth", "Eth", PLAYER, score=ModelScore.from_params([param_score("ETH", "ETH", 1.0, 1)])
    )
    assert asset_categories([both, eth_only]) == ["BTC", "ETH"]
    btc = models_on_asset([both, eth_only], "BTC")
    assert [m.model_id for m in btc] == ["both"]
    assert (btc[0].overall_score.anchor, btc[0].prediction_count) == (-2.0, 5)


@pytest.mark.parametrize(
    ("current", "earlier", "expected"),
    [
        ({"a": 1, "b": 2}, {"a": 2, "b": 1}, {"a": 1, "b": -1}),
        ({"a": 1, "new": 2}, {"a": 1}, {"a": 0, "new": None}),
        ({"a": 1}, None, {"a": None}),
    ],
)
def test_rank_changes(
    current: dict[str, int], earlier: dict[str, int] | None, expected: dict[str, int | None]
) -> None:
    assert rank_changes(current, earlier) == expected
