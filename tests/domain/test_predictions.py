from __future__ import annotations

from typing import Any

import pytest

from podium.domain.predictions import PayloadError, normalize_payload


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (0.5, {"value": 0.5}),
        ({"value": 0.25}, {"value": 0.25}),  # the common shape, taken as it is
        (3, {"value": 3.0}),
        ({"value": 1}, {"value": 1.0}),
        (
            {"distribution": {"type": "normal", "mean": 0, "std": 2}},
            {"distribution": {"type": "normal", "mean": 0.0, "std": 2.0}},
        ),
        ({"samples": [1, 2.5]}, {"samples": [1.0, 2.5]}),
        ({"value": 1.0, "note": "kept"}, {"value": 1.0, "note": "kept"}),
        ({"custom": [1, 2]}, {"custom": [1, 2]}),
        (
            {"meta": {"tags": ["a", None, 2.5], "n": 1}},
            {"meta": {"tags": ["a", None, 2.5], "n": 1}},
        ),
    ],
)
def test_known_payloads_are_stored_in_their_canonical_form(
    raw: Any, stored: dict[str, Any]
) -> None:
    assert normalize_payload(raw) == stored


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (True, "number or an object"),
        ("0.5", "number or an object"),
        ([1, 2], "number or an object"),
        ({}, "must not be empty"),
        (float("nan"), "finite"),
        ({"value": float("inf")}, "payload.value must be a finite number"),
        ({"value": "1"}, "payload.value must be a number"),
        ({"distribution": {"type": "beta", "mean": 0, "std": 1}}, "type must be"),
        ({"distribution": {"type": "normal", "mean": 0, "std": 0}}, "std must be positive"),
        ({"distribution": {"type": "normal", "std": 1}}, "mean must be a number"),
        ({"distribution": [1]}, "must be an object"),
        ({"samples": []}, "non-empty list"),
        ({"samples": [1, None]}, r"samples\[1\] must be a number"),
        ({"samples": [0.0] * 10_001}, "at most"),
        ({"value": 1, "note": "a\x00b"}, "payload.note must not contain the NUL character"),
        ({"meta": {"tags": [1, "\x00"]}}, r"payload.meta.tags\[1\] must not contain the NUL"),
        ({"meta": {"a\x00": 1}}, "payload.meta has a key with the NUL character"),
        ({"value": 1, "a\x00": 1}, "payload has a key with the NUL character"),
        ({"value": 1, "extra": float("nan")}, "payload.extra must be a finite number"),
        ({"meta": [{"x": float("inf")}]}, r"payload.meta\[0\].x must be a finite number"),
    ],
)
def test_bad_payloads_are_refused_with_the_part_named(raw: Any, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        normalize_payload(raw)
