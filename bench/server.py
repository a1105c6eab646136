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
from podium.cli.serving import WORKER_PING_TIMEOUT_S, freeze_startup_objects
from podium.settings import Settings
from podium.store.database import Database

_PROCESSES: dict[str, subprocess.Popen[bytes]] = {}


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process of this machine (Linux ``/proc``)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()  # after the command name: state is fields[0]
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(base: str) -> float:
    """CPU seconds used so far by the API process serving ``base``."""
    return process_cpu_seconds(_PROCESSES[base].pid)


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
        deadline = time.monotonic() + 120  # several API processes each import Podium
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the API process did not start")
            time.sleep(0.1)
        yield base
    finally:
        _PROCESSES.pop(base, None)
        process.terminate()
        process.wait(30)


def main(url: str, port: int) -> None:
    settings = Settings(database_url=url, ingest_max_rows=100_000, log_level="WARNING")
    if settings.api_workers > 1:
        # PODIUM_API_WORKERS processes, as `podium serve` runs them (the store is ready).
        os.environ.update(
            PODIUM_DATABASE_URL=url, PODIUM_INGEST_MAX_ROWS="100000", PODIUM_LOG_LEVEL="WARNING"
        )
        uvicorn.run(
            "podium.cli.serving:api_process_app",
            factory=True,
            workers=settings.api_workers,
            timeout_worker_healthcheck=WORKER_PING_TIMEOUT_S,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
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
