"""The Jinja2 environment of the pages: autoescaping on, undefined names an error."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

STATIC_DIR = Path(str(resources.files("podium.web") / "static"))
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


def format_score(value: float | None) -> str:
    if value is None:
        return "—"
    if value != 0 and (abs(value) >= 10_000 or abs(value) < 0.001):
        return f"{value:.3e}"
    return f"{value:.4f}"


def iso_time(ms: int | None) -> str:
    if ms is None:
        return ""
    text = datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="seconds")
    return text.replace("+00:00", "Z")


def human_time(ms: int | None) -> str:
    if ms is None:
        return "never"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("podium.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["score"] = format_score
    environment.filters["iso_time"] = iso_time
    environment.filters["human_time"] = human_time
    return environment


ENVIRONMENT = _environment()


def render(template: str, **context: Any) -> str:
    return ENVIRONMENT.get_template(template).render(**context)


def static_file(name: str) -> tuple[bytes, str] | None:
    """The bytes and media type of a shipped static file; ``None`` for any other name."""
    path = STATIC_DIR / name
    if "/" in name or "\\" in name or path.suffix not in STATIC_TYPES or not path.is_file():
        return None
    return path.read_bytes(), STATIC_TYPES[path.suffix]
