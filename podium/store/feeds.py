"""The observation streams Podium stores, summarised and tailed.

Two kinds of stream: ``observation`` (a feed point per asset: ``observations``) and ``truth``
(an explicit outcome per param: ``truths``). Summaries are one ``GROUP BY`` per kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from podium.store.tables import ObservationRow, TruthRow

FEED_KINDS: tuple[str, ...] = ("observation", "truth")


@dataclass(frozen=True, slots=True)
class FeedStats:
    kind: str
    subject: str
    record_count: int
    oldest_ts: int
    newest_ts: int


def _table(kind: str) -> tuple[Any, Any]:
    if kind == "observation":
        return ObservationRow, ObservationRow.asset
    return TruthRow, TruthRow.param_id


class FeedRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def summaries(self, competition_id: str) -> list[FeedStats]:
        found: list[FeedStats] = []
        for kind in FEED_KINDS:
            table, subject = _table(kind)
            statement = (
                select(subject, func.count(), func.min(table.ts), func.max(table.ts))
                .where(table.competition_id == competition_id)
                .group_by(subject)
                .order_by(subject)
            )
            found.extend(
                FeedStats(kind, name, int(count), int(oldest), int(newest))
                for name, count, oldest, newest in self.session.execute(statement)
            )
        return found

    def tail(
        self, competition_id: str, *, kind: str, subject: str | None, limit: int
    ) -> list[tuple[str, int, float]]:
        """The latest ``limit`` records, ``(subject, ts, value)``, oldest first."""
        table, subject_column = _table(kind)
        statement = select(subject_column, table.ts, table.value).where(
            table.competition_id == competition_id
        )
        if subject is not None:
            statement = statement.where(subject_column == subject)
        statement = statement.order_by(table.ts.desc(), subject_column).limit(limit)
        rows = [
            (name, int(ts), float(value)) for name, ts, value in self.session.execute(statement)
        ]
        return rows[::-1]
