"""What one challenge attempt costs the service: CPU and SQL statements, without HTTP.

``submit_attempt`` (the path of ``POST /api/challenges/{id}/attempts``: fair-play precheck,
scoring, the locked transaction, fair play and events) called ``--attempts`` times in one thread
on a fresh SQLite file (or ``--database-url``), players and metrics drawn as in
``bench.attempts``; statements are counted with an SQLAlchemy ``before_cursor_execute``
listener (``BEGIN``/``COMMIT`` excluded). ``--profile`` adds a cProfile of the calls.

Run from the repository root::

    python -m bench.attempt_service
    python -m bench.attempt_service --database-url postgresql+psycopg://postgres@127.0.0.1:5432/x
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import random
import tempfile
import time
from typing import Any

from sqlalchemy import event

from bench.attempts import SCORER, _metrics
from podium.schemas.challenges import AttemptCreate, ChallengeCreate
from podium.services import challenges as challenge_service
from podium.services.attempt_hooks import submit_attempt
from podium.services.attempt_scoring import AttemptScorer
from podium.store import migrator
from podium.store.database import Database

T0 = 1_767_571_200_000
WARM_UP = 20


def measure(url: str, attempts: int, players: int, *, profile: bool) -> None:
    db = Database(url)
    migrator.upgrade(db.engine)
    scorer = AttemptScorer(default_timeout_ms=5_000, sandbox=None)
    challenge_id = challenge_service.create_challenge(
        db,
        tenant_id="default",
        spec=ChallengeCreate(name="bench", scoring_strategy="custom", scoring_entrypoint=SCORER),
        now_ms=T0,
    ).id
    rng = random.Random(2)
    statements: collections.Counter[str] = collections.Counter()

    def count(*args: Any) -> None:
        text = " ".join(str(args[2]).split())
        if not text.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements[text[:100]] += 1

    def submit(index: int) -> None:
        submit_attempt(
            db,
            tenant_id="default",
            challenge_id=challenge_id,
            spec=AttemptCreate(end_user_id=f"player-{rng.randrange(players)}", **_metrics(rng)),
            scorer=scorer,
            now_ms=T0 + index,
            max_clock_skew_ms=0,
        )

    for index in range(WARM_UP):
        submit(index)
    for engine in {db.engine, db.write_engine}:
        event.listen(engine, "before_cursor_execute", count)
    profiler = cProfile.Profile() if profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler is not None:
        profiler.enable()
    for index in range(WARM_UP, WARM_UP + attempts):
        submit(index)
    if profiler is not None:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    db.dispose()
    print(
        f"{db.backend}: {attempts} attempts, {players} players: "
        f"{cpu / attempts * 1000:.2f} ms CPU, {wall / attempts * 1000:.2f} ms wall, "
        f"{sum(statements.values()) / attempts:.2f} statements per attempt"
    )
    for text, seen in statements.most_common():
        print(f"  {seen / attempts:5.2f}  {text}")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=1_000)
    parser.add_argument("--players", type=int, default=300)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/attempts.db"
        measure(url, args.attempts, args.players, profile=args.profile)


if __name__ == "__main__":
    main()
