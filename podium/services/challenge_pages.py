"""What the challenge pages show: a challenge's goal, its standings and its first blood.

Pages show what the public may see, as the API's public reads do: the standings are the
fair-play board (``podium.services.attempt_hooks.fair_challenge_leaderboard``: no hidden or
banned player, pinned at the challenge's freeze), falling back on the stored standings when
fair play changes nothing; the first blood is the stored ``challenge_first_blood`` event, which
hidden and banned players never trigger and which a freeze pins.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from podium.domain.challenge_events import EventType
from podium.domain.challenges import ScoringStrategy
from podium.domain.timestamps import to_ms
from podium.services.attempt_hooks import fair_challenge_leaderboard
from podium.services.challenge_events import list_events
from podium.services.challenges import challenge_leaderboard, get_challenge, list_challenges
from podium.store.challenge_tables import ChallengeRow
from podium.store.collection_tables import CollectionChallengeRow, CollectionRow
from podium.store.database import Database

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
class StandingLine:
    """One row of a public challenge leaderboard."""

    rank: int
    end_user_id: str
    value: float | None
    attempts: int
    best_created_at: int


@dataclass(frozen=True, slots=True)
class FirstBlood:
    end_user_id: str
    occurred_at: int


@dataclass(frozen=True, slots=True)
class PublicBoard:
    challenge: ChallengeRow
    total: int
    standings: list[StandingLine]


@dataclass(frozen=True, slots=True)
class ChallengePage:
    challenge: ChallengeRow
    total: int
    standings: list[StandingLine]
    first_blood: FirstBlood | None
    collections: list[CollectionRow]
    value_label: str
    scoring_label: str
    value_is_time: bool


@dataclass(frozen=True, slots=True)
class ChallengeSummary:
    challenge: ChallengeRow
    total: int
    top: list[StandingLine]


def _labels(challenge: ChallengeRow) -> tuple[str, str]:
    strategy = ScoringStrategy(challenge.scoring_strategy)
    return VALUE_LABELS[strategy]


def public_board(
    db: Database, *, tenant_id: str, challenge_id: str, now_ms: int, limit: int
) -> PublicBoard:
    """The first ``limit`` rows of the challenge's public board (unknown or inactive: 404)."""
    fair = fair_challenge_leaderboard(
        db,
        tenant_id=tenant_id,
        challenge_id=challenge_id,
        is_admin=False,
        live=False,
        now_ms=now_ms,
        limit=limit,
        offset=0,
    )
    if fair is not None:
        challenge = get_challenge(
            db, tenant_id=tenant_id, challenge_id=challenge_id, include_inactive=False
        )
        return PublicBoard(
            challenge=challenge,
            total=fair.total,
            standings=[
                StandingLine(
                    rank=row.rank,
                    end_user_id=row.end_user_id,
                    value=row.value,
                    attempts=row.attempts,
                    best_created_at=to_ms(row.best_attempt_at),
                )
                for row in fair.entries
            ],
        )
    board = challenge_leaderboard(
        db,
        tenant_id=tenant_id,
        challenge_id=challenge_id,
        include_inactive=False,
        limit=limit,
        offset=0,
    )
    return PublicBoard(
        challenge=board.challenge,
        total=board.total,
        standings=[
            StandingLine(
                rank=ranked.rank,
                end_user_id=ranked.entry.end_user_id,
                value=ranked.entry.best_value,
                attempts=ranked.entry.attempts,
                best_created_at=ranked.entry.best_created_at or 0,
            )
            for ranked in board.standings
        ],
    )


def first_blood(db: Database, *, tenant_id: str, challenge_id: str) -> FirstBlood | None:
    """The challenge's public first blood: its stored event, unless its player is hidden."""
    found = list_events(
        db,
        tenant_id=tenant_id,
        challenge_id=challenge_id,
        types=[EventType.FIRST_BLOOD.value],
        since=None,
        after_id=None,
        include_hidden=False,
        limit=1,
    )
    if not found or found[0].end_user_id is None:
        return None
    return FirstBlood(end_user_id=found[0].end_user_id, occurred_at=found[0].occurred_at)


def collections_of(db: Database, *, tenant_id: str, challenge_id: str) -> list[CollectionRow]:
    """The tenant's collections the challenge belongs to, by name."""
    with db.read() as session:
        query = (
            select(CollectionRow)
            .join(CollectionChallengeRow, CollectionChallengeRow.collection_id == CollectionRow.id)
            .where(
                CollectionRow.tenant_id == tenant_id,
                CollectionChallengeRow.challenge_id == challenge_id,
            )
            .order_by(CollectionRow.name, CollectionRow.id)
        )
        return list(session.scalars(query))


def challenge_page(
    db: Database, *, tenant_id: str, challenge_id: str, now_ms: int
) -> ChallengePage:
    board = public_board(
        db, tenant_id=tenant_id, challenge_id=challenge_id, now_ms=now_ms, limit=PAGE_STANDINGS
    )
    value_label, scoring_label = _labels(board.challenge)
    return ChallengePage(
        challenge=board.challenge,
        total=board.total,
        standings=board.standings,
        first_blood=first_blood(db, tenant_id=tenant_id, challenge_id=board.challenge.id),
        collections=collections_of(db, tenant_id=tenant_id, challenge_id=board.challenge.id),
        value_label=value_label,
        scoring_label=scoring_label,
        value_is_time=board.challenge.scoring_strategy == ScoringStrategy.FIRST,
    )


def challenge_summaries(db: Database, *, tenant_id: str, now_ms: int) -> list[ChallengeSummary]:
    """The tenant's active challenges, each with its public top 5."""
    summaries = []
    for challenge in list_challenges(
        db, tenant_id=tenant_id, include_inactive=False, limit=HOME_CHALLENGES, offset=0
    ):
        board = public_board(
            db, tenant_id=tenant_id, challenge_id=challenge.id, now_ms=now_ms, limit=HOME_TOP
        )
        summaries.append(ChallengeSummary(board.challenge, board.total, board.standings))
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
