"""Roll-up retention: a competition keeps the roll-ups of the buckets its windows read, no more.

Without it the roll-ups grow with the history (one row per model, param and bucket ever scored)
and every score cycle upserts into ever larger B-trees. Instead:

- at the end of each cycle, before the windows are read, ``keep_window_rollups`` deletes the
  roll-ups of the buckets that fell out of every window (and a margin) since the previous
  cycle: one range of the window index, usually empty, one bucket's rows once per bucket;
- scores of a bucket already dropped (``kept_for_cycle``) are added to the all-time totals only;
- a change of windows that reads further back, or of the bucket, marks the roll-ups for a
  rebuild (``podium.services.competitions.update_competition``): the next cycle rebuilds, under
  the competition's cycle lock, the buckets it lacks from the stored scores; ``rescore``
  rebuilds them with the totals (``rebuild_rollups``).

The cycle reads the competition under its row lock here, so it never drops, on the strength
of the old windows, buckets that a concurrent change of windows needs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy.orm import Session

from podium.domain.rollup_retention import (
    RollupUpkeep,
    first_kept_bucket,
    kept_for_new_scores,
    plan_upkeep,
)
from podium.domain.rollups import RollupColumns, ScoredRow, rollup_deltas
from podium.services.competitions import window_spec
from podium.store.competitions import CompetitionRepository
from podium.store.scores import ScoreRepository
from podium.store.tables import CompetitionRow


def kept_for_cycle(competition: CompetitionRow, now_ms: int) -> int:
    """The first bucket a cycle at ``now_ms`` adds roll-ups to (older: the totals only)."""
    return kept_for_new_scores(window_spec(competition), competition.rollups_kept_from, now_ms)


def keep_window_rollups(
    session: Session, *, competition_id: str, now_ms: int, batch_size: int
) -> RollupUpkeep:
    """Drop the roll-ups no window reads at ``now_ms``; rebuild those a window reads again."""
    competition = CompetitionRepository(session).lock(competition_id)
    upkeep = plan_upkeep(window_spec(competition), competition.rollups_kept_from, now_ms)
    scores = ScoreRepository(session)
    if upkeep.drop_before is not None:
        scores.delete_rollups(competition_id, end=upkeep.drop_before)
    if upkeep.rebuild is not None:
        start, end = upkeep.rebuild
        scores.delete_rollups(competition_id, start=start, end=end)
        for scored in _stored_scores(
            scores, competition_id, batch_size, resolvable_from=start, resolvable_before=end
        ):
            deltas = rollup_deltas(scored, competition.bucket_ms)
            scores.add_buckets(competition_id, RollupColumns.of(deltas))
    competition.rollups_kept_from = upkeep.kept_from
    return upkeep


def rebuild_rollups(
    session: Session, competition: CompetitionRow, *, instants: Sequence[int], batch_size: int
) -> None:
    """Roll-ups and totals from the stored scores: the totals of every score, the roll-ups of
    the buckets that the windows at ``instants`` read (the cycle adds to both incrementally)."""
    kept_from = min(first_kept_bucket(window_spec(competition), at) for at in instants)
    scores = ScoreRepository(session)
    scores.delete_rollups(competition.id)
    scores.delete_totals(competition.id)
    for scored in _stored_scores(scores, competition.id, batch_size):
        deltas = rollup_deltas(scored, competition.bucket_ms)
        scores.add_rollups(competition.id, deltas, kept_from=kept_from)
    competition.rollups_kept_from = kept_from


def _stored_scores(
    scores: ScoreRepository,
    competition_id: str,
    batch_size: int,
    *,
    resolvable_from: int | None = None,
    resolvable_before: int | None = None,
) -> Iterator[list[ScoredRow]]:
    """The competition's scored and failed predictions, ``batch_size`` at a time."""
    after = -1
    while True:
        after, scored = scores.stored_scores(
            competition_id,
            after_pk=after,
            limit=batch_size,
            resolvable_from=resolvable_from,
            resolvable_before=resolvable_before,
        )
        if not scored:
            return
        yield scored
