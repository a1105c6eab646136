"""Bulk ingest rows: predictions, observations (feeds) and explicit truths.

A batch is all or nothing: when any row is invalid, nothing is stored and the error lists every
bad row by index and field. Rows already stored (same id, or same asset and time) are counted
as duplicates and not stored again, so a batch can be retried safely; a row that reuses a stored
key with different content is refused (409).
"""

from __future__ import annotations

from typing import Annotated, Any, NotRequired

from pydantic import AfterValidator, Field, TypeAdapter, with_config
from typing_extensions import TypedDict

from podium.domain.predictions import PayloadError, normalize_payload
from podium.schemas.common import (
    STRICT_CONFIG,
    Identifier,
    Instant,
    InstantMs,
    ResponseModel,
    StrictModel,
)

MAX_BATCH_ROWS = 1_000_000  # the settings' ingest_max_rows is the cap that applies


def _known_payload_shape(value: Any) -> dict[str, Any]:
    try:
        return normalize_payload(value)
    except PayloadError as error:
        raise ValueError(str(error)) from None


Payload = Annotated[Any, AfterValidator(_known_payload_shape)]
"""A prediction payload, in its stored form (``domain.predictions.normalize_payload``)."""


class PredictionIn(StrictModel):
    id: Identifier | None = Field(
        None,
        description="Client id making retries safe; default: '<model_id>/<param_id>/<performed_at ms>'",
    )
    model_id: Identifier
    param_id: Identifier
    payload: Payload = Field(description="A number, or {'value'|'distribution'|'samples': ...}")
    performed_at: Instant
    resolvable_at: Instant | None = Field(
        None, description="When the outcome is known; default: performed_at + the param's horizon"
    )


class PredictionBatch(StrictModel):
    predictions: list[PredictionIn] = Field(min_length=1, max_length=MAX_BATCH_ROWS)


@with_config(STRICT_CONFIG)
class PredictionRowIn(TypedDict):
    """A ``PredictionIn`` as the bulk ingest route reads it: a plain dict, instants in epoch ms.

    Same fields, same checks and same errors as ``PredictionIn``, without a model instance and
    two ``datetime`` per row (``tests/schemas/test_ingest.py`` holds them to the same cases).
    """

    id: NotRequired[Identifier | None]
    model_id: Identifier
    param_id: Identifier
    payload: Payload
    performed_at: InstantMs
    resolvable_at: NotRequired[InstantMs | None]


@with_config(STRICT_CONFIG)
class _PredictionRowBatch(TypedDict):
    predictions: Annotated[list[PredictionRowIn], Field(min_length=1, max_length=MAX_BATCH_ROWS)]


_PREDICTION_ROW_BATCH = TypeAdapter(_PredictionRowBatch)


def read_prediction_rows(body: bytes | str) -> list[PredictionRowIn]:
    """The rows of a ``PredictionBatch`` JSON document, parsed and checked in one pass.

    pydantic-core reads the raw bytes (no ``json.loads`` first); a bad document raises
    pydantic's ``ValidationError`` with the same locations as ``PredictionBatch``.
    """
    return _PREDICTION_ROW_BATCH.validate_json(body)["predictions"]


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
