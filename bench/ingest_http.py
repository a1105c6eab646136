"""Scenario 1: bulk ingest of predictions through the HTTP API, over loopback (rows/s)."""

from __future__ import annotations

import time

import httpx
import orjson

from bench.run import Figure, Run, check
from bench.server import api_server
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


def ingest(run: Run) -> list[Figure]:
    url = run.store("ingest")
    setup_competition(url, run.scale, now_ms=int(time.time() * 1000))
    samples = []
    total = 0
    with api_server(url) as base, httpx.Client(base_url=base, timeout=300) as client:
        for attempt in range(run.repeat):
            bodies = _bodies(run, int(time.time() * 1000), f"r{attempt}-")
            started = time.perf_counter()
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
            samples.append(run.scale.ingest_rows / elapsed)
            total += stored
    count = scalar(url, "SELECT count(*) FROM predictions WHERE competition_id = %s", COMPETITION)
    check(count == total, f"{count} predictions in the store, {total} acknowledged")
    return [
        run.figure(
            "1 ingest",
            f"HTTP bulk ingest, {run.scale.ingest_rows:,} rows in batches of {run.scale.ingest_batch:,}",
            "rows/s",
            samples,
        )
    ]
