"""Scenario 1: bulk ingest of predictions through the HTTP API, over loopback (rows/s).

``Scale.ingest_clients`` client connections post at once, each its own share of the batches
(so no row is sent twice), to ``PODIUM_API_WORKERS`` API processes; the CPU time reported is
that of all of them, and on PostgreSQL that of the server's processes, with what its backends
waited on.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass

import httpx
import orjson
from sqlalchemy import make_url

from bench.run import Figure, Run, check
from bench.server import api_cpu, api_server, cpu_by_process, cpu_used, cpu_used_by_process
from bench.synthetic import COMPETITION, HORIZON_MS, model_ids, param_ids, scalar, setup_competition
from bench.waits import Waits, WaitSampler
from podium.settings import Settings


def _rows(run: Run, count: int, now_ms: int, tag: str) -> list[dict[str, object]]:
    """``count`` predictions, ids prefixed by ``tag``, spread over every pair in turn."""
    models = model_ids(run.scale)
    params = param_ids(run.scale)
    pairs = len(models) * len(params)
    rows = []
    for index in range(count):
        pair, round_ = index % pairs, index // pairs
        rows.append(
            {
                "id": f"{tag}{index}",
                "model_id": models[pair // len(params)],
                "param_id": params[pair % len(params)],
                "payload": {"value": (index % 997) / 1e5},
                "performed_at": now_ms - HORIZON_MS // 2 - round_,
            }
        )
    return rows


def _bodies(run: Run, now_ms: int, tag: str) -> list[bytes]:
    """The request bodies, serialized before the clock starts (the client's cost is not measured)."""
    rows = _rows(run, run.scale.ingest_rows, now_ms, tag)
    step = run.scale.ingest_batch
    return [orjson.dumps({"predictions": rows[i : i + step]}) for i in range(0, len(rows), step)]


def _database_cpu(url: str) -> dict[int, float] | None:
    """CPU seconds used so far by each PostgreSQL server process serving the store, when they
    are local (``None`` on SQLite)."""
    if url.startswith("sqlite"):
        return None
    database = make_url(url).database
    pids = [
        int(pid)
        for pid in scalar(
            url,
            "SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE datname = %s",
            database,
        ).split(",")
    ]
    found = cpu_by_process(pids)
    return found if found else None  # none found: a server on another machine


def _shares(bodies: list[bytes], clients: int) -> list[list[bytes]]:
    """Each client connection's batches: every batch goes to exactly one, in turns."""
    shares = [bodies[client::clients] for client in range(clients)]
    check(sum(map(len, shares)) == len(bodies), "the clients' shares leave out batches")
    return shares


def _post(client: httpx.Client, share: list[bytes]) -> int:
    """Post a client's batches one after the other; the rows the API says it stored."""
    stored = 0
    for body in share:
        response = client.post(
            f"/api/competitions/{COMPETITION}/predictions",
            content=body,
            headers={"content-type": "application/json"},
        )
        check(
            response.status_code == 200,
            f"ingest answered {response.status_code}: {response.text[:300]}",
        )
        stored += response.json()["stored"]
    return stored


@dataclass(slots=True)
class _Measured:
    """One run of the scenario: rows/s, the CPU seconds each API process used, the PostgreSQL
    server's (``None`` on SQLite) and what its backends waited on."""

    seconds: float
    rows_per_s: float
    client_cpu: float  # this process's: the client connections' threads, the sampler's
    api_cpu: dict[int, float]
    database_cpu: float | None
    waits: Waits | None


def _measure(
    url: str,
    base: str,
    pool: ThreadPoolExecutor,
    shares: dict[httpx.Client, list[bytes]],
    rows: int,
) -> _Measured:
    """Each client posts its share at once with the others; ``rows`` in all."""
    sampler = None if url.startswith("sqlite") else WaitSampler(url)
    started = time.perf_counter()
    client_started = time.process_time()
    api_started = api_cpu(base)
    database_started = _database_cpu(url)
    with sampler or nullcontext():
        posts = [pool.submit(_post, client, share) for client, share in shares.items()]
        stored = sum(post.result() for post in posts)
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - client_started
    check(stored == rows, f"{stored} rows stored of {rows} sent")
    database_ended = _database_cpu(url)
    return _Measured(
        elapsed,
        rows / elapsed,
        client_cpu,
        cpu_used_by_process(api_started, api_cpu(base)),
        None
        if database_started is None or database_ended is None
        else cpu_used(database_started, database_ended),
        sampler.waits if sampler else None,
    )


def _busy(measured: list[_Measured], cpu: Callable[[_Measured], float]) -> float:
    """The median share of the wall time a process, or a group of them, was on a CPU (2.0:
    two cores all the time)."""
    return statistics.median(cpu(item) / item.seconds for item in measured)


def _api_note(measured: list[_Measured]) -> str:
    """How busy the API processes were, the busiest of them (one core at most: the GIL), and
    how their CPU time was shared, largest first: uneven when the kernel gave one process
    more of the client connections."""
    used: dict[int, float] = {}
    for item in measured:
        for pid, seconds in item.api_cpu.items():
            used[pid] = used.get(pid, 0.0) + seconds
    total = sum(used.values())
    shares = sorted(
        (seconds / total for seconds in used.values() if seconds > 0.01 * total), reverse=True
    )
    return (
        f"busy {_busy(measured, lambda item: sum(item.api_cpu.values())):.2f} cores, the "
        f"busiest process {_busy(measured, lambda item: max(item.api_cpu.values())):.0%} "
        "of the time; shares of their CPU: " + ", ".join(f"{share:.0%}" for share in shares)
    )


def ingest(run: Run) -> list[Figure]:
    scale = run.scale
    url = run.store("ingest")
    setup_competition(url, scale, now_ms=int(time.time() * 1000))
    measured = []
    sent = 0
    with ExitStack() as stack:
        base = stack.enter_context(api_server(url))
        # One connection per client, each kept open across its batches (HTTP keep-alive) and
        # so served by one API process throughout.
        clients = [
            stack.enter_context(httpx.Client(base_url=base, timeout=300))
            for _ in range(scale.ingest_clients)
        ]
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=len(clients)))
        api_processes = Settings(database_url=url).api_workers
        if api_processes > 1:  # uvicorn's parent, and the API processes it started
            found = len(api_cpu(base)) - 1
            check(found >= api_processes, f"{found} API processes of {api_processes} counted")
        # Each connection opened, and its API process's first request (its database
        # connection, its caches) made, before the clock starts: one row each.
        warm_up = _rows(run, len(clients), int(time.time() * 1000), "warm-")
        for client, row in zip(clients, warm_up, strict=True):
            sent += _post(client, [orjson.dumps({"predictions": [row]})])
        for attempt in range(run.repeat):
            bodies = _bodies(run, int(time.time() * 1000), f"r{attempt}-")
            shares = dict(zip(clients, _shares(bodies, len(clients)), strict=True))
            measured.append(_measure(url, base, pool, shares, scale.ingest_rows))
            sent += scale.ingest_rows
    count = scalar(url, "SELECT count(*) FROM predictions WHERE competition_id = %s", COMPETITION)
    distinct = scalar(
        url, "SELECT count(DISTINCT id) FROM predictions WHERE competition_id = %s", COMPETITION
    )
    check(count == sent, f"{count} predictions in the store, {sent} sent")
    check(distinct == count, f"{count - distinct} prediction ids stored twice")
    return _figures(run, measured, api_processes=api_processes)


def _figures(run: Run, measured: list[_Measured], *, api_processes: int) -> list[Figure]:
    scale = run.scale
    setup = f"{scale.ingest_clients} client connection(s), {api_processes} API process(es)"
    per_10k = 1e4 / scale.ingest_rows
    figures = [
        run.figure(
            "1 ingest",
            f"HTTP bulk ingest, {scale.ingest_rows:,} rows in batches of {scale.ingest_batch:,}",
            "rows/s",
            [item.rows_per_s for item in measured],
            f"{setup}; the client process busy "
            f"{_busy(measured, lambda item: item.client_cpu):.2f} cores",
        ),
        # CPU time is less sensitive than rows/s to what else runs on the machine. The API
        # processes': HTTP, parsing, checks, and on SQLite the database's work too.
        run.figure(
            "1 ingest",
            "CPU of the API processes per 10k rows",
            "ms",
            [sum(item.api_cpu.values()) * 1e3 * per_10k for item in measured],
            _api_note(measured),
        ),
    ]
    database = [item for item in measured if item.database_cpu is not None]
    if database:
        figures.append(
            run.figure(
                "1 ingest",
                "CPU of the PostgreSQL server processes per 10k rows",
                "ms",
                [(item.database_cpu or 0.0) * 1e3 * per_10k for item in database],
                f"busy {_busy(database, lambda item: item.database_cpu or 0.0):.2f} cores",
            )
        )
    waits = [item.waits for item in measured if item.waits is not None]
    if waits:
        tally = Waits()
        for run_waits in waits:
            tally.add(run_waits)
        figures.append(
            run.figure(
                "1 ingest",
                "PostgreSQL: samples with a backend waiting for a lock",
                "%",
                [100 * run_waits.locked_share for run_waits in waits],
                f"{tally.samples} samples of pg_stat_activity; active backends: "
                f"{tally.commonest()}",
            )
        )
    return figures
