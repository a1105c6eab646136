from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from podium.store.database import Database
from podium.store.predictions import PredictionFilter, PredictionRepository
from tests.conftest import T0

HOUR_MS = 3_600_000


def prediction(**fields: Any) -> dict[str, Any]:
    return {
        "model_id": "m-ann",
        "param_id": "BTC-1h",
        "payload": 0.1,
        "performed_at": T0 - HOUR_MS,
        **fields,
    }


def post(client: TestClient, rows: list[dict[str, Any]]) -> Any:
    return client.post("/api/competitions/c1/predictions", json={"predictions": rows})


def stored(client: TestClient) -> list[dict[str, Any]]:
    return client.get("/reports/predictions", params={"limit": 1000}).json()


def test_bulk_predictions_are_stored_and_retries_are_harmless(
    client: TestClient, competition: str
) -> None:
    rows = [prediction(performed_at=T0 - HOUR_MS - i * 1000) for i in range(50)]
    first = post(client, rows)
    assert first.status_code == 200, first.text
    assert first.json() == {"received": 50, "stored": 50, "duplicates": 0}
    assert post(client, rows).json() == {"received": 50, "stored": 0, "duplicates": 50}
    listed = stored(client)
    assert len(listed) == 50
    newest = listed[0]
    assert newest["id"] == f"m-ann/BTC-1h/{T0 - HOUR_MS}"
    assert newest["payload"] == {"value": 0.1}
    assert newest["resolvable_at"] == "2026-01-05T00:00:00.000Z"  # performed_at + horizon
    assert newest["status"] == "PENDING"


def test_instants_may_be_iso_or_epoch_milliseconds(client: TestClient, competition: str) -> None:
    response = post(
        client,
        [
            prediction(
                id="iso",
                performed_at="2026-01-04T22:00:00Z",
                resolvable_at="2026-01-05T01:00:00+01:00",
            ),
            prediction(id="ms", performed_at=T0 - 2 * HOUR_MS, param_id="ETH", resolvable_at=T0),
        ],
    )
    assert response.status_code == 200, response.text
    by_id = {row["id"]: row for row in stored(client)}
    assert (
        by_id["iso"]["resolvable_at"] == by_id["ms"]["resolvable_at"] == "2026-01-05T00:00:00.000Z"
    )


def test_a_reused_id_with_other_content_is_a_conflict(client: TestClient, competition: str) -> None:
    post(client, [prediction(id="p1")])
    response = post(client, [prediction(id="p2"), prediction(id="p1", payload=0.2)])
    assert response.status_code == 409
    assert response.json()["problems"] == [
        {"field": "id", "message": "prediction 'p1' is stored with other content", "index": 1}
    ]
    assert [row["id"] for row in stored(client)] == ["p1"]  # p2 was not stored either


def test_a_repeated_id_inside_a_batch(client: TestClient, competition: str) -> None:
    same = post(client, [prediction(id="p"), prediction(id="p")])
    assert same.json() == {"received": 2, "stored": 1, "duplicates": 1}
    different = post(client, [prediction(id="q"), prediction(id="q", payload=9)])
    assert different.status_code == 422
    assert different.json()["problems"][0]["index"] == 1


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (prediction(model_id="ghost"), "model_id", "unknown model 'ghost'"),
        (prediction(model_id="m-off"), "model_id", "model 'm-off' is not active"),
        (prediction(param_id="DOGE"), "param_id", "unknown param 'DOGE'"),
        (prediction(param_id="ETH"), "resolvable_at", "required: the param has no horizon"),
        (prediction(resolvable_at=T0 - 2 * HOUR_MS), "resolvable_at", "must be after performed_at"),
        (prediction(performed_at=T0 + HOUR_MS), "performed_at", "is in the future"),
        (
            prediction(payload={"value": "high"}),
            "predictions.payload",
            "payload.value must be a number",
        ),
        (prediction(payload=None), "predictions.payload", "number or an object"),
        (
            prediction(payload={"value": 0.1, "note": "a\u0000b"}),  # jsonb refuses NUL
            "predictions.payload",
            "payload.note must not contain the NUL character",
        ),
        (
            prediction(performed_at="yesterday"),
            "predictions.performed_at",
            "not an ISO 8601 instant",
        ),
        (prediction(model_id=""), "predictions.model_id", "at least 1 character"),
        (prediction(extra=1), "predictions.extra", "Extra inputs"),
        (
            {k: v for k, v in prediction().items() if k != "performed_at"},
            "predictions.performed_at",
            "Field required",
        ),
    ],
)
def test_a_bad_row_is_reported_by_index_and_field_and_nothing_is_stored(
    client: TestClient, competition: str, row: dict[str, Any], field: str, message: str
) -> None:
    response = post(client, [prediction(id="good"), row])
    assert response.status_code == 422, response.text
    problem = response.json()["problems"][0]
    assert (problem["index"], problem["field"]) == (1, field)
    assert message in problem["message"]
    assert stored(client) == []


def test_nan_is_never_stored(client: TestClient, competition: str) -> None:
    body = '{"predictions": [{"model_id": "m-ann", "param_id": "BTC-1h", "payload": NaN, "performed_at": 0}]}'
    response = client.post(
        "/api/competitions/c1/predictions",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    in_a_custom_key = body.replace('"payload": NaN', '"payload": {"value": 1, "spread": NaN}')
    response = client.post(
        "/api/competitions/c1/predictions",
        content=in_a_custom_key,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "predictions.payload"
    observation = client.post(
        "/api/competitions/c1/observations",
        content='{"observations": [{"asset": "BTC", "ts": 0, "value": Infinity}]}',
        headers={"content-type": "application/json"},
    )
    assert observation.status_code == 422
    assert stored(client) == []


def test_backfill_is_refused_unless_the_competition_allows_it(
    client: TestClient, competition: str
) -> None:
    client.patch("/api/competitions/c1", json={"allow_backfill": False})
    response = post(client, [prediction()])
    assert response.status_code == 422
    assert "outcome is already known" in response.json()["problems"][0]["message"]
    assert (
        post(client, [prediction(performed_at=T0 - 1000)]).status_code == 200
    )  # resolves in the future


def test_batch_size_is_capped(client: TestClient, competition: str, settings: Any) -> None:
    rows = [prediction(performed_at=T0 - HOUR_MS - i) for i in range(settings.ingest_max_rows + 1)]
    response = post(client, rows)
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "predictions"


def test_unknown_competition(client: TestClient) -> None:
    assert post(client, [prediction()]).status_code == 404


def test_malformed_json_is_a_422(client: TestClient, competition: str) -> None:
    response = client.post(
        "/api/competitions/c1/predictions",
        content="{",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_observations_and_truths(client: TestClient, competition: str) -> None:
    points = [
        {"asset": "BTC", "ts": T0, "value": 100.0},
        {"asset": "BTC", "ts": "2026-01-05T01:00:00Z", "value": 101.0},
    ]
    url = "/api/competitions/c1/observations"
    assert client.post(url, json={"observations": points}).json() == {
        "received": 2,
        "stored": 2,
        "duplicates": 0,
    }
    assert client.post(url, json={"observations": points}).json() == {
        "received": 2,
        "stored": 0,
        "duplicates": 2,
    }
    conflict = client.post(url, json={"observations": [{"asset": "BTC", "ts": T0, "value": 99.0}]})
    assert conflict.status_code == 409
    assert conflict.json()["problems"][0]["index"] == 0
    truths = "/api/competitions/c1/truths"
    assert (
        client.post(
            truths, json={"truths": [{"param_id": "ETH", "ts": T0, "value": 1.5}]}
        ).status_code
        == 200
    )
    unknown = client.post(
        truths,
        json={
            "truths": [
                {"param_id": "ETH", "ts": T0 + 1, "value": 1},
                {"param_id": "X", "ts": T0, "value": 1},
            ]
        },
    )
    assert unknown.status_code == 422
    assert unknown.json()["problems"] == [
        {"field": "param_id", "message": "unknown param 'X'", "index": 1}
    ]


def test_a_large_batch_retried_in_part_stores_only_the_new_rows(
    client: TestClient, competition: str, database: Database
) -> None:
    """Past the store's chunk sizes (500 ids per lookup): a retry mixed with new rows."""
    rows = [
        prediction(
            model_id=("m-ann", "m-bob")[i % 2],
            payload={"value": i / 7},
            performed_at=T0 - HOUR_MS - i,
        )
        for i in range(1_800)
    ]
    assert post(client, rows[:1_000]).json() == {"received": 1000, "stored": 1000, "duplicates": 0}
    assert post(client, rows).json() == {"received": 1800, "stored": 800, "duplicates": 1000}
    changed = [*rows[1_000:1_200], {**rows[999], "payload": 0.5}]  # new rows, then a conflict
    conflict = post(client, [*changed, *rows[1_200:1_400]])
    assert conflict.status_code == 409
    assert conflict.json()["problems"] == [
        {
            "field": "id",
            "message": f"prediction 'm-bob/BTC-1h/{T0 - HOUR_MS - 999}' is stored with other content",
            "index": 200,
        }
    ]
    with database.read() as session:
        assert PredictionRepository(session).count(PredictionFilter(competition_id="c1")) == 1_800


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (None, b'{"predictions": []}'),
        ("text/plain", b'{"predictions": []}'),
        ("application/json", b""),
        ("application/json", b"[1, 2]"),
        ("application/json", b"\xff\xfe"),
    ],
)
def test_a_body_that_is_not_a_json_batch_is_a_422(
    client: TestClient, competition: str, content_type: str | None, body: bytes
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    response = client.post("/api/competitions/c1/predictions", content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_input"
    assert response.json()["problems"][0]["field"] == "body"


def test_a_json_subtype_is_read_as_json(client: TestClient, competition: str) -> None:
    response = client.post(
        "/api/competitions/c1/predictions",
        content=b'{"predictions": [{"model_id": "m-ann", "param_id": "BTC-1h", "payload": 1, '
        b'"performed_at": 1767567600000}]}',
        headers={"content-type": "application/vnd.podium+json; charset=utf-8"},
    )
    assert response.status_code == 200, response.text


def test_the_request_schema_is_documented(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][
        "/api/competitions/{competition_id}/predictions"
    ]["post"]
    body = operation["requestBody"]
    assert body["required"] is True
    schema = body["content"]["application/json"]["schema"]
    row = schema["properties"]["predictions"]["items"]
    assert schema["required"] == ["predictions"]
    assert {"model_id", "param_id", "payload", "performed_at", "resolvable_at", "id"} == set(
        row["properties"]
    )
    assert "$ref" not in str(schema)
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/IngestResult"
    }
