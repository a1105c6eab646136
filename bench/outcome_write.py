"""What the score cycle's outcome write costs on PostgreSQL: outcomes inserted, queue rows deleted.

python -m bench.outcome_write --repeat 2

A fresh PostgreSQL store of the scale (``medium``: 1M scored predictions and 100,000 pending,
``bench.synthetic``). Each repeat runs on a copy of it (``CREATE DATABASE … TEMPLATE``, then
``VACUUM ANALYZE``): the first ``--rows`` due predictions in the cycle's order are read from the
queue (``fetch_due``, not timed), then the cycle's own write (``ScoreQueueRepository``'s
``write_outcomes``: a binary ``COPY`` into ``prediction_outcomes`` and a ``DELETE`` from
``prediction_queue`` by key) is timed, part by part, in a transaction rolled back. ``predictions`` is not written (nothing updates it since
migration 0010): the ``UPDATE`` this replaced, of the same 20,000 rows, was 470–500 ms here.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg
from sqlalchemy import make_url

from bench.backends import POSTGRES_ADMIN_URL, fresh_store, libpq_url
from bench.scales import SCALES
from bench.synthetic import (
    COMPETITION,
    NOW_MS,
    analyze,
    generate_batch,
    generate_history,
    setup_competition,
)
from podium.domain.due_batch import DueBatch
from podium.store.database import Database
from podium.store.score_queue import OutcomeColumns, ScoreQueueRepository

PARTS = ("insert outcomes", "delete queue rows", "both")


def _outcomes(due: DueBatch) -> OutcomeColumns:
    n = len(due)
    return OutcomeColumns(
        pk=due.pk,
        status=["SCORED"] * n,
        truth=np.full(n, 0.1),
        score_value=np.full(n, 0.2),
        score_success=np.ones(n, dtype=bool),
        score_failed_reason=[None] * n,
        resolvable_at=due.resolvable_at,
        scored_at=NOW_MS,
    )


def _timed(url: str, rows: int) -> tuple[float, float]:
    """The outcomes' insert and the queue's delete, each timed, in a transaction rolled back."""
    with Database(url) as db, db.write() as session:
        queue = ScoreQueueRepository(session)
        queue.prepare_batch_transaction()
        due = queue.fetch_due(COMPETITION, now_ms=NOW_MS, after=(-1, -1), limit=rows, params={})
        outcomes = _outcomes(due)
        started = time.perf_counter()
        queue.insert_outcomes(outcomes)
        inserted = time.perf_counter()
        queue.dequeue(outcomes, due=due, competition_id=COMPETITION)
        deleted = time.perf_counter()
        session.rollback()
    return inserted - started, deleted - inserted


def measure(url: str, rows: int, repeat: int) -> dict[str, list[float]]:
    """Seconds of each part (and both) on fresh copies of the store at ``url``, one a repeat."""
    template = make_url(url).database
    assert template is not None
    copy = f"{template}_copy"
    seconds: dict[str, list[float]] = {part: [] for part in PARTS}
    with psycopg.connect(libpq_url(POSTGRES_ADMIN_URL), autocommit=True) as admin:
        for _ in range(repeat):
            admin.execute(f'DROP DATABASE IF EXISTS "{copy}"')
            admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
            copy_url = make_url(url).set(database=copy).render_as_string(False)
            try:
                with psycopg.connect(libpq_url(copy_url), autocommit=True) as connection:
                    connection.execute("VACUUM ANALYZE")
                insert, delete = _timed(copy_url, rows)
                seconds["insert outcomes"].append(insert)
                seconds["delete queue rows"].append(delete)
                seconds["both"].append(insert + delete)
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="medium")
    parser.add_argument("--rows", type=int, default=20_000, help="due predictions written")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    scale = SCALES[args.scale]
    with (
        tempfile.TemporaryDirectory() as workdir,
        fresh_store("postgresql", Path(workdir), "outcomes") as url,
    ):
        setup_competition(url, scale)
        generate_history(url, scale, scale.history_high)
        generate_batch(url, scale)
        analyze(url)
        print(f"| outcome write of {args.rows:,} due predictions | ms [samples] |")
        print("|---|---|")
        for part, samples in measure(url, args.rows, args.repeat).items():
            listed = ", ".join(f"{value * 1000:.0f}" for value in samples)
            print(f"| {part} | {statistics.median(samples) * 1000:.0f} [{listed}] |")


if __name__ == "__main__":
    main()
