"""The leaderboard build of the score cycle, alone and within a whole cycle (``medium``).

python -m bench.leaderboard_build --backend both --repeat 3 --workdir /tmp/lb-bench

A store with the long history (1M scores at ``medium``) and a pending batch is generated once
per backend (kept in ``--workdir``, or as a PostgreSQL database named after the scale, reused by
later runs); each repeat copies it (a file copy, ``CREATE DATABASE … TEMPLATE``) and runs, in a
fresh process: one ``run_score_cycle`` (timed whole), then ``build_leaderboard`` alone
``--builds`` times, each in a transaction rolled back afterwards (the median is reported), with
the CPU time of the process (on SQLite all the work; on PostgreSQL the client's share). The
process also prints a digest of what the cycle stored (every leaderboard's entries and every
snapshot), so that two versions of the code can be checked to give the same leaderboards.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text

from bench.backends import BACKENDS, POSTGRES_ADMIN_URL, _migrate
from bench.scales import SCALES, Scale
from bench.synthetic import (
    COMPETITION,
    NOW_MS,
    analyze,
    generate_batch,
    generate_history,
    setup_competition,
)
from podium.services.score_cycle import run_score_cycle
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database

try:
    from podium.services.leaderboards import build_leaderboard
except ImportError:  # the code before the columnar build, to measure it the same way
    from podium.services.score_cycle import build_leaderboard  # type: ignore[attr-defined,no-redef]

BATCH_SIZE = 20_000


class _RollbackError(Exception):
    """Ends a timed build: its transaction is rolled back, the store stays as it was."""


def _pg_url(database: str) -> str:
    return make_url(POSTGRES_ADMIN_URL).set(database=database).render_as_string(False)


def _pg_admin(sql: str) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(sql))
    finally:
        admin.dispose()


def _pg_exists(database: str) -> bool:
    admin = create_engine(POSTGRES_ADMIN_URL)
    try:
        with admin.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
            ).first()
    finally:
        admin.dispose()
    return found is not None


def template(backend: str, scale: Scale, workdir: Path) -> str:
    """The URL of the generated store (made once, then reused)."""
    if backend == "sqlite":
        path = workdir / f"leaderboard-{scale.name}.db"
        url = f"sqlite:///{path}"
        if path.exists():
            return url
        partial = workdir / f"leaderboard-{scale.name}.partial.db"
        partial.unlink(missing_ok=True)
        partial_url = f"sqlite:///{partial}"
        _generate(partial_url, scale)
        partial.rename(path)
        return url
    database = f"podium_bench_leaderboard_{scale.name}"
    if not _pg_exists(database):
        partial = f"{database}_partial"
        _pg_admin(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{partial}"')
        _generate(_pg_url(partial), scale)
        _pg_admin(f'ALTER DATABASE "{partial}" RENAME TO "{database}"')
    return _pg_url(database)


def _generate(url: str, scale: Scale) -> None:
    _migrate(url)
    setup_competition(url, scale)
    generate_history(url, scale, scale.history_high)
    generate_batch(url, scale)
    analyze(url)


def copy_of(
    backend: str, source: str, workdir: Path, name: str, ranker: dict[str, Any] | None
) -> str:
    """A copy of the generated store, with the competition's ranker set to ``ranker``."""
    url = _copy(backend, source, workdir, name)
    if ranker is not None:
        with Database(url) as db, db.write() as session:
            row = CompetitionRepository(session).get(COMPETITION)
            row.ranker = ranker.get("ranker", row.ranker)
            row.ranker_config = ranker.get("config", row.ranker_config)
    return url


def _copy(backend: str, source: str, workdir: Path, name: str) -> str:
    if backend == "sqlite":
        target = workdir / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        source_path = make_url(source).database
        assert source_path is not None
        shutil.copyfile(source_path, target)
        return f"sqlite:///{target}"
    database = f"podium_bench_{name}"
    _pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{database}" TEMPLATE "{make_url(source).database}"')
    return _pg_url(database)


def drop_copy(backend: str, url: str) -> None:
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{make_url(url).database}{suffix}").unlink(missing_ok=True)
        return
    _pg_admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def digest(db: Database) -> dict[str, Any]:
    """What the cycle stored for the leaderboards: a hash per table, and a few counts."""
    queries = {
        "leaderboards": "SELECT id, category, created_at, revision, ranker, entry_count "
        "FROM leaderboards ORDER BY id",
        "entries": "SELECT leaderboard_id, model_id, rank, model_name, player_id, player_name, "
        "score_recent, score_steady, score_anchor, combined_score, prediction_count "
        "FROM leaderboard_entries ORDER BY leaderboard_id, rank, model_id",
        "snapshots": "SELECT model_id, performed_at, score_recent, score_steady, score_anchor, "
        "prediction_count, scores_by_param FROM model_score_snapshots ORDER BY model_id, "
        "performed_at",
    }
    found: dict[str, Any] = {}
    with db.read() as session:
        for name, sql in queries.items():
            rows = [
                tuple(
                    json.dumps(value, sort_keys=True) if isinstance(value, dict) else value
                    for value in row
                )
                for row in session.execute(text(sql))
            ]
            found[name] = {
                "rows": len(rows),
                "sha256": hashlib.sha256(repr(rows).encode()).hexdigest()[:16],
            }
    return found


def probe(url: str, builds: int, profile: Path | None, *, gc_freeze: bool) -> dict[str, Any]:
    with Database(url) as db:
        with db.read() as session:
            CompetitionRepository(session).get(COMPETITION)
        if gc_freeze:  # as `podium serve` does at start (freeze_startup_objects)
            gc.collect()
            gc.freeze()
        started, cpu = time.perf_counter(), time.process_time()
        report = run_score_cycle(
            db, competition_id=COMPETITION, now_ms=NOW_MS, batch_size=BATCH_SIZE
        )
        cycle_s, cycle_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        stored = digest(db)
        samples, cpu_samples = [], []
        profiler = None
        if profile is not None:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
        for _ in range(builds):
            try:
                with db.write() as session:
                    competition = CompetitionRepository(session).get(COMPETITION)
                    if profiler is not None:
                        profiler.start()
                    started, cpu = time.perf_counter(), time.process_time()
                    build_leaderboard(session, competition=competition, now_ms=NOW_MS)
                    session.flush()
                    samples.append(time.perf_counter() - started)
                    cpu_samples.append(time.process_time() - cpu)
                    if profiler is not None:
                        profiler.stop()
                    raise _RollbackError
            except _RollbackError:
                pass
        if profiler is not None and profile is not None:
            profile.write_text(profiler.output_text(unicode=True, show_all=False))
    return {
        "cycle_s": cycle_s,
        "cycle_cpu_s": cycle_cpu_s,
        "scored": report.scored,
        "build_s": samples,
        "build_cpu_s": cpu_samples,
        "digest": stored,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.leaderboard_build")
    parser.add_argument("--scale", choices=sorted(SCALES), default="medium")
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--builds", type=int, default=3, help="build_leaderboard runs per repeat")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/podium-leaderboard-bench"))
    parser.add_argument("--profile", type=Path, help="pyinstrument text profile of the builds")
    parser.add_argument(
        "--ranker",
        type=json.loads,
        help='the competition\'s ranker, e.g. \'{"ranker": "weighted", "config": '
        '{"min_predictions": 0}}\' (default: as created, lexicographic, min_predictions 100)',
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="freeze the objects alive before the cycle out of the cyclic GC, as podium serve does",
    )
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        print(json.dumps(probe(args.probe, args.builds, args.profile, gc_freeze=args.gc_freeze)))
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    scale = SCALES[args.scale]
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    for backend in backends:
        source = template(backend, scale, args.workdir)
        cycles, builds, digests, cpus = [], [], [], []
        for attempt in range(args.repeat):
            url = copy_of(
                backend, source, args.workdir, f"lb_run_{os.getpid()}_{attempt}", args.ranker
            )
            try:
                command = [sys.executable, "-m", "bench.leaderboard_build", "--probe", url]
                command += ["--builds", str(args.builds)]
                if args.gc_freeze:
                    command.append("--gc-freeze")
                if args.profile:
                    command += ["--profile", str(args.profile.with_suffix(f".{backend}.txt"))]
                output = subprocess.run(command, check=True, capture_output=True, text=True)
                result = json.loads(output.stdout.strip().splitlines()[-1])
            finally:
                drop_copy(backend, url)
            cycles.append(result["cycle_s"])
            builds.append(statistics.median(result["build_s"]))
            cpus.append(
                (result.get("cycle_cpu_s", math.nan), statistics.median(result["build_cpu_s"]))
            )
            digests.append(result["digest"])
            print(
                f"{backend} run {attempt + 1}: cycle {result['cycle_s']:.2f} s "
                f"(scored {result['scored']}), build_leaderboard "
                + ", ".join(f"{value:.3f}" for value in result["build_s"])
                + f" s; CPU of this process: cycle {cpus[-1][0]:.2f} s, build {cpus[-1][1]:.3f} s"
                + f"; load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        same = all(found == digests[0] for found in digests)
        print(
            f"{backend}: cycle median {statistics.median(cycles):.2f} s "
            f"{[round(value, 2) for value in cycles]}, build_leaderboard median "
            f"{statistics.median(builds):.3f} s {[round(value, 3) for value in builds]}; CPU "
            f"cycle {statistics.median(cpu[0] for cpu in cpus):.2f} s, build "
            f"{statistics.median(cpu[1] for cpu in cpus):.3f} s "
            f"{[round(cpu[1], 3) for cpu in cpus]}; "
            f"digest {json.dumps(digests[0], sort_keys=True)}"
            + ("" if same else " (DIFFERENT between runs)"),
            flush=True,
        )


if __name__ == "__main__":
    main()
