"""``podium rescore``: replaying stored predictions with another ranker or scoring function."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from podium.cli import app
from podium.cli.rescore import format_report
from podium.services import reports
from podium.services.competitions import get_competition
from podium.services.rescore import RescoreReport, rank_diff, rescore
from podium.services.score_cycle import run_score_cycle
from podium.store.database import Database
from tests import builders
from tests.conftest import T0

HOUR_MS = 3_600_000
runner = CliRunner()
NEW_WEIGHTS = '{"weights": {"recent": 1.0}, "min_predictions": 0}'


@pytest.fixture
def scored(database: Database) -> Database:
    """Ann was good early and bad lately; Bob the opposite. Ranked on anchor only: Ann first."""
    builders.competition(
        database,
        T0 - 4 * HOUR_MS,
        ranker="weighted",
        ranker_config={"weights": {"anchor": 1.0}},
        windows={"recent": "1h", "steady": "2h", "anchor": "3h", "bucket": "1h"},
    )
    builders.roster(
        database,
        T0 - 4 * HOUR_MS,
        "c1",
        models={"m-ann": "ann", "m-bob": "bob"},
        params=[{"id": "BTC", "asset": "BTC", "horizon": 3600}],
    )
    rows = []
    for model_id, early, late in (("m-ann", 0.0, 1.0), ("m-bob", 1.0, 0.5)):
        rows.append(
            {
                "model_id": model_id,
                "param_id": "BTC",
                "payload": early,
                "performed_at": T0 - 3 * HOUR_MS,
            }
        )
        rows.append(
            {"model_id": model_id, "param_id": "BTC", "payload": late, "performed_at": T0 - HOUR_MS}
        )
    builders.predictions(database, T0, "c1", rows)
    builders.truths(
        database,
        "c1",
        [{"param_id": "BTC", "ts": ts, "value": 0.0} for ts in (T0 - 2 * HOUR_MS, T0)],
    )
    run_score_cycle(database, competition_id="c1", now_ms=T0, batch_size=1000)
    return database


def order(database: Database) -> list[str]:
    view = reports.leaderboard(database, competition_id="c1")
    return [entry.model_id for entry in view.entries]


def test_dry_run_shows_the_diff_and_writes_nothing(scored: Database) -> None:
    assert order(scored) == ["m-ann", "m-bob"]
    report = rescore(
        scored,
        competition_id="c1",
        start_ms=T0 - 6 * HOUR_MS,
        end_ms=T0,
        ranker="weighted",
        ranker_config={"weights": {"recent": 1.0}, "min_predictions": 0},
        dry_run=True,
    )
    assert [(m.model_id, m.old_rank, m.new_rank, m.moved) for m in report.diff] == [
        ("m-bob", 2, 1, 1),
        ("m-ann", 1, 2, -1),
    ]
    assert (report.rescored, report.failed, report.leaderboards_at) == (4, 0, [T0])
    assert order(scored) == ["m-ann", "m-bob"]
    assert get_competition(scored, competition_id="c1").ranker_config["weights"] == {"anchor": 1.0}


def test_rescore_writes_the_new_leaderboard_and_config(scored: Database) -> None:
    report = rescore(
        scored,
        competition_id="c1",
        start_ms=T0 - 6 * HOUR_MS,
        end_ms=T0,
        ranker_config={"weights": {"recent": 1.0}, "min_predictions": 0},
    )
    assert [m.moved for m in report.diff] == [1, -1]
    assert order(scored) == ["m-bob", "m-ann"]
    stored = reports.leaderboard(scored, competition_id="c1").entries
    assert [entry.combined_score for entry in stored] == [pytest.approx(-0.25), pytest.approx(-1.0)]
    assert get_competition(scored, competition_id="c1").ranker_config == {
        "weights": {"recent": 1.0},
        "ties": "ordered",
        "min_predictions": 0,
    }


def test_rescore_with_another_scoring_function_rewrites_scores(scored: Database) -> None:
    rescore(scored, competition_id="c1", start_ms=0, end_ms=T0, scoring="mae")
    rows = reports.predictions(
        scored,
        where=reports.PredictionFilter(competition_id="c1", model_ids=["m-bob"]),
        limit=10,
        offset=0,
    )
    assert sorted(prediction.score_value for prediction, _ in rows) == [-1.0, -0.5]
    bob = [
        e for e in reports.leaderboard(scored, competition_id="c1").entries if e.model_id == "m-bob"
    ]
    assert bob[0].score_anchor == pytest.approx(-0.75)


def test_cli_dry_run_prints_the_same_diff_byte_for_byte(scored: Database) -> None:
    arguments = [
        "rescore",
        "--competition",
        "c1",
        "--from",
        "2026-01-04T00:00:00.000Z",
        "--to",
        "2026-01-05T00:00:00.000Z",
        "--ranker-config",
        NEW_WEIGHTS,
        "--dry-run",
        "--database-url",
        scored.url,
    ]
    first = runner.invoke(app, arguments)
    assert first.exit_code == 0, first.output
    assert first.stdout == (
        "competition c1: 4 prediction(s) rescored, 0 failed (dry run, nothing written)\n"
        "leaderboards rebuilt at: 2026-01-05T00:00:00.000Z\n"
        "\n"
        "model                            before  after  moved\n"
        "m-bob                                 2      1     +1\n"
        "m-ann                                 1      2     -1\n"
    )
    again = runner.invoke(app, arguments)
    assert again.stdout.encode() == first.stdout.encode()
    assert order(scored) == ["m-ann", "m-bob"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--ranker-config", "{nope"], "ranker-config: is not JSON"),
        (["--ranker", "nope"], "unknown ranker 'nope'"),
        (["--from", "soon"], "from:"),
        (["--from", "2026-01-06T00:00:00Z"], "from: must not be after --to"),
    ],
)
def test_cli_errors_are_one_line(scored: Database, extra: list[str], message: str) -> None:
    result = runner.invoke(
        app,
        ["rescore", "--competition", "c1", "--to", str(T0), "--database-url", scored.url, *extra],
    )
    assert result.exit_code == 1
    assert message in result.output


def stored_entries(database: Database) -> list[tuple[object, ...]]:
    view = reports.leaderboard(database, competition_id="c1")
    return [
        (e.rank, e.model_id, e.score_recent, e.score_steady, e.score_anchor, e.combined_score)
        for e in view.entries
    ]


def test_rescoring_twice_stores_the_same_leaderboard(scored: Database) -> None:
    rescore(scored, competition_id="c1", start_ms=0, end_ms=T0)
    first = stored_entries(scored)
    rescore(scored, competition_id="c1", start_ms=0, end_ms=T0)
    assert stored_entries(scored) == first
    assert [entry[1] for entry in first] == ["m-ann", "m-bob"]


def test_the_report_text_marks_new_and_gone_models() -> None:
    report = RescoreReport(
        "c1", 0, T0, dry_run=False, rescored=3, leaderboards_at=[T0 - HOUR_MS, T0]
    )
    report.diff = rank_diff({"a": 1, "gone": 2}, {"b": 1, "a": 2}, {"a": "A"})
    assert format_report(report) == (
        "competition c1: 3 prediction(s) rescored, 0 failed (written)\n"
        "leaderboards rebuilt at: 2 instants, 2026-01-04T23:00:00.000Z to 2026-01-05T00:00:00.000Z\n"
        "\n"
        "model                            before  after  moved\n"
        "b                                     -      1    new\n"
        "a                                     1      2     -1\n"
        "gone                                  2      -   gone\n"
    )
