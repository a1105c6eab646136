"""The benchmark's diagnostics (the cycle's profile, the outcome write) run and report what they
measured (never timings)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bench.backends import fresh_store
from bench.outcome_write import PARTS, measure
from bench.scales import SCALES
from bench.synthetic import (
    analyze,
    generate_batch,
    generate_history,
    scalar,
    setup_competition,
)

_TINY = dataclasses.replace(SCALES["small"], models=20, params=5, cycle_batch=2_000)


def _store(url: str, *, steady: bool = False) -> None:
    setup_competition(url, _TINY)
    generate_history(url, _TINY, 10_000, steady=steady)
    generate_batch(url, _TINY)
    analyze(url)


@pytest.mark.parametrize("steady", [False, True], ids=["new-rollups", "steady"])
def test_the_cycle_profile_scores_the_whole_batch(tmp_path: Path, steady: bool) -> None:
    cycle_profile = pytest.importorskip("bench.cycle_profile")
    with fresh_store("sqlite", tmp_path, "profile") as url:
        _store(url, steady=steady)
        report = cycle_profile.profile_cycle(url, batch_size=500)
    assert report.startswith("2000 scored in ")
    assert "(batches of 500; failed 0, waiting 0)" in report.splitlines()[0]
    assert "run_score_cycle" in report


@pytest.mark.usefixtures("postgres_url")  # skips without PostgreSQL, fails under CI=true
def test_the_outcome_write_is_timed_part_by_part_and_rolled_back(tmp_path: Path) -> None:
    with fresh_store("postgresql", tmp_path, "outcomes") as url:
        _store(url)
        seconds = measure(url, rows=1_000, repeat=2)
        # Rolled back on a copy: the store keeps its queue and its outcomes.
        assert scalar(url, "SELECT count(*) FROM prediction_queue") == _TINY.cycle_batch
        assert scalar(url, "SELECT count(*) FROM prediction_outcomes") == 10_000
    assert list(seconds) == list(PARTS)
    assert all(len(samples) == 2 and min(samples) > 0 for samples in seconds.values())
