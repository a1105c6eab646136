"""``binary_copy``: rows laid out by NumPy and rows packed one by one reach PostgreSQL exactly,
in one binary ``COPY``, NULLs, special floats and non-ASCII text included."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from podium.store.binary_copy import Kind, copy_binary, fixed_rows, packed_row
from podium.store.database import Database

pytestmark = pytest.mark.usefixtures("postgres_database")

_COLUMNS = ("id", "label", "value", "flag", "note")
_KINDS = (Kind.INT8, Kind.TEXT, Kind.FLOAT8, Kind.BOOL, Kind.TEXT)
_Row = tuple[int, str | None, float | None, bool | None, str | None]


def _copied(database: Database, chunks: list[bytes]) -> list[_Row]:
    """The rows a binary COPY of ``chunks`` stores, in a temporary table."""
    with database.write() as session:
        session.execute(
            text(
                "CREATE TEMPORARY TABLE copied (id bigint, label varchar(20), "
                "value double precision, flag boolean, note text) ON COMMIT DROP"
            )
        )
        copy_binary(session, "copied", _COLUMNS, chunks)
        stored = session.execute(text("SELECT * FROM copied ORDER BY id")).all()
    return [tuple(row) for row in stored]  # type: ignore[misc]


def _same(left: list[_Row], right: list[_Row]) -> bool:
    def key(row: _Row) -> tuple[object, ...]:
        return tuple("nan" if isinstance(v, float) and math.isnan(v) else v for v in row)

    return [key(row) for row in left] == [key(row) for row in right]


def test_fixed_rows_and_packed_rows_share_one_copy(postgres_database: Database) -> None:
    ids = np.array([3, -(2**63), 2**63 - 1], dtype=np.int64)
    values = np.array([0.1, -math.inf, math.nan])
    flags = np.array([True, False, True])
    fixed = fixed_rows((ids, "é ✓", values, flags, None))
    packed = [
        packed_row((4, None, None, None, None), _KINDS),
        packed_row((5, "tab\there", 2.5, False, "line\nbreak \\ ünïcode"), _KINDS),
    ]
    assert _same(
        _copied(postgres_database, [fixed, *packed]),
        [
            (-(2**63), "é ✓", -math.inf, False, None),
            (3, "é ✓", 0.1, True, None),
            (4, None, None, None, None),
            (5, "tab\there", 2.5, False, "line\nbreak \\ ünïcode"),
            (2**63 - 1, "é ✓", math.nan, True, None),
        ],
    )


def test_no_rows_copy_nothing(postgres_database: Database) -> None:
    empty = np.empty(0, dtype=np.int64)
    assert _copied(postgres_database, [fixed_rows((empty, "x", None, None, None))]) == []
    assert _copied(postgres_database, []) == []


@settings(max_examples=20, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(min_value=-(2**63), max_value=2**63 - 1),
            st.floats(allow_nan=False),
            st.booleans(),
        ),
        max_size=30,
        unique_by=lambda row: row[0],
    )
)
def test_fixed_rows_come_back_exactly(
    postgres_database: Database, rows: list[tuple[int, float, bool]]
) -> None:
    columns = list(zip(*rows, strict=True)) or [(), (), ()]
    fixed = fixed_rows(
        (
            np.array(columns[0], dtype=np.int64),
            "label",
            np.array(columns[1], dtype=np.float64),
            np.array(columns[2], dtype=bool),
            "",
        )
    )
    assert _copied(postgres_database, [fixed]) == sorted(
        (id_, "label", value, flag, "") for id_, value, flag in rows
    )


def test_columns_fixed_rows_cannot_lay_out_are_refused() -> None:
    with pytest.raises(TypeError, match="column 0: no binary field for dtype int32"):
        fixed_rows((np.array([1], dtype=np.int32),))
    with pytest.raises(ValueError, match="column 1: 2 values, expected 1"):
        fixed_rows((np.array([1], dtype=np.int64), np.array([1.0, 2.0])))
    with pytest.raises(ValueError, match="at least one array column"):
        fixed_rows(("text", None))
