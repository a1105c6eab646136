"""Scenario 4: ``GET /reports/leaderboard`` and ``/reports/models/global`` under load, on
loopback (req/s, p50, p99), with ``wrk`` when installed, else a bounded httpx load generator.

The leaderboard is also read with ``If-None-Match`` (its ETag): a poller's ``304``.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from bench.cycle import history_store, probe
from bench.run import Figure, Run, check
from bench.server import api_server
from bench.synthetic import COMPETITION, NOW_MS


@dataclass(frozen=True, slots=True)
class Load:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, seconds: float, connections: int, headers: dict[str, str]) -> Load:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    command += ["--timeout", "30s"]  # slow answers are latency (p99), not errors
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    failures = re.search(r"Socket errors:.*timeout (\d+)", output)
    return Load(
        rate,
        p50,
        p99,
        (int(errors.group(1)) if errors else 0) + (int(failures.group(1)) if failures else 0),
    )


def httpx_load(url: str, seconds: float, connections: int, headers: dict[str, str]) -> Load:
    """A closed loop of ``connections`` clients for ``seconds``; latency of each request."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        mine = []
        failed = 0
        with httpx.Client(headers=headers, timeout=10) as session:
            while (started := time.perf_counter()) < deadline:
                status = session.get(url).status_code
                mine.append((time.perf_counter() - started) * 1e3)
                failed += status >= 400
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return Load(
        len(ordered) / elapsed,
        statistics.median(ordered),
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        errors[0],
    )


def load(url: str, seconds: float, connections: int, headers: dict[str, str]) -> Load:
    if shutil.which("wrk"):
        return wrk(url, seconds, connections, headers)
    return httpx_load(url, seconds, connections, headers)


@dataclass(frozen=True, slots=True)
class Reports:
    """The report URLs of a running API server, checked to answer correctly."""

    base: str
    leaderboard: str
    etag: str  # the leaderboard's, for If-None-Match
    history: str  # /reports/models/global over the last day


@contextmanager
def served_reports(run: Run) -> Iterator[Reports]:
    """An API server (``PODIUM_API_WORKERS`` processes) on the store with the long history and a
    leaderboard built from it; its report routes are checked before they are yielded."""
    size = run.scale.history_high
    url, _ = history_store(run, size)
    if not run.shared.get(f"cycled{size}"):
        probe("cycle", url)  # a persisted leaderboard and snapshots to read
        run.shared[f"cycled{size}"] = True
    with api_server(url) as base:
        leaderboard = f"{base}/reports/leaderboard?competition={COMPETITION}"
        first = httpx.get(leaderboard)
        check(first.status_code == 200, f"leaderboard answered {first.status_code}")
        check(len(first.json()) == run.scale.models, f"{len(first.json())} leaderboard entries")
        etag = first.headers.get("etag")
        check(etag is not None, "the leaderboard has no ETag")
        again = httpx.get(leaderboard, headers={"If-None-Match": etag})
        check(again.status_code == 304, f"If-None-Match answered {again.status_code}, not 304")
        history = (
            f"{base}/reports/models/global?competition={COMPETITION}"
            f"&start={NOW_MS - 86_400_000}&end={NOW_MS}"
        )
        points = httpx.get(history)
        check(points.status_code == 200, f"models/global answered {points.status_code}")
        check(len(points.json()) >= run.scale.models, f"{len(points.json())} score points")
        yield Reports(base, leaderboard, etag or "", history)


def reads(run: Run) -> list[Figure]:
    figures = []
    generator = "wrk" if shutil.which("wrk") else "httpx"
    with served_reports(run) as served:
        targets = (
            ("GET /healthz (the stack's own ceiling)", f"{served.base}/healthz", {}),
            ("GET /reports/leaderboard", served.leaderboard, {}),
            (
                "GET /reports/leaderboard (If-None-Match → 304)",
                served.leaderboard,
                {"If-None-Match": served.etag},
            ),
            ("GET /reports/models/global", served.history, {}),
        )
        for name, target, headers in targets:
            loads = [
                load(target, run.scale.load_seconds, run.scale.load_connections, headers)
                for _ in range(run.repeat)
            ]
            check(all(item.errors == 0 for item in loads), f"{name}: errors under load")
            note = (
                f"{generator}, {run.scale.load_connections} connections, {run.scale.models} models"
            )
            figures += [
                run.figure(
                    "4 reads",
                    f"{name} throughput",
                    "req/s",
                    [x.requests_per_s for x in loads],
                    note,
                ),
                run.figure("4 reads", f"{name} p50", "ms", [x.p50_ms for x in loads]),
                run.figure("4 reads", f"{name} p99", "ms", [x.p99_ms for x in loads]),
            ]
    return figures
