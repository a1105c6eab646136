"""``podium import predictions|observations|truths FILE``: CSV or JSON lines, row by row.

Exit codes: 0 when every row was stored or already stored; 1 when some row was rejected (the
others are stored all the same) or the file cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from podium.cli.app import DatabaseOption, app, console, load_cli_settings, open_database
from podium.cli.output import JsonOption, QuietOption, print_json, progress
from podium.services import imports
from podium.services.clock import wall_clock_ms

import_app = typer.Typer(help="Import data from files.", no_args_is_help=True)
app.add_typer(import_app, name="import")

SHOWN_REJECTIONS = 20

FileArgument = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV or JSON lines")
]
CompetitionOption = Annotated[str, typer.Option("--competition", "-c", help="Competition id")]
FormatOption = Annotated[
    imports.FileFormat | None,
    typer.Option("--format", help="csv or jsonl [default: from the file's suffix]"),
]
BatchSizeOption = Annotated[
    int, typer.Option(min=1, max=1_000_000, help="Rows sent to the store per transaction")
]


@import_app.command("predictions")
def import_predictions(
    file: FileArgument,
    competition: CompetitionOption,
    file_format: FormatOption = None,
    batch_size: BatchSizeOption = 5_000,
    database_url: DatabaseOption = None,
    quiet: QuietOption = False,
    json_output: JsonOption = False,
) -> None:
    """Validate and store predictions; rejected rows are listed with their line and reason.

    Safe to re-run: rows already stored are counted as duplicates and not stored again.
    """
    _import(
        imports.PREDICTIONS,
        file,
        competition,
        file_format,
        batch_size,
        database_url,
        quiet,
        json_output,
    )


@import_app.command("observations")
def import_observations(
    file: FileArgument,
    competition: CompetitionOption,
    file_format: FormatOption = None,
    batch_size: BatchSizeOption = 5_000,
    database_url: DatabaseOption = None,
    quiet: QuietOption = False,
    json_output: JsonOption = False,
) -> None:
    """Validate and store observations (asset, ts, value); rejected rows are listed.

    Safe to re-run: points already stored with the same value are counted as duplicates; a
    different value for a stored asset and ts is rejected, never overwritten.
    """
    _import(
        imports.OBSERVATIONS,
        file,
        competition,
        file_format,
        batch_size,
        database_url,
        quiet,
        json_output,
    )


@import_app.command("truths")
def import_truths(
    file: FileArgument,
    competition: CompetitionOption,
    file_format: FormatOption = None,
    batch_size: BatchSizeOption = 5_000,
    database_url: DatabaseOption = None,
    quiet: QuietOption = False,
    json_output: JsonOption = False,
) -> None:
    """Validate and store explicit truths (param_id, ts, value); rejected rows are listed.

    Safe to re-run: truths already stored with the same value are counted as duplicates; a
    different value for a stored param and ts is rejected, never overwritten.
    """
    _import(
        imports.TRUTHS, file, competition, file_format, batch_size, database_url, quiet, json_output
    )


def _import(
    kind: imports.RowKind,
    file: Path,
    competition: str,
    file_format: imports.FileFormat | None,
    batch_size: int,
    database_url: str | None,
    quiet: bool,
    json_output: bool,
) -> None:
    settings = load_cli_settings(database_url=database_url)
    fmt = imports.file_format(file, file_format)
    total = imports.count_rows(file, fmt)
    with (
        open_database(settings, migrate=False) as database,
        progress(
            f"importing {file.name}", total=total, enabled=not (quiet or json_output)
        ) as advance,
    ):
        summary = imports.import_rows(
            database,
            kind,
            competition_id=competition,
            rows=imports.read_rows(file, fmt, kind),
            now_ms=wall_clock_ms(),
            batch_size=min(batch_size, settings.ingest_max_rows),
            max_clock_skew_ms=round(settings.max_clock_skew * 1000),
            on_rows=advance,
        )
    if json_output:
        print_json(summary.as_dict())
    elif not quiet:
        console.print(
            f"{summary.rows} rows: {summary.accepted} accepted "
            f"({summary.stored} stored, {summary.duplicates} already stored), "
            f"{summary.rejected} rejected",
            highlight=False,
        )
        if summary.rejections:
            table = Table("line", "field", "reason", title="Rejected rows")
            for rejection in summary.rejections[:SHOWN_REJECTIONS]:
                table.add_row(str(rejection.line), rejection.field, rejection.message)
            console.print(table)
            if summary.rejected > SHOWN_REJECTIONS:
                console.print(f"… and {summary.rejected - SHOWN_REJECTIONS} more (see --json)")
    if summary.rejections:
        raise typer.Exit(1)
