"""Dynamic value: what a challenge is worth to the n-th player who solves it.

A challenge starts at ``initial`` and loses value as more players solve it, down to
``minimum``. With ``n`` the number of players who solved it *before* this player (0 for the
first solver):

- ``linear``: ``value = max(minimum, initial - decay × n)``; ``decay`` is points lost per solve.
- ``logarithmic`` (CTFd's curve of that name, a parabola despite it):
  ``value = max(minimum, initial + (minimum - initial) / decay² × n²)``; ``decay`` is the
  number of solves after which the value reaches ``minimum``.

Values are rounded up to whole points (``ceil``), as CTFd does. Each player's ``n`` is fixed
when they first succeed, so the value they earned never changes afterwards: later solvers make
the challenge cheaper for those who come after them, never for those before them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class DecayFunction(StrEnum):
    LINEAR = "linear"
    LOGARITHMIC = "logarithmic"


@dataclass(frozen=True, slots=True)
class DynamicValue:
    initial: float
    minimum: float
    decay: float
    function: DecayFunction = DecayFunction.LINEAR

    def __post_init__(self) -> None:
        if self.minimum > self.initial:
            raise ValueError("minimum must not exceed initial")
        if self.minimum < 0:
            raise ValueError("minimum must be >= 0")
        if self.decay <= 0 and self.function is DecayFunction.LOGARITHMIC:
            raise ValueError("decay must be > 0 for the logarithmic function")
        if self.decay < 0:
            raise ValueError("decay must be >= 0")

    def value_for(self, solved_before: int) -> float:
        """The value earned by a player who solves it after ``solved_before`` others."""
        if solved_before < 0:
            raise ValueError("solved_before must be >= 0")
        if self.function is DecayFunction.LINEAR:
            raw = self.initial - self.decay * solved_before
        else:
            raw = self.initial + (self.minimum - self.initial) / self.decay**2 * solved_before**2
        return float(max(self.minimum, math.ceil(raw)))
