"""Podium's exceptions: one tree, each error knowing its HTTP status.

::

    PodiumError                         500  base class; carries a message and details
    ├── InvalidInputError               422  a value is wrong; ``problems`` names each field
    │   └── PluginConfigError           422  a plugin refused its configuration
    ├── UnauthorizedError               401  no valid API key (and the read is not public)
    ├── ForbiddenError                  403  the principal's role does not allow the action
    ├── NotFoundError                   404  an object does not exist (or is not yours)
    ├── ConflictError                   409  the request contradicts stored data
    ├── RateLimitedError                429  too many writes with one key; ``retry_after_s``
    ├── TooManyAttemptsError            429  an attempt limit of a challenge is reached
    ├── PluginError                     422  a plugin could not be found or loaded
    │   └── PluginNotFoundError         422  no built-in, entry point or module:attr matched
    └── ConfigurationError              500  settings refused at start-up (the CLI prints it)

Services raise these, never ``HTTPException``; ``podium.api.problems`` maps them to JSON in one
place, and the CLI prints their message without a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input: where (a dotted field path, with row index) and why."""

    field: str
    message: str
    index: int | None = None

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.index is not None:
            found["index"] = self.index
        return found


class PodiumError(Exception):
    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the response to this error carries (``Retry-After``…)."""
        return {}


class InvalidInputError(PodiumError):
    status_code = 422
    code = "invalid_input"

    def __init__(self, message: str, problems: Sequence[Problem] = (), **details: Any) -> None:
        super().__init__(message, **details)
        self.problems = list(problems)

    @classmethod
    def for_field(cls, field: str, message: str) -> InvalidInputError:
        return cls(f"{field}: {message}", [Problem(field, message)])

    @classmethod
    def for_rows(cls, problems: Sequence[Problem], *, noun: str = "row") -> InvalidInputError:
        shown = "; ".join(
            f"{noun} {problem.index}: {problem.field}: {problem.message}"
            for problem in problems[:5]
        )
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        return cls(
            f"{len(problems)} invalid {noun}(s), nothing was stored: {shown}{more}", problems
        )


class PluginConfigError(InvalidInputError):
    code = "invalid_plugin_config"


class UnauthorizedError(PodiumError):
    status_code = 401
    code = "unauthorized"

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="podium"'}


class RateLimitedError(PodiumError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message, retry_after_s=retry_after_s)
        self.retry_after_s = retry_after_s

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class ForbiddenError(PodiumError):
    status_code = 403
    code = "forbidden"


class NotFoundError(PodiumError):
    status_code = 404
    code = "not_found"

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key!r} was not found", kind=kind, key=key)
        self.kind = kind
        self.key = key


class ConflictError(PodiumError):
    status_code = 409
    code = "conflict"

    def __init__(self, message: str, problems: Sequence[Problem] = (), **details: Any) -> None:
        super().__init__(message, **details)
        self.problems = list(problems)


class TooManyAttemptsError(PodiumError):
    """Over a challenge's attempt limit; ``retry_at`` (epoch ms) is ``None`` when never."""

    status_code = 429
    code = "too_many_attempts"

    def __init__(
        self, message: str, *, limit: str, retry_at: int | None, retry_after_s: int | None
    ) -> None:
        super().__init__(message, limit=limit, retry_at=retry_at)
        self.limit = limit
        self.retry_at = retry_at
        self.retry_after_s = retry_after_s

    @property
    def headers(self) -> dict[str, str]:
        if self.retry_after_s is None:
            return {}
        return {"Retry-After": str(self.retry_after_s)}


class PluginError(PodiumError):
    status_code = 422
    code = "plugin_error"

    def __init__(self, message: str, *, plugin: str, group: str) -> None:
        super().__init__(message, plugin=plugin, group=group)
        self.plugin = plugin
        self.group = group


class PluginNotFoundError(PluginError):
    code = "plugin_not_found"


class ConfigurationError(PodiumError):
    code = "configuration_error"
