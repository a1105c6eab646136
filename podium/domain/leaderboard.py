"""Leaderboards: a ranked, dated, immutable list of entries, one per model.

Every leaderboard built is kept; its id is derived from the competition, the category and the
time it was built, so rebuilding from the same inputs gives the same leaderboard. Besides the
``overall`` one, a leaderboard per asset ranks models on that asset's params only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from podium.domain.model import Model, ModelScore, ParamScore
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


@dataclass(frozen=True, slots=True)
class LeaderboardRows:
    """A leaderboard as it is stored: one list per column of its entries, in leaderboard order.

    What the score cycle builds for its 21 × 1,000 entries at once, without an entry object per
    row; ``of`` and ``leaderboard`` convert from and to ``Leaderboard``.
    """

    id: str
    category: str
    created_at_ms: int
    rank: list[int]
    model_id: list[str]
    model_name: list[str]
    player_id: list[str]
    player_name: list[str]
    recent: list[float | None]
    steady: list[float | None]
    anchor: list[float | None]
    combined_score: list[float | None]
    prediction_count: list[int]

    def __len__(self) -> int:
        return len(self.model_id)

    @classmethod
    def of(cls, leaderboard: Leaderboard) -> LeaderboardRows:
        entries = leaderboard.entries
        return cls(
            id=leaderboard.id,
            category=leaderboard.category,
            created_at_ms=to_ms(leaderboard.created_at),
            rank=[entry.rank for entry in entries],
            model_id=[entry.model_id for entry in entries],
            model_name=[entry.model_name for entry in entries],
            player_id=[entry.player_id for entry in entries],
            player_name=[entry.player_name for entry in entries],
            recent=[entry.score.recent for entry in entries],
            steady=[entry.score.steady for entry in entries],
            anchor=[entry.score.anchor for entry in entries],
            combined_score=[entry.combined_score for entry in entries],
            prediction_count=[entry.prediction_count for entry in entries],
        )

    def leaderboard(self) -> Leaderboard:
        return Leaderboard(
            id=self.id,
            entries=[
                LeaderboardEntry(
                    rank=rank,
                    model_id=model_id,
                    score=WindowScores(recent=recent, steady=steady, anchor=anchor),
                    model_name=model_name,
                    player_name=player_name,
                    player_id=player_id,
                    prediction_count=prediction_count,
                    combined_score=combined_score,
                )
                for (
                    rank,
                    model_id,
                    model_name,
                    player_id,
                    player_name,
                    recent,
                    steady,
                    anchor,
                    combined_score,
                    prediction_count,
                ) in zip(
                    self.rank,
                    self.model_id,
                    self.model_name,
                    self.player_id,
                    self.player_name,
                    self.recent,
                    self.steady,
                    self.anchor,
                    self.combined_score,
                    self.prediction_count,
                    strict=True,
                )
            ],
            created_at=from_ms(self.created_at_ms),
            category=self.category,
        )


def leaderboard_id(competition_id: str, category: str, created_at_ms: int) -> str:
    return f"LBR_{competition_id}_{category}_{created_at_ms}"


def asset_categories(models: Iterable[Model]) -> list[str]:
    """The assets models have scores on, sorted: one leaderboard category each."""
    return sorted(
        {
            item.param.asset
            for model in models
            for item in model.scores_by_param
            if item.param.asset is not None
        }
    )


def models_on_asset(models: Iterable[Model], asset: str) -> list[Model]:
    """The models that predict ``asset``, each scored on that asset's params only.

    A model's window scores on an asset are the mean of its per-param window scores over the
    asset's params (``calc_overall_score`` on those params), its prediction count theirs.
    """
    found = []
    for model in models:
        on_asset = [item for item in model.scores_by_param if item.param.asset == asset]
        if on_asset:
            found.append(replace(model, score=ModelScore.from_params(on_asset)))
    return found


def models_by_asset(models: Iterable[Model]) -> dict[str, list[Model]]:
    """``models_on_asset`` for every asset of ``asset_categories``, in one pass over the models."""
    found: dict[str, list[Model]] = {}
    for model in models:
        on_asset: dict[str, list[ParamScore]] = {}
        for item in model.scores_by_param:
            if item.param.asset is not None:
                on_asset.setdefault(item.param.asset, []).append(item)
        for asset, items in on_asset.items():
            found.setdefault(asset, []).append(replace(model, score=ModelScore.from_params(items)))
    return {asset: found[asset] for asset in sorted(found)}


def rank_changes(
    current: Mapping[str, int], earlier: Mapping[str, int] | None
) -> dict[str, int | None]:
    """Places gained since an earlier leaderboard (+2: up two places); ``None`` when new.

    With no earlier leaderboard at all, every change is ``None``.
    """
    if earlier is None:
        return dict.fromkeys(current)
    return {
        model_id: (earlier[model_id] - rank) if model_id in earlier else None
        for model_id, rank in current.items()
    }
