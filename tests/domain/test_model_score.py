from __future__ import annotations

import pytest

from podium.domain.model import (
    Model,
    ModelScore,
    Param,
    ParamScore,
    Player,
    calc_overall_score,
    group_model_scores,
)
from podium.domain.windows import WindowScores

BTC = Param("BTC-1h", asset="BTC", horizon=3600)
ETH = Param("ETH-1h", asset="ETH", horizon=3600)


def test_overall_score_is_the_mean_of_the_params_that_have_a_value() -> None:
    overall = calc_overall_score(
        [
            ParamScore(BTC, WindowScores(recent=1.0, steady=2.0, anchor=None)),
            ParamScore(ETH, WindowScores(recent=3.0, steady=None, anchor=None)),
        ]
    )
    assert overall == WindowScores(recent=2.0, steady=2.0, anchor=None)


def test_overall_score_of_no_param_is_empty() -> None:
    assert calc_overall_score([]) == WindowScores()


def test_each_param_weighs_the_same_whatever_its_prediction_count() -> None:
    overall = calc_overall_score(
        [
            ParamScore(BTC, WindowScores(1.0, 1.0, 1.0), prediction_count=1_000),
            ParamScore(ETH, WindowScores(0.0, 0.0, 0.0), prediction_count=1),
        ]
    )
    assert overall.anchor == pytest.approx(0.5)


def test_model_score_sums_prediction_counts_and_sorts_params() -> None:
    score = ModelScore.from_params(
        [ParamScore(ETH, WindowScores(1, 1, 1), 3), ParamScore(BTC, WindowScores(3, 3, 3), 4)]
    )
    assert score.prediction_count == 7
    assert [item.param.id for item in score.scores_by_param] == ["BTC-1h", "ETH-1h"]
    assert score.overall_score == WindowScores(2.0, 2.0, 2.0)


def test_model_exposes_the_hosts_names() -> None:
    model = Model("m1", "Model one", Player("p1", "Ann"))
    assert model.model_id == model.crunch_identifier == "m1"
    assert model.overall_score == WindowScores()
    assert model.scores_by_param == ()
    assert model.prediction_count == 0


def test_group_model_scores() -> None:
    grouped = group_model_scores(
        [
            ("a", ParamScore(BTC, WindowScores(1, 1, 1), 1)),
            ("b", ParamScore(BTC, WindowScores(2, 2, 2), 1)),
            ("a", ParamScore(ETH, WindowScores(3, 3, 3), 1)),
        ]
    )
    assert grouped["a"].overall_score == WindowScores(2.0, 2.0, 2.0)
    assert grouped["b"].prediction_count == 1
