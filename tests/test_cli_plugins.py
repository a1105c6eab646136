"""``podium plugins list`` and ``podium plugins check`` through Typer's CliRunner."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from podium.cli import app
from podium.cli.app import console

runner = CliRunner()
WIDE = {"COLUMNS": "250"}


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "width", 250)  # the console was made before COLUMNS was set


def test_list_shows_the_scorers() -> None:
    result = runner.invoke(app, ["plugins", "list"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "builtin.weighted_scorer" in result.output
    assert "podium.plugins.weighted_scorer:WeightedScorer" in result.output


def test_check_a_built_in_scores_the_samples_with_defaults() -> None:
    result = runner.invoke(
        app, ["plugins", "check", "services.scorers.weighted:WeightedScorer"], env=WIDE
    )
    assert result.exit_code == 0, result.output
    assert '"success_bonus": 100.0' in result.output
    # 100 + 7×10 − 8 s − 1200 × 0.01
    assert "150" in result.output
    assert "ok: 5 attempt(s) scored in-process" in result.output


def test_check_a_plugin_in_the_sandbox_with_config_and_metrics() -> None:
    result = runner.invoke(
        app,
        [
            "plugins",
            "check",
            "tests.plugins.hostile_scorers:Doubler",
            "--config",
            '{"factor": 4}',
            "--metrics",
            '{"succeeded": true, "rating": 2.5}',
        ],
        env=WIDE,
    )
    assert result.exit_code == 0, result.output
    assert "│ 10 " in result.output
    assert "ok: 1 attempt(s) scored in the sandbox" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["builtin.weighted_scorer", "--config", '{"speed": 1}'], "scoring_config.speed"),
        (["builtin.weighted_scorer", "--config", "[1]"], "--config: must be a JSON object"),
        (["builtin.weighted_scorer", "--config", "{"], "--config: is not JSON"),
        (["no_such_module:Scorer"], "cannot be imported"),
        (["tests.plugins.hostile_scorers:Raises"], "5 of 5 attempt(s) failed"),
        (
            ["tests.plugins.hostile_scorers:Sleeps", "--timeout-ms", "200", "--metrics", "{}"],
            "1 of 1 attempt(s) failed",
        ),
    ],
)
def test_check_fails_with_a_message(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["plugins", "check", *args], env=WIDE)
    assert result.exit_code == 1
    assert message in result.output.replace("\n", " ")
