"""A batch of due predictions as columns: what the score worker hands to columnar plugins.

``DueBatch`` holds one NumPy array (or list) per column instead of one ``DuePrediction`` per
row, so resolvers, scoring functions and roll-ups can work on the whole batch at once. Model and
param ids are ``Labels``: an integer code per row and the distinct ids, in order of first
appearance (grouping by them is a ``bincount``, not a dict per row). ``predictions()`` turns the
batch back into rows for plugins that only offer the per-row protocol.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from podium.domain.model import Param
from podium.domain.predictions import DuePrediction
from podium.domain.series import IntArray


@dataclass(frozen=True, slots=True)
class Labels:
    """A column of strings: ``codes[i]`` is the index of row ``i``'s value in ``names``."""

    codes: IntArray
    names: list[str]

    @classmethod
    def of(cls, values: Iterable[str]) -> Labels:
        """Codes in order of first appearance: the same input gives the same codes."""
        index: dict[str, int] = {}
        codes = [index.setdefault(value, len(index)) for value in values]
        return cls(np.asarray(codes, dtype=np.int64), list(index))

    def __len__(self) -> int:
        return int(self.codes.size)

    def values(self) -> list[str]:
        names = self.names
        return [names[code] for code in self.codes.tolist()]

    def groups(self) -> dict[str, IntArray]:
        """The rows of each name (ascending), names in order of first appearance."""
        if not self.names:
            return {}
        order = np.argsort(self.codes, kind="stable")
        counts = np.bincount(self.codes, minlength=len(self.names))
        return dict(zip(self.names, np.split(order, np.cumsum(counts)[:-1]), strict=True))

    def take(self, rows: IntArray) -> Labels:
        return Labels(self.codes[rows], self.names)


@dataclass(frozen=True, slots=True)
class DueBatch:
    """Due predictions in (resolvable_at, pk) order, one column per field of ``DuePrediction``.

    ``params`` maps every param id of the batch to its ``Param`` (asset, horizon...).
    """

    pk: IntArray
    ids: Sequence[str]
    model: Labels
    param: Labels
    payloads: Sequence[Mapping[str, Any]]
    performed_at: IntArray
    resolvable_at: IntArray
    params: Mapping[str, Param]

    def __len__(self) -> int:
        return int(self.pk.size)

    @classmethod
    def from_predictions(cls, predictions: Sequence[DuePrediction]) -> DueBatch:
        return cls(
            pk=np.asarray([item.pk for item in predictions], dtype=np.int64),
            ids=[item.id for item in predictions],
            model=Labels.of(item.model_id for item in predictions),
            param=Labels.of(item.param.id for item in predictions),
            payloads=[item.payload for item in predictions],
            performed_at=np.asarray([item.performed_at for item in predictions], dtype=np.int64),
            resolvable_at=np.asarray([item.resolvable_at for item in predictions], dtype=np.int64),
            params={item.param.id: item.param for item in predictions},
        )

    def predictions(self) -> list[DuePrediction]:
        """The batch as rows, for plugins with the per-row protocol only."""
        params = [self.params[name] for name in self.param.names]
        models = self.model.names
        return [
            DuePrediction(pk, id_, models[model], params[param], payload, performed, resolvable)
            for pk, id_, model, param, payload, performed, resolvable in zip(
                self.pk.tolist(),
                self.ids,
                self.model.codes.tolist(),
                self.param.codes.tolist(),
                self.payloads,
                self.performed_at.tolist(),
                self.resolvable_at.tolist(),
                strict=True,
            )
        ]

    def rows_by_asset(self) -> dict[str | None, IntArray]:
        """The rows of each asset (ascending), assets in order of first appearance."""
        found: dict[str | None, list[IntArray]] = {}
        for name, rows in self.param.groups().items():
            found.setdefault(self.params[name].asset, []).append(rows)
        return {asset: np.sort(np.concatenate(parts)) for asset, parts in found.items()}
