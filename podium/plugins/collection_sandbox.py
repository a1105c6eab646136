"""Running collection scorer plugins: in-process for Podium's own, else in the scorer sandbox.

The same rules as attempt scorers (``podium.plugins.sandbox``): the plugin's result must carry
a finite ``score`` (negative ones clamped to 0); a timeout, a crash, an exception or junk is a
``ScorerFailedError`` whose message is for the operator's log only.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Mapping
from typing import Any

import pebble

from podium.domain.challenges import read_scoring_result
from podium.errors import PluginConfigError, PodiumError
from podium.plugins.collection_scorer_protocol import (
    ChallengeBest,
    CollectionScorerProtocol,
    CollectionScoringContext,
)
from podium.plugins.sandbox import Checked, ScorerFailedError, ScorerSandbox

_GRACE_S = 30.0
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


def _score_in_worker(
    spec: str, config: dict[str, Any], bests: list[ChallengeBest], ctx: CollectionScoringContext
) -> tuple[bool, float | None, str]:
    try:
        return True, score_collection_here(spec, config, bests, ctx), ""
    except BaseException as error:  # SystemExit and MemoryError included
        return False, None, f"{type(error).__name__}: {error}"[:1000]


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


def score_collection_sandboxed(
    sandbox: ScorerSandbox,
    spec: str,
    config: Mapping[str, Any],
    bests: list[ChallengeBest],
    ctx: CollectionScoringContext,
    *,
    timeout_s: float,
) -> float:
    future = sandbox.schedule(
        _score_in_worker, (spec, dict(config), bests, dict(ctx)), timeout_s=timeout_s
    )
    try:
        succeeded, score, reason = future.result(timeout=timeout_s + _GRACE_S)
    except concurrent.futures.TimeoutError:
        future.cancel()  # type: ignore[no-untyped-call]
        raise ScorerFailedError(
            f"timed out after {timeout_s:g} s; the worker was replaced"
        ) from None
    except pebble.ProcessExpired as error:
        raise ScorerFailedError(
            f"the worker process died (exit code {error.exitcode}); it was replaced"
        ) from None
    except Exception as error:
        raise ScorerFailedError(f"{type(error).__name__}: {error}") from None
    if not succeeded or score is None:
        raise ScorerFailedError(reason)
    return score
