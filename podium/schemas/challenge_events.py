"""Response shape of challenge events (listings and streams)."""

from __future__ import annotations

from typing import Any

from podium.domain.challenge_events import EventType
from podium.domain.timestamps import from_ms
from podium.schemas.common import Instant, ResponseModel
from podium.store.collection_tables import ChallengeEventRow


class EventOut(ResponseModel):
    id: int
    type: EventType
    challenge_id: str
    end_user_id: str
    occurred_at: Instant
    occurred_at_ms: int
    recorded_at: Instant
    payload: dict[str, Any]

    @classmethod
    def from_row(cls, row: ChallengeEventRow) -> EventOut:
        return cls(
            id=row.id,
            type=EventType(row.type),
            challenge_id=row.challenge_id,
            end_user_id=row.end_user_id,
            occurred_at=from_ms(row.occurred_at),
            occurred_at_ms=row.occurred_at,
            recorded_at=from_ms(row.recorded_at),
            payload=row.payload,
        )
