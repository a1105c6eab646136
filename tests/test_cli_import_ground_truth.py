"""``podium import observations`` and ``podium import truths`` through CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podium.store.database import Database
from podium.store.ground_truth import GroundTruthRepository
from tests import builders, scored
from tests.conftest import T0
from tests.test_cli_data import invoke

HOUR_MS = 3_600_000


@pytest.fixture
def roster(database: Database) -> str:
    builders.competition(database, T0)
    builders.roster(database, T0, "c1", models=scored.MODELS, params=scored.PARAMS)
    return "c1"


def _observations(database: Database, asset: str) -> list[tuple[int, float]]:
    with database.read() as session:
        series = GroundTruthRepository(session, "c1").observations(asset, 0, T0 + 100 * HOUR_MS)
    return list(zip(series.ts.tolist(), series.values.tolist(), strict=True))


def _truths(database: Database, param_id: str) -> list[tuple[int, float]]:
    with database.read() as session:
        series = GroundTruthRepository(session, "c1").truths(param_id, 0, T0 + 100 * HOUR_MS)
    return list(zip(series.ts.tolist(), series.values.tolist(), strict=True))


OBSERVATIONS_CSV = [
    "asset,ts,value",
    "BTC,2026-01-05T00:00:00Z,100.5",  # line 2
    f"BTC,{T0 + HOUR_MS},101",  # line 3
    f"ETH,{T0},2000",  # line 4
    "BTC,2026-01-05T02:00:00Z,abc",  # line 5: not a number
    "BTC,yesterday,1",  # line 6: not an instant
    f",{T0},1",  # line 7: no asset
    f"BTC,{T0},1,extra",  # line 8: more values than columns
    f"BTC,{T0},99",  # line 9: repeats line 2 with another value
    f"ETH,{T0},2000",  # line 10: repeats line 4 exactly
]


@pytest.mark.parametrize("batch_size", ["2", "5000"])
def test_import_observations_csv_rejects_bad_rows_and_is_safe_to_rerun(
    database: Database, roster: str, tmp_path: Path, batch_size: str
) -> None:
    path = tmp_path / "observations.csv"
    path.write_text("\n".join(OBSERVATIONS_CSV) + "\n")
    args = ("import", "observations", str(path), "-c", "c1", "--json", "--batch-size", batch_size)
    code, output = invoke(database, *args)
    assert code == 1
    summary = json.loads(output)
    assert (summary["rows"], summary["stored"], summary["duplicates"], summary["rejected"]) == (
        9,
        3,
        1,
        5,
    )
    reasons = {item["line"]: (item["field"], item["message"]) for item in summary["rejections"]}
    assert sorted(reasons) == [5, 6, 7, 8, 9]
    assert reasons[5][0] == "value"
    assert reasons[6][0] == "ts"
    assert reasons[7] == ("asset", "Field required")
    assert reasons[8] == ("row", "more values than columns")
    assert reasons[9][0] == "value"
    assert _observations(database, "BTC") == [(T0, 100.5), (T0 + HOUR_MS, 101.0)]
    assert _observations(database, "ETH") == [(T0, 2000.0)]

    # safe to re-run: nothing stored twice, the same rows refused, nothing overwritten
    code, output = invoke(database, *args)
    again = json.loads(output)
    assert (code, again["stored"], again["duplicates"], again["rejected"]) == (1, 0, 4, 5)
    assert again["rejections"] == summary["rejections"]
    assert _observations(database, "BTC") == [(T0, 100.5), (T0 + HOUR_MS, 101.0)]


def test_import_observations_refuses_another_value_for_a_stored_point(
    database: Database, roster: str, tmp_path: Path
) -> None:
    first = tmp_path / "first.jsonl"
    first.write_text(
        json.dumps({"asset": "BTC", "ts": T0, "value": 100.0})
        + "\n"
        + json.dumps({"asset": "ETH", "ts": T0, "value": 5.0})
        + "\n"
    )
    assert invoke(database, "import", "observations", str(first), "-c", "c1", "-q") == (0, "")
    second = tmp_path / "second.jsonl"
    second.write_text(
        "\n".join(
            [
                json.dumps({"asset": "ETH", "ts": T0, "value": 5.0}),
                json.dumps({"asset": "BTC", "ts": T0, "value": 250.0}),
                json.dumps({"asset": "BTC", "ts": T0 + HOUR_MS, "value": 101.0}),
            ]
        )
        + "\n"
    )
    code, output = invoke(database, "import", "observations", str(second), "-c", "c1")
    assert code == 1
    assert "3 rows: 2 accepted (1 stored, 1 already stored), 1 rejected" in output
    assert "another value is stored for this asset and ts" in output
    assert _observations(database, "BTC") == [(T0, 100.0), (T0 + HOUR_MS, 101.0)]


def test_import_truths_jsonl(database: Database, roster: str, tmp_path: Path) -> None:
    path = tmp_path / "truths.jsonl"
    rows = [
        json.dumps({"param_id": "BTC-1h", "ts": "2026-01-05T01:00:00Z", "value": 101.0}),
        json.dumps({"param_id": "ETH-1h", "ts": T0 + HOUR_MS, "value": 111.0}),
        json.dumps({"param_id": "DOGE-1h", "ts": T0, "value": 1.0}),  # unknown param
        "{not json",
        "[1, 2]",
        json.dumps({"param_id": "BTC-1h", "when": T0, "value": 1.0}),  # no ts, unknown field
        json.dumps({"param_id": "BTC-1h", "ts": T0 + 2 * HOUR_MS, "value": "NaN"}),
    ]
    path.write_text("\n".join(rows) + "\n")
    code, output = invoke(database, "import", "truths", str(path), "-c", "c1", "--json")
    assert code == 1
    summary = json.loads(output)
    assert (summary["stored"], summary["duplicates"], summary["rejected"]) == (2, 0, 5)
    reasons = {item["line"]: (item["field"], item["message"]) for item in summary["rejections"]}
    assert reasons[3] == ("param_id", "unknown param 'DOGE-1h'")
    assert reasons[4][1].startswith("not JSON")
    assert reasons[5] == ("row", "a line must hold one JSON object")
    assert reasons[6][0] == "ts"
    assert "when" in reasons[6][1]
    assert reasons[7][0] == "value"
    assert _truths(database, "BTC-1h") == [(T0 + HOUR_MS, 101.0)]
    assert _truths(database, "ETH-1h") == [(T0 + HOUR_MS, 111.0)]

    code, output = invoke(database, "import", "truths", str(path), "-c", "c1", "--json")
    again = json.loads(output)
    assert (code, again["stored"], again["duplicates"], again["rejected"]) == (1, 0, 2, 5)


def test_import_truths_csv_conflict_and_clean_rerun(
    database: Database, roster: str, tmp_path: Path
) -> None:
    path = tmp_path / "truths.csv"
    path.write_text(f"param_id,ts,value\nBTC-1h,{T0},100\nETH-1h,{T0},110\n")
    assert invoke(database, "import", "truths", str(path), "-c", "c1", "--quiet") == (0, "")
    code, output = invoke(database, "import", "truths", str(path), "-c", "c1")
    assert code == 0
    assert "2 rows: 2 accepted (0 stored, 2 already stored), 0 rejected" in output

    changed = tmp_path / "changed.csv"
    changed.write_text(f"param_id,ts,value\nBTC-1h,{T0},105\n")
    code, output = invoke(database, "import", "truths", str(changed), "-c", "c1", "--json")
    assert code == 1
    assert json.loads(output)["rejections"] == [
        {"line": 2, "field": "value", "message": "another value is stored for this param_id and ts"}
    ]
    assert _truths(database, "BTC-1h") == [(T0, 100.0)]


@pytest.mark.parametrize(
    ("what", "header", "args", "message"),
    [
        ("observations", "asset,ts,value", ["-c", "nope"], "competition 'nope' was not found"),
        ("truths", "param_id,ts,value", ["-c", "nope"], "competition 'nope' was not found"),
        (
            "observations",
            "model_id,ts,value",
            ["-c", "c1"],
            "unknown column(s) model_id; expected asset, ts, value",
        ),
        (
            "truths",
            "asset,ts,value",
            ["-c", "c1"],
            "unknown column(s) asset; expected param_id, ts, value",
        ),
    ],
)
def test_import_ground_truth_errors(
    database: Database,
    roster: str,
    tmp_path: Path,
    what: str,
    header: str,
    args: list[str],
    message: str,
) -> None:
    path = tmp_path / f"{what}.csv"
    path.write_text(f"{header}\nBTC-1h,{T0},1\n")
    code, output = invoke(database, "import", what, str(path), *args)
    assert code == 1
    assert message in output
