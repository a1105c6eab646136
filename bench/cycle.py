"""Scenario 2 (and 6): one score cycle on a fixed batch of new predictions, with a short and a
long history of scores already stored; the worker's peak RSS during the cycle.

Both stores are generated first; then each repeat runs the short-history cycle and the
long-history one back to back, so a ratio compares cycles a few seconds apart, not the two ends
of a long generation. Each cycle runs in a fresh process (``bench.probe``); between runs the
store is reset to the state before the cycle (the batch pending again, roll-ups and totals as
the history left them).
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from bench.run import Figure, Run, check
from bench.synthetic import (
    COMPETITION,
    KEPT_AFTER_CYCLE,
    History,
    analyze,
    generate_batch,
    generate_history,
    reset_batch,
    scalar,
    setup_competition,
)


def history_store(run: Run, size: int, *, steady: bool = False) -> tuple[str, History]:
    """A store with ``size`` historical scores and a pending batch (shared by the scenarios);
    ``steady``: and the scores of the batch's hour that earlier cycles of it left."""
    name = f"steady{size}" if steady else f"history{size}"

    def make() -> tuple[str, History]:
        url = run.store(name)
        setup_competition(url, run.scale)
        history = generate_history(url, run.scale, size, steady=steady)
        generate_batch(url, run.scale)
        analyze(url)
        return url, history

    store: tuple[str, History] = run.cached(name, make)
    return store


def probe(*args: str) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, "-m", "bench.probe", *args], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def store_before_cycle(run: Run, size: int, *, steady: bool = False) -> tuple[str, History]:
    """The store of ``history_store`` as before its first cycle (reset if it was cycled), for
    a cycle about to run. A steady store is compacted too: its roll-ups' updates depend on the
    pages' free space, which must be the same on every repeat."""
    url, history = history_store(run, size, steady=steady)
    cycled = f"cycled-steady{size}" if steady else f"cycled{size}"
    if run.shared.get(cycled):
        reset_batch(url, history)
        if steady:
            analyze(url, compact=True)
    run.shared[cycled] = True
    return url, history


def check_cycle(run: Run, url: str, history: History, result: dict[str, Any]) -> None:
    """The cycle scored the whole batch into the totals, dropped the roll-ups no window reads,
    and built a leaderboard of every model."""
    batch = run.scale.cycle_batch
    check(
        result["scored"] == batch and result["failed"] == 0 and result["waiting"] == 0,
        f"cycle scored {result['scored']} of {batch} (failed {result['failed']}, "
        f"waiting {result['waiting']})",
    )
    check(result["leaderboard_id"] is not None, "the cycle built no leaderboard")
    counted = scalar(
        url, "SELECT sum(count) FROM score_totals WHERE competition_id = %s", COMPETITION
    )
    check(
        int(counted) == history.scored + batch,
        f"score totals count {counted} scores, expected {history.scored} + {batch}",
    )
    kept = scalar(
        url,
        "SELECT count(*) FROM score_rollups WHERE competition_id = %s AND bucket_start < %s",
        COMPETITION,
        KEPT_AFTER_CYCLE,
    )
    check(kept == 0, f"{kept} roll-ups of buckets older than every window were kept")
    entries = scalar(
        url, "SELECT entry_count FROM leaderboards WHERE id = %s", result["leaderboard_id"]
    )
    check(entries == run.scale.models, f"leaderboard of {entries} models, not {run.scale.models}")


def _cycle(run: Run, size: int) -> dict[str, Any]:
    """One cycle on the store with ``size`` historical scores, reset first if it was cycled."""
    url, history = store_before_cycle(run, size)
    result = probe("cycle", url)
    check_cycle(run, url, history, result)
    return result


def score_cycle(run: Run) -> list[Figure]:
    scale = run.scale
    sizes = (scale.history_low, scale.history_high)
    for size in sizes:  # both stores first: the two cycles of a repeat then run back to back
        history_store(run, size)
    cycles: dict[int, list[dict[str, Any]]] = {size: [] for size in sizes}
    for _ in range(run.repeat):
        for size in sizes:
            cycles[size].append(_cycle(run, size))
    low, high = cycles[scale.history_low], cycles[scale.history_high]
    batch = scale.cycle_batch
    low_s = [item["seconds"] for item in low]
    high_s = [item["seconds"] for item in high]
    rss = {
        size: [item["rss_peak_kb"] / 1024 for item in results]
        for size, results in ((scale.history_low, low), (scale.history_high, high))
    }
    return [
        run.figure("2 cycle", f"cycle of {batch:,} new, {scale.history_low:,} history", "s", low_s),
        run.figure(
            "2 cycle", f"cycle of {batch:,} new, {scale.history_high:,} history", "s", high_s
        ),
        run.figure(
            "2 cycle",
            f"cycle time ratio {scale.history_high:,} / {scale.history_low:,} history",
            "×",
            [h / lo for h, lo in zip(high_s, low_s, strict=True)],
            note="target ≤ 1.3",
        ),
        run.figure(
            "2 cycle",
            f"predictions scored per second ({scale.history_high:,} history)",
            "pred/s",
            [batch / seconds for seconds in high_s],
            note="target ≥ 100k/s SQLite, ≥ 50k/s PostgreSQL",
        ),
        *(
            run.figure(
                "2 cycle",
                f"worker CPU, cycle, {size:,} history (SQLite's work included, not PostgreSQL's)",
                "s",
                [item["cpu_seconds"] for item in results],
            )
            for size, results in ((scale.history_low, low), (scale.history_high, high))
        ),
        run.figure(
            "2 cycle",
            f"worker CPU ratio {scale.history_high:,} / {scale.history_low:,} history",
            "×",
            [h["cpu_seconds"] / lo["cpu_seconds"] for h, lo in zip(high, low, strict=True)],
        ),
        run.figure(
            "6 memory",
            f"worker peak RSS, cycle, {scale.history_low:,} history",
            "MiB",
            rss[scale.history_low],
        ),
        run.figure(
            "6 memory",
            f"worker peak RSS, cycle, {scale.history_high:,} history",
            "MiB",
            rss[scale.history_high],
        ),
    ]
