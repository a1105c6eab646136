"""What every scenario receives (``Run``) and returns (``Figure``s), and how checks fail."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.backends import fresh_store
from bench.scales import Scale


class CheckError(AssertionError):
    """What a scenario measured is wrong (not slow: timings are never checked)."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckError(message)


@dataclass(slots=True)
class Figure:
    scenario: str
    backend: str
    name: str
    unit: str
    samples: list[float]
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


@dataclass(slots=True)
class Run:
    """One backend's share of a benchmark run: scale, repeats, and stores shared by scenarios."""

    scale: Scale
    backend: str
    repeat: int
    check: bool
    workdir: Path
    stack: ExitStack
    shared: dict[str, Any] = field(default_factory=dict)

    def store(self, name: str) -> str:
        """A fresh, migrated store, dropped when the run ends."""
        url: str = self.stack.enter_context(fresh_store(self.backend, self.workdir, name))
        return url

    def cached(self, key: str, make: Callable[[], Any]) -> Any:
        """A value shared between scenarios of this run (a store with a history, say)."""
        if key not in self.shared:
            self.shared[key] = make()
        return self.shared[key]

    def figure(
        self, scenario: str, name: str, unit: str, samples: list[float], note: str = ""
    ) -> Figure:
        return Figure(scenario, self.backend, name, unit, samples, note)


Scenario = Callable[[Run], list[Figure]]


def repeated(times: int, measure: Callable[[], Any]) -> Iterator[Any]:
    for _ in range(times):
        yield measure()
