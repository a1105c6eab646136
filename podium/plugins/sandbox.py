"""Running scorer plugins in a pool of worker processes: real timeouts, a memory ceiling, crashes.

A plugin is code the operator installed but may not have written. Each attempt is scored in a
worker process of a `pebble <https://pypi.org/project/Pebble/>`_ ``ProcessPool``:

- a plugin that runs past its timeout (an endless loop, a sleep) has its worker killed;
- a worker's address space is capped (``RLIMIT_AS``), so a memory bomb gets ``MemoryError``;
- a worker that dies (``os._exit``, a segfault) is noticed and replaced by the pool;
- ``sys.exit`` and any other exception become a failure of that attempt only.

In every case the caller gets ``ScorerFailedError`` with the reason (for the log, not for players)
and the pool goes on serving the next attempts. ``check`` loads a plugin and validates its
config in a worker too, so that a module that hangs or exits at import cannot take the API
process with it. Workers are forked from a forkserver, never from the (threaded) API process.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import json
import multiprocessing
import resource
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import pebble

from podium.domain.challenges import read_scoring_result
from podium.errors import PluginConfigError, PluginError, PodiumError, Problem
from podium.plugins.registry import validate_config
from podium.plugins.scorer_protocol import AttemptMetrics, ScorerProtocol, ScoringContext

MIB = 1024 * 1024
# Time a worker gets, beyond the plugin's timeout, to hand its result back before the caller
# gives up waiting (the pool enforces the plugin's timeout itself).
_GRACE_S = 30.0

Scored = tuple[float, dict[str, Any] | None]
_GROUP = "podium.scorers"


class ScorerFailedError(Exception):
    """A plugin failed to score an attempt; the message is for the operator's log."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


def _scorer(spec: str) -> ScorerProtocol:
    """The plugin named ``spec``, loaded once per process."""
    from podium.plugins import SCORERS  # the worker imports plugins lazily, on first use

    return SCORERS.shared(spec)


def score_here(
    spec: str, config: Mapping[str, Any], metrics: AttemptMetrics, ctx: ScoringContext
) -> Scored:
    """Score in this process: the result checked, the score clamped to ≥ 0, details JSON-safe."""
    result = _scorer(spec).score(metrics, dict(config), ctx)
    score, details = read_scoring_result(result)
    if details is not None:
        details = json.loads(json.dumps(details, allow_nan=False, default=str))
    return score, details


def _score_in_worker(
    spec: str, config: Mapping[str, Any], metrics: AttemptMetrics, ctx: ScoringContext
) -> tuple[bool, Scored | None, str]:
    try:
        return True, score_here(spec, config, metrics, ctx), ""
    except BaseException as error:  # SystemExit and MemoryError included
        return False, None, f"{type(error).__name__}: {error}"[:1000]


Checked = tuple[str, Any, list[tuple[str, str]]]
"""What a check in a worker returns: ("ok", config, []) or ("config" | "plugin", message,
problems)."""


def _check_in_worker(spec: str, config: Mapping[str, Any]) -> Checked:
    """Load the scorer and validate its config: ("ok", config with defaults) or an error."""
    from podium.plugins import SCORERS

    try:
        found = SCORERS.find(spec)
        settings = validate_config(found, dict(config), plugin=spec, kind=SCORERS.kind)
    except PluginConfigError as error:
        return "config", error.message, [(p.field, p.message) for p in error.problems]
    except PodiumError as error:
        return "plugin", error.message, []
    except BaseException as error:  # SystemExit at import included
        return "plugin", f"scorer {spec!r} failed to load: {type(error).__name__}: {error}", []
    return "ok", settings, []


def _limit_memory(limit_bytes: int) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit_bytes = min(limit_bytes, hard)  # a process may lower its hard limit, not raise it
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


_T = TypeVar("_T")


class ScorerSandbox:
    """A pool of scorer worker processes, started on first use."""

    def __init__(self, *, workers: int, memory_limit_mb: int) -> None:
        self.workers = workers
        self.memory_limit_mb = memory_limit_mb
        self._pool: pebble.ProcessPool | None = None
        self._lock = threading.Lock()

    def _running_pool(self) -> pebble.ProcessPool:
        with self._lock:
            if self._pool is None or not self._pool.active:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["podium.plugins.sandbox"])
                self._pool = pebble.ProcessPool(
                    max_workers=self.workers,
                    initializer=_limit_memory,
                    initargs=(self.memory_limit_mb * MIB,),
                    context=context,
                )
            return self._pool

    def schedule(
        self, function: Callable[..., _T], args: tuple[Any, ...], *, timeout_s: float
    ) -> pebble.ProcessFuture[_T]:
        """Run ``function(*args)`` in a worker (the pool starts on first use); the worker is
        killed and replaced when it takes more than ``timeout_s``. ``function`` must be a
        module-level callable, its arguments and result picklable."""
        return self._running_pool().schedule(function, args=args, timeout=timeout_s)

    def score(
        self,
        spec: str,
        config: Mapping[str, Any],
        metrics: AttemptMetrics,
        ctx: ScoringContext,
        *,
        timeout_s: float,
    ) -> Scored:
        """The plugin's score in a worker, or ``ScorerFailedError`` saying why there is none."""
        future = self.schedule(
            _score_in_worker, (spec, dict(config), dict(metrics), dict(ctx)), timeout_s=timeout_s
        )
        try:
            succeeded, scored, reason = future.result(timeout=timeout_s + _GRACE_S)
        except concurrent.futures.TimeoutError:
            future.cancel()  # type: ignore[no-untyped-call]
            raise ScorerFailedError(
                f"timed out after {timeout_s:g} s; the worker was replaced", timed_out=True
            ) from None
        except pebble.ProcessExpired as error:
            raise ScorerFailedError(
                f"the worker process died (exit code {error.exitcode}); it was replaced"
            ) from None
        except Exception as error:
            raise ScorerFailedError(f"{type(error).__name__}: {error}") from None
        if not succeeded or scored is None:
            raise ScorerFailedError(reason)
        return scored

    def check(
        self,
        spec: str,
        config: Mapping[str, Any],
        *,
        timeout_s: float,
        checker: Callable[[str, dict[str, Any]], Checked] | None = None,
        kind: str = "scorer",
        group: str = _GROUP,
    ) -> dict[str, Any]:
        """Load the plugin in a worker and validate its config there; the config with defaults.

        ``checker`` runs in the worker (default: an attempt scorer's check); ``kind`` and
        ``group`` name the plugin kind in errors. Raises ``PluginError`` (it does not load: an
        import error, an import that hangs or kills its process) or ``PluginConfigError``
        (naming the keys), like the registry does.
        """
        future = self.schedule(
            checker or _check_in_worker, (spec, dict(config)), timeout_s=timeout_s
        )
        try:
            outcome, value, problems = future.result(timeout=timeout_s + _GRACE_S)
        except concurrent.futures.TimeoutError:
            future.cancel()  # type: ignore[no-untyped-call]
            reason = f"took more than {timeout_s:g} s to load"
        except pebble.ProcessExpired as error:
            reason = f"killed its process while loading (exit code {error.exitcode})"
        except Exception as error:
            reason = f"could not be loaded ({type(error).__name__}: {error})"
        else:
            if outcome == "config":
                raise PluginConfigError(value, [Problem(field, msg) for field, msg in problems])
            if outcome == "plugin":
                raise PluginError(value, plugin=spec, group=group)
            return dict(value)
        raise PluginError(f"{kind} {spec!r} {reason}", plugin=spec, group=group)

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.stop()  # type: ignore[no-untyped-call]
                self._pool.join()
                self._pool = None


_shared: dict[tuple[int, int], ScorerSandbox] = {}
_shared_lock = threading.Lock()


def shared_sandbox(*, workers: int, memory_limit_mb: int) -> ScorerSandbox:
    """The process's sandbox for these settings (one pool per process, closed at exit)."""
    with _shared_lock:
        key = (workers, memory_limit_mb)
        if key not in _shared:
            _shared[key] = ScorerSandbox(workers=workers, memory_limit_mb=memory_limit_mb)
        return _shared[key]


@atexit.register
def _close_shared() -> None:
    for sandbox in list(_shared.values()):
        sandbox.close()
