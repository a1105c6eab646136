"""Building a competition's leaderboards at an instant: the last step of a score cycle.

The window sums of every (model, param) pair and their all-time counts are read as columns
(``ScoreTable``), each active model's scores are snapshotted, and the models are ranked on one
``overall`` leaderboard and one per asset, all stored in one transaction with a few statements.

A built-in ranker ranks columns (``RankingRule.rank_columns``); a third-party ranker without
``rank_columns`` receives ``Model`` objects, as does a table whose window sums are not all
finite (``ScoreTable.leaderboards``). Both give the same leaderboards
(tests/domain/test_score_table.py).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from podium.domain.leaderboard import OVERALL_CATEGORY, Leaderboard
from podium.domain.score_table import ScoreTable
from podium.domain.timestamps import floor_to
from podium.services.competitions import window_spec
from podium.services.ranking import ranking_rule
from podium.store.competitions import CompetitionRepository
from podium.store.leaderboards import LeaderboardRepository
from podium.store.roster import RosterRepository
from podium.store.scores import ScoreRepository
from podium.store.tables import CompetitionRow, LeaderboardRow


def _is_stale(competition: CompetitionRow, latest: LeaderboardRow | None, now_ms: int) -> bool:
    if latest is None:
        return True
    if latest.revision != competition.revision:
        return True
    bucket = competition.bucket_ms
    return floor_to(latest.created_at, bucket) != floor_to(now_ms, bucket)


def build_leaderboard_if_stale(
    session: Session, *, competition_id: str, now_ms: int
) -> Leaderboard | None:
    competition = CompetitionRepository(session).get(competition_id)
    latest = LeaderboardRepository(session).latest(competition_id, category=OVERALL_CATEGORY)
    if not _is_stale(competition, latest, now_ms):
        return None
    return build_leaderboard(session, competition=competition, now_ms=now_ms)


def score_table(session: Session, competition: CompetitionRow, now_ms: int) -> ScoreTable:
    """The window scores of the competition's active models at ``now_ms``, from the roll-ups."""
    scores = ScoreRepository(session)
    roster = RosterRepository(session)
    return ScoreTable.build(
        roster.roster_columns(competition.id),
        roster.params(competition.id),
        scores.window_columns(competition.id, window_spec(competition), now_ms),
        scores.count_columns(competition.id),
    )


def build_leaderboard(session: Session, *, competition: CompetitionRow, now_ms: int) -> Leaderboard:
    """Snapshot every active model's scores at ``now_ms`` and store the ranked leaderboards
    (``overall``, then one per asset); the ``overall`` one is returned."""
    table = score_table(session, competition, now_ms)
    ScoreRepository(session).replace_snapshots(competition.id, now_ms, table.snapshots())
    boards = table.leaderboards(
        ranking_rule(competition.ranker, competition.ranker_config),
        competition_id=competition.id,
        created_at_ms=now_ms,
    )
    LeaderboardRepository(session).save_all(
        boards,
        competition_id=competition.id,
        revision=competition.revision,
        ranker=competition.ranker,
    )
    return boards[0].leaderboard()
