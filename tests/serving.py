"""Helpers of the tests that start ``podium serve`` as a real process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_serving(
    process: subprocess.Popen[str], base_url: str, *, timeout_s: float = 30
) -> None:
    """Return once ``GET /healthz`` answers 200; fail with the process' output if it exits."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        assert time.monotonic() < deadline, "podium serve did not come up"
        time.sleep(0.2)


def start_serve(
    port: int, database_url: str, *options: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """``podium serve`` on ``port`` as a real process, its stderr merged into its stdout."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "podium",
            "serve",
            "--port",
            str(port),
            *options,
            "--database-url",
            database_url,
        ],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
