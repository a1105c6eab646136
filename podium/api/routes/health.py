"""Operations: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from podium import metrics
from podium.api.deps import DatabaseDep, ReadDep
from podium.services.readiness import check_readiness

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: bool
    migrations: bool


_HEALTHY = b'{"status":"ok"}'


@router.get("/healthz", response_model=Health)
async def healthz() -> Response:
    """The process is up and serving requests."""
    # On the event loop, no thread: a probe measures the process, not the thread pool.
    return Response(_HEALTHY, media_type="application/json")


@router.get("/readyz", responses={503: {"model": Readiness, "description": "Not ready"}})
def readyz(db: DatabaseDep) -> Readiness:
    """Ready to serve: the database answers and its schema is at the migrations' head."""
    found = check_readiness(db)
    body = Readiness(
        status="ok" if found.ready else "unavailable",
        database=found.database,
        migrations=found.migrations,
    )
    if not found.ready:
        return JSONResponse(body.model_dump(), status_code=503)  # type: ignore[return-value]
    return body


@router.get("/metrics", response_class=Response)
def prometheus_metrics(_: ReadDep) -> Response:
    """Prometheus metrics of this process (text exposition format)."""
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)
