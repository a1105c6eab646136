"""What each kind of plugin must look like.

- A **scoring function** scores one resolved prediction: ``(payload, truth, param) -> float``,
  higher is better. It may add ``score_batch(payloads, truths, params)`` returning one float (or
  one exception, for a row it cannot score) per row: the worker then calls it once per batch.
  A scoring function of point values may also add ``score_columns(values, truths)``: NumPy
  arrays in, one score per row out (NaN or infinity fails that row), used first.
- A **resolver** finds the ground truth of due predictions from stored feeds:
  ``resolve(predictions, source) -> list[float | None]`` (``None``: not known yet). It may add
  ``resolve_columns(batch, source)`` taking a ``DueBatch`` (columns) and returning one truth per
  row as a NumPy array (NaN: not known yet), used first. See "Columnar plugins" in
  docs/scoring.md.
- A **metric** measures one model over a window of its scored predictions:
  ``compute(points) -> float | None`` (``points``: ``MetricPoint`` in time order; ``None``: not
  defined, e.g. too few points). Values are stored as a time series after each score cycle.
- A **ranker** orders models: ``rank(models) -> list[Placement]`` (``Ranker`` is defined with
  the ranking rules in ``podium.domain.ranking`` and re-exported here). It may add
  ``rank_columns(standings)`` ranking a ``Standings`` (``podium.domain.standings``) with the
  same result, used first (docs/ranking.md, "Writing a ranker").

Classes are instantiated with the competition's JSON configuration (validated by their
``Config`` pydantic model when they have one); see ``podium.plugins.registry``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from podium.domain.due_batch import DueBatch
from podium.domain.model import Param
from podium.domain.predictions import DuePrediction
from podium.domain.ranking import Ranker
from podium.domain.series import FloatArray, TimeSeries

__all__ = [
    "ColumnarResolver",
    "ColumnarScoringFunction",
    "Metric",
    "MetricPoint",
    "Ranker",
    "Resolver",
    "ScoringFunction",
    "TruthSource",
]


@runtime_checkable
class ScoringFunction(Protocol):
    def __call__(self, payload: Mapping[str, Any], truth: float, param: Param) -> float: ...


class TruthSource(Protocol):
    """Stored ground truth of one competition, read in time ranges."""

    def observations(self, asset: str, start_ms: int, end_ms: int) -> TimeSeries: ...

    def truths(self, param_id: str, start_ms: int, end_ms: int) -> TimeSeries: ...


@runtime_checkable
class Resolver(Protocol):
    def resolve(
        self, predictions: Sequence[DuePrediction], source: TruthSource
    ) -> list[float | None]: ...


@runtime_checkable
class ColumnarScoringFunction(Protocol):
    """The optional columnar side of a scoring function of point values."""

    def score_columns(self, values: FloatArray, truths: FloatArray) -> FloatArray: ...


@runtime_checkable
class ColumnarResolver(Protocol):
    """The optional columnar side of a resolver."""

    def resolve_columns(self, batch: DueBatch, source: TruthSource) -> FloatArray: ...


@dataclass(frozen=True, slots=True)
class MetricPoint:
    """A scored prediction as metrics see it."""

    resolvable_at: int
    value: float | None  # the prediction's point value (None: the payload has none)
    truth: float
    score: float


@runtime_checkable
class Metric(Protocol):
    def compute(self, points: Sequence[MetricPoint]) -> float | None: ...
