"""Liveness of the service."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/healthz")
def healthz() -> Health:
    """The process is up and serving requests."""
    return Health(status="ok")
