"""``podium leaderboard show COMPETITION``: the latest leaderboard as a table in the terminal."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from podium.cli.app import DatabaseOption, app, console, load_cli_settings, open_database
from podium.cli.output import JsonOption, print_json
from podium.domain.leaderboard import OVERALL_CATEGORY
from podium.services import pages
from podium.web.templating import format_score, iso_time

leaderboard_app = typer.Typer(help="Leaderboards in the terminal.", no_args_is_help=True)
app.add_typer(leaderboard_app, name="leaderboard")

_STYLES = {"up": "green", "down": "red", "new": "magenta", "same": "dim"}


@leaderboard_app.command("show")
def leaderboard_show(
    competition: Annotated[str, typer.Argument(help="Competition id")],
    category: Annotated[str, typer.Option(help="overall, or a category")] = OVERALL_CATEGORY,
    limit: Annotated[int, typer.Option(min=1, help="Show the first N models")] = 50,
    sort: Annotated[str, typer.Option(help=f"One of {', '.join(pages.SORT_COLUMNS)}")] = "rank",
    descending: Annotated[bool, typer.Option("--desc", help="Sort descending")] = False,
    database_url: DatabaseOption = None,
    json_output: JsonOption = False,
) -> None:
    """The latest leaderboard: rank and change, model, player, window scores."""
    settings = load_cli_settings(database_url=database_url)
    with open_database(settings, migrate=False) as database:
        page = pages.leaderboard_page(
            database,
            competition_id=competition,
            category=category,
            sort=sort,
            descending=descending,
        )
    lines = page.lines[:limit]
    if json_output:
        print_json(
            {
                "competition_id": competition,
                "category": category,
                "leaderboard_id": page.leaderboard.id if page.leaderboard else None,
                "created_at": iso_time(page.leaderboard.created_at) if page.leaderboard else None,
                "entries": [
                    {
                        "rank": line.rank,
                        "rank_change": line.change.movement if line.change else None,
                        "rank_change_places": line.change.places if line.change else None,
                        "model_id": line.model_id,
                        "model_name": line.model_name,
                        "player_id": line.player_id,
                        "player_name": line.player_name,
                        "score_recent": line.score_recent,
                        "score_steady": line.score_steady,
                        "score_anchor": line.score_anchor,
                        "combined_score": line.combined_score,
                        "prediction_count": line.prediction_count,
                    }
                    for line in lines
                ],
            }
        )
        return
    if page.leaderboard is None:
        console.print(
            f"{page.competition.name}: no leaderboard yet (it comes with the first cycle)"
        )
        return
    table = Table(
        title=f"{page.competition.name} · {category}",
        caption=f"built {iso_time(page.leaderboard.created_at)}",
    )
    for name in ("rank", "±", "model", "player"):
        table.add_column(name)
    for name in ("recent", "steady", "anchor", "combined", "predictions"):
        table.add_column(name, justify="right")
    for line in lines:
        change = Text("")
        if line.change is not None:
            places = str(abs(line.change.places)) if line.change.places else ""
            change = Text(line.change.symbol + places, style=_STYLES[line.change.movement])
        table.add_row(
            str(line.rank),
            change,
            line.model_name,
            line.player_name,
            format_score(line.score_recent),
            format_score(line.score_steady),
            format_score(line.score_anchor),
            format_score(line.combined_score),
            str(line.prediction_count),
        )
    console.print(table)
