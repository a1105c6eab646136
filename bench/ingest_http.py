"""Scenario 1: bulk ingest of predictions through the HTTP API, over loopback (rows/s)."""

from __future__ import annotations

import time

import httpx
import orjson
from sqlalchemy import make_url

from bench.run import Figure, Run, check
from bench.server import api_server, cpu_seconds, process_cpu_seconds
from bench.synthetic import COMPETITION, HORIZON_MS, model_ids, param_ids, scalar, setup_competition


def _bodies(run: Run, now_ms: int, tag: str) -> list[bytes]:
    """The request bodies, serialized before the clock starts (the client's cost is not measured)."""
    scale = run.scale
    models = model_ids(scale)
    params = param_ids(scale)
    pairs = len(models) * len(params)
    rows = []
    for index in range(scale.ingest_rows):
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
    step = scale.ingest_batch
    return [orjson.dumps({"predictions": rows[i : i + step]}) for i in range(0, len(rows), step)]


def _database_cpu_seconds(url: str) -> float | None:
    """CPU seconds of the PostgreSQL server processes serving the store, when they are local."""
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
    try:
        return sum(process_cpu_seconds(pid) for pid in pids)
    except OSError:  # a server on another machine
        return None


def ingest(run: Run) -> list[Figure]:
    url = run.store("ingest")
    setup_competition(url, run.scale, now_ms=int(time.time() * 1000))
    samples = []
    cpu_samples = []
    database_cpu_samples = []
    total = 0
    with api_server(url) as base, httpx.Client(base_url=base, timeout=300) as client:
        for attempt in range(run.repeat):
            bodies = _bodies(run, int(time.time() * 1000), f"r{attempt}-")
            started = time.perf_counter()
            cpu_started = cpu_seconds(base)
            database_cpu_started = _database_cpu_seconds(url)
            stored = 0
            for body in bodies:
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
            elapsed = time.perf_counter() - started
            check(
                stored == run.scale.ingest_rows, f"{stored} rows stored of {run.scale.ingest_rows}"
            )
            cpu_samples.append((cpu_seconds(base) - cpu_started) * 1e7 / stored)
            database_cpu = _database_cpu_seconds(url)
            if database_cpu is not None and database_cpu_started is not None:
                database_cpu_samples.append((database_cpu - database_cpu_started) * 1e7 / stored)
            samples.append(run.scale.ingest_rows / elapsed)
            total += stored
    count = scalar(url, "SELECT count(*) FROM predictions WHERE competition_id = %s", COMPETITION)
    check(count == total, f"{count} predictions in the store, {total} acknowledged")
    figures = [
        run.figure(
            "1 ingest",
            f"HTTP bulk ingest, {run.scale.ingest_rows:,} rows in batches of {run.scale.ingest_batch:,}",
            "rows/s",
            samples,
        ),
        # CPU time is less sensitive than rows/s to what else runs on the machine. The API
        # process's: HTTP, parsing, checks, and on SQLite the database's work too.
        run.figure("1 ingest", "CPU of the API process per 10k rows", "ms", cpu_samples),
    ]
    if database_cpu_samples:
        figures.append(
            run.figure(
                "1 ingest",
                "CPU of the PostgreSQL server processes per 10k rows",
                "ms",
                database_cpu_samples,
            )
        )
    return figures
