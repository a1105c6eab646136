"""``podium keys``: create (token printed once), list (never the token), revoke."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from podium.cli import app
from podium.domain.access import Role
from podium.services import api_keys
from podium.settings import Settings
from podium.store.database import Database

runner = CliRunner()


def test_create_list_revoke(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    created = runner.invoke(
        app, ["keys", "create", "--role", "ingest", "--tenant", "acme", "--database-url", url]
    )
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("pdm_")
    with Database(url) as database:
        principal = api_keys.authenticate(
            database, Settings(database_url=url), token=token, now_ms=1
        )
    assert principal is not None
    assert (principal.tenant_id, principal.role) == ("acme", Role.INGEST)
    listed = runner.invoke(app, ["keys", "list", "--database-url", url])
    assert principal.key_id in listed.output
    assert "acme" in listed.output
    assert token not in listed.output
    revoked = runner.invoke(app, ["keys", "revoke", str(principal.key_id), "--database-url", url])
    assert revoked.exit_code == 0, revoked.output
    with Database(url) as database:
        assert (
            api_keys.authenticate(database, Settings(database_url=url), token=token, now_ms=2)
            is None
        )


def test_bad_role_or_tenant_or_unknown_key_are_one_line_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    assert (
        runner.invoke(app, ["keys", "create", "--role", "root", "--database-url", url]).exit_code
        == 2
    )
    bad_tenant = runner.invoke(
        app, ["keys", "create", "--role", "read", "--tenant", "a b", "--database-url", url]
    )
    assert bad_tenant.exit_code == 1
    assert "tenant" in bad_tenant.output
    unknown = runner.invoke(app, ["keys", "revoke", "nope", "--database-url", url])
    assert unknown.exit_code == 1
    assert "API key 'nope' was not found" in unknown.output


def test_serve_on_a_public_address_without_keys_refuses_to_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'open.db'}"
    refused = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--database-url", url])
    assert refused.exit_code == 1
    assert "refusing to serve 0.0.0.0 without API keys" in refused.output
