"""A real Podium server on a free port over a seeded SQLite store, and Debian's chromium.

Playwright drives the system chromium (``/usr/bin/chromium``, installed by ``make browser``);
it never downloads a browser. Without chromium the browser tests are skipped with the reason,
and under ``CI=true`` they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from podium.api.app import create_app
from podium.settings import Settings
from podium.store.database import Database
from tests import scored
from tests.conftest import FakeClock, _in_ci

CHROMIUM = os.environ.get("PODIUM_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    database: Database
    clock: FakeClock


@pytest.fixture
def live_server(tmp_path: Path, sqlite_template: Path) -> Iterator[LiveServer]:
    path = tmp_path / "podium.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    clock = FakeClock(scored.seed(database))
    settings = Settings(database_url=database.url, stream_poll_interval=0.2)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, database, clock=clock),
            host="127.0.0.1",
            port=port,
            log_config=None,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
    )
    thread = threading.Thread(target=server.run, name="podium-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the test server stopped at start"
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", database, clock)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        database.dispose()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} is missing: `make browser` installs Debian's chromium"
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
