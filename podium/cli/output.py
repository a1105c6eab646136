"""What the data commands share: ``--quiet`` and ``--json``, and progress bars with an ETA.

A progress bar goes to standard error, and only to a terminal; ``--quiet`` and ``--json``
switch it off, so a script reading standard output gets the data or the JSON summary alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Protocol

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from podium.cli.app import console

QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bar and no summary; errors only")
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print a JSON document on stdout instead of tables")
]
progress_console = Console(stderr=True)


class Advance(Protocol):
    def __call__(self, count: int) -> None: ...


@contextmanager
def progress(description: str, *, total: int | None, enabled: bool) -> Iterator[Advance]:
    """A progress bar with done/total, elapsed time and ETA; ``advance(n)`` moves it."""
    if not enabled:
        yield lambda _count: None
        return
    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("elapsed"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=progress_console,
        transient=True,
    )
    with bar:
        task = bar.add_task(description, total=total)
        yield lambda count: bar.advance(task, count)


def print_json(document: Any) -> None:
    typer.echo(json.dumps(document, indent=2, default=str))


def say(message: str, *, quiet: bool) -> None:
    if not quiet:
        console.print(message, highlight=False)
