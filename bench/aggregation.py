"""Scenario 3 (and 6): windowed aggregation of every stored score, side by side with one DuckDB
``GROUP BY`` over the same rows exported to Parquet.

Podium's own path (what a leaderboard is built from) reads the roll-ups and totals; the full
path scans every stored score in the store with one ``GROUP BY``. Both must agree with DuckDB.
"""

from __future__ import annotations

import json
import math
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.backends import libpq_url, sqlite_path
from bench.cycle import history_store, probe
from bench.probe import full_aggregation_sql
from bench.run import Figure, Run, check
from bench.synthetic import BUCKET_MS, COMPETITION, NOW_MS
from podium.domain.windows import WINDOW_NAMES, WindowSpec

EXPORT_SQL = (
    "SELECT model_id, param_id, resolvable_at, score_value FROM predictions "
    "JOIN prediction_outcomes USING (pk) "
    "WHERE competition_id = %s AND status = 'SCORED' AND score_success"
)


def export_parquet(url: str, path: Path) -> int:
    """The scored rows of the store as a Parquet file (not timed); the number of rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("model_id", pa.string()),
            ("param_id", pa.string()),
            ("resolvable_at", pa.int64()),
            ("score_value", pa.float64()),
        ]
    )
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        for rows in _fetch(url):
            columns = list(zip(*rows, strict=True))
            writer.write_table(pa.table([list(column) for column in columns], schema=schema))
            count += len(rows)
    return count


def _fetch(url: str) -> Any:
    if url.startswith("sqlite"):
        connection = sqlite3.connect(sqlite_path(url))
        try:
            cursor = connection.execute(EXPORT_SQL.replace("%s", "?"), (COMPETITION,))
            while rows := cursor.fetchmany(500_000):
                yield rows
        finally:
            connection.close()
        return
    with psycopg.connect(libpq_url(url)) as connection, connection.cursor(name="export") as cursor:
        cursor.execute(EXPORT_SQL, (COMPETITION,))
        while rows := cursor.fetchmany(500_000):
            yield rows


def _duckdb(parquet: Path) -> tuple[float, list[list[Any]]]:
    import duckdb

    spec = WindowSpec()
    firsts = {name: spec.first_bucket(name, NOW_MS) for name in WINDOW_NAMES}
    sql = full_aggregation_sql(NOW_MS, BUCKET_MS, firsts).format(
        table=f"read_parquet('{parquet}')", where="true"
    )
    connection = duckdb.connect()
    try:
        started = time.perf_counter()
        rows = connection.execute(sql).fetchall()
        return time.perf_counter() - started, [list(row) for row in rows]
    finally:
        connection.close()


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _compare(podium: dict[str, Any], reference: list[list[Any]]) -> None:
    """Counts equal and sums equal (to rounding) per model and param, for every window."""
    expected = {f"{row[0]}/{row[1]}": row[2:] for row in reference}
    raw = {f"{row[0]}/{row[1]}": row[2:] for row in podium["raw"]}
    check(set(raw) == set(expected), "the store's GROUP BY and DuckDB's found other pairs")
    for key, values in expected.items():
        mine = raw[key]
        check(int(mine[0]) == int(values[0]), f"{key}: {mine[0]} scores, DuckDB {values[0]}")
        check(
            all(_close(float(a or 0), float(b or 0)) for a, b in zip(mine, values, strict=True)),
            f"{key}: store {mine} != DuckDB {values}",
        )
        total = podium["totals"].get(key)
        check(total is not None and total[0] == int(values[0]), f"{key}: totals {total}")
        check(_close(total[1], float(values[1])), f"{key}: total sum {total[1]} != {values[1]}")
        windows = podium["rollups"].get(key)
        if int(values[2 + 2 * 2]) == 0:  # nothing in the widest window
            continue
        check(windows is not None, f"{key}: no roll-ups in the windows")
        counts = [int(values[2 + 2 * i]) for i in range(3)]
        sums = [float(values[3 + 2 * i]) for i in range(3)]
        check(windows[1:4] == counts, f"{key}: window counts {windows[1:4]}, DuckDB {counts}")
        check(
            all(_close(a, b) for a, b in zip(windows[4:7], sums, strict=True)),
            f"{key}: window sums {windows[4:7]}, DuckDB {sums}",
        )


def aggregation(run: Run) -> list[Figure]:
    size = run.scale.history_high
    url, _ = history_store(run, size)
    if not run.shared.get(f"cycled{size}"):
        probe("cycle", url)  # score the batch: every row is a score
        run.shared[f"cycled{size}"] = True
    with tempfile.TemporaryDirectory(dir=run.workdir) as folder:
        parquet = Path(folder) / "scores.parquet"
        exported = export_parquet(url, parquet)
        check(exported == size + run.scale.cycle_batch, f"{exported} rows exported")
        rollup_s, raw_s, duck_s, rss = [], [], [], []
        for _ in range(run.repeat):
            out = Path(folder) / "podium.json"
            result = probe("aggregate", url, str(out))
            duck_seconds, reference = _duckdb(parquet)
            _compare(json.loads(out.read_text()), reference)
            rollup_s.append(result["rollup_seconds"])
            raw_s.append(result["raw_seconds"])
            duck_s.append(duck_seconds)
            rss.append(result["rss_rollup_peak_kb"] / 1024)
    rows = f"{exported:,} scores"
    return [
        run.figure("3 aggregation", f"DuckDB GROUP BY over Parquet, {rows}", "s", duck_s),
        run.figure("3 aggregation", f"store GROUP BY over every score, {rows}", "s", raw_s),
        run.figure(
            "3 aggregation",
            "ratio store full scan / DuckDB",
            "×",
            [a / b for a, b in zip(raw_s, duck_s, strict=True)],
            note="target ≤ 3",
        ),
        run.figure(
            "3 aggregation", f"Podium windows from roll-ups + totals, {rows}", "s", rollup_s
        ),
        run.figure(
            "3 aggregation",
            "ratio Podium (roll-ups) / DuckDB",
            "×",
            [a / b for a, b in zip(rollup_s, duck_s, strict=True)],
            note="target ≤ 3",
        ),
        run.figure("6 memory", f"worker peak RSS, windows from roll-ups, {rows}", "MiB", rss),
    ]
