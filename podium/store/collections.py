"""Collections of challenges and their ordered membership."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from podium.errors import NotFoundError
from podium.store.challenge_tables import ChallengeRow
from podium.store.collection_tables import CollectionChallengeRow, CollectionRow


class CollectionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, collection_id: str, *, tenant_id: str) -> CollectionRow | None:
        row = self.session.get(CollectionRow, collection_id)
        # Another tenant's collection does not exist, as far as this tenant can tell.
        return row if row is not None and row.tenant_id == tenant_id else None

    def get(self, collection_id: str, *, tenant_id: str) -> CollectionRow:
        row = self.find(collection_id, tenant_id=tenant_id)
        if row is None:
            raise NotFoundError("collection", collection_id)
        return row

    def exists(self, collection_id: str) -> bool:
        return self.session.get(CollectionRow, collection_id) is not None

    def list(self, *, tenant_id: str, limit: int, offset: int) -> list[CollectionRow]:
        return list(
            self.session.scalars(
                select(CollectionRow)
                .where(CollectionRow.tenant_id == tenant_id)
                .order_by(CollectionRow.created_at, CollectionRow.id)
                .limit(limit)
                .offset(offset)
            )
        )

    def add(self, row: CollectionRow) -> None:
        self.session.add(row)
        self.session.flush()

    def delete(self, row: CollectionRow) -> None:
        self.session.execute(
            delete(CollectionChallengeRow).where(CollectionChallengeRow.collection_id == row.id)
        )
        self.session.delete(row)
        self.session.flush()

    def challenge_ids(self, collection_id: str) -> Sequence[str]:
        """The collection's challenges in order (a deleted challenge drops out)."""
        return list(
            self.session.scalars(
                select(CollectionChallengeRow.challenge_id)
                .join(ChallengeRow, ChallengeRow.id == CollectionChallengeRow.challenge_id)
                .where(CollectionChallengeRow.collection_id == collection_id)
                .order_by(CollectionChallengeRow.position)
            )
        )

    def replace_challenges(self, collection_id: str, challenge_ids: Sequence[str]) -> None:
        self.session.execute(
            delete(CollectionChallengeRow).where(
                CollectionChallengeRow.collection_id == collection_id
            )
        )
        self.session.flush()
        self.session.add_all(
            CollectionChallengeRow(collection_id=collection_id, challenge_id=cid, position=index)
            for index, cid in enumerate(challenge_ids)
        )
        self.session.flush()

    def remove_challenge(self, challenge_id: str) -> None:
        """Drop a deleted challenge from every collection."""
        self.session.execute(
            delete(CollectionChallengeRow).where(
                CollectionChallengeRow.challenge_id == challenge_id
            )
        )
