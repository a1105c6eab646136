"""Plugins: the kinds Podium knows, their protocols, and its built-in implementations.

``SCORING_FUNCTIONS``, ``RESOLVERS``, ``RANKERS``, ``METRICS`` and ``SCORERS`` find plugins by
entry-point name (the built-ins included) or ``module:attr`` string; see
``podium.plugins.registry``.
"""

from __future__ import annotations

import inspect

from podium.plugins.collection_scorer_protocol import CollectionScorerProtocol
from podium.plugins.protocols import Metric, Ranker, Resolver, ScoringFunction
from podium.plugins.registry import PluginKind
from podium.plugins.scorer_protocol import ScorerProtocol
from podium.plugins.weighted_scorer import PLUGIN_ID as WEIGHTED_SCORER_ID
from podium.plugins.weighted_scorer import SEED_ENTRYPOINT as WEIGHTED_SCORER_SEED_ENTRYPOINT


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

# Scorers of attempt challenges (``podium.plugins.scorer_protocol``).
SCORERS: PluginKind[ScorerProtocol] = PluginKind(
    kind="scorer",
    group="podium.scorers",
    check=_has_method("score"),
    aliases={WEIGHTED_SCORER_SEED_ENTRYPOINT: WEIGHTED_SCORER_ID},
)

# Scorers of collections with the ``custom`` strategy (``collection_scorer_protocol``).
COLLECTION_SCORERS: PluginKind[CollectionScorerProtocol] = PluginKind(
    kind="collection scorer", group="podium.collection_scorers", check=_has_method("score")
)

PLUGIN_KINDS: tuple[PluginKind[object], ...] = (  # type: ignore[assignment]
    SCORING_FUNCTIONS,
    RESOLVERS,
    RANKERS,
    METRICS,
    SCORERS,
    COLLECTION_SCORERS,
)

__all__ = [
    "COLLECTION_SCORERS",
    "METRICS",
    "PLUGIN_KINDS",
    "RANKERS",
    "RESOLVERS",
    "SCORERS",
    "SCORING_FUNCTIONS",
    "PluginKind",
]
