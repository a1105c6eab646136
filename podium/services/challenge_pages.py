"""What the challenge pages show: a challenge's goal, its standings and its first blood.

Standings are read as stored by attempt recording (``podium.services.challenges``).
"""

from __future__ import annotations

from dataclasses import dataclass

from podium.domain.challenges import ScoringStrategy
from podium.services.challenges import RankedStanding, challenge_leaderboard, list_challenges
from podium.store.challenge_tables import ChallengeEntryRow, ChallengeRow
from podium.store.database import Database
from podium.store.first_blood import FirstBloodRepository

PAGE_STANDINGS = 100
HOME_TOP = 5
HOME_CHALLENGES = 50

VALUE_LABELS = {
    ScoringStrategy.FIRST: ("Succeeded at", "first success wins"),
    ScoringStrategy.FASTEST: ("Time (ms)", "fastest successful attempt wins"),
    ScoringStrategy.FEWEST_TOKENS: ("Tokens", "fewest tokens wins"),
    ScoringStrategy.HIGHEST_RATING: ("Rating", "highest rating wins"),
    ScoringStrategy.CUSTOM: ("Score", "highest score of the custom scorer wins"),
}


@dataclass(frozen=True, slots=True)
class ChallengePage:
    challenge: ChallengeRow
    total: int
    standings: list[RankedStanding]
    first_blood: ChallengeEntryRow | None
    value_label: str
    scoring_label: str
    value_is_time: bool


@dataclass(frozen=True, slots=True)
class ChallengeSummary:
    challenge: ChallengeRow
    total: int
    top: list[RankedStanding]


def _labels(challenge: ChallengeRow) -> tuple[str, str]:
    strategy = ScoringStrategy(challenge.scoring_strategy)
    return VALUE_LABELS[strategy]


def challenge_page(db: Database, *, tenant_id: str, challenge_id: str) -> ChallengePage:
    board = challenge_leaderboard(
        db,
        tenant_id=tenant_id,
        challenge_id=challenge_id,
        include_inactive=False,
        limit=PAGE_STANDINGS,
        offset=0,
    )
    with db.read() as session:
        first_blood = FirstBloodRepository(session).first_success(challenge_id=board.challenge.id)
    value_label, scoring_label = _labels(board.challenge)
    return ChallengePage(
        challenge=board.challenge,
        total=board.total,
        standings=board.standings,
        first_blood=first_blood,
        value_label=value_label,
        scoring_label=scoring_label,
        value_is_time=board.challenge.scoring_strategy == ScoringStrategy.FIRST,
    )


def challenge_summaries(db: Database, *, tenant_id: str) -> list[ChallengeSummary]:
    """The tenant's active challenges, each with its top 5."""
    summaries = []
    for challenge in list_challenges(
        db, tenant_id=tenant_id, include_inactive=False, limit=HOME_CHALLENGES, offset=0
    ):
        board = challenge_leaderboard(
            db,
            tenant_id=tenant_id,
            challenge_id=challenge.id,
            include_inactive=False,
            limit=HOME_TOP,
            offset=0,
        )
        summaries.append(ChallengeSummary(challenge, board.total, board.standings))
    return summaries


def challenge_revisions(
    db: Database, *, tenant_id: str, challenge_id: str | None = None
) -> dict[str, int]:
    """``challenge id → revision`` of the tenant's active challenges (or of one): an attempt
    that changes a leaderboard bumps its challenge's revision, which the stream announces."""
    rows = list_challenges(
        db, tenant_id=tenant_id, include_inactive=False, limit=HOME_CHALLENGES * 20, offset=0
    )
    return {row.id: row.revision for row in rows if challenge_id is None or row.id == challenge_id}
