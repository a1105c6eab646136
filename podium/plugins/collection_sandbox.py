"""Running collection scorer plugins: in-process for Podium's own, else in the scorer sandbox.

The same rules as attempt scorers (``podium.plugins.sandbox``): the plugin's result must carry
a finite ``score`` (negative ones clamped to 0); a timeout, a crash, an exception or junk is a
``ScorerFailedError`` whose message is for the operator's log only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from podium.domain.challenges import read_scoring_result
from podium.errors import PluginConfigError, PodiumError
from podium.plugins.collection_scorer_protocol import (
    ChallengeBest,
    CollectionScorerProtocol,
    CollectionScoringContext,
)
from podium.plugins.sandbox import Checked, Scored, ScorerFailedError, ScorerSandbox
from podium.plugins.sandbox_batch import score_batch

_GROUP = "podium.collection_scorers"


def _loaded(spec: str) -> CollectionScorerProtocol:
    from podium.plugins import COLLECTION_SCORERS  # imported lazily, on first use

    return COLLECTION_SCORERS.shared(spec)


def score_collection_here(
    spec: str,
    config: Mapping[str, Any],
    bests: list[ChallengeBest],
    ctx: CollectionScoringContext,
) -> float:
    result = _loaded(spec).score(bests, dict(config), ctx)
    score, _details = read_scoring_result(result)
    return score


def scored_collection_here(
    spec: str,
    config: Mapping[str, Any],
    bests: list[ChallengeBest],
    ctx: CollectionScoringContext,
) -> Scored:
    """``score_collection_here`` as a batch item's result (a score, no details)."""
    return score_collection_here(spec, config, bests, ctx), None


def _check_in_worker(spec: str, config: dict[str, Any]) -> Checked:
    """Load the collection scorer and validate its config: ("ok", config) or an error."""
    from podium.plugins import COLLECTION_SCORERS

    try:
        settings = COLLECTION_SCORERS.validate_config(spec, config)
        COLLECTION_SCORERS.create(spec, settings)
    except PluginConfigError as error:
        return "config", error.message, [(p.field, p.message) for p in error.problems]
    except PodiumError as error:
        return "plugin", error.message, []
    except BaseException as error:  # SystemExit at import included
        return (
            "plugin",
            f"collection scorer {spec!r} failed to load: {type(error).__name__}: {error}",
            [],
        )
    return "ok", settings, []


def check_collection_scorer_sandboxed(
    sandbox: ScorerSandbox, spec: str, config: Mapping[str, Any], *, timeout_s: float
) -> dict[str, Any]:
    """Load the plugin in a sandbox worker and validate its config there; the config with
    defaults, or ``PluginError`` / ``PluginConfigError`` as the registry raises them."""
    return sandbox.check(
        spec,
        config,
        timeout_s=timeout_s,
        checker=_check_in_worker,
        kind="collection scorer",
        group=_GROUP,
    )


def score_collections_sandboxed(
    sandbox: ScorerSandbox,
    spec: str,
    config: Mapping[str, Any],
    items: Sequence[tuple[list[ChallengeBest], CollectionScoringContext]],
    *,
    timeout_s: float,
) -> list[float | ScorerFailedError]:
    """Each player's ``(bests, ctx)`` scored in the sandbox as one batch
    (``podium.plugins.sandbox_batch``): their scores, or the failure of that player alone."""
    return [
        found if isinstance(found, ScorerFailedError) else found[0]
        for found in score_batch(
            sandbox, scored_collection_here, spec, config, items, timeout_s=timeout_s
        )
    ]
