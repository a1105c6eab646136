"""Scenario 2 in the steady state: one score cycle of the same batch as ``cycle``'s, in a store
where the batch's roll-up rows exist already, as the earlier cycles of the same hour of a
competition scored every minute left them. The cycle's roll-up upserts are then updates of
stored rows, where ``cycle``'s (the first cycle to score in those buckets) are all inserts.

The store holds the short history of scenario 2 and, scored with it, one prediction of every
model and param in each of the batch's buckets (``generate_history(steady=True)``). Each cycle
runs in a fresh process; before every repeat but the first the store is reset and compacted
(``store_before_cycle``). Besides the timings, the roll-up rows the cycle updated and inserted
are counted from the store (rows of the batch's buckets before and after the cycle), and on
PostgreSQL how many of the roll-ups' updates were heap-only (HOT, ``pg_stat_user_tables``).
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from bench.cycle import check_cycle, probe, store_before_cycle
from bench.run import Figure, Run, check
from bench.synthetic import BATCH_FIRST_BUCKET, BUCKET_MS, COMPETITION, History, fetch

RollupKey = tuple[str, str, int]  # model, param, bucket start
# How long the server may take to publish the finished cycle's table statistics.
STATS_WAIT_S = 10.0


def _counts(url: str, sql: str, *args: Any) -> Counter[RollupKey]:
    """The counts ``sql`` selects (model, param, bucket start, count), by roll-up key."""
    rows = fetch(url, sql, *args)
    return Counter(
        {(model, param, int(bucket)): int(count) for model, param, bucket, count in rows}
    )


def _batch_bucket_rollups(url: str) -> Counter[RollupKey]:
    """The roll-ups' counts of the batch's buckets, read from the store."""
    return _counts(
        url,
        "SELECT model_id, param_id, bucket_start, count FROM score_rollups "
        "WHERE competition_id = %s AND bucket_start >= %s",
        COMPETITION,
        BATCH_FIRST_BUCKET,
    )


def _batch_counts(url: str, history: History) -> Counter[RollupKey]:
    """How many of the batch's predictions each roll-up row of its buckets counts."""
    return _counts(
        url,
        f"SELECT model_id, param_id, resolvable_at / {BUCKET_MS} * {BUCKET_MS}, count(*) "
        "FROM predictions WHERE competition_id = %s AND pk > %s GROUP BY 1, 2, 3",
        COMPETITION,
        history.last_pk,
    )


def _rollup_updates(url: str) -> tuple[int, int]:
    """PostgreSQL's count of the roll-up table's updates so far, and of the heap-only ones."""
    row = fetch(
        url,
        "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'score_rollups'",
    )[0]
    return int(row[0]), int(row[1])


def _hot_share(url: str, before: tuple[int, int], updated: int) -> float | None:
    """The share of the cycle's roll-up updates that were heap-only, once the server counts
    them all (a backend publishes its counts as it ends); ``None`` if it never does."""
    deadline = time.monotonic() + STATS_WAIT_S
    while True:
        updates, hot = _rollup_updates(url)
        if updates - before[0] >= updated > 0:
            return (hot - before[1]) / (updates - before[0])
        if time.monotonic() > deadline:
            return None
        time.sleep(0.1)


def _steady_cycle(run: Run) -> dict[str, Any]:
    """One cycle on the steady store; what it did to the roll-ups of the batch's buckets."""
    url, history = store_before_cycle(run, run.scale.history_low, steady=True)
    postgresql = not url.startswith("sqlite")
    before = _batch_bucket_rollups(url)
    updates_before = _rollup_updates(url) if postgresql else (0, 0)
    result = probe("cycle", url)
    check_cycle(run, url, history, result)
    after = _batch_bucket_rollups(url)
    batch = _batch_counts(url, history)
    wrong = sorted(
        key
        for key in after.keys() | before.keys() | batch.keys()
        if after[key] != before[key] + batch[key]
    )
    check(
        not wrong,
        f"{len(wrong)} roll-ups of the batch's buckets do not count what they held plus the "
        f"batch's predictions, e.g. {wrong[:1]}",
    )
    result["rollups_updated"] = len(batch.keys() & before.keys())
    result["rollups_inserted"] = len(after.keys() - before.keys())
    if postgresql:
        result["hot_share"] = _hot_share(url, updates_before, result["rollups_updated"])
    return result


def steady_cycle(run: Run) -> list[Figure]:
    scale = run.scale
    results = [_steady_cycle(run) for _ in range(run.repeat)]
    seconds = [item["seconds"] for item in results]
    shape = f"{scale.cycle_batch:,} new, {scale.history_low:,} history, hour's roll-ups stored"
    figures = [
        run.figure("2 cycle steady", f"steady-state cycle of {shape}", "s", seconds),
        run.figure(
            "2 cycle steady",
            f"predictions scored per second, steady state ({scale.history_low:,} history)",
            "pred/s",
            [scale.cycle_batch / value for value in seconds],
        ),
        run.figure(
            "2 cycle steady",
            "worker CPU, steady-state cycle (SQLite's work included, not PostgreSQL's)",
            "s",
            [item["cpu_seconds"] for item in results],
        ),
        run.figure(
            "2 cycle steady",
            "roll-up rows updated by the steady-state cycle",
            "rows",
            [item["rollups_updated"] for item in results],
        ),
        run.figure(
            "2 cycle steady",
            "roll-up rows inserted by the steady-state cycle",
            "rows",
            [item["rollups_inserted"] for item in results],
        ),
    ]
    shares = [item.get("hot_share") for item in results]
    if shares and all(share is not None for share in shares):
        figures.append(
            run.figure(
                "2 cycle steady",
                "roll-up updates heap-only (HOT), steady-state cycle",
                "%",
                [100 * share for share in shares if share is not None],
            )
        )
    figures.append(
        run.figure(
            "6 memory",
            f"worker peak RSS, steady-state cycle, {scale.history_low:,} history",
            "MiB",
            [item["rss_peak_kb"] / 1024 for item in results],
        )
    )
    return figures
