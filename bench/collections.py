"""Collections and events: what a collection leaderboard read costs, and what events and fair
play add to recording an attempt.

Two measurements on a fresh SQLite file (or ``--database-url``), in-process (no HTTP):

1. **leaderboard**: ``--players`` players × ``--challenges`` challenges × ``--attempts``
   attempts each (bulk inserted), one collection per strategy; the read time of its
   leaderboard when the cache is cold (computed: the store picks each player's best per
   challenge, the domain ranks) and warm (nothing changed since);
2. **attempt**: ``record_attempt`` of ``--recorded`` successful attempts on one ``fastest``
   challenge, without listeners and with ``ATTEMPT_LISTENERS`` (limits, bans, event
   detection, solve order), attempts/s of each.

Run from the repository root::

    python -m bench.collections
    python -m bench.collections --players 2000 --database-url postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from podium.domain.collections import CollectionStrategy
from podium.schemas.challenges import AttemptCreate, ChallengeCreate
from podium.schemas.collections import CollectionCreate
from podium.services import challenges as challenge_service
from podium.services import collections as service
from podium.services.attempt_hooks import ATTEMPT_LISTENERS
from podium.services.attempt_scoring import AttemptScorer
from podium.store import migrator
from podium.store.challenge_tables import ChallengeAttemptRow
from podium.store.database import Database

T0 = 1_767_571_200_000


def _leaderboards(db: Database, args: argparse.Namespace) -> None:
    rng = random.Random(7)
    challenge_ids = [
        challenge_service.create_challenge(
            db,
            tenant_id="default",
            spec=ChallengeCreate(name=f"C{index}", scoring_strategy="fastest"),
            now_ms=T0,
        ).id
        for index in range(args.challenges)
    ]
    rows = [
        {
            "challenge_id": challenge_id,
            "tenant_id": "default",
            "end_user_id": f"p{player}",
            "succeeded": rng.random() < 0.7,
            "tokens_total": rng.randint(100, 5_000),
            "elapsed_ms": rng.randint(1_000, 600_000),
            "rating": float(rng.randint(0, 10)),
            "created_at": T0 + rng.randint(0, 86_400_000),
            "recorded_at": T0,
            "score": rng.random() * 100,
        }
        for player in range(args.players)
        for challenge_id in challenge_ids
        for _ in range(args.attempts)
        if rng.random() < 0.8  # not every player tries every challenge
    ]
    with db.write() as session:
        for start in range(0, len(rows), 10_000):
            session.execute(insert(ChallengeAttemptRow), rows[start : start + 10_000])
    print(f"{len(rows)} attempts, {args.players} players, {args.challenges} challenges")
    scorer = service.CollectionScorer(timeout_ms=5_000, sandbox=None)
    for strategy in list(CollectionStrategy)[:4]:
        service.create_collection(
            db,
            tenant_id="default",
            spec=CollectionCreate(
                id=strategy.value,
                name=strategy.value,
                strategy=strategy,
                challenge_ids=challenge_ids,
            ),
            now_ms=T0,
        )
        cold, warm = [], []
        for _ in range(args.repeat):
            service._cache.clear()
            for bucket in (cold, warm):
                started = time.perf_counter()
                board = service.collection_leaderboard(
                    db,
                    tenant_id="default",
                    collection_id=strategy.value,
                    is_admin=False,
                    live=False,
                    now_ms=T0,
                    scorer=scorer,
                )
                bucket.append(time.perf_counter() - started)
        print(
            f"leaderboard {strategy.value:<20} {len(board.standings):>6} standings  "
            f"cold {statistics.median(cold) * 1000:8.1f} ms  "
            f"warm {statistics.median(warm) * 1000:6.1f} ms"
        )


def _attempts(db: Database, args: argparse.Namespace) -> None:
    scorer = AttemptScorer(default_timeout_ms=5_000, sandbox=None)
    for label, listeners in (
        ("without listeners", ()),
        ("with ATTEMPT_LISTENERS", ATTEMPT_LISTENERS),
    ):
        challenge_id = challenge_service.create_challenge(
            db,
            tenant_id="default",
            spec=ChallengeCreate(name=label, scoring_strategy="fastest"),
            now_ms=T0,
        ).id
        started = time.perf_counter()
        for index in range(args.recorded):
            challenge_service.record_attempt(
                db,
                tenant_id="default",
                challenge_id=challenge_id,
                spec=AttemptCreate(
                    end_user_id=f"p{index % 50}",
                    succeeded=True,
                    elapsed_ms=1_000_000 - index,  # every attempt beats the record
                ),
                scorer=scorer,
                now_ms=T0 + index,
                max_clock_skew_ms=0,
                listeners=listeners,
            )
        elapsed = time.perf_counter() - started
        print(f"record_attempt {label:<24} {args.recorded / elapsed:8.0f} attempts/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--players", type=int, default=1_000)
    parser.add_argument("--challenges", type=int, default=10)
    parser.add_argument("--attempts", type=int, default=3, help="attempts per player and challenge")
    parser.add_argument("--recorded", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    print(
        f"{platform.node()}: {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        with Database(url) as db:
            migrator.upgrade(db.engine)
            print(f"store: {db.backend}")
            _leaderboards(db, args)
            _attempts(db, args)


if __name__ == "__main__":
    main()
