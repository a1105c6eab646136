"""Scoring one attempt: by the challenge's built-in strategy, or by its scorer plugin.

Podium's own scorers (entry points of the ``podium`` distribution) are trusted and run in the
calling process. Every other plugin runs in the sandbox (``podium.plugins.sandbox``) with the
challenge's ``timeout_ms`` (default ``PODIUM_SCORER_TIMEOUT_MS``), unless
``PODIUM_SCORER_SANDBOX=false``. A plugin that fails in any way leaves the attempt with
``score=None`` and a generic ``failed_reason``; what went wrong is logged with the plugin id and
the time it took, and never shown to players.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from podium import metrics as prometheus
from podium.domain.challenges import AttemptOutcome, ScoringStrategy, builtin_score
from podium.plugins import SCORERS
from podium.plugins.registry import validate_config
from podium.plugins.sandbox import (
    Scored,
    ScorerFailedError,
    ScorerSandbox,
    score_here,
    shared_sandbox,
)
from podium.plugins.sandbox_batch import score_batch
from podium.plugins.scorer_protocol import AttemptMetrics, ScoringContext
from podium.settings import Settings
from podium.store.challenge_tables import ChallengeRow

log = logging.getLogger(__name__)

FAILED_REASON = "the challenge's scorer could not score this attempt"


@dataclass(frozen=True, slots=True)
class ScoreOutcome:
    score: float | None
    details: dict[str, Any] | None = None
    failed_reason: str | None = None


def scorer_spec(challenge: ChallengeRow) -> str | None:
    """What names the challenge's scorer: its entrypoint, else its plugin id."""
    return challenge.scoring_entrypoint or challenge.scoring_plugin_id


_trusted: frozenset[str] | None = None
_trusted_lock = threading.Lock()


def is_trusted(spec: str) -> bool:
    """Whether ``spec`` names one of Podium's own scorers (run in-process)."""
    global _trusted
    with _trusted_lock:
        if _trusted is None:
            _trusted = frozenset(
                info.name for info in SCORERS.available() if info.distribution == "podium"
            )
        return SCORERS.aliases.get(spec, spec) in _trusted


def scorer_target(spec: str) -> str:
    """What ``spec`` points at: the ``module:attr`` of its entry point or alias, or itself."""
    name = SCORERS.aliases.get(spec, spec)
    targets = {info.name: info.target for info in SCORERS.available()}
    return targets.get(name, name)


def is_known_scorer_id(name: str) -> bool:
    """Whether ``name`` is a registered scorer id (or alias), not a ``module:attr`` string."""
    return name in SCORERS.aliases or any(info.name == name for info in SCORERS.available())


def attempt_metrics(attempt: AttemptOutcome) -> AttemptMetrics:
    return {
        "succeeded": attempt.succeeded,
        "tokens_total": attempt.tokens_total,
        "elapsed_ms": attempt.elapsed_ms,
        "rating": attempt.rating,
        "created_at": attempt.created_at,
    }


class AttemptScorer:
    """Scores attempts of any challenge; one per process is enough."""

    def __init__(self, *, default_timeout_ms: int, sandbox: ScorerSandbox | None) -> None:
        self.default_timeout_ms = default_timeout_ms
        self.sandbox = sandbox

    @classmethod
    def for_settings(cls, settings: Settings) -> AttemptScorer:
        sandbox = (
            shared_sandbox(
                workers=settings.scorer_workers, memory_limit_mb=settings.scorer_memory_limit_mb
            )
            if settings.scorer_sandbox
            else None
        )
        return cls(default_timeout_ms=settings.scorer_timeout_ms, sandbox=sandbox)

    def validate(self, spec: str, config: Mapping[str, Any]) -> dict[str, Any]:
        """The scorer's config with defaults, checked where the scorer would run.

        A plugin is loaded in the sandbox (so a module that hangs or exits at import cannot
        harm the API process); built-ins, or all scorers without a sandbox, in-process.
        """
        if self.sandbox is None or is_trusted(spec):
            found = SCORERS.find(spec)
            return validate_config(found, dict(config), plugin=spec, kind=SCORERS.kind)
        return self.sandbox.check(spec, config, timeout_s=self.default_timeout_ms / 1000)

    def timeout_ms(self, challenge: ChallengeRow) -> int:
        return challenge.timeout_ms or self.default_timeout_ms

    def _context(
        self, challenge: ChallengeRow, attempt: AttemptOutcome, tenant_id: str
    ) -> ScoringContext:
        return {
            "tenant_id": tenant_id,
            "app_id": challenge.app_id or "",
            "workflow_id": challenge.workflow_id or "",
            "challenge_id": challenge.id,
            "end_user_id": attempt.end_user_id,
            "timeout_ms": self.timeout_ms(challenge),
        }

    def _sandbox_for(self, spec: str) -> ScorerSandbox | None:
        """Where ``spec`` runs: the sandbox, or ``None`` for this process."""
        return None if self.sandbox is None or is_trusted(spec) else self.sandbox

    def score(
        self, challenge: ChallengeRow, attempt: AttemptOutcome, *, tenant_id: str
    ) -> ScoreOutcome:
        strategy = ScoringStrategy(challenge.scoring_strategy)
        if strategy is not ScoringStrategy.CUSTOM:
            return _builtin(strategy, attempt)
        spec = scorer_spec(challenge)
        if spec is None:  # refused at creation; kept safe for rows written by other means
            return ScoreOutcome(score=None, failed_reason=FAILED_REASON)
        ctx = self._context(challenge, attempt, tenant_id)
        metrics = attempt_metrics(attempt)
        started = time.perf_counter()
        sandbox = self._sandbox_for(spec)
        try:
            if sandbox is None:
                score, details = score_here(spec, challenge.scoring_config, metrics, ctx)
            else:
                score, details = sandbox.score(
                    spec, challenge.scoring_config, metrics, ctx, timeout_s=ctx["timeout_ms"] / 1000
                )
        except (Exception, SystemExit) as error:  # a plugin in-process may call sys.exit
            _log_failures(spec, challenge, [error], started)
            return ScoreOutcome(score=None, failed_reason=FAILED_REASON)
        return ScoreOutcome(score=score, details=details)

    def score_many(
        self, challenge: ChallengeRow, attempts: Sequence[AttemptOutcome], *, tenant_id: str
    ) -> list[ScoreOutcome]:
        """The attempts of one challenge scored as one batch, in their order: a sandboxed
        plugin gets one round trip per sandbox worker (``podium.plugins.sandbox_batch``),
        not one per attempt. An attempt its plugin fails on fails alone, as in ``score``."""
        strategy = ScoringStrategy(challenge.scoring_strategy)
        if strategy is not ScoringStrategy.CUSTOM:
            return [_builtin(strategy, attempt) for attempt in attempts]
        spec = scorer_spec(challenge)
        if spec is None:
            return [ScoreOutcome(score=None, failed_reason=FAILED_REASON) for _ in attempts]
        if not attempts:
            return []
        shared = self._context(challenge, attempts[0], tenant_id)
        items = [
            (attempt_metrics(attempt), shared | {"end_user_id": attempt.end_user_id})
            for attempt in attempts
        ]
        started = time.perf_counter()
        sandbox = self._sandbox_for(spec)
        found: list[Scored | BaseException]
        if sandbox is None:
            found = [_scored_here(spec, challenge.scoring_config, item) for item in items]
        else:
            found = list(
                score_batch(
                    sandbox,
                    score_here,
                    spec,
                    challenge.scoring_config,
                    items,
                    timeout_s=self.timeout_ms(challenge) / 1000,
                )
            )
        failures = [result for result in found if isinstance(result, BaseException)]
        if failures:
            _log_failures(spec, challenge, failures, started)
        return [
            ScoreOutcome(score=None, failed_reason=FAILED_REASON)
            if isinstance(result, BaseException)
            else ScoreOutcome(score=result[0], details=result[1])
            for result in found
        ]


def _builtin(strategy: ScoringStrategy, attempt: AttemptOutcome) -> ScoreOutcome:
    return ScoreOutcome(
        score=builtin_score(strategy, attempt),
        details={"strategy": strategy.value, "metric": strategy.metric},
    )


def _scored_here(
    spec: str, config: Mapping[str, Any], item: tuple[AttemptMetrics, ScoringContext]
) -> Scored | BaseException:
    try:
        return score_here(spec, config, *item)
    except (Exception, SystemExit) as error:  # a plugin in-process may call sys.exit
        return error


def _log_failures(
    spec: str, challenge: ChallengeRow, errors: Sequence[BaseException], started: float
) -> None:
    """One log line for the failures of a call (the first one's reason), and each counted."""
    first = errors[0]
    log.warning(
        "scorer %s (plugin id %s) failed on %d attempt(s) of challenge %s after %.1f ms: %s: %s",
        spec,
        challenge.scoring_plugin_id,
        len(errors),
        challenge.id,
        (time.perf_counter() - started) * 1000,
        type(first).__name__,
        first,
    )
    for error in errors:
        prometheus.record_plugin_failure(
            spec, timed_out=isinstance(error, ScorerFailedError) and error.timed_out
        )
