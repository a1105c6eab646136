"""The score worker's side of the predictions table: due predictions in, outcomes out, as columns.

Both statements go through the driver (no SQLAlchemy rows): a batch of due predictions comes
back as one ``DueBatch`` of arrays, and its outcomes go out in one statement (``UPDATE … FROM
unnest(arrays)`` on PostgreSQL, the driver's ``executemany`` on SQLite).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import orjson
from sqlalchemy.orm import Session

from podium.domain.due_batch import DueBatch, Labels
from podium.domain.model import Param

# The partial index ix_predictions_due (status = 'PENDING') serves this query on both backends.
_DUE = (
    "SELECT pk, id, model_id, param_id, {payload}, performed_at, resolvable_at FROM predictions "
    "WHERE competition_id = {p} AND status = 'PENDING' AND resolvable_at <= {p} "
    "AND (resolvable_at, pk) > ({p}, {p}) ORDER BY resolvable_at, pk LIMIT {p}"
)
_DUE_SQLITE = _DUE.format(payload="payload", p="?")
_DUE_POSTGRESQL = _DUE.format(payload="payload::text", p="%s")

_OUTCOMES_SQLITE = (
    "UPDATE predictions SET status = ?, truth = ?, score_value = ?, score_success = ?, "
    "score_failed_reason = ?, scored_at = ? WHERE pk = ?"
)
_OUTCOMES_POSTGRESQL = (
    "UPDATE predictions AS p SET status = u.status, truth = u.truth, "
    "score_value = u.score_value, score_success = u.score_success, "
    "score_failed_reason = u.score_failed_reason, scored_at = %s "
    "FROM unnest(%s::varchar[], %s::float8[], %s::float8[], %s::boolean[], %s::varchar[], "
    "%s::bigint[]) AS u(status, truth, score_value, score_success, score_failed_reason, pk) "
    # Without the ANY, the planner merge-joins the sorted batch with the primary key index from
    # its first entry: every batch would read the whole history before it.
    "WHERE p.pk = u.pk AND p.pk = ANY(%s::bigint[])"
)


@dataclass(frozen=True, slots=True)
class OutcomeColumns:
    """What the score worker writes back to a batch of predictions, one list per column."""

    status: list[str]
    truth: list[float | None]
    score_value: list[float | None]
    score_success: list[bool]
    score_failed_reason: list[str | None]
    pk: list[int]
    scored_at: int

    def __len__(self) -> int:
        return len(self.pk)


class ScoreQueueRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def _postgresql(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def defer_commit_flush(self) -> None:
        """PostgreSQL: this transaction's commit does not wait for its WAL flush.

        Only for the worker's batches: a crash may lose the last few committed batches whole
        (outcomes, roll-ups and revision together), which leaves those predictions pending and
        the next cycle scores them again. Never a torn batch: the commit stays atomic.
        """
        if self._postgresql:
            self.session.connection().exec_driver_sql("SET LOCAL synchronous_commit = off")

    def fetch_due(
        self,
        competition_id: str,
        *,
        now_ms: int,
        after: tuple[int, int],
        limit: int,
        params: Mapping[str, Param],
    ) -> DueBatch:
        """Pending predictions due at ``now_ms``, in (resolvable_at, pk) order after ``after``."""
        connection = self.session.connection()
        statement = _DUE_POSTGRESQL if self._postgresql else _DUE_SQLITE
        rows = connection.exec_driver_sql(
            statement, (competition_id, now_ms, after[0], after[1], limit)
        ).fetchall()
        if not rows:
            return DueBatch(
                pk=np.empty(0, dtype=np.int64),
                ids=[],
                model=Labels.of(()),
                param=Labels.of(()),
                payloads=[],
                performed_at=np.empty(0, dtype=np.int64),
                resolvable_at=np.empty(0, dtype=np.int64),
                params=params,
            )
        pk, ids, models, param_ids, payloads, performed_at, resolvable_at = zip(*rows, strict=True)
        loads = orjson.loads
        return DueBatch(
            pk=np.asarray(pk, dtype=np.int64),
            ids=ids,
            model=Labels.of(models),
            param=Labels.of(param_ids),
            payloads=[loads(payload) for payload in payloads],
            performed_at=np.asarray(performed_at, dtype=np.int64),
            resolvable_at=np.asarray(resolvable_at, dtype=np.int64),
            params=params,
        )

    def write_outcomes(self, outcomes: OutcomeColumns) -> None:
        """Outcomes by primary key, in one statement."""
        if not len(outcomes):
            return
        connection = self.session.connection()
        columns = (
            outcomes.status,
            outcomes.truth,
            outcomes.score_value,
            outcomes.score_success,
            outcomes.score_failed_reason,
        )
        if self._postgresql:
            connection.exec_driver_sql(
                _OUTCOMES_POSTGRESQL, (outcomes.scored_at, *columns, outcomes.pk, outcomes.pk)
            )
        else:
            rows = zip(*columns, repeat(outcomes.scored_at), outcomes.pk, strict=False)
            connection.exec_driver_sql(_OUTCOMES_SQLITE, list(rows))
