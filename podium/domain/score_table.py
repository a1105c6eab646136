"""A competition's window scores at one instant, in columns: what its leaderboards are built from.

The store gives the window sums of every (model, param) pair (from the roll-ups) and their
all-time counts; ``ScoreTable`` keeps them as one row per pair of an active model, sorted by
model and then param id, and derives with NumPy what ``Model`` objects would give one by one:

- per pair, its window means (``window_means``: the sum over the count, none without scores);
- per model, the ``overall`` candidates (``Standings``): each window's plain mean of the pair
  means that exist, added in param-id order (``np.bincount`` adds in input order, as
  ``calc_overall_score`` does, so the results are bit-identical), and the prediction count;
- per asset, the same over the asset's params (``models_by_asset``).

``leaderboards(rule)`` ranks them all; ``models()`` gives the same table as ``Model`` objects,
what a ranker without ``rank_columns`` receives. ``snapshots()`` are the stored per-model rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from podium.domain.leaderboard import (
    OVERALL_CATEGORY,
    Leaderboard,
    LeaderboardRows,
    leaderboard_id,
    models_by_asset,
)
from podium.domain.model import (
    EMPTY_MODEL_SCORE,
    Model,
    Param,
    ParamScore,
    Player,
    group_model_scores,
)
from podium.domain.ranking import RankingRule
from podium.domain.series import FloatArray, IntArray
from podium.domain.standings import ColumnRanking, Standings
from podium.domain.timestamps import from_ms
from podium.domain.windows import WINDOW_NAMES, window_means

_WINDOWS = len(WINDOW_NAMES)
PairSnapshot = tuple[float | None, float | None, float | None, int]


@dataclass(frozen=True, slots=True)
class RosterColumns:
    """The active models of a competition, in roster order, with what an entry shows."""

    model_id: list[str]
    model_name: list[str]
    player_id: list[str]
    player_name: list[str]

    def __len__(self) -> int:
        return len(self.model_id)


@dataclass(frozen=True, slots=True)
class WindowColumns:
    """Per (model, param) pair: the count and sum of its scores in each window (3 × pairs)."""

    model_id: Sequence[str]
    param_id: Sequence[str]
    counts: IntArray
    sums: FloatArray

    def pairs(self) -> Iterator[tuple[str, str, list[int], list[float]]]:
        """Each pair with its counts and its sums, one per window (``WINDOW_NAMES`` order)."""
        return zip(
            self.model_id,
            self.param_id,
            self.counts.T.tolist(),
            self.sums.T.tolist(),
            strict=True,
        )


@dataclass(frozen=True, slots=True)
class CountColumns:
    """Per (model, param) pair: how many of its predictions were ever scored."""

    model_id: Sequence[str]
    param_id: Sequence[str]
    count: IntArray


@dataclass(frozen=True, slots=True)
class SnapshotColumns:
    """A model score snapshot per model with scores, in roster order, one list per column."""

    model_id: list[str]
    recent: list[float | None]
    steady: list[float | None]
    anchor: list[float | None]
    prediction_count: list[int]
    scores_by_param: list[dict[str, PairSnapshot]]  # stored as JSON: {param_id: [r, s, a, n]}

    def __len__(self) -> int:
        return len(self.model_id)


@dataclass(frozen=True, slots=True)
class _Groups:
    scores: FloatArray  # (3, groups), NaN where no pair of the group has a score
    present: npt.NDArray[np.bool_]  # (3, groups): some pair of the group has a score
    prediction_count: IntArray
    pairs: IntArray  # pairs per group


@dataclass(frozen=True, slots=True)
class ScoreTable:
    """The pairs of active models, sorted by (roster position, param id)."""

    roster: RosterColumns
    params: list[Param]  # sorted by id: ``param`` codes index it
    model: IntArray  # pair → position in the roster
    param: IntArray  # pair → index in ``params``
    counts: IntArray  # (3, pairs)
    sums: FloatArray  # (3, pairs)
    prediction_count: IntArray

    @classmethod
    def build(
        cls,
        roster: RosterColumns,
        params: Mapping[str, Param],
        windows: WindowColumns,
        counts: CountColumns,
    ) -> ScoreTable:
        """The table of the pairs in ``windows`` or ``counts`` whose model is in ``roster``.

        A pair without window sums has no scores in any window, one without a count has 0.
        Raises ``KeyError`` for a param that is not in ``params``.
        """
        ordered = [params[name] for name in sorted(params)]
        param_code = {param.id: code for code, param in enumerate(ordered)}
        model_code = {model_id: code for code, model_id in enumerate(roster.model_id)}
        width = max(len(ordered), 1)

        def keys(model_ids: Sequence[str], param_ids: Sequence[str]) -> IntArray:
            model = np.fromiter(
                (model_code.get(m, -1) for m in model_ids), np.int64, len(model_ids)
            )
            param = np.fromiter((param_code[p] for p in param_ids), np.int64, len(param_ids))
            return np.where(model >= 0, model * width + param, -1)

        window_keys = keys(windows.model_id, windows.param_id)
        count_keys = keys(counts.model_id, counts.param_id)
        pairs = np.union1d(window_keys[window_keys >= 0], count_keys[count_keys >= 0])
        kept = window_keys >= 0
        at = np.searchsorted(pairs, window_keys[kept])
        pair_counts = np.zeros((_WINDOWS, pairs.size), dtype=np.int64)
        pair_sums = np.zeros((_WINDOWS, pairs.size), dtype=np.float64)
        pair_counts[:, at] = np.asarray(windows.counts, dtype=np.int64)[:, kept]
        pair_sums[:, at] = np.asarray(windows.sums, dtype=np.float64)[:, kept]
        predictions = np.zeros(pairs.size, dtype=np.int64)
        kept = count_keys >= 0
        predictions[np.searchsorted(pairs, count_keys[kept])] = np.asarray(
            counts.count, dtype=np.int64
        )[kept]
        return cls(
            roster=roster,
            params=ordered,
            model=pairs // width,
            param=pairs % width,
            counts=pair_counts,
            sums=pair_sums,
            prediction_count=predictions,
        )

    def __len__(self) -> int:
        return int(self.model.size)

    def means(self) -> FloatArray:
        """Each pair's window means (3 × pairs), NaN where it has no score in the window."""
        found = np.full(self.sums.shape, np.nan)
        np.divide(self.sums, self.counts, out=found, where=self.counts != 0)
        return found

    def is_finite(self) -> bool:
        """Whether every window mean that exists is finite: then no mean of means is NaN, and
        ``Standings`` (NaN: no score) say exactly what ``Model`` objects would."""
        present = self.counts != 0
        return bool(np.isfinite(self.sums[present]).all())

    def tiebreak(self) -> IntArray:
        """Each roster model's position among the sorted model ids."""
        found = np.empty(len(self.roster), dtype=np.int64)
        order = sorted(range(len(self.roster)), key=self.roster.model_id.__getitem__)
        found[order] = np.arange(len(self.roster), dtype=np.int64)
        return found

    def _groups(self, group: IntArray, groups: int, rows: IntArray | None = None) -> _Groups:
        """Means of the pair means per group (pairs ``rows``, all by default), in pair order."""
        means = self.means()
        counts = self.counts
        predictions = self.prediction_count
        if rows is not None:
            means, counts, predictions = means[:, rows], counts[:, rows], predictions[rows]
        scores = np.full((_WINDOWS, groups), np.nan)
        present = np.zeros((_WINDOWS, groups), dtype=bool)
        for window in range(_WINDOWS):
            scored = counts[window] != 0
            members = group[scored]
            total = np.bincount(members, weights=means[window][scored], minlength=groups)
            number = np.bincount(members, minlength=groups)
            present[window] = number != 0
            np.divide(total, number, out=scores[window], where=present[window])
        return _Groups(
            scores=scores,
            present=present,
            prediction_count=np.bincount(group, weights=predictions, minlength=groups).astype(
                np.int64
            ),
            pairs=np.bincount(group, minlength=groups),
        )

    def overall(self) -> Standings:
        """Every active model, scored on all its params (none: no scores, no predictions)."""
        groups = self._groups(self.model, len(self.roster))
        return Standings(
            model=np.arange(len(self.roster), dtype=np.int64),
            tiebreak=self.tiebreak(),
            scores=groups.scores,
            prediction_count=groups.prediction_count,
        )

    def by_asset(self) -> dict[str, Standings]:
        """Per asset (sorted), the models with a pair on it, scored on its params only."""
        asset_of = [param.asset for param in self.params]
        assets = sorted({asset_of[code] for code in np.unique(self.param).tolist()} - {None})
        if not assets:
            return {}
        code = {asset: index for index, asset in enumerate(assets)}
        param_asset = np.array([code.get(asset, -1) for asset in asset_of], dtype=np.int64)
        pair_asset = param_asset[self.param]
        rows = np.flatnonzero(pair_asset >= 0)
        size = len(self.roster)
        groups = self._groups(pair_asset[rows] * size + self.model[rows], len(assets) * size, rows)
        tiebreak = self.tiebreak()
        found = {}
        for index, asset in enumerate(assets):
            members = np.arange(index * size, (index + 1) * size)
            members = members[groups.pairs[members] > 0]
            model = members - index * size
            found[asset] = Standings(
                model=model,
                tiebreak=tiebreak[model],
                scores=groups.scores[:, members],
                prediction_count=groups.prediction_count[members],
            )
        return found

    def leaderboards(
        self, rule: RankingRule, *, competition_id: str, created_at_ms: int
    ) -> list[LeaderboardRows]:
        """``overall`` then one leaderboard per asset (sorted), ranked in columns if ``rule``
        can, else as ``Model`` objects (``models_by_asset``, ``Leaderboard.create``)."""
        if self.is_finite():
            found = []
            for category, standings in {
                OVERALL_CATEGORY: self.overall(),
                **self.by_asset(),
            }.items():
                ranking = rule.rank_columns(standings)
                if ranking is None:
                    break
                found.append(
                    self.leaderboard(
                        standings,
                        ranking,
                        competition_id=competition_id,
                        category=category,
                        created_at_ms=created_at_ms,
                    )
                )
            else:
                return found
        models = self.models()
        return [
            LeaderboardRows.of(
                Leaderboard.create(
                    on_category,
                    competition_id=competition_id,
                    created_at=from_ms(created_at_ms),
                    category=category,
                    ranker=rule,
                )
            )
            for category, on_category in {
                OVERALL_CATEGORY: models,
                **models_by_asset(models),
            }.items()
        ]

    def leaderboard(
        self,
        standings: Standings,
        ranking: ColumnRanking,
        *,
        competition_id: str,
        category: str,
        created_at_ms: int,
    ) -> LeaderboardRows:
        """The stored rows of ``standings`` ranked by ``ranking``."""
        model = standings.model[ranking.order].tolist()
        scores = standings.scores[:, ranking.order]
        roster = self.roster
        return LeaderboardRows(
            id=leaderboard_id(competition_id, category, created_at_ms),
            category=category,
            created_at_ms=created_at_ms,
            rank=ranking.rank.tolist(),
            model_id=[roster.model_id[index] for index in model],
            model_name=[roster.model_name[index] for index in model],
            player_id=[roster.player_id[index] for index in model],
            player_name=[roster.player_name[index] for index in model],
            recent=_optional(scores[0]),
            steady=_optional(scores[1]),
            anchor=_optional(scores[2]),
            combined_score=_optional(ranking.combined)
            if ranking.combined is not None
            else [None] * len(model),
            prediction_count=standings.prediction_count[ranking.order].tolist(),
        )

    def snapshots(self) -> SnapshotColumns:
        """The snapshot of every model with a pair (``None``: no score in the window)."""
        boundaries = np.searchsorted(self.model, np.arange(len(self.roster) + 1))
        scored = np.flatnonzero(np.diff(boundaries) > 0)
        means = self.means()
        # (recent, steady, anchor, prediction_count) per pair: tuples of plain values, which the
        # cyclic GC stops tracking (20,000 lists would make it walk the whole process).
        per_pair: list[PairSnapshot] = list(
            zip(
                *(_optional(means[window], self.counts[window] != 0) for window in range(_WINDOWS)),
                self.prediction_count.tolist(),
                strict=True,
            )
        )
        param_ids = [self.params[code].id for code in self.param.tolist()]
        starts = boundaries.tolist()
        by_param = [
            dict(
                zip(
                    param_ids[starts[model] : starts[model + 1]],
                    per_pair[starts[model] : starts[model + 1]],
                    strict=True,
                )
            )
            for model in scored.tolist()
        ]
        groups = self._groups(self.model, len(self.roster))
        overall = [
            _optional(groups.scores[window, scored], groups.present[window, scored])
            for window in range(_WINDOWS)
        ]
        return SnapshotColumns(
            model_id=[self.roster.model_id[model] for model in scored.tolist()],
            recent=overall[0],
            steady=overall[1],
            anchor=overall[2],
            prediction_count=groups.prediction_count[scored].tolist(),
            scores_by_param=by_param,
        )

    def models(self) -> list[Model]:
        """The active models with their ``ModelScore``, as ``Model`` objects, in roster order."""
        sums = self.sums.T.tolist()
        counts = self.counts.T.tolist()
        by_model = group_model_scores(
            (
                self.roster.model_id[model],
                ParamScore(
                    param=self.params[param],
                    score=window_means(
                        dict(zip(WINDOW_NAMES, count, strict=True)),
                        dict(zip(WINDOW_NAMES, total, strict=True)),
                    ),
                    prediction_count=predictions,
                ),
            )
            for model, param, count, total, predictions in zip(
                self.model.tolist(),
                self.param.tolist(),
                counts,
                sums,
                self.prediction_count.tolist(),
                strict=True,
            )
        )
        roster = self.roster
        return [
            Model(
                crunch_identifier=model_id,
                name=name,
                player=Player(id=player_id, name=player_name),
                score=by_model.get(model_id, EMPTY_MODEL_SCORE),
            )
            for model_id, name, player_id, player_name in zip(
                roster.model_id,
                roster.model_name,
                roster.player_id,
                roster.player_name,
                strict=True,
            )
        ]


def _optional(
    values: FloatArray, present: npt.NDArray[np.bool_] | None = None
) -> list[float | None]:
    """``None`` where not ``present`` (by default: where NaN), as the rows are stored."""
    if present is None:
        return [None if value != value else value for value in values.tolist()]
    return [
        value if exists else None
        for value, exists in zip(values.tolist(), present.tolist(), strict=True)
    ]
