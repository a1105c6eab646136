"""Everything declared once is documented: settings, plugins, routes, CLI commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from podium.api.app import create_app
from podium.plugins import PLUGIN_KINDS
from podium.settings import Settings
from podium.store.database import Database

ROOT = Path(__file__).resolve().parent.parent


def text_of(*names: str) -> str:
    return "\n".join((ROOT / name).read_text() for name in names)


def all_docs() -> str:
    """The README and every page under docs/: a thing may be documented on any of them."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(page.read_text() for page in pages)


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field: str) -> None:
    assert f"`PODIUM_{field.upper()}`" in text_of("docs/configuration.md")


def test_every_built_in_plugin_is_documented() -> None:
    docs = all_docs()
    missing = [
        f"{kind.kind} {info.name}"
        for kind in PLUGIN_KINDS
        for info in kind.available()
        if info.distribution == "podium" and f"`{info.name}`" not in docs
    ]
    assert missing == []


def test_every_route_is_documented() -> None:
    with Database("sqlite://") as database:
        app = create_app(Settings(), database)
    docs = all_docs()
    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if f"`{method.upper()} {path}`" not in docs
    ]
    assert undocumented == []
