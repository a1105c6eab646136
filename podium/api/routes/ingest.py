"""Bulk ingest of predictions and ground truth (observations, explicit truths).

The predictions route reads its body itself: pydantic-core parses and checks the raw bytes in
one pass into plain rows (``read_prediction_rows``), instead of ``json.loads`` and a
``PredictionIn`` model with two ``datetime`` per row. Its request schema is still
``PredictionBatch`` in the OpenAPI document, and a bad row is still a 422 naming its index and
field.
"""

from __future__ import annotations

from email.message import Message
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from podium.api.deps import DatabaseDep, IngestDep, NowDep, SettingsDep
from podium.schemas.ingest import (
    IngestResult,
    ObservationBatch,
    PredictionBatch,
    PredictionRowIn,
    TruthBatch,
    read_prediction_rows,
)
from podium.services import ingest

router = APIRouter(prefix="/api/competitions/{competition_id}", tags=["ingest"])


def _inline_refs(schema: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline_refs(definitions[schema["$ref"].rsplit("/", 1)[-1]], definitions)
        return {key: _inline_refs(value, definitions) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inline_refs(item, definitions) for item in schema]
    return schema


def json_request_body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of a route that reads its JSON body itself."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline_refs(schema, definitions)}},
        }
    }


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _prediction_rows(body: bytes, content_type: str | None) -> list[PredictionRowIn]:
    """The rows of the body, or the 422 FastAPI would give for a ``PredictionBatch`` body."""
    if not _is_json(content_type):
        raise RequestValidationError(
            [{"type": "model_attributes_type", "loc": ("body",), "msg": "the body must be JSON"}]
        )
    try:
        return read_prediction_rows(body)
    except ValidationError as error:
        raise RequestValidationError(
            [{**item, "loc": ("body", *item["loc"])} for item in error.errors()]
        ) from None


@router.post(
    "/predictions",
    response_model=IngestResult,
    openapi_extra=json_request_body(PredictionBatch),
)
async def ingest_predictions(
    competition_id: str,
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    now_ms: NowDep,
    _: IngestDep,
) -> IngestResult:
    """Store a batch of predictions, all or nothing; rows already stored count as duplicates."""
    body = await request.body()

    def store() -> IngestResult:
        return ingest.ingest_prediction_rows(
            db,
            competition_id=competition_id,
            rows=_prediction_rows(body, request.headers.get("content-type")),
            now_ms=now_ms,
            max_rows=settings.ingest_max_rows,
            max_clock_skew_ms=round(settings.max_clock_skew * 1000),
        )

    # Parsing and storing a batch of thousands of rows takes long: off the event loop.
    return await run_in_threadpool(store)


@router.post("/observations")
def ingest_observations(
    competition_id: str,
    batch: ObservationBatch,
    db: DatabaseDep,
    settings: SettingsDep,
    _: IngestDep,
) -> IngestResult:
    """Store points of observation feeds (an asset's value at an instant), all or nothing."""
    return ingest.ingest_observations(
        db,
        competition_id=competition_id,
        observations=batch.observations,
        max_rows=settings.ingest_max_rows,
    )


@router.post("/truths")
def ingest_truths(
    competition_id: str, batch: TruthBatch, db: DatabaseDep, settings: SettingsDep, _: IngestDep
) -> IngestResult:
    """Store explicit ground truths (a param's outcome at an instant), all or nothing."""
    return ingest.ingest_truths(
        db, competition_id=competition_id, truths=batch.truths, max_rows=settings.ingest_max_rows
    )
