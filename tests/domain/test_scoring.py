from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest

from podium.domain.model import Param
from podium.domain.scoring import ScoreOutcome, check_score, score_batch

PARAM = Param("p")


def picky(payload: Mapping[str, Any], truth: float, param: Param) -> Any:
    value = payload["value"]
    if value == 1:
        raise RuntimeError("cannot score one")
    if value == 2:
        return "junk"
    if value == 3:
        return float("nan")
    if value == 4:
        return np.float32(0.25)
    return value - truth


def test_a_failing_row_fails_alone() -> None:
    outcomes = score_batch(picky, [{"value": v} for v in (0, 1, 2, 3, 4)], [0.5] * 5, [PARAM] * 5)
    assert outcomes == [
        ScoreOutcome(-0.5, True),
        ScoreOutcome(None, False, "RuntimeError: cannot score one"),
        ScoreOutcome(None, False, "scoring function returned str"),
        ScoreOutcome(None, False, "scoring function returned a non-finite number"),
        ScoreOutcome(0.25, True),
    ]


class Batched:
    calls = 0

    def __call__(self, payload: Mapping[str, Any], truth: float, param: Param) -> float:
        raise AssertionError("the batch path should be used")

    def score_batch(
        self,
        payloads: Sequence[Mapping[str, Any]],
        truths: Sequence[float],
        params: Sequence[Param],
    ) -> list[float | Exception]:
        Batched.calls += 1
        return [ValueError("no value") if "value" not in p else p["value"] * 2 for p in payloads]


def test_batch_scoring_is_used_once_per_batch_and_keeps_row_failures() -> None:
    outcomes = score_batch(Batched(), [{"value": 1.0}, {"x": 1}], [0.0, 0.0], [PARAM, PARAM])
    assert Batched.calls == 1
    assert outcomes == [ScoreOutcome(2.0, True), ScoreOutcome(None, False, "ValueError: no value")]


class BrokenBatch:
    def __call__(self, payload: Mapping[str, Any], truth: float, param: Param) -> float:
        return 1.0

    def score_batch(self, *args: Any) -> list[float]:
        raise RuntimeError("batch path broken")


def test_a_broken_batch_path_falls_back_to_rows() -> None:
    assert score_batch(BrokenBatch(), [{"value": 0}], [0.0], [PARAM]) == [ScoreOutcome(1.0, True)]


@pytest.mark.parametrize("value", [True, None, [1.0], float("-inf")])
def test_check_score_refuses_what_is_not_a_finite_number(value: Any) -> None:
    assert not check_score(value).success
