"""``podium serve`` stops on Ctrl-C even while a browser holds the leaderboard stream open."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.serving import start_serve
from tests.web.conftest import _free_port


@pytest.mark.slow
def test_ctrl_c_stops_the_server_with_a_stream_open(tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_serve(port, f"sqlite:///{tmp_path / 'podium.db'}", "--no-worker")
    opened = threading.Event()

    def listen() -> None:
        try:
            with httpx.stream("GET", url + "/api/stream/leaderboards", timeout=60) as response:
                assert response.status_code == 200
                opened.set()
                for _ in response.iter_raw():
                    pass
        except httpx.HTTPError:
            pass  # the server closed the stream: what shutting down does

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None
            assert time.monotonic() < deadline, "podium serve did not come up"
            time.sleep(0.2)
        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        assert opened.wait(10)
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=40)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
