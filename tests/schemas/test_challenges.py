"""A POSTed attempt's response is written by orjson (``AttemptOut.json_of_row``): byte for byte
the JSON of the ``AttemptOut`` model, whatever the scorer put in its details."""

from __future__ import annotations

import dataclasses
import enum
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.schemas.challenges import AttemptOut
from podium.store.challenge_tables import ChallengeAttemptRow
from tests.conftest import T0

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats()
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _row(**changes: Any) -> ChallengeAttemptRow:
    values: dict[str, Any] = {
        "id": 7,
        "challenge_id": "c" * 32,
        "end_user_id": "ann",
        "workflow_run_id": None,
        "succeeded": True,
        "tokens_total": 120,
        "elapsed_ms": 900,
        "rating": 3,
        "created_at": T0,
        "score": 12.5,
        "score_details": {"base": 50.0},
        "failed_reason": None,
    }
    return ChallengeAttemptRow(**(values | changes))


def _same_json(row: ChallengeAttemptRow, rank: int | None) -> None:
    expected = AttemptOut.from_row(row, rank=rank).model_dump_json().encode()
    assert AttemptOut.json_of_row(row, rank=rank) == expected


@given(
    end_user_id=st.text(min_size=1, max_size=20),
    workflow_run_id=st.none() | st.text(max_size=20),
    succeeded=st.booleans(),
    tokens_total=st.none() | st.integers(min_value=0, max_value=2**62),
    created_at=st.integers(min_value=-62_135_596_800_000, max_value=253_402_300_799_999),
    score=st.none() | st.floats(min_value=0, allow_infinity=False) | st.integers(0, 10**6),
    details=st.none() | st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4),
    failed_reason=st.none() | st.text(max_size=30),
    rank=st.none() | st.integers(min_value=1, max_value=10**6),
)
def test_the_response_is_the_models_json(
    end_user_id: str,
    workflow_run_id: str | None,
    succeeded: bool,
    tokens_total: int | None,
    created_at: int,
    score: float | None,
    details: dict[str, Any] | None,
    failed_reason: str | None,
    rank: int | None,
) -> None:
    row = _row(
        end_user_id=end_user_id,
        workflow_run_id=workflow_run_id,
        succeeded=succeeded,
        tokens_total=tokens_total,
        created_at=created_at,
        score=score,
        score_details=details,
        failed_reason=failed_reason,
    )
    _same_json(row, rank)


class Colour(enum.StrEnum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize(
    "details",
    [
        {"when": datetime(2026, 1, 5, tzinfo=UTC)},
        {"when": datetime(2026, 1, 5)},
        {"colour": Colour.RED},
        {"point": Point(1)},
        {"id": uuid.UUID(int=5)},
        {"pair": (1, 2.5)},
        {"big": 2**70},
        {"nan": float("nan"), "inf": float("inf")},
    ],
    ids=["aware", "naive", "str-enum", "dataclass", "uuid", "tuple", "big-int", "nan"],
)
def test_details_orjson_would_write_otherwise_are_written_as_the_model_writes_them(
    details: dict[str, Any],
) -> None:
    _same_json(_row(score_details=details), 2)
