"""Bulk ingest rows: predictions, observations (feeds) and explicit truths.

A batch is all or nothing: when any row is invalid, nothing is stored and the error lists every
bad row by index and field. Rows already stored (same id, or same asset and time) are counted
as duplicates and not stored again, so a batch can be retried safely; a row that reuses a stored
key with different content is refused (409).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from podium.domain.predictions import PayloadError, normalize_payload
from podium.schemas.common import Identifier, Instant, ResponseModel, StrictModel

MAX_BATCH_ROWS = 1_000_000  # the settings' ingest_max_rows is the cap that applies


class PredictionIn(StrictModel):
    id: Identifier | None = Field(
        None,
        description="Client id making retries safe; default: '<model_id>/<param_id>/<performed_at ms>'",
    )
    model_id: Identifier
    param_id: Identifier
    payload: Any = Field(description="A number, or {'value'|'distribution'|'samples': ...}")
    performed_at: Instant
    resolvable_at: Instant | None = Field(
        None, description="When the outcome is known; default: performed_at + the param's horizon"
    )

    @field_validator("payload")
    @classmethod
    def _known_shape(cls, value: Any) -> dict[str, Any]:
        try:
            return normalize_payload(value)
        except PayloadError as error:
            raise ValueError(str(error)) from None


class PredictionBatch(StrictModel):
    predictions: list[PredictionIn] = Field(min_length=1, max_length=MAX_BATCH_ROWS)


class ObservationIn(StrictModel):
    asset: str = Field(min_length=1, max_length=64)
    ts: Instant
    value: float


class ObservationBatch(StrictModel):
    observations: list[ObservationIn] = Field(min_length=1, max_length=MAX_BATCH_ROWS)


class TruthIn(StrictModel):
    param_id: Identifier
    ts: Instant
    value: float


class TruthBatch(StrictModel):
    truths: list[TruthIn] = Field(min_length=1, max_length=MAX_BATCH_ROWS)


class IngestResult(ResponseModel):
    received: int = Field(description="Rows in the request")
    stored: int = Field(description="Rows stored now")
    duplicates: int = Field(description="Rows already stored with the same content")
