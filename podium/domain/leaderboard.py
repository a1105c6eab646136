"""Leaderboards: a ranked, dated, immutable list of entries, one per model.

Every leaderboard built is kept; its id is derived from the competition, the category and the
time it was built, so rebuilding from the same inputs gives the same leaderboard.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from podium.domain.model import Model
from podium.domain.ranking import DEFAULT_RANKER, Ranker
from podium.domain.timestamps import from_ms, to_ms
from podium.domain.windows import WindowScores

OVERALL_CATEGORY = "overall"


@dataclass(frozen=True, slots=True)
class LeaderboardEntry:
    rank: int
    model_id: str
    score: WindowScores
    model_name: str
    player_name: str
    player_id: str
    prediction_count: int = 0
    combined_score: float | None = None


@dataclass(frozen=True, slots=True)
class Leaderboard:
    id: str
    entries: list[LeaderboardEntry]
    created_at: datetime
    category: str = OVERALL_CATEGORY

    @staticmethod
    def create(
        models: Iterable[Model],
        *,
        competition_id: str,
        created_at: datetime,
        category: str = OVERALL_CATEGORY,
        ranker: Ranker = DEFAULT_RANKER,
    ) -> Leaderboard:
        placements = ranker.rank(list(models))
        entries = [
            LeaderboardEntry(
                rank=placement.rank,
                model_id=placement.model.model_id,
                score=placement.model.overall_score,
                model_name=placement.model.name,
                player_name=placement.model.player.name,
                player_id=placement.model.player.id,
                prediction_count=placement.model.prediction_count,
                combined_score=placement.combined_score,
            )
            for placement in placements
        ]
        created_ms = to_ms(created_at)
        return Leaderboard(
            id=leaderboard_id(competition_id, category, created_ms),
            entries=entries,
            created_at=from_ms(created_ms),
            category=category,
        )


def leaderboard_id(competition_id: str, category: str, created_at_ms: int) -> str:
    return f"LBR_{competition_id}_{category}_{created_at_ms}"
