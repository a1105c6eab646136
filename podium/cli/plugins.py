"""``podium plugins``: what is installed."""

from __future__ import annotations

from rich.table import Table

from podium.cli.app import console, plugins_app
from podium.plugins import PLUGIN_KINDS


@plugins_app.command("list")
def plugins_list() -> None:
    """The plugins installed, by kind: built-ins and those of other packages."""
    table = Table("kind", "id", "target", "package")
    for kind in PLUGIN_KINDS:
        for info in kind.available():
            table.add_row(kind.kind, info.name, info.target, info.distribution or "")
    console.print(table)
