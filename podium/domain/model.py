"""Players, their models, the params they predict, and a model's scores (`ModelScore`).

The names follow the host's vocabulary: a model's identifier is its ``crunch_identifier`` (also
exposed as ``model_id``), its scores are an ``overall_score`` plus ``scores_by_param``, both
``WindowScores``. ``calc_overall_score`` is the one documented rule that turns per-param window
scores into the overall ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from podium.domain.windows import EMPTY_WINDOW_SCORES, WINDOW_NAMES, WindowScores


@dataclass(frozen=True, slots=True)
class Player:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Param:
    """A scope models predict: an asset, a horizon and step (seconds), and free extra keys."""

    id: str
    asset: str | None = None
    horizon: int | None = None
    step: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ParamScore:
    """A model's window scores on one param, and how many predictions were scored there."""

    param: Param
    score: WindowScores
    prediction_count: int = 0


@dataclass(frozen=True, slots=True)
class ModelScore:
    overall_score: WindowScores = EMPTY_WINDOW_SCORES
    scores_by_param: tuple[ParamScore, ...] = ()
    prediction_count: int = 0

    @classmethod
    def from_params(cls, scores_by_param: Iterable[ParamScore]) -> ModelScore:
        by_param = tuple(sorted(scores_by_param, key=lambda item: item.param.id))
        return cls(
            overall_score=calc_overall_score(by_param),
            scores_by_param=by_param,
            prediction_count=sum(item.prediction_count for item in by_param),
        )


EMPTY_MODEL_SCORE = ModelScore()


@dataclass(frozen=True, slots=True)
class Model:
    """A competitor: a model of a player, with its latest scores."""

    crunch_identifier: str
    name: str
    player: Player
    is_active: bool = True
    score: ModelScore = EMPTY_MODEL_SCORE

    @property
    def model_id(self) -> str:
        return self.crunch_identifier

    @property
    def overall_score(self) -> WindowScores:
        return self.score.overall_score

    @property
    def scores_by_param(self) -> tuple[ParamScore, ...]:
        return self.score.scores_by_param

    @property
    def prediction_count(self) -> int:
        return self.score.prediction_count


def calc_overall_score(scores_by_param: Iterable[ParamScore]) -> WindowScores:
    """A model's overall window scores from its per-param window scores.

    For each window, the overall value is the plain mean of the per-param values that exist
    (params where the model has no score in that window are left out; no param at all gives
    ``None``). Each param weighs the same, so a model cannot lift its overall score by
    predicting an easy param more often than the others.
    """
    sums = dict.fromkeys(WINDOW_NAMES, 0.0)
    counts = dict.fromkeys(WINDOW_NAMES, 0)
    for item in scores_by_param:
        for name in WINDOW_NAMES:
            value = item.score.get(name)
            if value is not None:
                sums[name] += value
                counts[name] += 1
    values = {name: (sums[name] / counts[name] if counts[name] else None) for name in WINDOW_NAMES}
    return WindowScores(**values)


def group_model_scores(items: Iterable[tuple[str, ParamScore]]) -> dict[str, ModelScore]:
    """Per-param scores of many models, ``(model_id, ParamScore)``, gathered into ModelScores."""
    by_model: dict[str, list[ParamScore]] = {}
    for model_id, param_score in items:
        by_model.setdefault(model_id, []).append(param_score)
    return {model_id: ModelScore.from_params(scores) for model_id, scores in by_model.items()}
