"""``podium import``, ``podium export`` and ``podium leaderboard show`` through CliRunner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from podium.cli import app
from podium.store.database import Database
from tests import builders, scored
from tests.conftest import T0

runner = CliRunner()


def invoke(database: Database, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--database-url", database.url], env={"COLUMNS": "200"})
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture
def roster(database: Database) -> str:
    builders.competition(database, T0)
    builders.roster(database, T0, "c1", models=scored.MODELS, params=scored.PARAMS)
    return "c1"


GOOD_CSV = [
    "model_id,param_id,payload,performed_at",
    "sharp,BTC-1h,101.5,2026-01-05T00:00:00Z",
    f'fair,ETH-1h,"{{""value"": 3}}",{T0}',
]
BAD_CSV = [
    "wild,BTC-1h,abc,2026-01-05T00:00:00Z",  # line 4: payload not a number
    "ghost,BTC-1h,1,2026-01-05T00:00:00Z",  # line 5: unknown model
    "sharp,BTC-1h,1,yesterday",  # line 6: not an instant
    "sharp,BTC-1h,1",  # line 7: no performed_at
    "sharp,BTC-1h,1,2026-01-05T00:00:00Z,2026-01-05T02:00:00Z,extra",  # line 8
]


def test_import_csv_stores_good_rows_and_lists_bad_ones(
    database: Database, roster: str, tmp_path: Path
) -> None:
    path = tmp_path / "predictions.csv"
    path.write_text("\n".join(GOOD_CSV + BAD_CSV) + "\n")
    code, output = invoke(database, "import", "predictions", str(path), "-c", "c1", "--json")
    assert code == 1
    summary = json.loads(output)
    assert (summary["rows"], summary["stored"], summary["duplicates"], summary["rejected"]) == (
        7,
        2,
        0,
        5,
    )
    reasons = {item["line"]: (item["field"], item["message"]) for item in summary["rejections"]}
    assert sorted(reasons) == [4, 5, 6, 7, 8]
    assert reasons[4][0] == "payload"
    assert reasons[5] == ("model_id", "unknown model 'ghost'")
    assert reasons[6][0] == "performed_at"
    assert reasons[7] == ("performed_at", "Field required")
    assert reasons[8] == ("row", "more values than columns")

    # safe to re-run: nothing stored twice, the same rows refused
    code, output = invoke(database, "import", "predictions", str(path), "-c", "c1", "--json")
    again = json.loads(output)
    assert (code, again["stored"], again["duplicates"], again["rejected"]) == (1, 0, 2, 5)


def test_import_jsonl_summary_for_people(database: Database, roster: str, tmp_path: Path) -> None:
    path = tmp_path / "predictions.jsonl"
    rows = [
        json.dumps({"model_id": "sharp", "param_id": "BTC-1h", "payload": 1, "performed_at": T0}),
        "{not json",
        "[1, 2]",
        json.dumps({"model_id": "sharp", "param_id": "BTC-1h", "payload": 1, "when": T0}),
    ]
    path.write_text("\n".join(rows) + "\n")
    code, output = invoke(database, "import", "predictions", str(path), "-c", "c1")
    assert code == 1
    assert "4 rows: 1 accepted (1 stored, 0 already stored), 3 rejected" in output
    assert "not JSON" in output
    assert "one JSON object" in output
    assert "when" in output


def test_import_of_clean_file_exits_0_and_quiet_prints_nothing(
    database: Database, roster: str, tmp_path: Path
) -> None:
    path = tmp_path / "predictions.csv"
    path.write_text("\n".join(GOOD_CSV) + "\n")
    code, output = invoke(database, "import", "predictions", str(path), "-c", "c1", "--quiet")
    assert (code, output) == (0, "")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["-c", "nope"], 1, "competition 'nope' was not found"),
        (["-c", "c1", "--format", "xml"], 2, "xml"),
    ],
)
def test_import_errors(
    database: Database, roster: str, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    path = tmp_path / "predictions.csv"
    path.write_text("\n".join(GOOD_CSV) + "\n")
    exit_code, output = invoke(database, "import", "predictions", str(path), *args)
    assert exit_code == code
    assert message in output


def test_import_refuses_a_file_of_unknown_shape(
    database: Database, roster: str, tmp_path: Path
) -> None:
    odd = tmp_path / "predictions.txt"
    odd.write_text("x\n")
    assert invoke(database, "import", "predictions", str(odd), "-c", "c1")[0] == 1
    columns = tmp_path / "columns.csv"
    columns.write_text("model,param\nsharp,BTC-1h\n")
    code, output = invoke(database, "import", "predictions", str(columns), "-c", "c1")
    assert code == 1
    assert "unknown column(s) model, param" in output


def _export(database: Database, tmp_path: Path, what: str, fmt: str, *extra: str) -> Path:
    path = tmp_path / f"{what}.{fmt}"
    code, output = invoke(
        database, "export", what, "-c", "c1", "-f", fmt, "-o", str(path), "--quiet", *extra
    )
    assert code == 0, output
    return path


def _rows_of(path: Path) -> list[dict[str, object]]:
    """Rows of an export in any format, as JSON lines carry them."""
    if path.suffix == ".json":
        return [json.loads(line) for line in path.read_text().splitlines()]
    if path.suffix == ".csv":
        return [dict(row) for row in csv.DictReader(io.StringIO(path.read_text()))]
    rows = pq.read_table(path).to_pylist()
    for row in rows:
        for key, value in row.items():
            if hasattr(value, "isoformat"):
                row[key] = value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return rows


def _as_text(rows: list[dict[str, object]]) -> list[dict[str, str]]:
    def text(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, dict):
            return json.dumps(value, separators=(",", ":"))
        if isinstance(value, bool):
            return str(value)
        return str(value)

    return [{key: text(value) for key, value in row.items()} for row in rows]


@pytest.mark.parametrize("what", ["leaderboard", "predictions", "scores"])
def test_exports_agree_across_formats(database: Database, tmp_path: Path, what: str) -> None:
    scored.seed(database)
    extra = ("--start", str(T0), "--end", "2026-01-06T00:00:00Z") if what == "scores" else ()
    by_format = {
        fmt: _rows_of(_export(database, tmp_path, what, fmt, *extra))
        for fmt in ("json", "csv", "parquet")
    }
    expected_rows = {"leaderboard": 3, "predictions": 18, "scores": 9}[what]
    assert len(by_format["json"]) == expected_rows
    parquet = by_format["parquet"]
    if what == "predictions":  # Parquet and CSV carry the payload as its JSON text
        for row in by_format["json"]:
            row["payload"] = json.dumps(row["payload"], separators=(",", ":"))
    assert parquet == by_format["json"]
    assert _as_text(by_format["csv"]) == _as_text(by_format["json"])


def test_leaderboard_export_is_ranked(database: Database, tmp_path: Path) -> None:
    scored.seed(database)
    rows = _rows_of(_export(database, tmp_path, "leaderboard", "parquet"))
    assert [(row["rank"], row["model_id"]) for row in rows] == [
        (1, "sharp"),
        (2, "fair"),
        (3, "wild"),
    ]


def test_exported_predictions_import_back_as_duplicates(database: Database, tmp_path: Path) -> None:
    scored.seed(database)
    for fmt in ("json", "csv"):
        path = _export(database, tmp_path, "predictions", fmt)
        renamed = path.with_suffix(".jsonl") if fmt == "json" else path
        path.rename(renamed)
        code, output = invoke(database, "import", "predictions", str(renamed), "-c", "c1", "--json")
        assert code == 0, output
        summary = json.loads(output)
        assert (summary["rows"], summary["stored"], summary["duplicates"]) == (18, 0, 18)


def test_export_filters_and_stdout(database: Database, tmp_path: Path) -> None:
    scored.seed(database)
    code, output = invoke(
        database, "export", "predictions", "-c", "c1", "-m", "sharp", "--status", "SCORED", "-q"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(output)))
    assert len(rows) == 6
    assert {row["model_id"] for row in rows} == {"sharp"}
    code, output = invoke(
        database,
        "export",
        "predictions",
        "-c",
        "c1",
        "--start",
        "2026-01-05T01:00:00Z",
        "-f",
        "json",
        "-q",
    )
    assert len(output.splitlines()) == 12
    code, output = invoke(database, "export", "predictions", "-c", "c1", "-m", "ghost")
    assert (code, "model 'ghost' was not found" in output) == (1, True)
    code, output = invoke(database, "export", "leaderboard", "-c", "c1", "-f", "parquet")
    assert (code, "Parquet needs a file" in output) == (1, True)
    code, _ = invoke(database, "export", "leaderboard", "-c", "c1", "-f", "xlsx")
    assert code == 2


def test_leaderboard_show(database: Database) -> None:
    scored.seed(database)
    code, output = invoke(database, "leaderboard", "show", "c1")
    assert code == 0
    assert output.index("sharp") < output.index("fair") < output.index("wild")
    code, output = invoke(database, "leaderboard", "show", "c1", "--json", "--sort", "anchor")
    document = json.loads(output)
    assert [entry["model_id"] for entry in document["entries"]] == ["wild", "fair", "sharp"]
    assert document["entries"][0]["rank_change"] == "same"
    code, output = invoke(database, "leaderboard", "show", "nope")
    assert (code, "competition 'nope' was not found" in output) == (1, True)
