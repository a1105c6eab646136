"""The bulk ingest route reads rows with ``read_prediction_rows``; clients, imports and the
OpenAPI document use ``PredictionBatch``. Both must accept, normalize and refuse the same inputs,
with the same error locations and messages."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from podium.schemas.common import instant_ms, parse_instant, parse_instant_ms
from podium.schemas.ingest import PredictionBatch, PredictionRowIn, read_prediction_rows
from tests.conftest import T0

ROW = {"model_id": "m1", "param_id": "BTC-1h", "payload": 0.5, "performed_at": T0}


def _as_row(batch: PredictionBatch) -> list[PredictionRowIn]:
    return [
        {
            "id": row.id,
            "model_id": row.model_id,
            "param_id": row.param_id,
            "payload": row.payload,
            "performed_at": instant_ms(row.performed_at),
            "resolvable_at": None if row.resolvable_at is None else instant_ms(row.resolvable_at),
        }
        for row in batch.predictions
    ]


def _errors(error: ValidationError) -> list[tuple[Any, ...]]:
    return [(item["loc"], item["msg"]) for item in error.errors()]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"id": "p-1", "resolvable_at": T0 + 60_000},
        {"id": None, "resolvable_at": None},
        {"model_id": "  m1  ", "param_id": " BTC-1h"},  # whitespace stripped
        {"performed_at": "2026-01-05T00:00:00Z", "resolvable_at": "2026-01-05T02:00:00+01:00"},
        {"performed_at": "2026-01-05T00:00:00.123456"},  # no offset: UTC; below a ms: floored
        {"performed_at": str(T0), "resolvable_at": float(T0 + 1)},
        {"performed_at": -62_135_596_800_000},  # year 1
        {"performed_at": "9999-12-31T23:59:59.999Z"},
        {"payload": {"value": 1}},
        {"payload": {"value": 0.25, "note": "kept"}},
        {"payload": {"distribution": {"type": "normal", "mean": 0, "std": 2}}},
        {"payload": {"samples": [1, 2.5]}},
    ],
)
def test_rows_are_read_as_the_batch_model_reads_them(fields: dict[str, Any]) -> None:
    body = orjson.dumps({"predictions": [ROW, {**ROW, **fields}]})
    rows = read_prediction_rows(body)
    expected = _as_row(PredictionBatch.model_validate_json(body))
    assert [{"id": None, "resolvable_at": None, **row} for row in rows] == expected


@pytest.mark.parametrize(
    "body",
    [
        {"predictions": [ROW, {**ROW, "model_id": ""}]},
        {"predictions": [ROW, {**ROW, "model_id": "bad id"}]},
        {"predictions": [ROW, {**ROW, "extra": 1}]},
        {"predictions": [ROW, {key: value for key, value in ROW.items() if key != "payload"}]},
        {"predictions": [ROW, {**ROW, "payload": None}]},
        {"predictions": [ROW, {**ROW, "payload": True}]},
        {"predictions": [ROW, {**ROW, "payload": {"value": "high"}}]},
        {"predictions": [ROW, {**ROW, "payload": {}}]},
        {"predictions": [ROW, {**ROW, "payload": {"samples": [1, None]}}]},
        {"predictions": [ROW, {**ROW, "performed_at": "yesterday"}]},
        {"predictions": [ROW, {**ROW, "performed_at": True}]},
        {"predictions": [ROW, {**ROW, "performed_at": None}]},
        {"predictions": [ROW, {**ROW, "performed_at": 253_402_300_800_000}]},
        {"predictions": [ROW, {**ROW, "resolvable_at": [1]}]},
        {"predictions": []},
        {"predictions": {"0": ROW}},
        {"predictions": [ROW], "more": 1},
        {},
        [ROW],
        "predictions",
    ],
)
def test_bad_rows_are_refused_with_the_same_errors(body: Any) -> None:
    raw = orjson.dumps(body)
    with pytest.raises(ValidationError) as rows_error:
        read_prediction_rows(raw)
    with pytest.raises(ValidationError) as batch_error:
        PredictionBatch.model_validate_json(raw)
    if isinstance(body, dict):
        assert _errors(rows_error.value) == _errors(batch_error.value)
    else:  # the top-level type error names the model or a dictionary: same place, same meaning
        assert [item["loc"] for item in rows_error.value.errors()] == [()]


@pytest.mark.parametrize("body", [b"{", b"", b'{"predictions": [NaN]}', b"\xff"])
def test_a_body_that_is_not_json_is_refused(body: bytes) -> None:
    with pytest.raises(ValidationError):
        read_prediction_rows(body)


def test_nan_is_refused_in_a_payload() -> None:
    body = (
        b'{"predictions": [{"model_id": "m", "param_id": "p", "payload": NaN, "performed_at": 0}]}'
    )
    with pytest.raises(ValidationError, match="finite"):
        read_prediction_rows(body)


@given(
    st.one_of(
        st.integers(min_value=-(10**16), max_value=10**16),
        st.floats(min_value=-1e15, max_value=1e15, allow_nan=False),
        st.datetimes().map(lambda moment: moment.isoformat()),
        st.integers(min_value=0, max_value=10**13).map(str),
    )
)
def test_instant_ms_is_the_instant_in_epoch_milliseconds(value: Any) -> None:
    try:
        expected = instant_ms(parse_instant(value))
    except ValueError:
        with pytest.raises(ValueError, match=r"out of range|ISO 8601"):
            parse_instant_ms(value)
        return
    if type(value) is int:
        assert parse_instant_ms(value) == value  # exact, without a datetime round trip
        assert abs(expected - value) <= 1  # a datetime holds microseconds of a float
    else:
        assert parse_instant_ms(value) == expected
