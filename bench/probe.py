"""The worker side of scenarios 2 and 3, run in a fresh process so its peak RSS is its own.

``python -m bench.probe cycle URL`` runs one score cycle; ``python -m bench.probe aggregate URL
OUT`` computes the windowed aggregation twice (from the roll-ups, as the score cycle does, and
by one GROUP BY over every stored score) and writes both to OUT. Each prints one JSON line
with its timings and the process's peak RSS (``VmHWM``) before and after the work.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.synthetic import COMPETITION, NOW_MS
from podium.cli.serving import freeze_startup_objects
from podium.services.competitions import window_spec
from podium.services.score_cycle import run_score_cycle
from podium.settings import Settings
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database
from podium.store.scores import ScoreRepository


def peak_rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def cycle(url: str) -> dict[str, Any]:
    with Database(url) as db:
        with db.read() as session:  # connect (and import the plugins) before measuring
            CompetitionRepository(session).get(COMPETITION)
        freeze_startup_objects()  # as `podium worker` does
        baseline = peak_rss_kb()
        cpu_started = time.process_time()
        report = run_score_cycle(
            db,
            competition_id=COMPETITION,
            now_ms=NOW_MS,
            batch_size=Settings(database_url=url).score_batch,
        )
        cpu_seconds = time.process_time() - cpu_started
    return {
        "seconds": report.duration_s,
        "cpu_seconds": cpu_seconds,
        "scored": report.scored,
        "failed": report.failed,
        "expired": report.expired,
        "waiting": report.waiting,
        "leaderboard_id": report.leaderboard_id,
        "rss_baseline_kb": baseline,
        "rss_peak_kb": peak_rss_kb(),
    }


def full_aggregation_sql(now_ms: int, bucket_ms: int, firsts: dict[str, int]) -> str:
    """Every stored score, grouped per model and param: all-time count/sum and each window."""
    last = now_ms - now_ms % bucket_ms + bucket_ms
    windows = ", ".join(
        f"sum(CASE WHEN resolvable_at >= {first} AND resolvable_at < {last} THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN resolvable_at >= {first} AND resolvable_at < {last} "
        f"THEN score_value ELSE 0 END)"
        for first in firsts.values()
    )
    return (
        f"SELECT model_id, param_id, count(*), sum(score_value), {windows} "
        "FROM {table} WHERE {where} GROUP BY model_id, param_id"
    )


def aggregate(url: str, out: Path) -> dict[str, Any]:
    with Database(url) as db:
        with db.read() as session:
            competition = CompetitionRepository(session).get(COMPETITION)
        spec = window_spec(competition)
        baseline = peak_rss_kb()
        started = time.perf_counter()
        with db.read() as session:
            scores = ScoreRepository(session)
            # what the leaderboard build reads: the windows as columns, and the totals
            windows = scores.window_columns(COMPETITION, spec, NOW_MS)
            totals = scores.totals(COMPETITION)
        rollup_seconds = time.perf_counter() - started
        rollup_rss = peak_rss_kb()
        firsts = {name: spec.first_bucket(name, NOW_MS) for name in ("recent", "steady", "anchor")}
        sql = full_aggregation_sql(NOW_MS, spec.bucket_ms, firsts).format(
            table="predictions JOIN prediction_outcomes USING (pk)",
            where=f"competition_id = '{COMPETITION}' AND status = 'SCORED' AND score_success",
        )
        started = time.perf_counter()
        with db.read() as session:
            raw = [list(row) for row in session.execute(text(sql))]
        raw_seconds = time.perf_counter() - started
    result = {
        "rollups": {
            f"{model_id}/{param_id}": [
                totals[(model_id, param_id)].count if (model_id, param_id) in totals else 0,
                *counts,
                *sums,
            ]
            for model_id, param_id, counts, sums in windows.pairs()
        },
        "totals": {f"{m}/{p}": [t.count, t.total] for (m, p), t in totals.items()},
        "raw": raw,
    }
    out.write_text(json.dumps(result))
    return {
        "rollup_seconds": rollup_seconds,
        "raw_seconds": raw_seconds,
        "rss_baseline_kb": baseline,
        "rss_rollup_peak_kb": rollup_rss,
        "rss_peak_kb": peak_rss_kb(),
    }


def main(argv: list[str]) -> None:
    command, url, *rest = argv
    if command == "cycle":
        result = cycle(url)
    elif command == "aggregate":
        result = aggregate(url, Path(rest[0]))
    else:
        raise SystemExit(f"unknown probe {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
