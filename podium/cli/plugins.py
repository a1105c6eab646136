"""``podium plugins``: what is installed, and trying a challenge scorer before using it."""

from __future__ import annotations

import json
from typing import Annotated, Any, cast

import typer
from rich.table import Table

from podium.cli.app import console, errors, plugins_app
from podium.domain.challenges import ScoringStrategy
from podium.errors import InvalidInputError
from podium.plugins import PLUGIN_KINDS
from podium.plugins.sandbox import score_here, shared_sandbox
from podium.plugins.scorer_protocol import AttemptMetrics, ScoringContext
from podium.services.attempt_scoring import AttemptScorer, is_trusted
from podium.services.challenges import checked_scoring
from podium.settings import load_settings


@plugins_app.command("list")
def plugins_list() -> None:
    """The plugins installed, by kind: built-ins and those of other packages."""
    table = Table("kind", "id", "target", "package")
    for kind in PLUGIN_KINDS:
        for info in kind.available():
            table.add_row(kind.kind, info.name, info.target, info.distribution or "")
    console.print(table)


SAMPLE_METRICS: tuple[tuple[str, AttemptMetrics], ...] = (
    (
        "a success",
        {
            "succeeded": True,
            "tokens_total": 1200,
            "elapsed_ms": 8_000,
            "rating": 7,
            "created_at": 0,
        },
    ),
    (
        "a failure",
        {
            "succeeded": False,
            "tokens_total": 300,
            "elapsed_ms": 2_000,
            "rating": 2,
            "created_at": 0,
        },
    ),
    (
        "zeros",
        {"succeeded": True, "tokens_total": 0, "elapsed_ms": 0, "rating": 0, "created_at": 0},
    ),
    (
        "nulls",
        {"succeeded": True, "tokens_total": None, "elapsed_ms": None, "rating": None},
    ),
    ("missing metrics", {}),
)


def _json_object(text: str, option: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInputError.for_field(option, f"is not JSON ({error})") from None
    if not isinstance(value, dict):
        raise InvalidInputError.for_field(option, "must be a JSON object")
    return value


@plugins_app.command("check")
def plugins_check(
    scorer: Annotated[
        str, typer.Argument(help="The scorer: 'module:Class' or a plugin id of podium.scorers")
    ],
    config: Annotated[str, typer.Option(help="Its scoring_config, as a JSON object")] = "{}",
    metrics: Annotated[
        str | None,
        typer.Option(help="Attempt metrics to score, as a JSON object [default: samples]"),
    ] = None,
    timeout_ms: Annotated[
        int | None, typer.Option(help="[default: PODIUM_SCORER_TIMEOUT_MS]")
    ] = None,
) -> None:
    """Load a challenge scorer, validate its config, and score sample attempts with it.

    The samples are scored as Podium would score attempts: in the sandbox, unless the scorer is
    a built-in or PODIUM_SCORER_SANDBOX is false. Exits with 1 if anything fails.
    """
    settings = load_settings()
    timeout = timeout_ms or settings.scorer_timeout_ms
    sandboxed = settings.scorer_sandbox and not is_trusted(scorer)
    sandbox = (
        shared_sandbox(workers=1, memory_limit_mb=settings.scorer_memory_limit_mb)
        if sandboxed
        else None
    )
    checked = checked_scoring(
        ScoringStrategy.CUSTOM,
        None,
        scorer,
        _json_object(config, "--config"),
        scorer=AttemptScorer(default_timeout_ms=timeout, sandbox=sandbox),
    )
    console.print(f"scorer {scorer}: loads; config {json.dumps(checked.config)}", highlight=False)
    samples = (
        SAMPLE_METRICS
        if metrics is None
        else (("your metrics", cast(AttemptMetrics, _json_object(metrics, "--metrics"))),)
    )
    table = Table("attempt", "metrics", "score", "details or failure")
    failures = 0
    for label, sample in samples:
        ctx: ScoringContext = {
            "tenant_id": "default",
            "app_id": "",
            "workflow_id": "",
            "challenge_id": "check",
            "end_user_id": "player",
            "timeout_ms": timeout,
        }
        try:
            if sandbox is None:
                score, details = score_here(scorer, checked.config, sample, ctx)
            else:
                score, details = sandbox.score(
                    scorer, checked.config, sample, ctx, timeout_s=timeout / 1000
                )
            table.add_row(label, json.dumps(sample), f"{score:g}", json.dumps(details))
        except Exception as error:
            failures += 1
            table.add_row(label, json.dumps(sample), "FAILED", f"{type(error).__name__}: {error}")
    console.print(table)
    where = "in the sandbox" if sandboxed else "in-process"
    if failures:
        errors.print(f"error: {failures} of {len(samples)} attempt(s) failed ({where})")
        raise typer.Exit(1)
    console.print(f"ok: {len(samples)} attempt(s) scored {where}")
