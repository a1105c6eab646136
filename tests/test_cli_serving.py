"""``podium serve`` with several API processes, and the HTTP stack it runs on."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from podium.cli import serving
from podium.settings import Settings
from tests.serving import free_port, start_serve, wait_until_serving


def test_uvicorn_runs_on_httptools_and_uvloop() -> None:
    """``uvicorn[standard]`` is a dependency: its C parser and event loop are what "auto" picks."""
    config = uvicorn.Config("podium.cli.serving:api_process_app", factory=True)
    config.load()
    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"
    assert config.get_loop_factory().__module__ == "uvloop"  # type: ignore[union-attr]


def test_api_processes_have_time_to_import_podium_before_the_health_ping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn's manager replaces a process that does not answer its ping in time; a process
    answers only after importing Podium, which took more than uvicorn's 5 s on a loaded machine
    (every process was replaced before it served, again and again)."""
    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(serving.uvicorn, "run", lambda *_, **options: runs.append(options))
    monkeypatch.setenv("PODIUM_DATABASE_URL", "sqlite://")  # restored after the test
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'serve.db'}", api_workers=2)
    serving._serve_processes(settings, [])
    [options] = runs
    assert options["workers"] == 2
    default = uvicorn.Config("podium.cli.serving:api_process_app").timeout_worker_healthcheck
    assert options["timeout_worker_healthcheck"] == serving.API_PROCESS_HEALTHCHECK_S
    assert 10 * default <= serving.API_PROCESS_HEALTHCHECK_S


@pytest.mark.slow
def test_serve_with_two_api_processes_runs_the_score_worker_once(tmp_path: Path) -> None:
    port = free_port()
    process = start_serve(
        port,
        f"sqlite:///{tmp_path / 'serve.db'}",
        env={"PODIUM_API_WORKERS": "2", "PODIUM_LOG_LEVEL": "INFO"},
    )
    try:
        wait_until_serving(process, f"http://127.0.0.1:{port}", timeout_s=60)
        # Both API processes share the socket; each answers once it has started.
        assert httpx.get(f"http://127.0.0.1:{port}/reports/leaderboard").status_code == 422
        time.sleep(1)
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert output.count("Started server process") == 2, output
    assert output.count("score worker started") == 1, output
    assert output.count("score worker stopped") == 1, output
