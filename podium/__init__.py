"""Podium: a self-hostable leaderboard and scoring engine for competitions.

What plugin authors and embedding applications may import is re-exported here; the rest of the
package is internal and may change.
"""

from podium.domain.access import Principal, Role
from podium.domain.due_batch import DueBatch, Labels
from podium.domain.leaderboard import (
    Leaderboard,
    LeaderboardEntry,
    LeaderboardRows,
    asset_categories,
    leaderboard_id,
    models_by_asset,
    models_on_asset,
    rank_changes,
)
from podium.domain.model import (
    Model,
    ModelScore,
    Param,
    ParamScore,
    Player,
    calc_overall_score,
    group_model_scores,
)
from podium.domain.predictions import DuePrediction, PayloadError, PredictionStatus
from podium.domain.ranking import (
    Eligibility,
    LexicographicRanker,
    Placement,
    Ranker,
    RankingRule,
    WeightedRanker,
    rank_by_key,
)
from podium.domain.series import TimeSeries
from podium.domain.standings import ColumnRanking, Standings, rank_rows_by_keys
from podium.domain.windows import BucketTotal, WindowScores, WindowSpec, score_windows, window_means
from podium.errors import (
    ConfigurationError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    PluginConfigError,
    PluginError,
    PluginNotFoundError,
    PodiumError,
    Problem,
    RateLimitedError,
    TooManyAttemptsError,
    UnauthorizedError,
)
from podium.plugins.collection_scorer_protocol import (
    ChallengeBest,
    CollectionScorerProtocol,
    CollectionScoringContext,
)
from podium.plugins.protocols import (
    ColumnarResolver,
    ColumnarScoringFunction,
    Metric,
    MetricPoint,
    Resolver,
    ScoringFunction,
    TruthSource,
)
from podium.plugins.scorer_protocol import (
    AttemptMetrics,
    ScorerProtocol,
    ScoringContext,
    ScoringResult,
)
from podium.plugins.weighted_scorer import WeightedScorer

__version__ = "0.1.0"

__all__ = [
    "AttemptMetrics",
    "BucketTotal",
    "ChallengeBest",
    "CollectionScorerProtocol",
    "CollectionScoringContext",
    "ColumnRanking",
    "ColumnarResolver",
    "ColumnarScoringFunction",
    "ConfigurationError",
    "ConflictError",
    "DueBatch",
    "DuePrediction",
    "Eligibility",
    "ForbiddenError",
    "InvalidInputError",
    "Labels",
    "Leaderboard",
    "LeaderboardEntry",
    "LeaderboardRows",
    "LexicographicRanker",
    "Metric",
    "MetricPoint",
    "Model",
    "ModelScore",
    "NotFoundError",
    "Param",
    "ParamScore",
    "PayloadError",
    "Placement",
    "Player",
    "PluginConfigError",
    "PluginError",
    "PluginNotFoundError",
    "PodiumError",
    "PredictionStatus",
    "Principal",
    "Problem",
    "Ranker",
    "RankingRule",
    "RateLimitedError",
    "Resolver",
    "Role",
    "ScorerProtocol",
    "ScoringContext",
    "ScoringFunction",
    "ScoringResult",
    "Standings",
    "TimeSeries",
    "TooManyAttemptsError",
    "TruthSource",
    "UnauthorizedError",
    "WeightedRanker",
    "WeightedScorer",
    "WindowScores",
    "WindowSpec",
    "__version__",
    "asset_categories",
    "calc_overall_score",
    "group_model_scores",
    "leaderboard_id",
    "models_by_asset",
    "models_on_asset",
    "rank_by_key",
    "rank_changes",
    "rank_rows_by_keys",
    "score_windows",
    "window_means",
]
