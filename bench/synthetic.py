"""Seeded synthetic data, written straight into the store in bulk (COPY on PostgreSQL).

The history is generated at a constant rate: ``history_low`` scores fill exactly the widest
window (``anchor``, 7 days); a longer history goes further back in time at the same rate. So two
stores with 100k and 10M historical scores hold the same scores in their windows and differ only
by the length of their past: what the score cycle must not pay for.

The roll-ups are those a score cycle in the hour before ``NOW_MS`` left: the buckets its windows
read (and the margin), not the older history's (``podium.domain.rollup_retention``). The
benchmark's cycle, the first of a new hour, drops the oldest of them, as every hour's first does.

A steady history (``steady=True``) is the store of a competition scored every minute, as the
earlier cycles of the same hour left it: it also holds one scored prediction of every model and
param in each of the batch's buckets (truths from the batch's grid), so every roll-up row the
benchmark's cycle writes exists already and its upserts are updates; and the oldest bucket was
dropped already, by the hour's first cycle.

The batch a score cycle scores is ``cycle_batch`` pending predictions due in the latest hour,
with explicit truths on a one-minute grid (resolver ``explicit``, scoring function ``mse``).

As the services would store them: each historical prediction with its outcome
(``prediction_outcomes``), each pending one queued (``prediction_queue``), keys given here and
the key sequence moved past them on PostgreSQL.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg

from bench.backends import libpq_url, sqlite_path
from bench.scales import Scale
from podium.domain.rollup_retention import first_kept_bucket
from podium.domain.timestamps import MS_PER_HOUR, MS_PER_MINUTE, floor_to
from podium.domain.windows import WindowSpec
from podium.schemas.competitions import CompetitionCreate
from podium.schemas.roster import ModelIn, ParamIn, PlayerIn
from podium.services import ingest
from podium.services.competitions import create_competition
from podium.store.database import Database

COMPETITION = "bench"
HORIZON_MS = MS_PER_HOUR
ANCHOR_MS = 168 * MS_PER_HOUR
BUCKET_MS = MS_PER_HOUR
# 2026-06-01T00:30:00Z: the instant the benchmark's score cycles run at.
NOW_MS = 1_780_273_800_000
BATCH_FIRST_BUCKET = floor_to(NOW_MS, BUCKET_MS) - BUCKET_MS
# The batch's truths are on a one-minute grid from BATCH_FIRST_BUCKET up to NOW_MS.
BATCH_MINUTES = (NOW_MS - BATCH_FIRST_BUCKET) // MS_PER_MINUTE
# The competition's windows are the defaults: the first bucket kept by the cycle of the hour
# before NOW_MS, and the first one kept by the benchmark's cycle at NOW_MS.
KEPT_FROM = first_kept_bucket(WindowSpec(), NOW_MS - BUCKET_MS)
KEPT_AFTER_CYCLE = first_kept_bucket(WindowSpec(), NOW_MS)
CHUNK = 200_000
BATCH_SEED = 7

PREDICTION_COLUMNS = (
    "pk",
    "competition_id",
    "id",
    "model_id",
    "param_id",
    "payload",
    "performed_at",
    "resolvable_at",
    "submitted_at",
)
OUTCOME_COLUMNS = ("pk", "status", "truth", "score_value", "score_success", "scored_at")
QUEUE_COLUMNS = ("competition_id", "resolvable_at", "pk")


def model_ids(scale: Scale) -> list[str]:
    return [f"m{index:04d}" for index in range(scale.models)]


def param_ids(scale: Scale) -> list[str]:
    return [f"p{index:02d}" for index in range(scale.params)]


def setup_competition(url: str, scale: Scale, *, now_ms: int = NOW_MS) -> None:
    """The competition and its roster, through the services (as a host would)."""
    with Database(url) as db:
        create_competition(
            db,
            spec=CompetitionCreate.model_validate(
                {
                    "id": COMPETITION,
                    "name": "Benchmark",
                    "scoring_function": "mse",
                    "resolver": "explicit",
                    "allow_backfill": True,
                    "grace_period": "24h",
                }
            ),
            now_ms=now_ms,
        )
        players = [f"u{index:04d}" for index in range(max(1, scale.models // 2))]
        ingest.register_players(
            db, players=[PlayerIn(id=player, name=player) for player in players], now_ms=now_ms
        )
        ingest.register_models(
            db,
            competition_id=COMPETITION,
            models=[
                ModelIn(id=model, name=f"Model {model}", player_id=players[index % len(players)])
                for index, model in enumerate(model_ids(scale))
            ],
            now_ms=now_ms,
        )
        ingest.register_params(
            db,
            competition_id=COMPETITION,
            params=[
                ParamIn(id=param, asset=f"A{index}", horizon=HORIZON_MS // 1000)
                for index, param in enumerate(param_ids(scale))
            ],
            now_ms=now_ms,
        )


@dataclass(frozen=True, slots=True)
class History:
    """What was generated, kept to check the store against and to reset it between runs."""

    size: int
    scored: int  # scored predictions stored: ``size``, and the batch's hour's in a steady store
    last_pk: int
    kept_from: int  # the competition's first bucket with roll-ups
    totals: list[tuple[str, str, int, float, int]]  # model, param, count, total, failed
    # The roll-ups the benchmark's cycle changes or drops (the batch's buckets and those
    # older than every window), as the history left them.
    restored: list[tuple[Any, ...]]


def _history_columns(scale: Scale, size: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    span = ANCHOR_MS * size // scale.history_low
    end = BATCH_FIRST_BUCKET
    resolvable = end - 1 - rng.integers(0, span, size=size, dtype=np.int64)
    resolvable.sort()
    truth = rng.normal(0.0, 0.01, size=size)
    value = truth + rng.normal(0.0, 0.01, size=size) * (1 + rng.integers(0, 4, size=size))
    return {
        "model": rng.integers(0, scale.models, size=size),
        "param": rng.integers(0, scale.params, size=size),
        "resolvable": resolvable,
        "truth": truth,
        "value": value,
        "score": -np.square(value - truth),
    }


def _scored_this_hour(scale: Scale, seed: int) -> dict[str, np.ndarray]:
    """One scored prediction of every model and param in each of the batch's buckets, at a
    random minute of it before ``NOW_MS``, with its truth from the batch's grid."""
    rng = np.random.default_rng(seed)
    pairs = scale.models * scale.params
    first_minute = np.arange(0, BATCH_MINUTES, BUCKET_MS // MS_PER_MINUTE)
    last_minute = np.minimum(first_minute + BUCKET_MS // MS_PER_MINUTE, BATCH_MINUTES)
    bucket = np.repeat(np.arange(len(first_minute)), pairs)
    minute = rng.integers(first_minute[bucket], last_minute[bucket])
    order = np.argsort(minute, kind="stable")
    pair = np.tile(np.arange(pairs), len(first_minute))[order]
    minute = minute[order]
    param = pair % scale.params
    truth = _batch_draws(scale, BATCH_SEED)["truth"][param, minute]
    value = truth + rng.normal(0.0, 0.01, size=len(pair))
    return {
        "model": pair // scale.params,
        "param": param,
        "resolvable": BATCH_FIRST_BUCKET + minute * MS_PER_MINUTE,
        "truth": truth,
        "value": value,
        "score": -np.square(value - truth),
    }


def _history_rows(
    scale: Scale, columns: dict[str, np.ndarray], first_pk: int
) -> Iterator[tuple[Any, ...]]:
    models = model_ids(scale)
    params = param_ids(scale)
    for start in range(0, len(columns["model"]), CHUNK):
        end = start + CHUNK
        model = columns["model"][start:end].tolist()
        param = columns["param"][start:end].tolist()
        resolvable = columns["resolvable"][start:end].tolist()
        value = columns["value"][start:end].tolist()
        for offset in range(len(model)):
            at = resolvable[offset]
            yield (
                first_pk + start + offset,
                COMPETITION,
                f"h{start + offset}",
                models[model[offset]],
                params[param[offset]],
                f'{{"value": {value[offset]!r}}}',
                at - HORIZON_MS,
                at,
                at - HORIZON_MS,
            )


def _history_outcomes(columns: dict[str, np.ndarray], first_pk: int) -> Iterator[tuple[Any, ...]]:
    for start in range(0, len(columns["model"]), CHUNK):
        end = start + CHUNK
        resolvable = columns["resolvable"][start:end].tolist()
        truth = columns["truth"][start:end].tolist()
        score = columns["score"][start:end].tolist()
        for offset, at in enumerate(resolvable):
            yield (first_pk + start + offset, "SCORED", truth[offset], score[offset], True, at)


def _rollups(
    scale: Scale, columns: dict[str, np.ndarray], kept_from: int
) -> tuple[list[tuple[Any, ...]], list[tuple[str, str, int, float, int]]]:
    """Roll-ups (model, param, bucket) of the buckets from ``kept_from`` on and all-time totals
    (model, param) of the history."""
    models = model_ids(scale)
    params = param_ids(scale)
    pair = columns["model"] * scale.params + columns["param"]
    bucket = columns["resolvable"] // BUCKET_MS
    first = int(bucket.min()) if len(bucket) else 0
    key = pair * (int(bucket.max()) - first + 1 if len(bucket) else 1) + (bucket - first)
    keys, inverse = np.unique(key, return_inverse=True)
    counts = np.bincount(inverse)
    sums = np.bincount(inverse, weights=columns["score"])
    width = int(bucket.max()) - first + 1 if len(bucket) else 1
    rollups = [
        (
            COMPETITION,
            models[int(k // width) // scale.params],
            params[int(k // width) % scale.params],
            (int(k % width) + first) * BUCKET_MS,
            int(count),
            float(total),
            0,
        )
        for k, count, total in zip(keys.tolist(), counts.tolist(), sums.tolist(), strict=True)
        if (int(k % width) + first) * BUCKET_MS >= kept_from
    ]
    pairs, pair_inverse = np.unique(pair, return_inverse=True)
    pair_counts = np.bincount(pair_inverse)
    pair_sums = np.bincount(pair_inverse, weights=columns["score"])
    totals = [
        (models[int(p) // scale.params], params[int(p) % scale.params], int(c), float(t), 0)
        for p, c, t in zip(pairs.tolist(), pair_counts.tolist(), pair_sums.tolist(), strict=True)
    ]
    return rollups, totals


ROLLUP_COLUMNS = (
    "competition_id",
    "model_id",
    "param_id",
    "bucket_start",
    "count",
    "total",
    "failed",
)
TOTAL_COLUMNS = ("competition_id", "model_id", "param_id", "count", "total", "failed")


def bulk_insert(
    url: str, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Rows into ``table``: COPY on PostgreSQL, one executemany per chunk on SQLite."""
    names = ", ".join(f'"{name}"' for name in columns)
    if url.startswith("sqlite"):
        connection = sqlite3.connect(sqlite_path(url))
        try:
            marks = ", ".join("?" for _ in columns)
            statement = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= CHUNK:
                    connection.executemany(statement, batch)
                    connection.commit()
                    batch = []
            if batch:
                connection.executemany(statement, batch)
            connection.commit()
        finally:
            connection.close()
        return
    with (
        psycopg.connect(libpq_url(url)) as connection,
        connection.cursor() as cursor,
        cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _follow_keys(url: str) -> None:
    """PostgreSQL: the key sequence past the keys given here (as the ingest's next keys)."""
    if not url.startswith("sqlite"):
        execute(
            url,
            ("SELECT setval('predictions_pk_seq', (SELECT max(pk) FROM predictions))", ()),
        )


def fetch(url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Every row ``sql`` selects (``%s`` marks its arguments on both backends)."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(sqlite_path(url))
        try:
            return list(connection.execute(sql.replace("%s", "?"), args))
        finally:
            connection.close()
    with psycopg.connect(libpq_url(url)) as connection:
        return list(connection.execute(sql, args))  # type: ignore[arg-type]


def scalar(url: str, sql: str, *args: Any) -> Any:
    return fetch(url, sql, *args)[0][0]


def execute(url: str, *statements: tuple[str, tuple[Any, ...]]) -> None:
    if url.startswith("sqlite"):
        connection = sqlite3.connect(sqlite_path(url))
        try:
            for sql, args in statements:
                connection.execute(sql.replace("%s", "?"), args)
            connection.commit()
        finally:
            connection.close()
        return
    with psycopg.connect(libpq_url(url)) as connection:
        for sql, args in statements:
            connection.execute(sql, args)  # type: ignore[arg-type]


def analyze(url: str, *, compact: bool = False) -> None:
    """Fresh planner statistics, as a long-running store would have; ``compact``: the tables
    rewritten first, without the space rows deleted or updated since left (as freshly written)."""
    if url.startswith("sqlite"):
        if compact:
            execute(url, ("VACUUM", ()))
        execute(url, ("ANALYZE", ()))
        return
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        if compact:
            connection.execute("VACUUM FULL")
        connection.execute("VACUUM ANALYZE")


def generate_history(
    url: str, scale: Scale, size: int, *, seed: int = 6, steady: bool = False
) -> History:
    """``size`` scored predictions with their roll-ups and totals, straight into the store;
    ``steady``: and those the earlier cycles of the batch's hour scored (module docstring)."""
    columns = _history_columns(scale, size, seed)
    kept_from = KEPT_FROM
    if steady:
        hour = _scored_this_hour(scale, seed + 1)
        columns = {name: np.concatenate((columns[name], hour[name])) for name in columns}
        kept_from = KEPT_AFTER_CYCLE
    first_pk = int(scalar(url, "SELECT coalesce(max(pk), 0) FROM predictions")) + 1
    bulk_insert(url, "predictions", PREDICTION_COLUMNS, _history_rows(scale, columns, first_pk))
    bulk_insert(url, "prediction_outcomes", OUTCOME_COLUMNS, _history_outcomes(columns, first_pk))
    _follow_keys(url)
    rollups, totals = _rollups(scale, columns, kept_from)
    bulk_insert(url, "score_rollups", ROLLUP_COLUMNS, rollups)
    bulk_insert(url, "score_totals", TOTAL_COLUMNS, ((COMPETITION, *row) for row in totals))
    execute(
        url,
        ("UPDATE competitions SET rollups_kept_from = %s WHERE id = %s", (kept_from, COMPETITION)),
    )
    last_pk = scalar(url, "SELECT coalesce(max(pk), 0) FROM predictions")
    return History(
        size=size,
        scored=len(columns["model"]),
        last_pk=int(last_pk),
        kept_from=kept_from,
        totals=totals,
        restored=[
            row for row in rollups if row[3] < KEPT_AFTER_CYCLE or row[3] >= BATCH_FIRST_BUCKET
        ],
    )


def _batch_draws(scale: Scale, seed: int) -> dict[str, np.ndarray]:
    """The batch's minutes, models, params and values, and the truth grid (param × minute)."""
    rng = np.random.default_rng(seed)
    size = scale.cycle_batch
    minute = rng.integers(0, BATCH_MINUTES, size=size)
    model = rng.integers(0, scale.models, size=size)
    param = rng.integers(0, scale.params, size=size)
    truth = rng.normal(0.0, 0.01, size=(scale.params, BATCH_MINUTES))
    value = truth[param, minute] + rng.normal(0.0, 0.01, size=size)
    return {"minute": minute, "model": model, "param": param, "truth": truth, "value": value}


def generate_batch(url: str, scale: Scale, *, seed: int = BATCH_SEED) -> int:
    """``cycle_batch`` pending predictions due in the latest hour, and their explicit truths."""
    size = scale.cycle_batch
    models = model_ids(scale)
    params = param_ids(scale)
    draws = _batch_draws(scale, seed)
    truth = draws["truth"]
    model = draws["model"].tolist()
    resolvable = (BATCH_FIRST_BUCKET + draws["minute"] * MS_PER_MINUTE).tolist()
    param_list = draws["param"].tolist()
    value_list = draws["value"].tolist()
    first_pk = int(scalar(url, "SELECT coalesce(max(pk), 0) FROM predictions")) + 1
    rows = (
        (
            first_pk + index,
            COMPETITION,
            f"n{index}",
            models[model[index]],
            params[param_list[index]],
            json.dumps({"value": value_list[index]}),
            resolvable[index] - HORIZON_MS,
            resolvable[index],
            resolvable[index] - HORIZON_MS,
        )
        for index in range(size)
    )
    bulk_insert(url, "predictions", PREDICTION_COLUMNS, rows)
    bulk_insert(
        url,
        "prediction_queue",
        QUEUE_COLUMNS,
        ((COMPETITION, resolvable[index], first_pk + index) for index in range(size)),
    )
    _follow_keys(url)
    bulk_insert(
        url,
        "truths",
        ("competition_id", "param_id", "ts", "value"),
        (
            (COMPETITION, params[p], BATCH_FIRST_BUCKET + m * MS_PER_MINUTE, float(truth[p, m]))
            for p in range(scale.params)
            for m in range(BATCH_MINUTES)
        ),
    )
    return size


def reset_batch(url: str, history: History) -> None:
    """Undo a score cycle: the batch pending again, roll-ups and totals as the history left them
    (the batch's buckets as they were, the bucket the cycle dropped back in)."""
    execute(
        url,
        ("DELETE FROM prediction_outcomes WHERE pk > %s", (history.last_pk,)),
        (
            "DELETE FROM prediction_queue WHERE competition_id = %s AND pk > %s",
            (COMPETITION, history.last_pk),
        ),
        (
            "INSERT INTO prediction_queue (competition_id, resolvable_at, pk) "
            "SELECT competition_id, resolvable_at, pk FROM predictions "
            "WHERE competition_id = %s AND pk > %s",
            (COMPETITION, history.last_pk),
        ),
        (
            "DELETE FROM score_rollups WHERE competition_id = %s AND bucket_start >= %s",
            (COMPETITION, BATCH_FIRST_BUCKET),
        ),
        (
            "DELETE FROM score_rollups WHERE competition_id = %s AND bucket_start < %s",
            (COMPETITION, KEPT_AFTER_CYCLE),
        ),
        ("DELETE FROM score_totals WHERE competition_id = %s", (COMPETITION,)),
        (
            "UPDATE competitions SET rollups_kept_from = %s WHERE id = %s",
            (history.kept_from, COMPETITION),
        ),
    )
    bulk_insert(url, "score_rollups", ROLLUP_COLUMNS, history.restored)
    bulk_insert(url, "score_totals", TOTAL_COLUMNS, ((COMPETITION, *row) for row in history.totals))
