"""Scenario 4, paced: ``GET /reports/leaderboard`` at a fixed request rate (p50, p99, max).

``wrk`` (scenario 4) keeps its connections busy: it measures the most a server answers, and a
slow answer delays the requests behind it, which then are never sent (coordinated omission, so
its p99 understates the tail). Dashboards poll at their own pace instead. ``paced_load`` sends
request *i* at ``start + i / rate`` whatever came back before, over enough keep-alive
connections, and counts each request's latency from when it was due: a stall shows in the p99
of every request it held up, as wrk2 counts it. The generator is one asyncio loop in the bench
process (a few tens of microseconds per request); on a loaded machine its own lateness is part
of the figures, so they are an upper bound.
"""

from __future__ import annotations

import asyncio
import statistics
from collections import Counter
from dataclasses import dataclass

import httpx

from bench.reads import served_reports
from bench.run import Figure, Run, check

CONNECTIONS = 32
WARMUP_S = 1.0


@dataclass(frozen=True, slots=True)
class PacedLoad:
    rate: float  # requests per second asked for
    sent: int
    elapsed_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    statuses: Counter[int]  # 0: no answer (the connection failed)

    @property
    def answered_per_s(self) -> float:
        return sum(n for status, n in self.statuses.items() if status) / self.elapsed_s


def _request(url: httpx.URL, headers: dict[str, str]) -> bytes:
    lines = [f"GET {url.raw_path.decode()} HTTP/1.1", f"Host: {url.host}:{url.port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """The status of one HTTP/1.1 response read whole, and whether the server keeps the
    connection open."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower().split("\r\n")
    status = int(head[0].split()[1])
    fields = dict(line.split(":", 1) for line in head[1:] if ":" in line)
    if "chunked" in fields.get("transfer-encoding", ""):
        raise ValueError("chunked responses are not read by this generator")
    await reader.readexactly(int(fields.get("content-length", "0")))
    return status, fields.get("connection", "").strip() != "close"


async def _paced(
    url: str, rate: float, seconds: float, connections: int, headers: dict[str, str]
) -> PacedLoad:
    target = httpx.URL(url)
    request = _request(target, headers)
    total = max(1, round(rate * seconds))
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    due = iter(range(total))
    start = loop.time() + 0.05

    async def connection() -> None:
        streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        for index in due:  # shared: each request goes to whichever connection is free first
            intended = start + index / rate
            if (wait := intended - loop.time()) > 0:
                await asyncio.sleep(wait)
            try:
                if streams is None:
                    streams = await asyncio.open_connection(target.host, target.port)
                streams[1].write(request)
                status, keep = await _answer(streams[0])
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status, keep = 0, False
            latencies.append((loop.time() - intended) * 1e3)
            statuses[status] += 1
            if not keep and streams is not None:
                streams[1].close()
                streams = None
        if streams is not None:
            streams[1].close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    elapsed = loop.time() - start
    ordered = sorted(latencies)
    return PacedLoad(
        rate,
        total,
        elapsed,
        statistics.median(ordered),
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        ordered[-1],
        statuses,
    )


def paced_load(
    url: str,
    rate: float,
    seconds: float,
    *,
    connections: int = CONNECTIONS,
    headers: dict[str, str],
) -> PacedLoad:
    """``rate × seconds`` GETs of ``url`` sent at ``rate`` per second over ``connections``."""
    # A server that stops answering fails the run rather than hanging it.
    return asyncio.run(
        asyncio.wait_for(_paced(url, rate, seconds, connections, headers), 20 * seconds + 60)
    )


def reads_paced(run: Run) -> list[Figure]:
    rate, seconds = run.scale.paced_rate, run.scale.paced_seconds
    figures = []
    with served_reports(run) as served:
        targets: tuple[tuple[str, dict[str, str], int], ...] = (
            ("GET /reports/leaderboard", {}, 200),
            ("GET /reports/leaderboard (If-None-Match → 304)", {"If-None-Match": served.etag}, 304),
        )
        for name, headers, expected in targets:
            paced_load(served.leaderboard, rate, WARMUP_S, headers=headers)  # connections, caches
            loads = [
                paced_load(served.leaderboard, rate, seconds, headers=headers)
                for _ in range(run.repeat)
            ]
            for found in loads:
                check(found.sent == round(rate * seconds), f"{name}: {found.sent} requests sent")
                check(
                    found.statuses == Counter({expected: found.sent}),
                    f"{name}: answered {dict(found.statuses)}, not {found.sent} × {expected}",
                )
            note = f"paced at {rate:,} req/s for {seconds:g} s, {CONNECTIONS} connections"
            label = f"{name} at {rate:,} req/s"
            figures += [
                run.figure(
                    "4 reads paced",
                    f"{label} answered",
                    "req/s",
                    [x.answered_per_s for x in loads],
                    note,
                ),
                run.figure("4 reads paced", f"{label} p50", "ms", [x.p50_ms for x in loads]),
                run.figure("4 reads paced", f"{label} p99", "ms", [x.p99_ms for x in loads]),
                run.figure("4 reads paced", f"{label} max", "ms", [x.max_ms for x in loads]),
            ]
    return figures
