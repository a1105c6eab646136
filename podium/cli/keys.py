"""``podium keys``: create (the token is printed once), list and revoke API keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from podium.cli.app import DatabaseOption, app, console, load_cli_settings, open_database
from podium.domain.access import DEFAULT_TENANT, Role
from podium.domain.timestamps import from_ms
from podium.services import api_keys
from podium.services.clock import wall_clock_ms

keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _when(ms: int | None) -> str:
    return "-" if ms is None else from_ms(ms).isoformat(timespec="seconds").replace("+00:00", "Z")


@keys_app.command("create")
def create(
    role: Annotated[Role, typer.Option(help="admin, ingest or read")],
    tenant: Annotated[str, typer.Option(help="Tenant the key acts for")] = DEFAULT_TENANT,
    name: Annotated[str, typer.Option(help="A note saying who or what uses the key")] = "",
    database_url: DatabaseOption = None,
) -> None:
    """Create a key and print its token: it is shown this once and stored only hashed."""
    settings = load_cli_settings(database_url=database_url)
    with open_database(settings, migrate=False) as database:
        created = api_keys.create_key(
            database, role=role, tenant_id=tenant, name=name, now_ms=wall_clock_ms()
        )
    console.print(
        f"key {created.row.id} ({created.row.role}, tenant {created.row.tenant_id}); "
        "the token is shown once, keep it now:",
        highlight=False,
    )
    typer.echo(created.token)


@keys_app.command("list")
def list_keys(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """List keys (never their tokens): role, tenant, creation, last use, revocation."""
    settings = load_cli_settings(database_url=database_url)
    with open_database(settings, migrate=False) as database:
        rows = api_keys.list_keys(database, tenant_id=tenant)
    table = Table("role", "tenant", "name", "created", "last used", "revoked")
    table.add_column("id", no_wrap=True, min_width=16)
    for row in rows:
        table.add_row(
            row.role,
            row.tenant_id,
            row.name,
            _when(row.created_at),
            _when(row.last_used_at),
            _when(row.revoked_at),
            row.id,
        )
    console.print(table)


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (from `podium keys list`)")],
    database_url: DatabaseOption = None,
) -> None:
    """Revoke a key: requests with it are refused from now on (within seconds)."""
    settings = load_cli_settings(database_url=database_url)
    with open_database(settings, migrate=False) as database:
        row = api_keys.revoke_key(database, key_id=key_id, now_ms=wall_clock_ms())
    console.print(f"key {row.id} revoked at {_when(row.revoked_at)}", highlight=False)
