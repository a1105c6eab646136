from __future__ import annotations

from typing import Any

import pytest

from podium.errors import PluginConfigError
from podium.plugins import SCORERS
from podium.plugins.scorer_protocol import AttemptMetrics, ScoringContext
from podium.plugins.weighted_scorer import WeightedScorer

CTX: ScoringContext = {
    "tenant_id": "t",
    "app_id": "a",
    "workflow_id": "w",
    "challenge_id": "c",
    "end_user_id": "u",
    "timeout_ms": 5000,
}
DEFAULTS = {
    "success_bonus": 100.0,
    "rating_weight": 10.0,
    "time_penalty": 1.0,
    "token_penalty": 0.01,
}


@pytest.mark.parametrize(
    ("metrics", "config", "expected"),
    [
        # 100 + 8×10 − 2 s × 1 − 500 × 0.01
        ({"succeeded": True, "rating": 8, "elapsed_ms": 2000, "tokens_total": 500}, {}, 173.0),
        ({"succeeded": False, "rating": 8, "elapsed_ms": 2000, "tokens_total": 500}, {}, 73.0),
        # missing metrics count as 0
        ({}, {}, 0.0),
        ({"succeeded": True}, {}, 100.0),
        # nulls count as 0
        (
            {"succeeded": True, "rating": None, "elapsed_ms": None, "tokens_total": None},
            {},
            100.0,
        ),
        # zeros
        ({"succeeded": True, "rating": 0, "elapsed_ms": 0, "tokens_total": 0}, {}, 100.0),
        # clamped to 0
        ({"succeeded": False, "elapsed_ms": 600_000}, {}, 0.0),
        ({"succeeded": True, "tokens_total": 1_000_000}, {}, 0.0),
        # the seed's example config: 100 + 6×15 − 10 s × 0.5 − 1000 × 0.02
        (
            {"succeeded": True, "rating": 6, "elapsed_ms": 10_000, "tokens_total": 1000},
            {
                "success_bonus": 100.0,
                "rating_weight": 15.0,
                "time_penalty": 0.5,
                "token_penalty": 0.02,
            },
            165.0,
        ),
        ({"succeeded": True, "rating": 10}, {"success_bonus": 0, "rating_weight": 1}, 10.0),
    ],
)
def test_weighted_score(metrics: AttemptMetrics, config: dict[str, Any], expected: float) -> None:
    result = WeightedScorer().score(metrics, config, CTX)
    assert result["score"] == pytest.approx(expected)
    assert result["score"] >= 0
    details = result.get("details")
    assert details is not None
    assert details["raw_score"] <= result["score"] or result["score"] == 0.0


def test_found_by_id_and_by_the_seed_entrypoint_with_defaults_filled_in() -> None:
    assert SCORERS.find("builtin.weighted_scorer") is WeightedScorer
    assert SCORERS.find("services.scorers.weighted:WeightedScorer") is WeightedScorer
    assert SCORERS.validate_config("builtin.weighted_scorer", {}) == DEFAULTS
    assert (
        SCORERS.validate_config("builtin.weighted_scorer", {"rating_weight": 15})["rating_weight"]
        == 15.0
    )


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"bonus": 1.0}, "config.bonus"),
        ({"success_bonus": "lots"}, "config.success_bonus"),
        ({"time_penalty": True}, "config.time_penalty"),
        ({"token_penalty": None}, "config.token_penalty"),
    ],
)
def test_bad_configs_are_refused_naming_the_key(config: dict[str, Any], field: str) -> None:
    with pytest.raises(PluginConfigError) as caught:
        SCORERS.validate_config("builtin.weighted_scorer", config)
    assert [problem.field for problem in caught.value.problems] == [field]
