"""Built-in resolvers: how the score worker finds the ground truth of a due prediction.

- ``price_return`` (default): the return of the param's asset between the prediction's
  ``performed_at`` and ``resolvable_at``, read from the observation feed "as of" each instant
  (the latest observation at or before it, at most ``max_staleness_s`` old). ``kind`` is
  ``"simple"`` (``p1 / p0 - 1``) or ``"log"`` (``ln(p1 / p0)``).
- ``explicit``: the truth stored for the prediction's param at its ``resolvable_at`` (the latest
  truth at or before it, at most ``tolerance_s`` old; 0 means exactly at that instant).

Both offer the columnar protocol (``resolve_columns(batch, source)``, NaN where unknown) and
the per-row one (``resolve``, which wraps it). A prediction whose truth is not known yet stays
pending; after the competition's grace period the worker marks it ``EXPIRED``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from podium.domain.due_batch import DueBatch
from podium.domain.predictions import DuePrediction
from podium.domain.series import FloatArray
from podium.domain.timestamps import MS_PER_SECOND
from podium.plugins.protocols import TruthSource


def _known(values: FloatArray) -> list[float | None]:
    return [None if math.isnan(value) else value for value in values.tolist()]


class PriceReturnResolver:
    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        kind: Literal["simple", "log"] = "simple"
        max_staleness_s: float = Field(300.0, ge=0)

    def __init__(self, kind: Literal["simple", "log"] = "simple", max_staleness_s: float = 300.0):
        self.kind = kind
        self.max_age_ms = int(max_staleness_s * MS_PER_SECOND)

    def resolve(
        self, predictions: Sequence[DuePrediction], source: TruthSource
    ) -> list[float | None]:
        return _known(self.resolve_columns(DueBatch.from_predictions(predictions), source))

    def resolve_columns(self, batch: DueBatch, source: TruthSource) -> FloatArray:
        truths = np.full(len(batch), np.nan)
        for asset, rows in batch.rows_by_asset().items():
            if asset is None:
                continue
            starts = batch.performed_at[rows]
            ends = batch.resolvable_at[rows]
            series = source.observations(
                asset, int(starts.min()) - self.max_age_ms, int(ends.max())
            )
            before = series.as_of(starts, self.max_age_ms)
            after = series.as_of(ends, self.max_age_ms)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = after / before
                returns = np.log(ratio) if self.kind == "log" else ratio - 1.0
            returns[~np.isfinite(returns)] = np.nan
            truths[rows] = returns
        return truths


class ExplicitTruthResolver:
    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        tolerance_s: float = Field(0.0, ge=0)

    def __init__(self, tolerance_s: float = 0.0):
        self.max_age_ms = int(tolerance_s * MS_PER_SECOND)

    def resolve(
        self, predictions: Sequence[DuePrediction], source: TruthSource
    ) -> list[float | None]:
        return _known(self.resolve_columns(DueBatch.from_predictions(predictions), source))

    def resolve_columns(self, batch: DueBatch, source: TruthSource) -> FloatArray:
        truths = np.full(len(batch), np.nan)
        for param_id, rows in batch.param.groups().items():
            ends = batch.resolvable_at[rows]
            series = source.truths(param_id, int(ends.min()) - self.max_age_ms, int(ends.max()))
            truths[rows] = series.as_of(ends, self.max_age_ms)
        return truths
