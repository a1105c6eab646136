"""The public surface of ``podium`` is complete and importable."""

from __future__ import annotations

import importlib
import inspect

import podium

# Modules whose public classes and functions are part of the public surface.
PUBLIC_MODULES = (
    "podium.domain.access",
    "podium.domain.due_batch",
    "podium.domain.leaderboard",
    "podium.domain.model",
    "podium.domain.predictions",
    "podium.domain.ranking",
    "podium.domain.series",
    "podium.domain.standings",
    "podium.domain.windows",
    "podium.errors",
    "podium.plugins.protocols",
    "podium.plugins.scorer_protocol",
    "podium.plugins.collection_scorer_protocol",
)
# Public in their modules, but plumbing rather than API.
INTERNAL = {"podium.domain.predictions.normalize_payload"}


def test_every_name_in_all_is_importable() -> None:
    for name in podium.__all__:
        assert hasattr(podium, name), name
    assert podium.__all__ == sorted(podium.__all__)


def test_every_public_class_and_function_of_the_public_modules_is_exported() -> None:
    missing = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if name.startswith("_") or not (inspect.isclass(value) or inspect.isfunction(value)):
                continue
            qualified = f"{module_name}.{name}"
            if qualified in INTERNAL:
                continue
            if getattr(value, "__module__", None) == module_name and name not in podium.__all__:
                missing.append(qualified)
    assert missing == []
