"""Challenge attempts: how many a second Podium records with a plugin scorer, in-process or
sandboxed, and the latency of ``POST /api/challenges/{id}/attempts``.

Two measurements, each for ``PODIUM_SCORER_SANDBOX=false`` (the plugin runs in the API process)
and ``true`` (it runs in the pool of worker processes):

1. **scorer**: ``AttemptScorer.score`` called in a loop (no HTTP, no database): the cost of the
   process boundary alone;
2. **http**: a real ``podium serve`` on a fresh SQLite file (or ``--database-url``), clients
   posting attempts of many players to one ``custom`` challenge scored by ``BenchScorer`` below;
   attempts/s and the p50/p99 latency of the POST.

Before them, the scorer on batches (``AttemptScorer.score_many`` of ``--batch`` attempts: one
round trip per sandbox worker), in-process and sandboxed with 1 and 2 workers taking turns
``--batches`` times; ``--only batch`` or ``--only http`` runs one part.

The POSTs go to a fresh store per run (``--backend``: a SQLite file, or a PostgreSQL database
created for the run and dropped after it), for each ``--mode`` (built-in strategy, plugin
in-process, plugin sandboxed; all three by default), ``--repeat`` times (medians, samples in
brackets). Besides the client's figures, the API process's CPU per POST (user + system, read
from ``/proc``; the sandbox's worker processes not included). The conditions (backend,
clients, load average before and after) are printed with the figures.

Run from the repository root::

    python -m bench.attempts                 # defaults: 2000 attempts, 4 clients, SQLite
    python -m bench.attempts --only http --backend postgresql --mode built-in --repeat 3
    python -m bench.attempts --attempts 500 --clients 2 --database-url postgresql+psycopg://...

or as scenario 5 of the harness (``scenario`` below; ``Scale.attempts`` POSTs per mode)::

    python -m bench --scenario attempts --backend both --check
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.backends import BACKENDS, fresh_store
from bench.run import Figure, Run, check
from bench.server import process_cpu_seconds

SCORER = "bench.attempts:BenchScorer"


class BenchScorer:
    """A custom plugin of typical weight: a few arithmetic terms over the metrics."""

    def score(self, metrics: Any, config: dict[str, Any], ctx: Any) -> dict[str, Any]:
        rating = metrics.get("rating") or 0
        seconds = (metrics.get("elapsed_ms") or 0) / 1000
        tokens = metrics.get("tokens_total") or 0
        base = 50.0 if metrics.get("succeeded") else 0.0
        value = base + rating * config.get("weight", 5.0) - seconds * 0.2 - tokens * 0.001
        return {"score": max(value, 0.0), "details": {"base": base}}


def _metrics(rng: random.Random) -> dict[str, Any]:
    return {
        "succeeded": rng.random() < 0.7,
        "tokens_total": rng.randint(100, 5000),
        "elapsed_ms": rng.randint(200, 60_000),
        "rating": rng.randint(0, 10),
    }


def _bench_challenge_and_attempts(attempts: int) -> tuple[Any, list[Any]]:
    from podium.domain.challenges import AttemptOutcome
    from podium.store.challenge_tables import ChallengeRow

    challenge = ChallengeRow(
        id="bench",
        tenant_id="default",
        scoring_strategy="custom",
        scoring_entrypoint=SCORER,
        scoring_plugin_id=SCORER,
        scoring_config={"weight": 5.0},
        timeout_ms=None,
    )
    rng = random.Random(1)
    outcomes = [
        AttemptOutcome(attempt_id=0, end_user_id=f"p{i % 100}", created_at=i, **_metrics(rng))
        for i in range(attempts)
    ]
    return challenge, outcomes


def bench_scorer(attempts: int, *, sandboxed: bool) -> float:
    """Attempts scored per second by ``AttemptScorer.score`` alone, one call per attempt."""
    from podium.services.attempt_scoring import AttemptScorer
    from podium.settings import Settings

    scorer = AttemptScorer.for_settings(Settings(scorer_sandbox=sandboxed))
    challenge, outcomes = _bench_challenge_and_attempts(attempts)
    scorer.score(challenge, outcomes[0], tenant_id="default")  # warm the pool up
    started = time.perf_counter()
    for outcome in outcomes:
        assert scorer.score(challenge, outcome, tenant_id="default").score is not None
    per_s = attempts / (time.perf_counter() - started)
    if scorer.sandbox is not None:
        scorer.sandbox.close()
    return per_s


def bench_scorer_batches(batch: int, rounds: int) -> dict[str, list[float]]:
    """Milliseconds of ``AttemptScorer.score_many`` over one batch of ``batch`` attempts, per
    mode (``in-process``, ``sandboxed, 1 worker``, ``sandboxed, 2 workers``): the modes take
    turns, ``rounds`` times, after a batch each to warm up, so that each round compares them
    under the same load."""
    from podium.plugins.sandbox import ScorerSandbox
    from podium.services.attempt_scoring import AttemptScorer

    scorers = {
        "in-process": AttemptScorer(default_timeout_ms=5_000, sandbox=None),
        **{
            f"sandboxed, {workers} worker{'s' if workers > 1 else ''}": AttemptScorer(
                default_timeout_ms=5_000,
                sandbox=ScorerSandbox(workers=workers, memory_limit_mb=1_024),
            )
            for workers in (1, 2)
        },
    }
    challenge, outcomes = _bench_challenge_and_attempts(batch)
    times: dict[str, list[float]] = {mode: [] for mode in scorers}
    try:
        for scorer in scorers.values():
            scorer.score_many(challenge, outcomes, tenant_id="default")  # warm the pool up
        for _ in range(rounds):
            for mode, scorer in scorers.items():
                started = time.perf_counter()
                scored = scorer.score_many(challenge, outcomes, tenant_id="default")
                times[mode].append((time.perf_counter() - started) * 1000)
                assert all(outcome.score is not None for outcome in scored)
    finally:
        for scorer in scorers.values():
            if scorer.sandbox is not None:
                scorer.sandbox.close()
    return times


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Served:
    """A ``podium serve`` process: its base URL and process id."""

    url: str
    pid: int


@contextmanager
def serving(database_url: str, *, sandboxed: bool) -> Iterator[Served]:
    port = _free_port()
    env = {
        **os.environ,
        "PODIUM_SCORER_SANDBOX": "true" if sandboxed else "false",
        "PODIUM_LOG_LEVEL": "WARNING",
        "PODIUM_WRITE_RATE_LIMIT": "0",  # the clients post far more than 600 a minute
        # Starting the sandbox and loading the plugin to check it when the challenge is created
        # takes more than the default 5 s on a loaded machine.
        "PODIUM_SCORER_TIMEOUT_MS": "30000",
        "PYTHONPATH": str(Path.cwd()),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "podium",
            "serve",
            "--no-worker",
            "--migrate",
            "--port",
            str(port),
            "--database-url",
            database_url,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("podium serve did not start")
        yield Served(url, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


CUSTOM = {
    "name": "bench",
    "scoring_strategy": "custom",
    "scoring_entrypoint": SCORER,
    "scoring_config": {"weight": 5.0},
}
BUILT_IN = {"name": "bench", "scoring_strategy": "fastest"}
WARM_UP = 20  # attempts posted before the clock starts


def bench_http(
    database_url: str,
    attempts: int,
    clients: int,
    players: int,
    *,
    sandboxed: bool,
    challenge: dict[str, Any],
) -> dict[str, float]:
    custom = challenge["scoring_strategy"] == "custom"
    with serving(database_url, sandboxed=sandboxed) as served:
        url = served.url
        with httpx.Client(base_url=url, timeout=60) as admin:
            created = admin.post("/api/challenges", json=challenge)
            if created.status_code != 201:
                raise RuntimeError(f"the challenge was not created: {created.text}")
            challenge_id = created.json()["id"]
        rng = random.Random(2)
        bodies = [
            {"end_user_id": f"player-{rng.randrange(players)}", **_metrics(rng)}
            for _ in range(attempts)
        ]

        def post_all(share: list[dict[str, Any]]) -> list[float]:
            latencies = []
            with httpx.Client(base_url=url, timeout=60) as client:
                for body in share:
                    started = time.perf_counter()
                    response = client.post(f"/api/challenges/{challenge_id}/attempts", json=body)
                    latencies.append(time.perf_counter() - started)
                    assert response.status_code == 201, response.text
                    assert response.json()["score"] is not None or not custom
            return latencies

        warm_up = bodies[:WARM_UP]
        post_all(warm_up)  # warm-up: connections, the scorer pool
        shares = [bodies[i::clients] for i in range(clients)]
        cpu = process_cpu_seconds(served.pid)
        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            latencies = [value for part in pool.map(post_all, shares) for value in part]
        elapsed = time.perf_counter() - started
        cpu = process_cpu_seconds(served.pid) - cpu
        with httpx.Client(base_url=url, timeout=60) as reader:
            board = reader.get(f"/api/challenges/{challenge_id}/leaderboard?limit=10")
            board.raise_for_status()
    stored, scored = _stored(database_url, challenge_id)
    latencies.sort()
    return {
        "per_s": attempts / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "cpu_ms": cpu / attempts * 1000,
        "posted": len(warm_up) + attempts,
        "stored": stored,
        "scored": scored,
    }


def _stored(database_url: str, challenge_id: str) -> tuple[int, int]:
    """Attempts the store holds for the challenge, and how many of them carry a score."""
    from sqlalchemy import func, select

    from podium.store.challenge_tables import ChallengeAttemptRow
    from podium.store.database import Database

    with Database(database_url) as database, database.read() as session:
        stored, scored = session.execute(
            select(func.count(), func.count(ChallengeAttemptRow.score)).where(
                ChallengeAttemptRow.challenge_id == challenge_id
            )
        ).one()
    return int(stored), int(scored)


MODES = (
    ("built-in", BUILT_IN, True),
    ("plugin in-process", CUSTOM, False),
    ("plugin sandboxed", CUSTOM, True),
)


def scenario(run: Run) -> list[Figure]:
    """Scenario 5 of ``python -m bench``: scorer alone and POSTs, on ``run.backend``.

    Each mode gets a fresh store and server; with ``run.check``, every posted attempt must be
    stored once and scored (timings are never checked).
    """
    attempts = run.scale.attempts
    figures: list[Figure] = []
    for sandboxed in (False, True):
        mode = "sandboxed" if sandboxed else "in-process"
        samples = [bench_scorer(attempts * 5, sandboxed=sandboxed) for _ in range(run.repeat)]
        figures.append(run.figure("5 attempts", f"scorer alone, {mode}", "att/s", samples, SCORER))
    batches = bench_scorer_batches(1000, 3 * run.repeat)
    for mode, batch_ms in batches.items():
        figures.append(
            run.figure("5 attempts", f"scorer batch of 1,000, {mode}", "ms", batch_ms, SCORER)
        )
    for index, (mode, challenge, sandboxed) in enumerate(MODES):
        results = []
        for repeat in range(run.repeat):
            url = run.store(f"attempts_{index}_{repeat}")
            result = bench_http(url, attempts, 4, 300, sandboxed=sandboxed, challenge=challenge)
            check(
                result["stored"] == result["posted"],
                f"{mode}: {result['posted']} attempts posted, {result['stored']} stored",
            )
            check(
                challenge is BUILT_IN or result["scored"] == result["posted"],
                f"{mode}: {result['posted']} attempts posted, {result['scored']} scored",
            )
            results.append(result)
        note = f"{attempts} POSTs by 4 clients"
        figures += [
            run.figure("5 attempts", f"POST {mode}", "att/s", [r["per_s"] for r in results], note),
            run.figure("5 attempts", f"POST {mode} p50", "ms", [r["p50_ms"] for r in results]),
            run.figure("5 attempts", f"POST {mode} p99", "ms", [r["p99_ms"] for r in results]),
            run.figure("5 attempts", f"POST {mode} API CPU", "ms", [r["cpu_ms"] for r in results]),
        ]
    return figures


# The modes of ``--mode``: the table's label, the challenge, whether the plugin is sandboxed.
HTTP_MODES = {
    "built-in": ("built-in strategy `fastest` (no plugin)", BUILT_IN, True),
    "in-process": ("plugin in-process", CUSTOM, False),
    "sandboxed": ("plugin sandboxed (worker processes)", CUSTOM, True),
}


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def _shown(samples: list[float], form: str) -> str:
    """The median of ``samples``, then the samples in brackets when there are several."""
    median = format(statistics.median(samples), form)
    if len(samples) == 1:
        return median
    return f"{median} [{', '.join(format(sample, form) for sample in samples)}]"


def _print_http(args: argparse.Namespace) -> None:
    """The POST table: one row per mode, medians of ``args.repeat`` runs on fresh stores."""
    modes = args.mode or list(HTTP_MODES)
    store = args.database_url or args.backend
    print(
        f"conditions: {store}, {args.clients} clients, {args.attempts} POSTs per run, "
        f"{args.players} players, {args.repeat} run(s) per mode; load average {_load()} at start"
    )
    print()
    print(
        "| mode | scorer alone (attempts/s) | POST attempts/s | p50 POST (ms) | p99 POST (ms) "
        "| API process CPU per POST (ms) |"
    )
    print("|---|---|---|---|---|---|")
    for mode in modes:
        label, challenge, sandboxed = HTTP_MODES[mode]
        scorer = (
            _shown([bench_scorer(args.scorer_attempts, sandboxed=sandboxed)], ",.0f")
            if challenge is CUSTOM
            else "-"
        )
        results = []
        for repeat in range(args.repeat):
            with tempfile.TemporaryDirectory() as folder:
                if args.database_url is not None:
                    results.append(_posted(args, args.database_url, sandboxed, challenge))
                    continue
                with fresh_store(args.backend, Path(folder), f"attempts_{repeat}") as url:
                    results.append(_posted(args, url, sandboxed, challenge))
        print(
            f"| {label} | {scorer} | {_shown([r['per_s'] for r in results], ',.0f')} | "
            f"{_shown([r['p50_ms'] for r in results], '.1f')} | "
            f"{_shown([r['p99_ms'] for r in results], '.1f')} | "
            f"{_shown([r['cpu_ms'] for r in results], '.2f')} |",
            flush=True,
        )
    print()
    print(f"load average {_load()} at the end")


def _posted(
    args: argparse.Namespace, url: str, sandboxed: bool, challenge: dict[str, Any]
) -> dict[str, float]:
    return bench_http(
        url, args.attempts, args.clients, args.players, sandboxed=sandboxed, challenge=challenge
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=2000)
    parser.add_argument("--scorer-attempts", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--players", type=int, default=300)
    parser.add_argument(
        "--backend", choices=BACKENDS, default="sqlite", help="a fresh store of it per run"
    )
    parser.add_argument(
        "--database-url", default=None, help="an existing store instead of --backend's"
    )
    parser.add_argument(
        "--mode",
        choices=tuple(HTTP_MODES),
        action="append",
        help="the POST modes to run (repeatable; default: all three)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per mode (medians)")
    parser.add_argument("--batch", type=int, default=1000, help="attempts per scored batch")
    parser.add_argument("--batches", type=int, default=15, help="rounds of batches timed")
    parser.add_argument(
        "--only", choices=("batch", "http"), default=None, help="one part of the run only"
    )
    args = parser.parse_args(argv)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print()
    if args.only != "http":
        _print_batches(args.batch, args.batches)
    if args.only != "batch":
        _print_http(args)


def _print_batches(batch: int, rounds: int) -> None:
    """The scorer alone on batches: in-process, then sandboxed with 1 and 2 workers; medians
    of the rounds, and the median of each round's ratio to in-process."""
    times = bench_scorer_batches(batch, rounds)
    here = times["in-process"]
    print(f"| scorer, batch of {batch:,} attempts | ms per batch | attempts/s | × in-process |")
    print("|---|---|---|---|")
    for mode, samples in times.items():
        ms = statistics.median(samples)
        ratio = statistics.median(mine / theirs for mine, theirs in zip(samples, here, strict=True))
        print(f"| {mode} | {ms:.1f} | {batch / ms * 1000:,.0f} | {ratio:.2f} |", flush=True)
    print()


if __name__ == "__main__":
    main()
