"""``number_array``: numbers sent to PostgreSQL as one array literal come back exactly, the
special floats included."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from podium.store.database import Database, number_array

pytestmark = pytest.mark.usefixtures("postgres_database")


def _round_trip(database: Database, values: list[float] | list[int], type_: str) -> list[object]:
    with database.engine.connect() as connection:
        row = connection.execute(
            text(f"SELECT CAST(:values AS {type_}[])"), {"values": number_array(values)}
        ).one()
    return list(row[0])


def test_the_literal_has_one_element_per_number() -> None:
    assert number_array([1, -2, 3]) == "{1,-2,3}"
    assert number_array([]) == "{}"


@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1), max_size=50))
def test_bigints_come_back_exactly(postgres_database: Database, values: list[int]) -> None:
    assert _round_trip(postgres_database, values, "bigint") == values


@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.floats(allow_nan=False), max_size=50))
def test_floats_come_back_exactly(postgres_database: Database, values: list[float]) -> None:
    assert _round_trip(postgres_database, values, "float8") == values


def test_nan_and_infinities_are_read_as_such(postgres_database: Database) -> None:
    back = _round_trip(postgres_database, [math.nan, math.inf, -math.inf, -0.0], "float8")
    assert math.isnan(back[0])  # type: ignore[arg-type]
    assert back[1:] == [math.inf, -math.inf, 0.0]
    assert math.copysign(1.0, back[3]) == -1.0  # type: ignore[arg-type]
