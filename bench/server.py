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

import httpx
import uvicorn

from podium.api.app import create_app
from podium.settings import Settings
from podium.store.database import Database


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
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
        )
        return
    database = Database(settings.database_url)
    uvicorn.run(
        create_app(settings, database),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
