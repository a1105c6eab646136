"""Plugins used by the tests, loaded as 'tests.plugins.sample_plugins:<name>'."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from podium.domain.model import Param


def brier(payload: Mapping[str, Any], truth: float, param: Param) -> float:
    return -((payload["value"] - truth) ** 2)


def explode_on_negative(payload: Mapping[str, Any], truth: float, param: Param) -> float:
    if payload["value"] < 0:
        raise ValueError("negative forecasts are not scored")
    return float(payload["value"])


class Scaled:
    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        factor: float = 2.0

    def __init__(self, factor: float = 2.0) -> None:
        self.factor = factor

    def __call__(self, payload: Mapping[str, Any], truth: float, param: Param) -> float:
        return self.factor * float(payload["value"])


class Namespace:
    nested = staticmethod(brier)


NOT_CALLABLE = 42
