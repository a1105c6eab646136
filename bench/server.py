"""A Podium API process on a given store, for the HTTP scenarios (no score worker).

uvicorn picks ``httptools`` and ``uvloop`` (``uvicorn[standard]``); ``PODIUM_API_WORKERS`` > 1
serves with that many processes, as ``podium serve`` does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from podium.api.app import create_app
from podium.cli.serving import API_PROCESS_HEALTHCHECK_S, freeze_startup_objects
from podium.settings import Settings
from podium.store.database import Database

MAX_INGEST_BATCH = 100_000  # the API processes' PODIUM_INGEST_MAX_ROWS
START_S = 300  # how long the API processes may take to start and settle
_PROCESSES: dict[str, subprocess.Popen[bytes]] = {}


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process of this machine (Linux ``/proc``)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()  # after the command name: state is fields[0]
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process descending from it (uvicorn's API processes, say)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:  # ended since the listing
            continue
        children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending += children.get(current, [])
    return tree


def cpu_by_process(pids: list[int]) -> dict[int, float]:
    """CPU seconds used so far by each of ``pids`` still running."""
    found = {}
    for pid in pids:
        try:
            found[pid] = process_cpu_seconds(pid)
        except OSError:  # ended
            continue
    return found


def cpu_used_by_process(before: dict[int, float], after: dict[int, float]) -> dict[int, float]:
    """CPU seconds used between two ``cpu_by_process`` readings, by each process of the
    second (one started in between counts whole; one that ended in between is lost)."""
    return {pid: seconds - before.get(pid, 0.0) for pid, seconds in after.items()}


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu_used_by_process(before, after).values())


def api_cpu(base: str) -> dict[int, float]:
    """CPU seconds used so far by each process serving ``base``: with ``PODIUM_API_WORKERS``
    > 1, uvicorn's parent and every API process it started."""
    return cpu_by_process(process_tree(_PROCESSES[base].pid))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def api_server(url: str) -> Iterator[str]:
    """The base URL of an API process serving the store at ``url``; stopped on exit."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.server", url, str(port)],
        env={**os.environ, "PODIUM_LOG_LEVEL": "WARNING"},
    )
    base = f"http://127.0.0.1:{port}"
    _PROCESSES[base] = process
    try:
        # uvicorn's processes listen once one of them has imported Podium and built its app:
        # with PODIUM_API_WORKERS=2, three imports at once, about 40 s at a load average of 8
        # on 2 cores.
        deadline = time.monotonic() + START_S
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the API process did not start (exit code {process.poll()})")
            time.sleep(0.1)
        _wait_until_idle(process, deadline)
        yield base
    finally:
        _PROCESSES.pop(base, None)
        process.terminate()
        process.wait(30)


def _wait_until_idle(process: subprocess.Popen[bytes], deadline: float) -> None:
    """Wait until the API processes have all started: the first to start answers ``/healthz``
    while the others may still be importing Podium (on a loaded machine, for many seconds),
    and a measurement would start with fewer processes serving, sharing the cores with
    those imports. Started, they use no CPU until asked."""
    before = cpu_by_process(process_tree(process.pid))
    while True:
        time.sleep(0.5)
        after = cpu_by_process(process_tree(process.pid))
        if cpu_used(before, after) < 0.02 and len(after) == len(before):
            return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the API processes did not settle after starting")
        before = after


def main(url: str, port: int) -> None:
    settings = Settings(database_url=url, ingest_max_rows=MAX_INGEST_BATCH, log_level="WARNING")
    if settings.api_workers > 1:
        # PODIUM_API_WORKERS processes, as `podium serve` runs them (the store is ready).
        os.environ.update(
            PODIUM_DATABASE_URL=url,
            PODIUM_INGEST_MAX_ROWS=str(MAX_INGEST_BATCH),
            PODIUM_LOG_LEVEL="WARNING",
        )
        uvicorn.run(
            "podium.cli.serving:api_process_app",
            factory=True,
            workers=settings.api_workers,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            timeout_worker_healthcheck=API_PROCESS_HEALTHCHECK_S,  # as `podium serve`
        )
        return
    database = Database(settings.database_url)
    application = create_app(settings, database)
    freeze_startup_objects()  # as `podium serve` does
    uvicorn.run(
        application,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
