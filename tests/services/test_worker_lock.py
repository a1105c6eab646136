"""The per-competition cycle lock: one holder at a time on PostgreSQL, skipping when held."""

from __future__ import annotations

from podium.services.worker import ScoreWorker, competition_cycle_lock, cycle_lock_key
from podium.store.database import Database
from tests import builders
from tests.conftest import T0


def test_lock_keys_are_stable_64_bit_and_distinct_per_competition() -> None:
    assert cycle_lock_key("c1") == cycle_lock_key("c1")
    assert cycle_lock_key("c1") != cycle_lock_key("c2")
    assert -(2**63) <= cycle_lock_key("c1") < 2**63


def test_a_held_lock_makes_other_workers_skip_the_competition(database: Database) -> None:
    builders.competition(database, T0, competition_id="c1")
    worker = ScoreWorker(database, default_interval_s=60, batch_size=100, clock=lambda: T0)
    with competition_cycle_lock(database, "c1", wait=False) as held:
        assert held
        if database.is_postgresql:
            # Another session (another process, as far as PostgreSQL knows) cannot take it.
            with competition_cycle_lock(database, "c1", wait=False) as second:
                assert not second
            with competition_cycle_lock(database, "c2", wait=False) as other:
                assert other
            assert worker.run_due() == []
        # SQLite needs no lock (its single writer serializes cycles): held is always True.
    (report,) = worker.run_due()
    assert report.competition_id == "c1"
    # Just run: no longer due, so a second worker polling now does nothing.
    assert worker.run_due() == []
