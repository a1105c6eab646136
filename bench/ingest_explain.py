"""Where PostgreSQL spends a bulk insert: ``EXPLAIN ANALYZE`` of the ingest statement.

``python -m bench.ingest_explain [--batches N] [--rows R]`` creates a fresh store with the
``medium`` roster (1,000 models × 20 params), then inserts N batches of R predictions with the
``INSERT`` the ingest service runs for a batch that repeats stored rows (``insert_missing``'s
fallback from ``COPY``; it queues the rows it inserts), each under
``EXPLAIN (ANALYZE, FORMAT JSON)``, and prints per batch the execution time and the time of
each trigger (the foreign keys' checks run as triggers). The table grows batch by batch, as
under the HTTP benchmark. It needs the PostgreSQL of ``PODIUM_BENCH_POSTGRES_URL``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import psycopg

from bench.backends import fresh_store, libpq_url
from bench.scales import SCALES
from bench.synthetic import COMPETITION, HORIZON_MS, model_ids, param_ids, setup_competition
from podium.store.database import json_text
from podium.store.predictions import _INSERT_POSTGRESQL


def _rows(batch: int, size: int, models: list[str], params: list[str], now_ms: int) -> list[list]:
    pairs = len(models) * len(params)
    rows = []
    for index in range(batch * size, (batch + 1) * size):
        pair, round_ = index % pairs, index // pairs
        performed = now_ms - HORIZON_MS // 2 - round_
        rows.append(
            [
                f"x{index}",
                models[pair // len(params)],
                params[pair % len(params)],
                {"value": (index % 997) / 1e5},
                performed,
                performed + HORIZON_MS,
            ]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_explain")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument(
        "--drop",
        action="append",
        default=[],
        metavar="CONSTRAINT",
        help="drop this constraint of predictions first (to weigh it; repeatable)",
    )
    options = parser.parse_args()
    scale = SCALES["medium"]
    now_ms = int(time.time() * 1000)
    with fresh_store("postgresql", Path("."), "explain") as url:
        setup_competition(url, scale, now_ms=now_ms)
        models, params = model_ids(scale), param_ids(scale)
        with psycopg.connect(libpq_url(url)) as connection:
            for name in options.drop:
                connection.execute(f'ALTER TABLE predictions DROP CONSTRAINT "{name}"')
            connection.commit()
            constraint_of = dict(
                connection.execute(
                    "SELECT t.tgname, c.conname FROM pg_trigger t "
                    "JOIN pg_constraint c ON c.oid = t.tgconstraint "
                    "WHERE t.tgrelid = 'predictions'::regclass"
                ).fetchall()
            )
            for batch in range(options.batches):
                document = json_text(_rows(batch, options.rows, models, params, now_ms))
                plan = connection.execute(
                    "EXPLAIN (ANALYZE, FORMAT JSON) " + _INSERT_POSTGRESQL,
                    {"competition_id": COMPETITION, "submitted_at": now_ms, "rows": document},
                ).fetchone()
                connection.commit()
                assert plan is not None
                report = plan[0][0]
                triggers = {
                    constraint_of.get(trigger["Trigger Name"], trigger["Trigger Name"]): round(
                        trigger["Time"], 1
                    )
                    for trigger in report.get("Triggers", [])
                }
                print(
                    json.dumps(
                        {
                            "batch": batch,
                            "rows": options.rows,
                            "execution_ms": round(report["Execution Time"], 1),
                            "triggers_ms": triggers,
                            "trigger_total_ms": round(sum(triggers.values()), 1),
                        }
                    ),
                    flush=True,
                )


if __name__ == "__main__":
    main()
