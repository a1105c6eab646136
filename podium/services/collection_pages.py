"""What the collection pages show: a collection's instructions, challenges and leaderboard.

The leaderboard is the public one of the API (``podium.services.collections
.collection_leaderboard`` read as a non-admin without ``live``): hidden and banned players are
absent, inactive challenges left out, and a freeze pins the standings.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from podium.domain.collections import CollectionStanding, CollectionStrategy
from podium.services.collections import (
    CollectionScorer,
    collection_leaderboard,
    list_collections,
)
from podium.store.challenge_tables import ChallengeRow
from podium.store.collection_tables import CollectionRow
from podium.store.collections import CollectionRepository
from podium.store.database import Database

PAGE_STANDINGS = 100
HOME_TOP = 5
HOME_COLLECTIONS = 50

STRATEGY_LABELS = {
    CollectionStrategy.SUM: ("Total score", "highest sum of per-challenge scores wins"),
    CollectionStrategy.FASTEST_TOTAL: (
        "Total time (ms)",
        "most challenges completed, then lowest total time, wins",
    ),
    CollectionStrategy.FEWEST_TOKENS_TOTAL: (
        "Total tokens",
        "most challenges completed, then fewest total tokens, wins",
    ),
    CollectionStrategy.HIGHEST_AVG_RATING: (
        "Average rating",
        "highest average rating over completed challenges wins",
    ),
    CollectionStrategy.CUSTOM: ("Score", "highest score of the custom scorer wins"),
}


@dataclass(frozen=True, slots=True)
class CollectionPage:
    collection: CollectionRow
    challenges: list[ChallengeRow]
    total: int
    standings: list[CollectionStanding]
    frozen: bool
    as_of: int | None
    aggregate_label: str
    strategy_label: str


@dataclass(frozen=True, slots=True)
class CollectionSummary:
    collection: CollectionRow
    challenges: list[ChallengeRow]
    total: int
    top: list[CollectionStanding]


def _challenges(db: Database, challenge_ids: list[str]) -> list[ChallengeRow]:
    with db.read() as session:
        rows = {
            row.id: row
            for row in session.scalars(
                select(ChallengeRow).where(ChallengeRow.id.in_(challenge_ids))
            )
        }
    return [rows[cid] for cid in challenge_ids if cid in rows]


def collection_page(
    db: Database,
    *,
    tenant_id: str,
    collection_id: str,
    now_ms: int,
    scorer: CollectionScorer,
    limit: int = PAGE_STANDINGS,
) -> CollectionPage:
    board = collection_leaderboard(
        db,
        tenant_id=tenant_id,
        collection_id=collection_id,
        is_admin=False,
        live=False,
        now_ms=now_ms,
        scorer=scorer,
    )
    aggregate_label, strategy_label = STRATEGY_LABELS[CollectionStrategy(board.collection.strategy)]
    return CollectionPage(
        collection=board.collection,
        challenges=_challenges(db, board.challenge_ids),
        total=len(board.standings),
        standings=board.standings[:limit],
        frozen=board.frozen,
        as_of=board.as_of,
        aggregate_label=aggregate_label,
        strategy_label=strategy_label,
    )


def collection_summaries(
    db: Database, *, tenant_id: str, now_ms: int, scorer: CollectionScorer
) -> list[CollectionSummary]:
    """The tenant's collections, each with its public top 5."""
    summaries = []
    for row, _ in list_collections(db, tenant_id=tenant_id, limit=HOME_COLLECTIONS, offset=0):
        page = collection_page(
            db,
            tenant_id=tenant_id,
            collection_id=row.id,
            now_ms=now_ms,
            scorer=scorer,
            limit=HOME_TOP,
        )
        summaries.append(
            CollectionSummary(page.collection, page.challenges, page.total, page.standings)
        )
    return summaries


def collection_revisions(db: Database, *, tenant_id: str, collection_id: str) -> dict[str, int]:
    """``challenge id → revision`` of the collection's active challenges (for live pages)."""
    with db.read() as session:
        collections = CollectionRepository(session)
        collection = collections.get(collection_id, tenant_id=tenant_id)
        member_ids = list(collections.challenge_ids(collection.id))
        return {
            row.id: row.revision
            for row in session.scalars(select(ChallengeRow).where(ChallengeRow.id.in_(member_ids)))
            if row.tenant_id == tenant_id and row.is_active
        }
