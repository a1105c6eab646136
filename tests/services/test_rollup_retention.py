"""Roll-up retention: the cycle keeps only the buckets its windows read, and nothing changes.

Two competitions get the same predictions and truths: ``c1`` keeps its roll-ups as the cycle
does, ``c2`` keeps every roll-up (retention switched off, as before it existed). Their
leaderboards must stay equal, hour after hour, through late scores, widened windows, a
rescore and a long pause.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from podium.domain.rollup_retention import NOTHING_KEPT, first_kept_bucket
from podium.domain.timestamps import floor_to
from podium.domain.windows import WINDOW_NAMES, WindowSpec
from podium.schemas.competitions import CompetitionUpdate
from podium.services import score_cycle
from podium.services.competitions import update_competition, window_spec
from podium.services.rescore import rescore
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database
from podium.store.leaderboards import LeaderboardRepository
from podium.store.scores import ScoreRepository
from podium.store.tables import CompetitionRow, ScoreRollupRow, ScoreTotalRow
from tests import builders
from tests.builders import HOUR_MS
from tests.conftest import T0

MINUTE_MS = 60_000
WINDOWS = {"recent": "1h", "steady": "2h", "anchor": "3h", "bucket": "1h"}
PARAMS = [
    {"id": "BTC", "asset": "BTC", "horizon": 3600},
    {"id": "ETH", "asset": "ETH", "horizon": 3600},
]
HOURS = 9
# Scored late: its truth arrives at hour LATE_HOUR, long after its bucket left every window.
LATE_AT = T0 + HOUR_MS + 20 * MINUTE_MS
LATE_HOUR = 7


def rounded(value: float | None) -> float | None:
    """Sums of the same scores added in another order may differ in their last bits."""
    return None if value is None else round(value, 12)


def at_hour(hour: int) -> int:
    """The instant of the cycle of ``hour``: half past it."""
    return T0 + hour * HOUR_MS + 30 * MINUTE_MS


@dataclass
class Pair:
    """``c1`` keeps the roll-ups its windows read; ``c2`` keeps every roll-up."""

    db: Database
    monkeypatch: pytest.MonkeyPatch

    def cycle(self, hour_or_ms: int, *, only: str | None = None) -> None:
        now_ms = at_hour(hour_or_ms) if hour_or_ms < T0 else hour_or_ms
        if only in (None, "c1"):
            score_cycle.run_score_cycle(self.db, competition_id="c1", now_ms=now_ms, batch_size=7)
        if only in (None, "c2"):
            with self.monkeypatch.context() as patched:
                patched.setattr(score_cycle, "keep_window_rollups", lambda session, **_: None)
                patched.setattr(score_cycle, "kept_for_cycle", lambda competition, now_ms: None)
                score_cycle.run_score_cycle(
                    self.db, competition_id="c2", now_ms=now_ms, batch_size=7
                )

    def late_truth(self) -> None:
        for competition_id in ("c1", "c2"):
            builders.truths(
                self.db, competition_id, [{"param_id": "ETH", "ts": LATE_AT, "value": 0.25}]
            )

    def set_windows(self, windows: dict[str, str], now_ms: int) -> None:
        for competition_id in ("c1", "c2"):
            update_competition(
                self.db,
                competition_id=competition_id,
                changes=CompetitionUpdate.model_validate({"windows": windows}),
                now_ms=now_ms,
            )

    def boards(self) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        """The latest overall leaderboard of each, model ids without their competition."""
        found = []
        with self.db.read() as session:
            boards = LeaderboardRepository(session)
            for competition_id in ("c1", "c2"):
                latest = boards.latest(competition_id, category="overall")
                assert latest is not None
                found.append(
                    [
                        (
                            entry.rank,
                            entry.model_id.removesuffix(competition_id),
                            *map(rounded, (entry.score_recent, entry.score_steady)),
                            rounded(entry.score_anchor),
                            entry.prediction_count,
                        )
                        for entry in boards.entries(latest.id)
                    ]
                )
        return found[0], found[1]

    def assert_same_leaderboards(self) -> None:
        kept, every = self.boards()
        assert kept == every
        assert any(entry[2] is not None for entry in kept)

    def competition(self, competition_id: str = "c1") -> CompetitionRow:
        with self.db.read() as session:
            return CompetitionRepository(session).get(competition_id)

    def buckets(self, competition_id: str = "c1") -> list[int]:
        with self.db.read() as session:
            return sorted(
                set(
                    session.scalars(
                        select(ScoreRollupRow.bucket_start).where(
                            ScoreRollupRow.competition_id == competition_id
                        )
                    )
                )
            )

    def assert_only_window_buckets(self, now_ms: int) -> None:
        competition = self.competition()
        first = first_kept_bucket(window_spec(competition), now_ms)
        assert competition.rollups_kept_from == first
        assert self.buckets()
        assert min(self.buckets()) >= first

    def scored_count(self, competition_id: str) -> int:
        with self.db.read() as session:
            return int(
                session.scalar(
                    select(func.sum(ScoreTotalRow.count)).where(
                        ScoreTotalRow.competition_id == competition_id
                    )
                )
                or 0
            )


def _predictions(competition_id: str, hours: int) -> Iterator[dict[str, object]]:
    rng = random.Random(11)
    for hour in range(hours):
        resolvable = T0 + hour * HOUR_MS + 10 * MINUTE_MS
        for model in ("a", "b", "c"):
            for param in PARAMS:
                yield {
                    "id": f"{model}-{param['id']}-{hour}",
                    "model_id": f"{model}{competition_id}",
                    "param_id": param["id"],
                    "payload": round(rng.uniform(-1.0, 1.0), 3),
                    "performed_at": resolvable - HOUR_MS,
                }
    yield {
        "id": "late",
        "model_id": f"a{competition_id}",
        "param_id": "ETH",
        "payload": 0.5,
        "performed_at": LATE_AT - HOUR_MS,
    }


def make_pair(db: Database, monkeypatch: pytest.MonkeyPatch, *, hours: int = HOURS) -> Pair:
    for competition_id in ("c1", "c2"):
        builders.competition(
            db,
            T0 - HOUR_MS,
            competition_id=competition_id,
            windows=WINDOWS,
            grace_period="72h",
        )
        builders.roster(
            db,
            T0 - HOUR_MS,
            competition_id,
            models={f"{model}{competition_id}": f"{model}-{competition_id}" for model in "abc"},
            params=PARAMS,
        )
        builders.predictions(
            db, T0 + hours * HOUR_MS, competition_id, list(_predictions(competition_id, hours))
        )
        builders.truths(
            db,
            competition_id,
            [
                {"param_id": param["id"], "ts": T0 + hour * HOUR_MS + 10 * MINUTE_MS, "value": 0.1}
                for hour in range(hours)
                for param in PARAMS
            ],
        )
    return Pair(db, monkeypatch)


@pytest.fixture
def pair(database: Database, monkeypatch: pytest.MonkeyPatch) -> Pair:
    return make_pair(database, monkeypatch)


def test_old_rollups_are_dropped_and_leaderboards_do_not_change(pair: Pair) -> None:
    for hour in range(HOURS):
        if hour == LATE_HOUR:
            pair.late_truth()
        pair.cycle(hour)
        pair.assert_same_leaderboards()
        pair.assert_only_window_buckets(at_hour(hour))
    # c2 kept every bucket of the history; c1 the four its windows (and the margin) read.
    assert pair.buckets("c2") == [T0 + hour * HOUR_MS for hour in range(HOURS)]
    assert pair.buckets("c1") == [T0 + hour * HOUR_MS for hour in range(HOURS - 4, HOURS)]


def test_a_late_score_of_a_dropped_bucket_goes_to_the_totals_only(pair: Pair) -> None:
    for hour in range(LATE_HOUR + 1):
        pair.cycle(hour)
    before = pair.scored_count("c1")
    pair.late_truth()
    # In the same bucket as the cycle before: no bucket falls out, nothing is dropped.
    pair.cycle(at_hour(LATE_HOUR) + 10 * MINUTE_MS)
    assert pair.scored_count("c1") == pair.scored_count("c2") == before + 1
    assert floor_to(LATE_AT, HOUR_MS) not in pair.buckets("c1")
    assert floor_to(LATE_AT, HOUR_MS) in pair.buckets("c2")
    pair.assert_same_leaderboards()


def test_widened_windows_are_rebuilt_from_the_stored_scores(pair: Pair) -> None:
    for hour in range(HOURS):
        pair.cycle(hour)
    wider = {"recent": "2h", "steady": "4h", "anchor": "6h", "bucket": "1h"}
    pair.set_windows(wider, at_hour(HOURS - 1) + MINUTE_MS)
    assert pair.competition().rollups_kept_from == NOTHING_KEPT
    pair.cycle(at_hour(HOURS - 1) + 2 * MINUTE_MS)
    pair.assert_same_leaderboards()
    pair.assert_only_window_buckets(at_hour(HOURS - 1) + 2 * MINUTE_MS)
    assert pair.buckets("c1") == [T0 + hour * HOUR_MS for hour in range(HOURS - 7, HOURS)]


def test_narrowed_windows_need_no_rebuild(pair: Pair) -> None:
    for hour in range(HOURS):
        pair.cycle(hour)
    kept = pair.competition().rollups_kept_from
    pair.set_windows({"recent": "1h", "steady": "1h", "anchor": "2h", "bucket": "1h"}, at_hour(8))
    assert pair.competition().rollups_kept_from == kept
    pair.cycle(at_hour(8) + MINUTE_MS)
    pair.assert_same_leaderboards()
    pair.assert_only_window_buckets(at_hour(8) + MINUTE_MS)


def _window_sums_from_scores(
    db: Database, competition_id: str, spec: WindowSpec, now_ms: int
) -> dict[tuple[str, str], tuple[object, ...]]:
    """What a store that kept every score would sum: straight from the scored predictions."""
    with db.read() as session:
        _, scored = ScoreRepository(session).stored_scores(
            competition_id, after_pk=-1, limit=10_000
        )
    sums: dict[tuple[str, str], tuple[object, ...]] = {}
    last = floor_to(now_ms, spec.bucket_ms)
    for key in sorted({(row.model_id, row.param_id) for row in scored}):
        inside = {
            name: [
                row.value
                for row in scored
                if (row.model_id, row.param_id) == key
                and row.success
                and row.value is not None
                and spec.first_bucket(name, now_ms)
                <= floor_to(row.scored_for_ms, spec.bucket_ms)
                <= last
            ]
            for name in WINDOW_NAMES
        }
        if any(inside.values()):
            sums[key] = tuple(
                value
                for name in WINDOW_NAMES
                for value in (len(inside[name]), rounded(sum(inside[name])))
            )
    return sums


def _window_sums(
    db: Database, competition_id: str, spec: WindowSpec, now_ms: int
) -> dict[tuple[str, str], tuple[object, ...]]:
    with db.read() as session:
        columns = ScoreRepository(session).window_columns(competition_id, spec, now_ms)
        return {
            (model_id, param_id): tuple(
                value
                for count, total in zip(counts, totals, strict=True)
                for value in (count, rounded(total))
            )
            for model_id, param_id, counts, totals in columns.pairs()
        }


def test_a_new_bucket_rebuilds_the_rollups_in_it(pair: Pair) -> None:
    for hour in range(HOURS):
        pair.cycle(hour, only="c1")
    now_ms = at_hour(HOURS - 1) + MINUTE_MS
    pair.set_windows({"recent": "2h", "steady": "4h", "anchor": "4h", "bucket": "2h"}, now_ms)
    assert pair.competition().rollups_kept_from == NOTHING_KEPT
    pair.cycle(now_ms, only="c1")
    spec = window_spec(pair.competition())
    assert all(bucket % (2 * HOUR_MS) == 0 for bucket in pair.buckets())
    assert _window_sums(pair.db, "c1", spec, now_ms) == _window_sums_from_scores(
        pair.db, "c1", spec, now_ms
    )
    pair.assert_only_window_buckets(now_ms)


def test_a_cycle_at_an_earlier_time_rebuilds_what_its_windows_read(pair: Pair) -> None:
    for hour in range(HOURS):
        pair.cycle(hour)
    pair.cycle(4)  # a clock that went back: the buckets of hours 1 to 3 are read again
    spec = window_spec(pair.competition())
    assert _window_sums(pair.db, "c1", spec, at_hour(4)) == {
        (model.replace("c2", "c1"), param): sums
        for (model, param), sums in _window_sums(pair.db, "c2", spec, at_hour(4)).items()
    }
    pair.assert_only_window_buckets(at_hour(4))


def test_rescore_rebuilds_the_leaderboards_it_read_before(pair: Pair) -> None:
    for hour in range(HOURS):
        pair.cycle(hour)
    before = pair.boards()[0]
    report = rescore(pair.db, competition_id="c1", start_ms=T0, end_ms=at_hour(HOURS))
    assert report.leaderboards_at == [at_hour(hour) for hour in range(HOURS)]
    assert [move.moved for move in report.diff] == [0, 0, 0]
    assert pair.boards()[0] == before
    # The rebuilt roll-ups reach back to the windows of the first leaderboard rebuilt...
    assert pair.competition().rollups_kept_from == first_kept_bucket(
        window_spec(pair.competition()), at_hour(0)
    )
    assert pair.buckets("c1") == pair.buckets("c2")
    # ...and the next cycle drops what no window reads any more.
    pair.cycle(at_hour(HOURS - 1) + MINUTE_MS)
    pair.assert_only_window_buckets(at_hour(HOURS - 1) + MINUTE_MS)
    pair.assert_same_leaderboards()


def test_a_competition_restarting_after_a_long_pause(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair = make_pair(database, monkeypatch, hours=30)
    for hour in range(3):
        pair.cycle(hour)
    pair.cycle(29)  # 26 hours later: most pending scores are of buckets no window reads
    assert pair.scored_count("c1") == pair.scored_count("c2") == 30 * 6
    pair.assert_same_leaderboards()
    pair.assert_only_window_buckets(at_hour(29))
    assert pair.buckets("c1") == [T0 + hour * HOUR_MS for hour in range(26, 30)]
