"""Live demo challenges: four challenges, one collection over them, and simulated players.

Every ``tick_s`` seconds one of the demo players makes an attempt at one of the challenges.
Players differ in skill (how often they succeed, how fast, how frugal, how well rated), so the
challenge and collection leaderboards sort them out, with first bloods and beaten records on
the way. Attempts go through ``submit_attempt``, exactly as ``POST /api/challenges/{id}/attempts``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from podium.domain.access import DEFAULT_TENANT
from podium.domain.challenges import ScoringStrategy
from podium.domain.collections import CollectionStrategy
from podium.errors import PodiumError
from podium.schemas.challenges import AttemptCreate, ChallengeCreate
from podium.schemas.collections import CollectionCreate
from podium.services.attempt_hooks import submit_attempt
from podium.services.attempt_scoring import AttemptScorer
from podium.services.challenges import create_challenge, list_challenges
from podium.services.clock import Clock, wall_clock_ms
from podium.services.collections import create_collection, list_collections
from podium.services.jobs import ThreadJob
from podium.store.database import Database

log = logging.getLogger(__name__)

DEMO_COLLECTION = "demo-series"
DEMO_CHALLENGES = (
    ChallengeCreate(
        name="Demo: crack the cipher",
        description="Decrypt a short message. The first to succeed wins.",
        goal="Submit the plaintext.",
        scoring_strategy=ScoringStrategy.FIRST,
    ),
    ChallengeCreate(
        name="Demo: sort a million numbers",
        description="A correct sort, as fast as possible.",
        goal="The lowest elapsed time among successful attempts.",
        scoring_strategy=ScoringStrategy.FASTEST,
    ),
    ChallengeCreate(
        name="Demo: summarize a paper",
        description="A summary rated 0-10 by a judge.",
        goal="The highest rating; ties go to whoever got there first.",
        scoring_strategy=ScoringStrategy.HIGHEST_RATING,
    ),
    ChallengeCreate(
        name="Demo: build a parser",
        description="Scored by the built-in weighted scorer: success, rating, time and tokens.",
        goal="The highest weighted score.",
        scoring_strategy=ScoringStrategy.CUSTOM,
        scoring_plugin_id="builtin.weighted_scorer",
    ),
)
# (end user id, skill in 0..1): success rate, speed, frugality and ratings grow with skill.
DEMO_PLAYERS = (
    ("ada", 0.9),
    ("grace", 0.8),
    ("linus", 0.65),
    ("barbara", 0.5),
    ("ken", 0.35),
    ("margaret", 0.2),
)


def ensure_demo_challenges(db: Database, *, now_ms: int) -> list[str]:
    """Create the demo challenges and their collection unless they exist; their ids, in order."""
    existing = {
        row.name: row.id
        for row in list_challenges(
            db, tenant_id=DEFAULT_TENANT, include_inactive=True, limit=1_000, offset=0
        )
    }
    ids = []
    for spec in DEMO_CHALLENGES:
        if spec.name not in existing:
            existing[spec.name] = create_challenge(
                db, tenant_id=DEFAULT_TENANT, spec=spec, now_ms=now_ms
            ).id
        ids.append(existing[spec.name])
    collections = list_collections(db, tenant_id=DEFAULT_TENANT, limit=1_000, offset=0)
    if all(row.id != DEMO_COLLECTION for row, _ in collections):
        create_collection(
            db,
            tenant_id=DEFAULT_TENANT,
            spec=CollectionCreate(
                id=DEMO_COLLECTION,
                name="Demo: the engineering series",
                instructions="Four challenges; the fastest total time over them wins, and "
                "whoever completed more challenges ranks first.",
                strategy=CollectionStrategy.FASTEST_TOTAL,
                challenge_ids=ids,
            ),
            now_ms=now_ms,
        )
    return ids


@dataclass(frozen=True, slots=True)
class _Simulated:
    end_user_id: str
    skill: float


class DemoAttempts(ThreadJob):
    """The background job making one simulated attempt every tick."""

    thread_name = "podium-demo-attempts"

    def __init__(
        self,
        db: Database,
        *,
        challenge_ids: list[str],
        scorer: AttemptScorer,
        tick_s: float = 2.0,
        seed: int = 11,
        clock: Clock = wall_clock_ms,
    ) -> None:
        self.db = db
        self.challenge_ids = challenge_ids
        self.scorer = scorer
        self.tick_s = tick_s
        self.clock = clock
        self._rng = np.random.default_rng(seed)
        self._players = [_Simulated(user, skill) for user, skill in DEMO_PLAYERS]
        super().__init__()

    def attempt(self) -> AttemptCreate:
        """A simulated attempt of a random player (not yet sent)."""
        player = self._players[int(self._rng.integers(len(self._players)))]
        skill = player.skill
        return AttemptCreate(
            end_user_id=player.end_user_id,
            succeeded=bool(self._rng.random() < 0.2 + 0.7 * skill),
            tokens_total=int(self._rng.integers(500, 5_000) * (1.6 - skill)),
            elapsed_ms=int(self._rng.integers(5_000, 120_000) * (1.6 - skill)),
            rating=int(np.clip(round(self._rng.normal(3 + 6 * skill, 1.5)), 0, 10)),
        )

    def step(self) -> None:
        challenge_id = self.challenge_ids[int(self._rng.integers(len(self.challenge_ids)))]
        spec = self.attempt()
        try:
            submit_attempt(
                self.db,
                tenant_id=DEFAULT_TENANT,
                challenge_id=challenge_id,
                spec=spec,
                scorer=self.scorer,
                now_ms=self.clock(),
                max_clock_skew_ms=0,
            )
        except PodiumError as error:  # a host may have deactivated a demo challenge, say
            log.info("demo attempt at %s refused: %s", challenge_id, error.message)

    def run_forever(self) -> None:
        log.info("demo attempts started: one every %.1f s", self.tick_s)
        while not self._stop.wait(self.tick_s):
            try:
                self.step()
            except Exception:
                log.exception("demo attempt failed")
