"""Dynamic value: the documented formulas, checked on tables and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.domain.dynamic_value import DecayFunction, DynamicValue

LINEAR = DynamicValue(initial=500, minimum=100, decay=50)
CURVE = DynamicValue(initial=500, minimum=100, decay=10, function=DecayFunction.LOGARITHMIC)


@pytest.mark.parametrize(
    ("value", "solved_before", "expected"),
    [
        (LINEAR, 0, 500.0),
        (LINEAR, 1, 450.0),
        (LINEAR, 8, 100.0),
        (LINEAR, 100, 100.0),
        (CURVE, 0, 500.0),
        (CURVE, 1, 496.0),
        (CURVE, 5, 400.0),
        (CURVE, 10, 100.0),
        (CURVE, 11, 100.0),
        (DynamicValue(initial=10, minimum=0, decay=3), 1, 7.0),
        (DynamicValue(initial=10.5, minimum=0, decay=0), 3, 11.0),
    ],
)
def test_values(value: DynamicValue, solved_before: int, expected: float) -> None:
    assert value.value_for(solved_before) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"initial": 1, "minimum": 2, "decay": 1}, "minimum must not exceed"),
        ({"initial": 1, "minimum": -1, "decay": 1}, "minimum must be >= 0"),
        ({"initial": 5, "minimum": 1, "decay": -1}, "decay must be >= 0"),
        (
            {"initial": 5, "minimum": 1, "decay": 0, "function": DecayFunction.LOGARITHMIC},
            "decay must be > 0",
        ),
    ],
)
def test_invalid_settings(kwargs, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        DynamicValue(**kwargs)


def test_negative_position_refused() -> None:
    with pytest.raises(ValueError, match="solved_before"):
        LINEAR.value_for(-1)


@given(
    st.floats(0, 1000),
    st.floats(0, 1000),
    st.floats(0.5, 100),
    st.sampled_from(list(DecayFunction)),
    st.integers(0, 500),
)
def test_value_never_rises_and_stays_between_bounds(initial, minimum, decay, function, n) -> None:  # type: ignore[no-untyped-def]
    low, high = sorted((initial, minimum))
    value = DynamicValue(initial=high, minimum=low, decay=decay, function=function)
    assert low <= value.value_for(n + 1) <= value.value_for(n) <= max(high, float(int(high) + 1))
