"""The benchmark's diagnostics (the cycle's profile, the outcome UPDATE's variants) run and
report what they measured (never timings)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bench.backends import fresh_store
from bench.outcome_update import VARIANTS, measure
from bench.scales import SCALES
from bench.synthetic import analyze, generate_batch, generate_history, setup_competition

_TINY = dataclasses.replace(SCALES["small"], models=20, params=5, cycle_batch=2_000)


def _store(url: str) -> None:
    setup_competition(url, _TINY)
    generate_history(url, _TINY, 10_000)
    generate_batch(url, _TINY)
    analyze(url)


def test_the_cycle_profile_scores_the_whole_batch(tmp_path: Path) -> None:
    cycle_profile = pytest.importorskip("bench.cycle_profile")
    with fresh_store("sqlite", tmp_path, "profile") as url:
        _store(url)
        report = cycle_profile.profile_cycle(url, batch_size=500)
    assert report.startswith("2000 scored in ")
    assert "(batches of 500; failed 0, waiting 0)" in report.splitlines()[0]
    assert "run_score_cycle" in report


@pytest.mark.usefixtures("postgres_url")  # skips without PostgreSQL, fails under CI=true
def test_the_outcome_update_variants_show_which_updates_are_heap_only(tmp_path: Path) -> None:
    with fresh_store("postgresql", tmp_path, "outcomes") as url:
        _store(url)
        results = measure(url, rows=1_000, repeat=1, order="stored")
    by_name = {name: (seconds, hot, size) for name, seconds, hot, size in results}
    assert list(by_name) == list(VARIANTS)
    assert all(len(seconds) == 1 and seconds[0] > 0 for seconds, _, _ in by_name.values())
    # While the due index names `status`, no update is heap-only; without it, and with room
    # in the pages, most are, in a larger table.
    assert by_name["constant SET"][1] == 0
    assert by_name["without the two performed_at indexes"][1] == 0
    assert by_name["without the due index, fillfactor 50"][1] > 0.5
    assert by_name["without the due index, fillfactor 50"][2] > by_name["constant SET"][2]
