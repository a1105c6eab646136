"""What the score cycle's outcome ``UPDATE`` costs on PostgreSQL, and what the schema makes it cost.

python -m bench.outcome_update --repeat 2

A fresh PostgreSQL store of the scale (``medium``: 1M scored predictions and 100,000 pending,
``bench.synthetic``). Each repeat of each variant runs on a copy of it (``CREATE DATABASE …
TEMPLATE``): the variant's schema change, ``VACUUM ANALYZE``, then one ``UPDATE`` of ``--rows``
pending predictions (``--order``: the cycle's first batch, or rows stored next to each other),
timed, in a transaction rolled back. Reported: the time, the share of heap-only (HOT) updates, and the size of the table.

- ``cycle statement``: the score cycle's own ``UPDATE … FROM unnest(arrays)``;
- ``constant SET``: the same rows with constant values (``WHERE pk = ANY(array)``);
- ``without the two performed_at indexes``: ``constant SET``, the indexes dropped first;
- ``without the due index, fillfactor F``: ``constant SET`` after the due index is dropped and
  the table rewritten (``VACUUM FULL``) with ``fillfactor`` F, which is what HOT updates need.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from bench.backends import POSTGRES_ADMIN_URL, fresh_store, libpq_url
from bench.scales import SCALES
from bench.synthetic import analyze, generate_batch, generate_history, setup_competition
from podium.store.score_queue import _OUTCOMES_POSTGRESQL

# The rows updated: the score cycle's first batch (its order spreads them over the batch's
# pages here), or rows stored next to each other (a batch ingested together and due together).
_PENDING = {
    "cycle": "SELECT pk FROM predictions WHERE status = 'PENDING' "
    "ORDER BY resolvable_at, pk LIMIT %s",
    "stored": "SELECT pk FROM predictions WHERE status = 'PENDING' ORDER BY pk LIMIT %s",
}
_CONSTANT = (
    "UPDATE predictions SET status = 'SCORED', truth = 0.1, score_value = 0.2, "
    "score_success = true, scored_at = 5 WHERE pk = ANY(%s)"
)
_HOT = "SELECT n_tup_hot_upd, n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'predictions'"
_SIZE = "SELECT pg_relation_size('predictions')"

Run = Callable[[psycopg.Connection, list[int]], None]


def _cycle_statement(connection: psycopg.Connection, pks: list[int]) -> None:
    n = len(pks)
    connection.execute(
        _OUTCOMES_POSTGRESQL,
        (5, ["SCORED"] * n, [0.1] * n, [0.2] * n, [True] * n, [None] * n, pks, pks),
    )


def _constant(connection: psycopg.Connection, pks: list[int]) -> None:
    connection.execute(_CONSTANT, (pks,))


_NO_DUE_INDEX = ("DROP INDEX ix_predictions_due",)
# name: (schema changes made on the copy first, the statement timed)
VARIANTS: dict[str, tuple[tuple[str, ...], Run]] = {
    "cycle statement": ((), _cycle_statement),
    "constant SET": ((), _constant),
    "without the two performed_at indexes": (
        (
            "DROP INDEX ix_predictions_model_performed",
            "DROP INDEX ix_predictions_competition_performed",
        ),
        _constant,
    ),
    **{
        f"without the due index, fillfactor {fillfactor}": (
            (
                *_NO_DUE_INDEX,
                f"ALTER TABLE predictions SET (fillfactor = {fillfactor})",
                "VACUUM FULL predictions",
            ),
            _constant,
        )
        for fillfactor in (70, 50)
    },
}


def _copy(admin: psycopg.Connection, template: str, name: str) -> str:
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


def measure(
    url: str, rows: int, repeat: int, order: str
) -> list[tuple[str, list[float], float, int]]:
    """Each variant on fresh copies of the store at ``url`` (one per repeat)."""
    template = make_url(url).database
    assert template is not None
    results = []
    with psycopg.connect(libpq_url(POSTGRES_ADMIN_URL), autocommit=True) as admin:
        for name, (ddl, run) in VARIANTS.items():
            seconds, hot_share, size = [], 0.0, 0
            for _ in range(repeat):
                copy = _copy(admin, template, f"{template}_copy")
                copy_url = libpq_url(make_url(url).set(database=copy).render_as_string(False))
                try:
                    with psycopg.connect(copy_url, autocommit=True) as connection:
                        for statement in ddl:
                            connection.execute(statement)
                        connection.execute("VACUUM ANALYZE predictions")
                        pks = [row[0] for row in connection.execute(_PENDING[order], (rows,))]
                        with connection.transaction(force_rollback=True):
                            started = time.perf_counter()
                            run(connection, pks)
                            seconds.append(time.perf_counter() - started)
                            hot, updated = connection.execute(_HOT).fetchone() or (0, 0)
                        hot_share = hot / updated if updated else 0.0
                        size = int((connection.execute(_SIZE).fetchone() or (0,))[0])
                finally:
                    admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
            results.append((name, seconds, hot_share, size))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="medium")
    parser.add_argument("--rows", type=int, default=20_000, help="pending predictions updated")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--order",
        choices=sorted(_PENDING),
        default="cycle",
        help="which pending rows: the cycle's first batch, or rows stored next to each other",
    )
    args = parser.parse_args()
    scale = SCALES[args.scale]
    with (
        tempfile.TemporaryDirectory() as workdir,
        fresh_store("postgresql", Path(workdir), "outcomes") as url,
    ):
        setup_competition(url, scale)
        generate_history(url, scale, scale.history_high)
        generate_batch(url, scale)
        analyze(url)
        print(f"| UPDATE of {args.rows:,} pending predictions | ms [samples] | HOT | table |")
        print("|---|---|---|---|")
        for name, seconds, hot_share, size in measure(url, args.rows, args.repeat, args.order):
            samples = ", ".join(f"{value * 1000:.0f}" for value in seconds)
            print(
                f"| {name} | {statistics.median(seconds) * 1000:.0f} [{samples}] "
                f"| {hot_share:.0%} | {size / 2**20:.0f} MiB |"
            )


if __name__ == "__main__":
    main()
