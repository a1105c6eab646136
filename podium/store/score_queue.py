"""The score worker's side of the store: due predictions in, outcomes out, as columns.

The due queue is ``prediction_queue`` (a row per pending prediction, keyed in the order they
become due). A batch of due predictions is read from it with each prediction's columns, as one
``DueBatch`` of arrays (no SQLAlchemy rows); its outcomes are inserted into
``prediction_outcomes`` (a binary ``COPY`` on PostgreSQL, ``executemany`` on SQLite) and the
queue rows of the predictions scored, failed or expired deleted (by key on PostgreSQL, by the
batch's key range on SQLite), in the batch's transaction. Nothing updates ``predictions``.
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
from podium.domain.predictions import PredictionStatus
from podium.store.binary_copy import Kind, copy_binary, fixed_rows, packed_row
from podium.store.database import driver_rows, insert_rows, number_array

# The queue's primary key (competition_id, resolvable_at, pk) serves the range; each due
# prediction is then looked up by its primary key. On PostgreSQL the LATERAL subquery (kept
# apart by OFFSET 0) makes that a nested loop over the queue rows, never a join with the
# whole of ``predictions``; on SQLite the CROSS JOIN fixes the same order.
_DUE_POSTGRESQL = (
    "SELECT p.pk, p.id, p.model_id, p.param_id, p.payload::text, p.performed_at, "
    "q.resolvable_at FROM (SELECT resolvable_at, pk FROM prediction_queue "
    "WHERE competition_id = %s AND resolvable_at <= %s AND (resolvable_at, pk) > (%s, %s) "
    "ORDER BY resolvable_at, pk LIMIT %s) AS q "
    "CROSS JOIN LATERAL (SELECT pk, id, model_id, param_id, payload, performed_at "
    "FROM predictions WHERE predictions.pk = q.pk OFFSET 0) AS p "
    "ORDER BY q.resolvable_at, q.pk"
)
_DUE_SQLITE = (
    "SELECT p.pk, p.id, p.model_id, p.param_id, p.payload, p.performed_at, q.resolvable_at "
    "FROM prediction_queue AS q CROSS JOIN predictions AS p ON p.pk = q.pk "
    "WHERE q.competition_id = ? AND q.resolvable_at <= ? AND (q.resolvable_at, q.pk) > (?, ?) "
    "ORDER BY q.resolvable_at, q.pk LIMIT ?"
)
_OUTCOME_COLUMNS = (
    "pk",
    "status",
    "truth",
    "score_value",
    "score_success",
    "score_failed_reason",
    "scored_at",
)
_OUTCOME_KINDS = (Kind.INT8, Kind.TEXT, Kind.FLOAT8, Kind.FLOAT8, Kind.BOOL, Kind.TEXT, Kind.INT8)
# By the queue's whole key: a prediction queued by a concurrent ingest inside the batch's range
# (a backfill) stays queued. The range bounds the rows PostgreSQL reads to the batch's (an index
# range scan, where the join alone scanned the competition's whole queue). The keys travel as
# array literals (text): psycopg adapts a list of 100,000 ints five times slower.
_DEQUEUE_POSTGRESQL = (
    "DELETE FROM prediction_queue AS q USING unnest(%s::bigint[], %s::bigint[]) AS d(at, pk) "
    "WHERE q.competition_id = %s AND q.resolvable_at = d.at AND q.pk = d.pk "
    "AND q.resolvable_at BETWEEN %s AND %s"
)
# SQLite: the batch's whole key range, read under the one writer's lock in this transaction,
# so no other row can be in it; one range of the primary key, where a delete per key cost
# three times as much. The batch's predictions left waiting are queued again.
_DEQUEUE_SQLITE = (
    "DELETE FROM prediction_queue WHERE competition_id = ? AND resolvable_at BETWEEN ? AND ? "
    "AND (resolvable_at, pk) >= (?, ?) AND (resolvable_at, pk) <= (?, ?)"
)
_REQUEUE_SQLITE = (
    "INSERT INTO prediction_queue (competition_id, resolvable_at, pk) VALUES (?, ?, ?)"
)


@dataclass(frozen=True, slots=True)
class OutcomeColumns:
    """The outcomes of a batch of predictions, one array or list per column: NaN where a
    truth or score is none (NULL); ``resolvable_at``: each prediction's, to dequeue it."""

    pk: np.ndarray  # int64
    status: list[str]
    truth: np.ndarray  # float64
    score_value: np.ndarray  # float64
    score_success: np.ndarray  # bool
    score_failed_reason: list[str | None]
    resolvable_at: np.ndarray  # int64
    scored_at: int

    def __len__(self) -> int:
        return len(self.pk)


def _nullable(values: np.ndarray) -> list[float | None]:
    return [None if value != value else value for value in values.tolist()]


class ScoreQueueRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def _postgresql(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def prepare_batch_transaction(self) -> None:
        """PostgreSQL: this transaction's commit does not wait for its WAL flush, and its
        statements are not JIT-compiled.

        Only for the worker's batches: a crash may lose the last few committed batches whole
        (outcomes, roll-ups and revision together), which leaves those predictions pending and
        the next cycle scores them again. Never a torn batch: the commit stays atomic. JIT:
        the planner's estimate of a batch's statements (100,000 rows) passes its threshold,
        and compiling costs more than these simple plans save.
        """
        if self._postgresql:
            connection = self.session.connection()
            connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
            connection.exec_driver_sql("SET LOCAL jit = off")

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
        rows = driver_rows(
            self.session,
            _DUE_POSTGRESQL if self._postgresql else _DUE_SQLITE,
            (competition_id, now_ms, after[0], after[1], limit),
        )
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

    def write_outcomes(
        self, outcomes: OutcomeColumns, *, due: DueBatch, competition_id: str
    ) -> None:
        """The outcomes of a batch ``due`` (read by ``fetch_due`` in this transaction)
        inserted, and their predictions taken off the queue."""
        if len(outcomes):
            self.insert_outcomes(outcomes)
            self.dequeue(outcomes, due=due, competition_id=competition_id)

    def insert_outcomes(self, outcomes: OutcomeColumns) -> None:
        """``executemany`` on SQLite; on PostgreSQL one binary ``COPY``, where the scored rows
        (a truth and a score, no reason) are laid out by NumPy and the others packed one by one."""
        if self._postgresql:
            self._copy_outcomes(outcomes)
            return
        insert_rows(
            self.session,
            "prediction_outcomes",
            _OUTCOME_COLUMNS,
            zip(
                outcomes.pk.tolist(),
                outcomes.status,
                _nullable(outcomes.truth),
                _nullable(outcomes.score_value),
                outcomes.score_success.tolist(),
                outcomes.score_failed_reason,
                repeat(outcomes.scored_at),
                strict=False,
            ),
        )

    def _copy_outcomes(self, outcomes: OutcomeColumns) -> None:
        scored = PredictionStatus.SCORED.value
        fixed = (
            np.fromiter((status == scored for status in outcomes.status), bool, len(outcomes))
            & np.fromiter((reason is None for reason in outcomes.score_failed_reason), bool)
            & np.isfinite(outcomes.truth)
            & np.isfinite(outcomes.score_value)
        )
        chunks = [
            fixed_rows(
                (
                    outcomes.pk[fixed],
                    scored,
                    outcomes.truth[fixed],
                    outcomes.score_value[fixed],
                    outcomes.score_success[fixed],
                    None,
                    np.full(int(fixed.sum()), outcomes.scored_at, dtype=np.int64),
                )
            )
        ]
        others = np.flatnonzero(~fixed)
        chunks.extend(
            packed_row(
                (
                    pk,
                    outcomes.status[index],
                    truth,
                    score_value,
                    success,
                    outcomes.score_failed_reason[index],
                    outcomes.scored_at,
                ),
                _OUTCOME_KINDS,
            )
            for index, pk, truth, score_value, success in zip(
                others.tolist(),
                outcomes.pk[others].tolist(),
                _nullable(outcomes.truth[others]),
                _nullable(outcomes.score_value[others]),
                outcomes.score_success[others].tolist(),
                strict=True,
            )
        )
        copy_binary(self.session, "prediction_outcomes", _OUTCOME_COLUMNS, chunks)

    def dequeue(self, outcomes: OutcomeColumns, *, due: DueBatch, competition_id: str) -> None:
        """The queue rows of the predictions of ``outcomes`` deleted: by key on PostgreSQL
        (a concurrent ingest may queue a backfill inside the batch's range); on SQLite the
        batch's range, then its predictions without an outcome queued again."""
        if not len(outcomes):
            return
        connection = self.session.connection()
        if self._postgresql:
            connection.exec_driver_sql(
                _DEQUEUE_POSTGRESQL,
                (
                    number_array(outcomes.resolvable_at.tolist()),
                    number_array(outcomes.pk.tolist()),
                    competition_id,
                    int(outcomes.resolvable_at.min()),
                    int(outcomes.resolvable_at.max()),
                ),
            )
            return
        first = (int(due.resolvable_at[0]), int(due.pk[0]))
        last = (int(due.resolvable_at[-1]), int(due.pk[-1]))
        connection.exec_driver_sql(
            _DEQUEUE_SQLITE, (competition_id, first[0], last[0], *first, *last)
        )
        waiting = np.isin(due.pk, outcomes.pk, invert=True)
        if waiting.any():
            connection.exec_driver_sql(
                _REQUEUE_SQLITE,
                list(
                    zip(
                        repeat(competition_id),
                        due.resolvable_at[waiting].tolist(),
                        due.pk[waiting].tolist(),
                        strict=False,
                    )
                ),
            )
