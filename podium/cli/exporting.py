"""``podium export leaderboard|predictions|scores``: CSV, JSON lines or Parquet, with filters.

Data goes to ``--output`` (or standard output for CSV and JSON); the progress bar and summary
go to standard error, so ``podium export ... > file.csv`` works.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from podium.cli.app import DatabaseOption, app, load_cli_settings, open_database
from podium.cli.output import JsonOption, QuietOption, print_json, progress, progress_console
from podium.domain.leaderboard import OVERALL_CATEGORY
from podium.domain.predictions import PredictionStatus
from podium.domain.timestamps import MS_PER_DAY
from podium.errors import InvalidInputError
from podium.schemas.common import instant_ms, parse_instant
from podium.services import exports
from podium.services.clock import wall_clock_ms
from podium.store.predictions import PredictionFilter

export_app = typer.Typer(help="Export data as CSV, JSON lines or Parquet.", no_args_is_help=True)
app.add_typer(export_app, name="export")

CompetitionOption = Annotated[str, typer.Option("--competition", "-c", help="Competition id")]
FormatOption = Annotated[
    exports.ExportFormat, typer.Option("--format", "-f", help="csv, json (JSON lines) or parquet")
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", dir_okay=False, help="File to write [default: stdout]"),
]
ModelsOption = Annotated[
    list[str] | None, typer.Option("--model", "-m", help="Only this model (repeatable)")
]
StartOption = Annotated[
    str | None, typer.Option(help="From this instant (ISO 8601 or epoch ms), inclusive")
]
EndOption = Annotated[
    str | None, typer.Option(help="Up to this instant (ISO 8601 or epoch ms), inclusive")
]


def _instant(field: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return instant_ms(parse_instant(value))
    except ValueError as error:
        raise InvalidInputError.for_field(field, str(error)) from None


@contextmanager
def _target(output: Path | None, fmt: exports.ExportFormat) -> Iterator[IO[Any]]:
    if output is None:
        if fmt == "parquet":
            raise InvalidInputError.for_field("output", "Parquet needs a file: pass --output")
        yield sys.stdout
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        with output.open("wb") as binary:
            yield binary
    else:
        with output.open("w", encoding="utf-8", newline="") as text:
            yield text


def _write(
    export: exports.Export,
    *,
    what: str,
    fmt: exports.ExportFormat,
    output: Path | None,
    quiet: bool,
    json_output: bool,
) -> None:
    show = not (quiet or json_output)
    with (
        _target(output, fmt) as out,
        progress(f"exporting {what}", total=export.total, enabled=show) as advance,
    ):
        if fmt == "csv":
            written = exports.write_csv(export, out, advance)
        elif fmt == "json":
            written = exports.write_json_lines(export, out, advance)
        else:
            written = exports.write_parquet(export, out, advance)
    if json_output:
        print_json({"rows": written, "format": fmt, "output": str(output) if output else None})
    elif not quiet:
        where = str(output) if output else "stdout"
        progress_console.print(f"{written} {what} rows written to {where} ({fmt})", highlight=False)


@export_app.command("leaderboard")
def export_leaderboard(
    competition: CompetitionOption,
    file_format: FormatOption = "csv",
    output: OutputOption = None,
    category: Annotated[str, typer.Option(help="overall, or a category")] = OVERALL_CATEGORY,
    at: Annotated[
        str | None, typer.Option(help="The leaderboard as of this instant [default: latest]")
    ] = None,
    database_url: DatabaseOption = None,
    quiet: QuietOption = False,
    json_output: JsonOption = False,
) -> None:
    """The latest leaderboard (or the one as of --at), one row per model."""
    settings = load_cli_settings(database_url=database_url)
    with open_database(settings, migrate=False) as database:
        export = exports.leaderboard_export(
            database, competition_id=competition, category=category, at_ms=_instant("at", at)
        )
        _write(
            export,
            what="leaderboard",
            fmt=file_format,
            output=output,
            quiet=quiet,
            json_output=json_output,
        )


@export_app.command("predictions")
def export_predictions(
    competition: CompetitionOption,
    file_format: FormatOption = "csv",
    output: OutputOption = None,
    model: ModelsOption = None,
    start: StartOption = None,
    end: EndOption = None,
    status: Annotated[PredictionStatus | None, typer.Option(help="Only this status")] = None,
    database_url: DatabaseOption = None,
    quiet: QuietOption = False,
    json_output: JsonOption = False,
) -> None:
    """Predictions with their truth and score, in the order they were stored."""
    settings = load_cli_settings(database_url=database_url)
    where = PredictionFilter(
        competition_id=competition,
        model_ids=model or None,
        start_ms=_instant("start", start),
        end_ms=_instant("end", end),
        status=status.value if status is not None else None,
    )
    with open_database(settings, migrate=False) as database:
        _write(
            exports.predictions_export(database, where=where),
            what="prediction",
            fmt=file_format,
            output=output,
            quiet=quiet,
            json_output=json_output,
        )


@export_app.command("scores")
def export_scores(
    competition: CompetitionOption,
    file_format: FormatOption = "csv",
    output: OutputOption = None,
    model: ModelsOption = None,
    start: Annotated[
        str | None, typer.Option(help="From this instant [default: 7 days before --end]")
    ] = None,
    end: Annotated[str | None, typer.Option(help="Up to this instant [default: now]")] = None,
    database_url: DatabaseOption = None,
    quiet: QuietOption = False,
    json_output: JsonOption = False,
) -> None:
    """Each model's window scores at each scoring cycle (the score history)."""
    settings = load_cli_settings(database_url=database_url)
    end_ms = _instant("end", end) or wall_clock_ms()
    start_ms = _instant("start", start)
    if start_ms is None:
        start_ms = end_ms - 7 * MS_PER_DAY
    if start_ms > end_ms:
        raise InvalidInputError.for_field("start", "must not be after end")
    with open_database(settings, migrate=False) as database:
        _write(
            exports.scores_export(
                database,
                competition_id=competition,
                model_ids=model or None,
                start_ms=start_ms,
                end_ms=end_ms,
            ),
            what="score",
            fmt=file_format,
            output=output,
            quiet=quiet,
            json_output=json_output,
        )
