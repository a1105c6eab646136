"""Leaderboards built in columns equal those built from ``Model`` objects, bit for bit.

The reference is the build as it was before the columnar path: per-pair ``window_means``,
``group_model_scores`` into ``ModelScore``s, ``Leaderboard.create`` with the rule for
``overall`` and for each asset of ``models_by_asset``, and the snapshots of those models.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.domain.leaderboard import (
    OVERALL_CATEGORY,
    Leaderboard,
    LeaderboardRows,
    models_by_asset,
)
from podium.domain.model import Model, Param, ParamScore, Player, group_model_scores
from podium.domain.ranking import (
    Eligibility,
    LexicographicRanker,
    Placement,
    RankingRule,
    WeightedRanker,
)
from podium.domain.score_table import CountColumns, RosterColumns, ScoreTable, WindowColumns
from podium.domain.standings import Standings
from podium.domain.timestamps import from_ms
from podium.domain.windows import WINDOW_NAMES, WindowScores, window_means

CREATED_MS = 1_780_000_000_000
MODEL_IDS = ["m0", "M1", "m10", "m2", "a", "b_", "z", "m3"]


@dataclass(frozen=True)
class Case:
    roster: RosterColumns
    params: dict[str, Param]
    windows: list[tuple[str, str, list[int], list[float]]]  # model, param, counts, sums
    counts: list[tuple[str, str, int]]

    def table(self) -> ScoreTable:
        return ScoreTable.build(
            self.roster,
            self.params,
            WindowColumns(
                [row[0] for row in self.windows],
                [row[1] for row in self.windows],
                np.array([row[2] for row in self.windows], dtype=np.int64).reshape(-1, 3).T,
                np.array([row[3] for row in self.windows], dtype=np.float64).reshape(-1, 3).T,
            ),
            CountColumns(
                [row[0] for row in self.counts],
                [row[1] for row in self.counts],
                np.array([row[2] for row in self.counts], dtype=np.int64),
            ),
        )


def reference_models(case: Case) -> list[Model]:
    """``current_models`` as it was: one object per pair, then per model."""
    totals = {(model, param): count for model, param, count in case.counts}
    windows = {
        (model, param): window_means(
            dict(zip(WINDOW_NAMES, counts, strict=True)),
            dict(zip(WINDOW_NAMES, sums, strict=True)),
        )
        for model, param, counts, sums in case.windows
    }
    pairs = sorted(set(windows) | set(totals))
    by_model = group_model_scores(
        (
            model,
            ParamScore(
                param=case.params[param],
                score=windows.get((model, param), WindowScores()),
                prediction_count=totals.get((model, param), 0),
            ),
        )
        for model, param in pairs
    )
    roster = case.roster
    models = [
        Model(crunch_identifier=model_id, name=name, player=Player(id=player_id, name=player))
        for model_id, name, player_id, player in zip(
            roster.model_id, roster.model_name, roster.player_id, roster.player_name, strict=True
        )
    ]
    return [
        replace(model, score=by_model[model.model_id]) if model.model_id in by_model else model
        for model in models
    ]


def reference_boards(models: list[Model], rule: RankingRule) -> list[LeaderboardRows]:
    boards = {OVERALL_CATEGORY: models, **models_by_asset(models)}
    return [
        LeaderboardRows.of(
            Leaderboard.create(
                on_category,
                competition_id="c",
                created_at=from_ms(CREATED_MS),
                category=category,
                ranker=rule,
            )
        )
        for category, on_category in boards.items()
    ]


def reference_snapshots(models: list[Model]) -> list[tuple[Any, ...]]:
    return [
        (
            model.model_id,
            model.overall_score.recent,
            model.overall_score.steady,
            model.overall_score.anchor,
            model.prediction_count,
            {
                item.param.id: [
                    item.score.recent,
                    item.score.steady,
                    item.score.anchor,
                    item.prediction_count,
                ]
                for item in model.scores_by_param
            },
        )
        for model in models
        if model.scores_by_param
    ]


def exact(value: Any) -> Any:
    """A value with its floats spelled exactly (``-0.0`` is not ``0.0``, NaN equals NaN)."""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else value.hex()
    if isinstance(value, list | tuple):
        return [exact(item) for item in value]
    if isinstance(value, dict):
        return {key: exact(item) for key, item in value.items()}
    return value


def board_values(boards: Sequence[LeaderboardRows]) -> Any:
    return exact([list(vars_of(board)) for board in boards])


def vars_of(board: LeaderboardRows) -> list[Any]:
    return [getattr(board, name) for name in LeaderboardRows.__dataclass_fields__]


def snapshot_values(table: ScoreTable) -> Any:
    found = table.snapshots()
    return exact(
        list(
            zip(
                found.model_id,
                found.recent,
                found.steady,
                found.anchor,
                found.prediction_count,
                found.scores_by_param,
                strict=True,
            )
        )
    )


# Few distinct values, so that ties (and -0.0 against 0.0) are common.
sums = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0]),
    st.floats(min_value=-1e3, max_value=1e3, allow_nan=False),
)


@st.composite
def cases(draw: st.DrawFn, *, values: st.SearchStrategy[float] = sums) -> Case:
    model_ids = draw(st.lists(st.sampled_from(MODEL_IDS), unique=True, max_size=6))
    outsiders = draw(st.lists(st.sampled_from(["gone", "old"]), unique=True, max_size=2))
    players = draw(st.lists(st.sampled_from(["p1", "p2"]), min_size=1, max_size=1))
    roster = RosterColumns(
        model_id=model_ids,
        model_name=[f"name {model}" for model in model_ids],
        player_id=[players[0] for _ in model_ids],
        player_name=["Player" for _ in model_ids],
    )
    param_ids = draw(st.lists(st.sampled_from(["x", "B-1", "a-2", "b", "A"]), unique=True))
    params = {
        param: Param(param, asset=draw(st.sampled_from([None, "BTC", "ETH", ""])))
        for param in param_ids
    }
    pairs = [(model, param) for model in model_ids + outsiders for param in param_ids]
    windowed = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    counted = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    window_counts = st.lists(st.sampled_from([0, 0, 1, 2, 7]), min_size=3, max_size=3)
    window_sums = st.lists(values, min_size=3, max_size=3)
    return Case(
        roster=roster,
        params=params,
        windows=[(*pair, draw(window_counts), draw(window_sums)) for pair in windowed],
        counts=[(*pair, draw(st.sampled_from([0, 1, 3, 100, 250]))) for pair in counted],
    )


keys = st.lists(st.sampled_from(WINDOW_NAMES), min_size=1, max_size=3, unique=True)
ties = st.sampled_from(["ordered", "shared"])
rankers = st.one_of(
    st.builds(
        LexicographicRanker, keys=keys.map(tuple), order=st.sampled_from(["desc", "asc"]), ties=ties
    ),
    st.builds(
        WeightedRanker,
        weights=st.dictionaries(
            st.sampled_from(WINDOW_NAMES), st.sampled_from([0.0, 0.2, 0.5, 1.0, 3.0]), min_size=1
        ).filter(lambda weights: any(weights.values())),
        ties=ties,
    ),
)
rules = st.builds(
    RankingRule,
    ranker=rankers,
    eligibility=st.builds(Eligibility, min_predictions=st.sampled_from([0, 1, 5, 100, 300])),
)


@given(cases(), rules)
@settings(max_examples=300, deadline=None)
def test_columns_rank_as_model_objects(case: Case, rule: RankingRule) -> None:
    table = case.table()
    models = reference_models(case)
    assert table.is_finite()
    assert table.models() == models
    built = table.leaderboards(rule, competition_id="c", created_at_ms=CREATED_MS)
    assert board_values(built) == board_values(reference_boards(models, rule))
    assert snapshot_values(table) == exact(reference_snapshots(models))


@given(cases(), rules)
@settings(max_examples=100, deadline=None)
def test_the_overall_leaderboard_comes_back_as_the_reference_one(
    case: Case, rule: RankingRule
) -> None:
    built = case.table().leaderboards(rule, competition_id="c", created_at_ms=CREATED_MS)[0]
    expected = Leaderboard.create(
        reference_models(case),
        competition_id="c",
        created_at=from_ms(CREATED_MS),
        ranker=rule,
    )
    assert built.leaderboard() == expected
    assert LeaderboardRows.of(expected) == built


huge = st.sampled_from([1e308, -1e308, 1.7e308, math.inf, -math.inf, math.nan, 0.0, 1.0])


@given(cases(values=huge), rules)
@settings(max_examples=150, deadline=None)
def test_infinite_and_nan_sums_are_ranked_as_model_objects(case: Case, rule: RankingRule) -> None:
    """Non-finite window sums or means that overflow: the result is still the reference one,
    through objects where columns could not say it (``is_finite``, a NaN combined score)."""
    table = case.table()
    models = reference_models(case)
    built = table.leaderboards(rule, competition_id="c", created_at_ms=CREATED_MS)
    assert board_values(built) == board_values(reference_boards(models, rule))
    assert snapshot_values(table) == exact(reference_snapshots(models))


def test_a_nan_combined_score_declines_the_columns() -> None:
    """Two finite means that overflow to +inf overall, a zero weight on that window: NaN."""
    standings = Standings(
        model=np.array([0, 1]),
        tiebreak=np.array([0, 1]),
        scores=np.array([[math.inf, 1.0], [1.0, 2.0], [1.0, 1.0]]),
        prediction_count=np.array([5, 5]),
    )
    ranker = WeightedRanker(weights={"recent": 0.0, "anchor": 1.0})
    assert ranker.rank_columns(standings) is None
    assert RankingRule(ranker).rank_columns(standings) is None
    rows = ScoreTable.build(
        RosterColumns(["a", "b"], ["a", "b"], ["p", "p"], ["p", "p"]),
        {"x": Param("x", asset="BTC"), "y": Param("y", asset="BTC")},
        WindowColumns(
            ["a", "a", "b"],
            ["x", "y", "x"],
            np.array([[1, 1, 1], [1, 1, 1], [1, 1, 1]]),
            np.array([[1.7e308, 1.7e308, 1.0], [1.0, 1.0, 2.0], [1.0, 1.0, 1.0]]),
        ),
        CountColumns([], [], np.zeros(0, dtype=np.int64)),
    )
    rule = RankingRule(ranker, Eligibility(0))
    built = rows.leaderboards(rule, competition_id="c", created_at_ms=CREATED_MS)
    models = rows.models()
    assert models[0].overall_score.recent == math.inf
    assert board_values(built) == board_values(reference_boards(models, rule))


class ObjectsOnly:
    """A third-party ranker: ``rank`` only."""

    def rank(self, models: Sequence[Model]) -> list[Placement]:
        return LexicographicRanker(keys=("recent",)).rank(models)


@dataclass(frozen=True, slots=True)
class RecentFirst(LexicographicRanker):
    """A subclass of a built-in that changes its keys: its parent's columns must not rank it."""

    def sort_key(self, model: Model) -> tuple[float, ...]:
        recent = model.overall_score.recent
        return (math.inf if recent is None else recent,)


@pytest.mark.parametrize("ranker", [ObjectsOnly(), RecentFirst()])
def test_rankers_without_columns_of_their_own_rank_model_objects(ranker: Any) -> None:
    case = Case(
        roster=RosterColumns(["a", "b", "c"], ["a", "b", "c"], ["p"] * 3, ["p"] * 3),
        params={"x": Param("x", asset="BTC")},
        windows=[
            ("a", "x", [1, 1, 1], [3.0, 1.0, 1.0]),
            ("b", "x", [1, 1, 1], [1.0, 2.0, 2.0]),
            ("c", "x", [1, 0, 1], [2.0, 0.0, 3.0]),
        ],
        counts=[],
    )
    rule = RankingRule(ranker, Eligibility(0))
    table = case.table()
    assert rule.rank_columns(table.overall()) is None
    built = table.leaderboards(rule, competition_id="c", created_at_ms=CREATED_MS)
    assert built[0].model_id == [
        placement.model.model_id for placement in ranker.rank(table.models())
    ]
    assert board_values(built) == board_values(reference_boards(reference_models(case), rule))


def test_shared_ties_skip_ranks_and_order_by_model_id() -> None:
    standings = Standings(
        model=np.arange(4),
        tiebreak=np.array([3, 1, 0, 2]),
        scores=np.array(
            [[1.0, 1.0, 2.0, np.nan], [0.0, -0.0, 0.0, np.nan], [np.nan, np.nan, 5.0, np.nan]]
        ),
        prediction_count=np.array([1, 1, 1, 0]),
    )
    ranking = LexicographicRanker(keys=("recent", "steady"), ties="shared").rank_columns(standings)
    assert ranking.order.tolist() == [2, 1, 0, 3]
    assert ranking.rank.tolist() == [1, 2, 2, 4]
    eligible = RankingRule(LexicographicRanker(), Eligibility(1)).rank_columns(standings)
    assert eligible is not None
    assert sorted(eligible.order.tolist()) == [0, 1, 2]


def test_an_empty_table_gives_an_empty_overall_leaderboard() -> None:
    case = Case(RosterColumns([], [], [], []), {}, [], [])
    built = case.table().leaderboards(
        RankingRule(LexicographicRanker()), competition_id="c", created_at_ms=CREATED_MS
    )
    assert [(board.category, len(board)) for board in built] == [(OVERALL_CATEGORY, 0)]
    assert len(case.table().snapshots()) == 0


def test_an_unknown_param_is_an_error() -> None:
    case = Case(
        RosterColumns(["a"], ["a"], ["p"], ["p"]), {}, [("a", "nope", [1, 1, 1], [1.0] * 3)], []
    )
    with pytest.raises(KeyError):
        case.table()
