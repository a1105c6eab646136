"""Ground truth: observation feeds (an asset's value over time) and explicit truths per param.

``GroundTruthRepository`` is also the ``TruthSource`` resolvers read from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from podium.domain.series import TimeSeries
from podium.store.database import dialect_insert
from podium.store.roster import chunked
from podium.store.tables import ObservationRow, TruthRow


class GroundTruthRepository:
    def __init__(self, session: Session, competition_id: str) -> None:
        self.session = session
        self.competition_id = competition_id

    # writes --------------------------------------------------------------------------------
    def insert_observations(self, rows: Sequence[dict[str, Any]]) -> None:
        self._insert(ObservationRow, rows, ["competition_id", "asset", "ts"])

    def insert_truths(self, rows: Sequence[dict[str, Any]]) -> None:
        self._insert(TruthRow, rows, ["competition_id", "param_id", "ts"])

    def _insert(self, table: Any, rows: Sequence[dict[str, Any]], keys: list[str]) -> None:
        if rows:
            statement = dialect_insert(self.session, table)
            self.session.execute(statement.on_conflict_do_nothing(index_elements=keys), list(rows))

    def existing_observations(
        self, keys: Iterable[tuple[str, int]]
    ) -> dict[tuple[str, int], float]:
        return self._existing(ObservationRow, ObservationRow.asset, keys)

    def existing_truths(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], float]:
        return self._existing(TruthRow, TruthRow.param_id, keys)

    def _existing(
        self, table: Any, subject: Any, keys: Iterable[tuple[str, int]]
    ) -> dict[tuple[str, int], float]:
        wanted = sorted(set(keys))
        found: dict[tuple[str, int], float] = {}
        for chunk in chunked(wanted):
            statement = select(subject, table.ts, table.value).where(
                table.competition_id == self.competition_id,
                tuple_(subject, table.ts).in_(list(chunk)),
            )
            for key, ts, value in self.session.execute(statement):
                found[(key, ts)] = value
        return found

    # reads (TruthSource) -------------------------------------------------------------------
    def observations(self, asset: str, start_ms: int, end_ms: int) -> TimeSeries:
        statement = (
            select(ObservationRow.ts, ObservationRow.value)
            .where(
                ObservationRow.competition_id == self.competition_id,
                ObservationRow.asset == asset,
                ObservationRow.ts >= start_ms,
                ObservationRow.ts <= end_ms,
            )
            .order_by(ObservationRow.ts)
        )
        return TimeSeries.from_points(list(self.session.execute(statement)))

    def truths(self, param_id: str, start_ms: int, end_ms: int) -> TimeSeries:
        statement = (
            select(TruthRow.ts, TruthRow.value)
            .where(
                TruthRow.competition_id == self.competition_id,
                TruthRow.param_id == param_id,
                TruthRow.ts >= start_ms,
                TruthRow.ts <= end_ms,
            )
            .order_by(TruthRow.ts)
        )
        return TimeSeries.from_points(list(self.session.execute(statement)))
