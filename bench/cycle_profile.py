"""Where one score cycle's time goes: a pyinstrument profile of ``run_score_cycle``.

python -m bench.cycle_profile --backend postgresql
python -m bench.cycle_profile --backend postgresql --batch-size 20000   # the roll-ups' share
python -m bench.cycle_profile --backend postgresql --steady   # the roll-ups' upserts as updates

A fresh store of the scale (``medium``: 1,000 models × 20 params) with the long history and a
pending batch (``bench.synthetic``, as scenario 2; ``--steady``: the short history with the
roll-ups of the batch's hour stored, as scenario ``cycle-steady``), then one cycle in this
process after the start-up objects are frozen out of the cyclic GC, as ``podium worker`` does.
Prints the cycle's report and the profile's call tree (wall time). A diagnosis, not a figure of
record: scenario 2 of ``python -m bench`` times the cycle in a fresh process, several times.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from pyinstrument import Profiler

from bench.backends import BACKENDS, fresh_store
from bench.scales import SCALES
from bench.synthetic import (
    COMPETITION,
    NOW_MS,
    analyze,
    generate_batch,
    generate_history,
    setup_competition,
)
from podium.cli.serving import freeze_startup_objects
from podium.services.score_cycle import run_score_cycle
from podium.settings import Settings
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database


def profile_cycle(url: str, batch_size: int) -> str:
    with Database(url) as db:
        with db.read() as session:  # connect (and import the plugins) before profiling
            CompetitionRepository(session).get(COMPETITION)
        freeze_startup_objects()
        profiler = Profiler(interval=0.002)
        profiler.start()
        report = run_score_cycle(
            db, competition_id=COMPETITION, now_ms=NOW_MS, batch_size=batch_size
        )
        profiler.stop()
    summary = (
        f"{report.scored} scored in {report.duration_s:.2f} s "
        f"(batches of {batch_size:,}; failed {report.failed}, waiting {report.waiting})"
    )
    return summary + "\n" + profiler.output_text(unicode=True, color=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--scale", choices=sorted(SCALES), default="medium")
    parser.add_argument(
        "--history",
        type=int,
        help="stored scores; default: the scale's long one (short one with --steady)",
    )
    parser.add_argument(
        "--steady",
        action="store_true",
        help="the steady state: the batch's roll-up rows stored by earlier cycles of its hour",
    )
    parser.add_argument("--batch-size", type=int, help="default: the backend's default")
    args = parser.parse_args()
    scale = SCALES[args.scale]
    with (
        tempfile.TemporaryDirectory() as workdir,
        fresh_store(args.backend, Path(workdir), "profile") as url,
    ):
        setup_competition(url, scale)
        default_history = scale.history_low if args.steady else scale.history_high
        generate_history(url, scale, args.history or default_history, steady=args.steady)
        generate_batch(url, scale)
        analyze(url)
        print(profile_cycle(url, args.batch_size or Settings(database_url=url).score_batch))


if __name__ == "__main__":
    main()
