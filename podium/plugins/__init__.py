"""Plugins: the kinds Podium knows, their protocols, and its built-in implementations.

``SCORING_FUNCTIONS``, ``RESOLVERS``, ``RANKERS`` and ``METRICS`` find plugins by entry-point name (the
built-ins included) or ``module:attr`` string; see ``podium.plugins.registry``.
"""

from __future__ import annotations

import inspect

from podium.plugins.protocols import Metric, Ranker, Resolver, ScoringFunction
from podium.plugins.registry import PluginKind


def _callable_or_class(found: object) -> str | None:
    return None if callable(found) else "it is neither a function nor a class"


def _has_method(name: str):  # type: ignore[no-untyped-def]
    def check(found: object) -> str | None:
        if callable(getattr(found, name, None)):
            return None
        what = "class" if inspect.isclass(found) else type(found).__name__
        return f"the {what} has no {name}() method"

    return check


SCORING_FUNCTIONS: PluginKind[ScoringFunction] = PluginKind(
    kind="scoring function", group="podium.scoring_functions", check=_callable_or_class
)
RESOLVERS: PluginKind[Resolver] = PluginKind(
    kind="resolver", group="podium.resolvers", check=_has_method("resolve")
)
RANKERS: PluginKind[Ranker] = PluginKind(
    kind="ranker", group="podium.rankers", check=_has_method("rank")
)

METRICS: PluginKind[Metric] = PluginKind(
    kind="metric", group="podium.metrics", check=_has_method("compute")
)

PLUGIN_KINDS: tuple[PluginKind[object], ...] = (SCORING_FUNCTIONS, RESOLVERS, RANKERS, METRICS)  # type: ignore[assignment]

__all__ = ["METRICS", "PLUGIN_KINDS", "RANKERS", "RESOLVERS", "SCORING_FUNCTIONS", "PluginKind"]
