"""``podium rescore``: replay stored predictions through a (possibly new) scoring function and
ranker, and rebuild past leaderboards, or (``--dry-run``) show how the leaderboard would move.

The diff goes to standard output as plain, fixed-width text (the same inputs print the same
bytes); the progress bar goes to standard error.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from podium.cli.app import DatabaseOption, app, errors, load_cli_settings, open_database
from podium.domain.timestamps import from_ms
from podium.errors import InvalidInputError
from podium.schemas.common import instant_ms, parse_instant
from podium.services.clock import wall_clock_ms
from podium.services.rescore import RescoreReport, rescore


def _instant(value: str | None, option: str, default: int) -> int:
    if value is None:
        return default
    try:
        return instant_ms(parse_instant(int(value) if value.lstrip("-").isdigit() else value))
    except (TypeError, ValueError) as error:
        raise InvalidInputError.for_field(option, str(error)) from None


def _config(value: str | None, option: str) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as error:
        raise InvalidInputError.for_field(option, f"is not JSON: {error.msg}") from None
    if not isinstance(parsed, dict):
        raise InvalidInputError.for_field(option, "must be a JSON object")
    return parsed


def _iso(at_ms: int) -> str:
    return from_ms(at_ms).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _rank(value: int | None) -> str:
    return "-" if value is None else str(value)


def format_report(report: RescoreReport) -> str:
    """The report as plain text: a summary line, then one line per model in new rank order."""
    mode = "dry run, nothing written" if report.dry_run else "written"
    instants = [_iso(at) for at in report.leaderboards_at]
    if len(instants) > 1:
        rebuilt = f"{len(instants)} instants, {instants[0]} to {instants[-1]}"
    else:
        rebuilt = instants[0] if instants else "none"
    lines = [
        f"competition {report.competition_id}: {report.rescored} prediction(s) rescored, "
        f"{report.failed} failed ({mode})",
        f"leaderboards rebuilt at: {rebuilt}",
        "",
        f"{'model':<32} {'before':>6} {'after':>6} {'moved':>6}",
    ]
    for move in report.diff:
        moved = move.moved
        if moved is None:
            shown = "new" if move.old_rank is None else "gone"
        else:
            shown = f"{moved:+d}" if moved else "0"
        lines.append(
            f"{move.model_id[:32]:<32} {_rank(move.old_rank):>6} {_rank(move.new_rank):>6} {shown:>6}"
        )
    return "\n".join(lines) + "\n"


@app.command("rescore")
def rescore_command(
    competition: Annotated[str, typer.Option(help="The competition to rescore")],
    start: Annotated[
        str | None,
        typer.Option(
            "--from", help="ISO 8601 or epoch ms; predictions resolvable from then [default: all]"
        ),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="ISO 8601 or epoch ms [default: now]")
    ] = None,
    scoring: Annotated[
        str | None, typer.Option(help="A new scoring function (id or module:attr)")
    ] = None,
    scoring_config: Annotated[
        str | None, typer.Option(help="Its JSON config [default: its defaults]")
    ] = None,
    ranker: Annotated[str | None, typer.Option(help="A new ranker (id or module:attr)")] = None,
    ranker_config: Annotated[
        str | None, typer.Option(help='Its JSON config, e.g. \'{"weights": {"anchor": 1}}\'')
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the leaderboard diff; write nothing")
    ] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Rescore stored predictions and rebuild leaderboards, or show the diff with --dry-run."""
    settings = load_cli_settings(database_url=database_url)
    end_ms = _instant(end, "to", wall_clock_ms())
    start_ms = _instant(start, "from", -(2**62))
    with (
        open_database(settings, migrate=False) as database,
        Progress(
            TextColumn("rescoring"),
            BarColumn(),
            MofNCompleteColumn(),
            console=errors,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task("rescore", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = rescore(
            database,
            competition_id=competition,
            start_ms=start_ms,
            end_ms=end_ms,
            scoring=scoring,
            scoring_config=_config(scoring_config, "scoring-config"),
            ranker=ranker,
            ranker_config=_config(ranker_config, "ranker-config"),
            dry_run=dry_run,
            batch_size=settings.score_batch,
            progress=advance,
        )
    typer.echo(format_report(report), nl=False)
