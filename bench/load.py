"""A bounded mixed-load test of the HTTP API on PostgreSQL, with two score workers.

    python -m bench.load [--seconds 20] [--clients 8] [--max-requests 20000] [--api-processes 2]

It creates a fresh database (``podium_bench_load`` next to ``PODIUM_BENCH_POSTGRES_URL``,
default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``), starts ``--api-processes``
``podium serve --no-worker`` processes and two ``podium worker`` processes on loopback, then for
a fixed time (or until the request budget is spent) ``--clients`` threads (spread over the API
processes) send a mix of requests with keys of the right roles:

- 25 % ingest: a batch of 50 predictions with fresh ids (all already due, so the workers score
  them while the load runs),
- 10 % ingest retries: a batch already sent, which must be stored as duplicates only,
- 15 % challenge attempts: ``POST /api/challenges/{id}/attempts`` on a ``fastest`` challenge
  the script creates, by one of 200 players, each with its own ``workflow_run_id``,
- 50 % reads: the leaderboard (with ``If-None-Match``), a page of predictions, score history.

Then it stops everything, lets the workers finish, and checks the data: every accepted
prediction is stored exactly once, every one is scored, and the roll-ups count each score once;
every accepted attempt is stored exactly once.
It prints throughput, latency percentiles per kind and the error count (must be 0).
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text

from podium.domain.access import Role
from podium.schemas.challenges import ChallengeCreate
from podium.schemas.competitions import CompetitionCreate
from podium.schemas.ingest import TruthIn
from podium.schemas.roster import ModelIn, ParamIn, PlayerIn
from podium.services import api_keys, ingest
from podium.services.challenges import create_challenge
from podium.services.clock import wall_clock_ms
from podium.services.competitions import create_competition
from podium.store import migrator
from podium.store.challenge_tables import ChallengeAttemptRow
from podium.store.database import Database
from podium.store.tables import (
    PredictionOutcomeRow,
    PredictionQueueRow,
    PredictionRow,
    ScoreTotalRow,
)

ADMIN_URL = os.environ.get(
    "PODIUM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DATABASE = "podium_bench_load"
MODELS = 20
PARAMS = 4
BATCH = 50
MINUTE_MS = 60_000
GRID_MINUTES = 24 * 60  # truths every minute over the last day
CHALLENGE_PLAYERS = 200


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    accepted_ids: set[str] = field(default_factory=set)
    accepted_attempts: set[str] = field(default_factory=set)  # their workflow_run_id
    stored: int = 0
    duplicates: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def fresh_database() -> str:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"


def prepare(db: Database, now_ms: int) -> tuple[dict[str, str], str]:
    """The API keys by role, and the id of the challenge the attempts go to."""
    migrator.upgrade(db.engine)
    create_competition(
        db,
        spec=CompetitionCreate(
            id="load",
            name="Load",
            resolver="explicit",
            allow_backfill=True,
            score_interval="2s",
        ),
        now_ms=now_ms,
    )
    ingest.register_players(
        db, players=[PlayerIn(id=f"p{i}", name=f"P{i}") for i in range(MODELS)], now_ms=now_ms
    )
    ingest.register_models(
        db,
        competition_id="load",
        models=[ModelIn(id=f"m{i}", name=f"M{i}", player_id=f"p{i}") for i in range(MODELS)],
        now_ms=now_ms,
    )
    ingest.register_params(
        db,
        competition_id="load",
        params=[ParamIn(id=f"x{j}") for j in range(PARAMS)],
        now_ms=now_ms,
    )
    challenge = create_challenge(
        db,
        tenant_id="default",
        spec=ChallengeCreate(name="Load challenge", scoring_strategy="fastest"),
        now_ms=now_ms,
    )
    start = now_ms - GRID_MINUTES * MINUTE_MS
    ingest.ingest_truths(
        db,
        competition_id="load",
        truths=[
            TruthIn(param_id=f"x{j}", ts=start + k * MINUTE_MS, value=float((k * 7 + j) % 13))
            for j in range(PARAMS)
            for k in range(GRID_MINUTES)
        ],
        max_rows=PARAMS * GRID_MINUTES,
    )
    keys = {
        role.value: api_keys.create_key(db, role=role, tenant_id="default", now_ms=now_ms).token
        for role in (Role.INGEST, Role.READ)
    }
    return keys, challenge.id


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(url: str, *args: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PODIUM_DATABASE_URL": url,
        "PODIUM_LOG_LEVEL": "WARNING",
        "PODIUM_WRITE_RATE_LIMIT": "0",
        "PODIUM_SCORE_BATCH_SIZE": "5000",
    }
    return subprocess.Popen([sys.executable, "-m", "podium", *args], env=env)


def wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("podium serve exited")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("podium serve did not become ready")


def prediction_batch(rng: random.Random, client_id: int, seq: int, now_ms: int) -> dict[str, Any]:
    grid_start = now_ms - GRID_MINUTES * MINUTE_MS
    rows = []
    for index in range(BATCH):
        minute = rng.randrange(10, GRID_MINUTES - 5)
        resolvable = grid_start + minute * MINUTE_MS
        rows.append(
            {
                "id": f"c{client_id}-{seq}-{index}",
                "model_id": f"m{rng.randrange(MODELS)}",
                "param_id": f"x{rng.randrange(PARAMS)}",
                "performed_at": resolvable - 5 * MINUTE_MS,
                "resolvable_at": resolvable,
                "payload": round(rng.uniform(0, 13), 3),
            }
        )
    return {"predictions": rows}


def attempt_body(rng: random.Random, client_id: int, seq: int) -> dict[str, Any]:
    return {
        "end_user_id": f"u{rng.randrange(CHALLENGE_PLAYERS)}",
        "workflow_run_id": f"c{client_id}-a{seq}",
        "succeeded": rng.random() < 0.7,
        "tokens_total": rng.randint(100, 5000),
        "elapsed_ms": rng.randint(200, 60_000),
    }


def client_loop(
    client_id: int,
    base: str,
    keys: dict[str, str],
    challenge_id: str,
    stop_at: float,
    budget: list[int],
    tally: Tally,
    now_ms: int,
) -> None:
    rng = random.Random(client_id)
    writer = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {keys['ingest']}"})
    reader = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {keys['read']}"})
    sent: list[dict[str, Any]] = []
    etag = ""
    seq = 0
    try:
        while time.monotonic() < stop_at:
            with tally.lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            roll = rng.random()
            started = time.perf_counter()
            if roll < 0.25 or (roll < 0.35 and not sent):
                kind, batch = "ingest", prediction_batch(rng, client_id, seq, now_ms)
                seq += 1
                response = writer.post("/api/competitions/load/predictions", json=batch)
            elif roll < 0.35:
                kind, batch = "ingest retry", rng.choice(sent)
                response = writer.post("/api/competitions/load/predictions", json=batch)
            elif roll < 0.5:
                kind, attempt = "attempt", attempt_body(rng, client_id, seq)
                seq += 1
                response = writer.post(f"/api/challenges/{challenge_id}/attempts", json=attempt)
            elif roll < 0.7:
                kind = "leaderboard"
                response = reader.get(
                    "/reports/leaderboard?competition=load", headers={"If-None-Match": etag}
                )
                etag = response.headers.get("ETag", etag)
            elif roll < 0.9:
                kind = "predictions page"
                response = reader.get(
                    "/reports/predictions",
                    params={
                        "competition": "load",
                        "limit": 100,
                        "projectIds": f"m{rng.randrange(MODELS)}",
                    },
                )
            else:
                kind = "score history"
                response = reader.get("/reports/models/global?competition=load")
            elapsed = time.perf_counter() - started
            with tally.lock:
                tally.latencies[kind].append(elapsed)
                if response.status_code not in (200, 201, 304):
                    tally.errors.append(f"{kind}: {response.status_code} {response.text[:200]}")
                elif kind == "attempt":
                    tally.accepted_attempts.add(attempt["workflow_run_id"])
                elif kind.startswith("ingest"):
                    body = response.json()
                    tally.stored += body["stored"]
                    tally.duplicates += body["duplicates"]
                    if kind == "ingest":
                        tally.accepted_ids.update(row["id"] for row in batch["predictions"])
                        sent.append(batch)
                    elif body["stored"]:
                        tally.errors.append("a retried batch stored new rows")
    finally:
        writer.close()
        reader.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def check_data(db: Database, tally: Tally, challenge_id: str, deadline_s: float) -> dict[str, int]:
    """Every accepted prediction stored once and, once the workers catch up, scored once."""
    deadline = time.monotonic() + deadline_s
    while True:
        with db.read() as session:
            pending = session.scalar(select(func.count()).select_from(PredictionQueueRow))
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    with db.read() as session:
        stored_ids = set(session.scalars(select(PredictionRow.id)))
        statuses = dict(
            session.execute(
                select(PredictionOutcomeRow.status, func.count()).group_by(
                    PredictionOutcomeRow.status
                )
            ).all()
        )
        statuses["PENDING"] = int(
            session.scalar(select(func.count()).select_from(PredictionQueueRow)) or 0
        )
        counted = session.scalar(select(func.coalesce(func.sum(ScoreTotalRow.count), 0)))
        attempt_runs = list(
            session.scalars(
                select(ChallengeAttemptRow.workflow_run_id).where(
                    ChallengeAttemptRow.challenge_id == challenge_id
                )
            )
        )
    stored_attempts = {run for run in attempt_runs if run is not None}
    found = {
        "accepted": len(tally.accepted_ids),
        "stored": len(stored_ids),
        "stored_not_accepted": len(stored_ids - tally.accepted_ids),
        "accepted_not_stored": len(tally.accepted_ids - stored_ids),
        "scored": int(statuses.get("SCORED", 0)),
        "pending": int(statuses.get("PENDING", 0)),
        "rollup_count": int(counted or 0),
        "attempts_accepted": len(tally.accepted_attempts),
        "attempts_stored": len(attempt_runs),
    }
    problems = []
    if found["stored_not_accepted"] or found["accepted_not_stored"]:
        problems.append("stored rows differ from accepted rows")
    if tally.stored != found["accepted"]:
        problems.append(f"responses said {tally.stored} stored, {found['accepted']} accepted")
    if found["pending"]:
        problems.append(f"{found['pending']} predictions left unscored")
    if found["rollup_count"] != found["scored"]:
        problems.append("roll-ups do not count each score exactly once")
    if stored_attempts != tally.accepted_attempts or len(attempt_runs) != len(stored_attempts):
        problems.append("stored attempts differ from accepted attempts (or one is stored twice)")
    tally.errors.extend(f"data check: {problem}" for problem in problems)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--api-processes", type=int, default=2)
    args = parser.parse_args()

    url = fresh_database()
    db = Database(url)
    now_ms = wall_clock_ms()
    keys, challenge_id = prepare(db, now_ms)
    ports = [free_port() for _ in range(args.api_processes)]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    servers = [start(url, "serve", "--no-worker", "--port", str(port)) for port in ports]
    workers = [start(url, "worker") for _ in range(2)]
    tally = Tally()
    try:
        for base, server in zip(bases, servers, strict=True):
            wait_ready(base, server)
        budget = [args.max_requests]
        began = time.monotonic()
        threads = [
            threading.Thread(
                target=client_loop,
                args=(
                    index,
                    bases[index % len(bases)],
                    keys,
                    challenge_id,
                    began + args.seconds,
                    budget,
                    tally,
                    now_ms,
                ),
            )
            for index in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
        found = check_data(db, tally, challenge_id, deadline_s=120)
    finally:
        for process in [*servers, *workers]:
            process.terminate()
        for process in [*servers, *workers]:
            process.wait(30)
        db.dispose()

    requests = sum(len(values) for values in tally.latencies.values())
    every = [value for values in tally.latencies.values() for value in values]
    print(
        f"mixed load: {args.clients} clients, {elapsed:.1f} s, {args.api_processes} API "
        "process(es) + 2 workers, PostgreSQL"
    )
    print(f"requests: {requests} ({requests / elapsed:.0f}/s); errors: {len(tally.errors)}")
    print(
        f"predictions accepted: {found['accepted']} ({found['accepted'] / elapsed:.0f} rows/s), "
        f"retried duplicates: {tally.duplicates}"
    )
    print(f"{'kind':<18}{'count':>8}{'p50 ms':>10}{'p99 ms':>10}")
    for kind, values in sorted(tally.latencies.items()):
        print(
            f"{kind:<18}{len(values):>8}{percentile(values, 0.5) * 1000:>10.1f}"
            f"{percentile(values, 0.99) * 1000:>10.1f}"
        )
    print(
        f"{'all':<18}{len(every):>8}{percentile(every, 0.5) * 1000:>10.1f}"
        f"{percentile(every, 0.99) * 1000:>10.1f}"
    )
    print(
        "data check: {accepted} accepted = {stored} stored, {scored} scored, {pending} pending, "
        "roll-ups count {rollup_count}; {attempts_accepted} attempts accepted = "
        "{attempts_stored} stored".format(**found)
    )
    for error in tally.errors[:10]:
        print("error:", error)
    if tally.errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
