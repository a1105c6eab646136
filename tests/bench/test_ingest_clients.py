"""The ingest scenario with several client connections and API processes stores every row
once and counts the CPU of every API process (never timings)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from bench import __main__ as harness
from bench.ingest_http import _shares
from bench.scales import SCALES
from bench.waits import Waits


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        SCALES,
        "small",
        dataclasses.replace(SCALES["small"], models=20, params=5, ingest_rows=2_000),
    )


def _run(tmp_path: Path, *options: str) -> dict[str, Any]:
    out = tmp_path / "figures.json"
    arguments = ["--scale", "small", "--scenario", "ingest", "--check", "--repeat", "2"]
    status = harness.main([*arguments, *options, "--workdir", str(tmp_path), "--json", str(out)])
    assert status == 0
    found: dict[str, Any] = json.loads(out.read_text())
    return found


@pytest.mark.parametrize(("batches", "clients"), [(7, 3), (4, 4), (5, 1)])
def test_each_batch_goes_to_exactly_one_client(batches: int, clients: int) -> None:
    bodies = [f"batch {index}".encode() for index in range(batches)]
    shares = _shares(bodies, clients)
    assert len(shares) == clients
    assert sorted(body for share in shares for body in share) == sorted(bodies)
    assert max(map(len, shares)) - min(map(len, shares)) <= 1


@pytest.mark.parametrize(
    "options",
    [
        ["--ingest-batch", "0"],
        ["--ingest-batch", "100001"],
        ["--ingest-clients", "0"],
        ["--ingest-clients", "3"],  # 10,000 rows in batches of 5,000: two batches
    ],
)
def test_ingest_options_out_of_range_are_refused(options: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        harness.parse(["--scale", "small", *options])
    assert exit_.value.code == 2


def test_ingest_options_change_the_scale() -> None:
    options = harness.parse(
        ["--scale", "medium", "--ingest-clients", "4", "--ingest-batch", "5000"]
    )
    scale = harness.chosen_scale(options)
    assert (scale.ingest_clients, scale.ingest_batch) == (4, 5_000)
    assert scale.ingest_rows == SCALES["medium"].ingest_rows
    default = harness.chosen_scale(harness.parse(["--scale", "medium"]))
    assert default == SCALES["medium"]


@pytest.mark.slow
@pytest.mark.usefixtures("tiny")
def test_several_clients_store_every_row_once(tmp_path: Path) -> None:
    # 2,000 rows in 7 batches of 300 (the last of 200), shared by 3 connections; the
    # scenario's check counts the stored rows and their distinct ids against those sent.
    found = _run(tmp_path, "--ingest-clients", "3", "--ingest-batch", "300")
    assert (found["ingest_clients"], found["ingest_batch"]) == (3, 300)
    rate, cpu = found["figures"]
    assert rate["name"] == "HTTP bulk ingest, 2,000 rows in batches of 300"
    assert rate["note"].startswith("3 client connection(s), 1 API process(es); the client ")
    assert len(rate["samples"]) == 2
    assert rate["median"] > 0
    assert cpu["name"] == "CPU of the API processes per 10k rows"
    assert cpu["note"].endswith("of the time; shares of their CPU: 100%")


@pytest.mark.slow
@pytest.mark.usefixtures("tiny", "postgres_url")  # skips without PostgreSQL
def test_several_api_processes_are_all_counted_on_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The scenario checks that it counts the CPU of as many API processes as it started.
    monkeypatch.setenv("PODIUM_API_WORKERS", "2")
    found = _run(
        tmp_path, "--backend", "postgresql", "--ingest-clients", "2", "--ingest-batch", "500"
    )
    by_name = {figure["name"]: figure for figure in found["figures"]}
    rate = by_name["HTTP bulk ingest, 2,000 rows in batches of 500"]
    assert rate["note"].startswith("2 client connection(s), 2 API process(es);")
    assert by_name["CPU of the PostgreSQL server processes per 10k rows"]["median"] > 0
    waits = by_name["PostgreSQL: samples with a backend waiting for a lock"]
    assert len(waits["samples"]) == 2
    assert "samples of pg_stat_activity; active backends:" in waits["note"]


def test_the_waits_name_the_commonest_states_and_every_lock() -> None:
    waits = Waits(samples=4, locked_samples=1)
    waits.events.update(["CPU"] * 6 + ["LWLock:WALWrite"] * 3 + ["Lock:extend"])
    other = Waits(samples=1)
    other.events.update(["CPU", "Lock:transactionid"])
    waits.add(other)
    assert (waits.samples, waits.locked_samples) == (5, 1)
    assert waits.locked_share == 0.2
    assert waits.commonest(2) == (
        "CPU 58%, LWLock:WALWrite 25%; locks: Lock:extend ×1, Lock:transactionid ×1"
    )
    assert Waits().commonest() == ""
