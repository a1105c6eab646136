"""Finding and configuring plugins, one way for every kind.

A plugin is named by a string and looked up in this order:

1. an entry point of the kind's group (``podium.scoring_functions``, ``podium.resolvers``,
   ``podium.rankers``…). Podium's own built-ins are registered there too, in its
   ``pyproject.toml``, exactly as a third-party package would register its plugins;
2. an alias of the kind (an old name kept working for a plugin that moved);
3. a ``module:attr`` string (``my_pkg.scoring:brier``, ``pkg.mod:Class.factory``), imported
   without ``eval``.

A plugin is a class or a plain callable. A class is instantiated with its configuration as
keyword arguments; when it declares a pydantic model named ``Config``, the configuration is
validated by it first (unknown keys and wrong types refused, defaults filled in). A plain
callable takes no configuration.
"""

from __future__ import annotations

import importlib
import inspect
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, ValidationError

from podium.errors import PluginConfigError, PluginError, PluginNotFoundError, Problem

T = TypeVar("T")

_DOTTED = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
_MODULE_ATTR = re.compile(rf"^(?P<module>{_DOTTED}):(?P<attr>{_DOTTED})$")
_shared: dict[tuple[str, str], object] = {}
_shared_lock = threading.Lock()


def load_module_attr(spec: str, *, kind: str = "plugin", group: str = "") -> object:
    """The object named by ``module:attr`` (attr may be dotted), imported without ``eval``."""
    match = _MODULE_ATTR.match(spec.strip())
    if match is None:
        raise PluginNotFoundError(
            f"{kind} {spec!r} is not of the form 'package.module:attribute'",
            plugin=spec,
            group=group,
        )
    module_name, attr_path = match["module"], match["attr"]
    try:
        found: object = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        raise PluginNotFoundError(
            f"{kind} {spec!r}: module {error.name or module_name!r} cannot be imported",
            plugin=spec,
            group=group,
        ) from None
    except Exception as error:
        raise PluginError(
            f"{kind} {spec!r}: importing {module_name!r} failed ({type(error).__name__}: {error})",
            plugin=spec,
            group=group,
        ) from None
    for part in attr_path.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise PluginNotFoundError(
                f"{kind} {spec!r}: {module_name!r} has no attribute {attr_path!r}",
                plugin=spec,
                group=group,
            ) from None
    return found


@dataclass(frozen=True, slots=True)
class PluginInfo:
    name: str
    target: str
    distribution: str | None


@dataclass(frozen=True)
class PluginKind(Generic[T]):
    """One kind of plugin: its entry-point group and the check a loaded plugin must pass."""

    kind: str
    group: str
    check: Callable[[object], str | None]
    aliases: Mapping[str, str] = field(default_factory=dict)

    def _entry_points(self) -> dict[str, EntryPoint]:
        return {point.name: point for point in entry_points(group=self.group)}

    def available(self) -> list[PluginInfo]:
        return [
            PluginInfo(
                name=point.name,
                target=point.value,
                distribution=point.dist.name if point.dist is not None else None,
            )
            for point in sorted(self._entry_points().values(), key=lambda point: point.name)
        ]

    def find(self, spec: str) -> object:
        """The plugin object (class or callable) named by ``spec``, checked."""
        name = self.aliases.get(spec, spec)
        points = self._entry_points()
        if name in points:
            try:
                found = points[name].load()
            except Exception as error:
                raise PluginError(
                    f"{self.kind} {spec!r} ({points[name].value}) failed to load: "
                    f"{type(error).__name__}: {error}",
                    plugin=spec,
                    group=self.group,
                ) from None
        elif ":" in name:
            found = load_module_attr(name, kind=self.kind, group=self.group)
        else:
            known = ", ".join(sorted(points)) or "none"
            raise PluginNotFoundError(
                f"unknown {self.kind} {spec!r}: known ones are {known}, "
                "or name one as 'package.module:attribute'",
                plugin=spec,
                group=self.group,
            )
        complaint = self.check(found)
        if complaint is not None:
            raise PluginError(
                f"{self.kind} {spec!r} is not usable: {complaint}", plugin=spec, group=self.group
            )
        return found

    def shared(self, spec: str) -> T:
        """The plugin for plugins configured per call (scorers): a class instantiated without
        arguments, or the callable itself; loaded and made once per process."""
        with _shared_lock:
            found = _shared.get((self.group, spec))
            if found is None:
                loaded = self.find(spec)
                found = loaded() if inspect.isclass(loaded) else loaded
                _shared[(self.group, spec)] = found
            return cast(T, found)

    def validate_config(self, spec: str, config: Mapping[str, Any] | None) -> dict[str, Any]:
        """The configuration with defaults filled in, or ``PluginConfigError`` naming keys."""
        return validate_config(self.find(spec), dict(config or {}), plugin=spec, kind=self.kind)

    def create(self, spec: str, config: Mapping[str, Any] | None = None) -> T:
        """A ready-to-use plugin: the class instantiated with its configuration."""
        found = self.find(spec)
        settings = validate_config(found, dict(config or {}), plugin=spec, kind=self.kind)
        if not inspect.isclass(found):
            return found  # type: ignore[return-value]
        try:
            instance: T = cast(Callable[..., T], found)(**settings)
        except (TypeError, ValueError) as error:
            raise PluginConfigError(
                f"{self.kind} {spec!r} refused its configuration: {error}",
                [Problem("config", str(error))],
            ) from None
        return instance


def validate_config(
    found: object, config: dict[str, Any], *, plugin: str, kind: str = "plugin"
) -> dict[str, Any]:
    schema = getattr(found, "Config", None)
    if inspect.isclass(schema) and issubclass(schema, BaseModel):
        try:
            return schema.model_validate(config).model_dump(mode="json")
        except ValidationError as error:
            problems = [
                Problem(
                    "config." + ".".join(str(part) for part in item["loc"])
                    if item["loc"]
                    else "config",
                    item["msg"],
                )
                for item in error.errors()
            ]
            shown = "; ".join(f"{problem.field}: {problem.message}" for problem in problems)
            raise PluginConfigError(
                f"{kind} {plugin!r}: invalid config: {shown}", problems
            ) from None
    if config and not inspect.isclass(found):
        raise PluginConfigError(
            f"{kind} {plugin!r} takes no configuration, got keys {sorted(config)}",
            [Problem(f"config.{key}", "unknown key") for key in sorted(config)],
        )
    return config
