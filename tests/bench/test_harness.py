"""The benchmark harness runs at the small scale and checks what it measured (never timings)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bench import __main__ as harness
from bench.scales import SCALES

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    """The small scale cut down (fewer rows, shorter load runs): the suite checks the harness."""
    monkeypatch.setitem(
        SCALES,
        "small",
        dataclasses.replace(
            SCALES["small"],
            models=20,
            params=5,
            ingest_rows=2_000,
            ingest_batch=1_000,
            cycle_batch=2_000,
            history_low=2_000,
            history_high=20_000,
            load_seconds=1.0,
            load_connections=2,
            paced_rate=200,
            paced_seconds=1.0,
        ),
    )


@pytest.mark.slow
@pytest.mark.usefixtures("tiny")
def test_small_scale_check_run_measures_correct_results(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    # Scenario 5 (challenge attempts) starts three API servers and a scorer pool: half a
    # minute even with tiny counts, so the suite leaves it out; it checks its own results
    # (every attempt stored once and scored) in `python -m bench --scenario attempts --check`.
    quick = [
        f"--scenario={name}"
        for name in ("ingest", "cycle", "cycle-steady", "aggregation", "reads", "reads-paced")
    ]
    status = harness.main(
        ["--scale", "small", "--check", *quick, "--workdir", str(tmp_path), "--json", str(out)]
    )
    assert status == 0
    figures = json.loads(out.read_text())["figures"]
    scenarios = {figure["scenario"] for figure in figures}
    assert scenarios == {
        "1 ingest",
        "2 cycle",
        "2 cycle steady",
        "3 aggregation",
        "4 reads",
        "4 reads paced",
        "6 memory",
    }
    medians = {figure["name"]: figure["median"] for figure in figures}
    # In the steady state every roll-up row the batch adds to exists already: none is inserted.
    assert medians.pop("roll-up rows inserted by the steady-state cycle") == 0
    assert all(median > 0 for median in medians.values())
    assert "cycle time ratio 20,000 / 2,000 history" in medians


def test_a_wrong_measurement_fails_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scenario whose result is wrong makes ``--check`` exit with 1."""
    from bench import scenarios
    from bench.run import Run, check

    def wrong(run: Run) -> list:  # type: ignore[type-arg]
        check(False, "counted 9 rows of 10")
        return []

    monkeypatch.setattr(scenarios, "SCENARIOS", {"wrong": wrong})
    monkeypatch.setattr(harness, "SCENARIOS", {"wrong": wrong})
    assert harness.main(["--scale", "small", "--check", "--workdir", str(tmp_path)]) == 1
