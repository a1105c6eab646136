"""The sandbox contains every kind of misbehaving plugin, and keeps serving afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from podium.errors import PluginConfigError, PluginError
from podium.plugins.sandbox import ScorerFailedError, ScorerSandbox
from podium.plugins.scorer_protocol import ScoringContext

CTX: ScoringContext = {
    "tenant_id": "t",
    "app_id": "",
    "workflow_id": "",
    "challenge_id": "c",
    "end_user_id": "u",
    "timeout_ms": 500,
}
HOSTILE = "tests.plugins.hostile_scorers:"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ScorerSandbox]:
    pool = ScorerSandbox(workers=1, memory_limit_mb=512)
    yield pool
    pool.close()


@pytest.mark.parametrize(
    ("plugin", "reason"),
    [
        ("Raises", "RuntimeError"),
        ("NoScore", "no 'score'"),
        ("Junk", "not a dict"),
        ("NotANumber", "not a finite number"),
        ("Loops", "timed out"),
        ("Sleeps", "timed out"),
        ("EatsMemory", "MemoryError"),
        ("ExitsHard", "died"),
        ("Segfaults", "died"),
        ("CallsSysExit", "SystemExit"),
        ("NoScoreMethod", r"no score\(\) method"),
        ("Missing", "has no attribute"),
    ],
)
def test_a_failing_plugin_fails_its_attempt_only(
    sandbox: ScorerSandbox, plugin: str, reason: str
) -> None:
    # Only the plugins that never return need a short timeout; the others fail on their own.
    timeout_s = 0.5 if reason == "timed out" else 20.0
    with pytest.raises(ScorerFailedError, match=reason):
        sandbox.score(HOSTILE + plugin, {}, {"rating": 1}, CTX, timeout_s=timeout_s)
    # The pool has replaced whatever died and scores the next attempt normally.
    score, details = sandbox.score(
        HOSTILE + "Doubler", {"factor": 3.0}, {"rating": 2}, CTX, timeout_s=5
    )
    assert score == 6.0
    assert details is not None
    assert details["ctx"]["challenge_id"] == "c"


def test_negative_scores_are_clamped(sandbox: ScorerSandbox) -> None:
    assert sandbox.score(HOSTILE + "Negative", {}, {}, CTX, timeout_s=5) == (0.0, None)


def test_check_validates_a_plugin_in_a_worker(sandbox: ScorerSandbox) -> None:
    assert sandbox.check(HOSTILE + "Doubler", {}, timeout_s=20) == {"factor": 2.0}
    with pytest.raises(PluginConfigError) as caught:
        sandbox.check(HOSTILE + "Doubler", {"factor": "x", "other": 1}, timeout_s=20)
    assert [p.field for p in caught.value.problems] == ["config.factor", "config.other"]


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("tests.plugins.hostile_imports.exits:Scorer", "killed its process while loading"),
        ("tests.plugins.hostile_imports.hangs:Scorer", "took more than 1 s to load"),
        ("tests.plugins.hostile_imports.raises_system_exit:Scorer", "SystemExit"),
        ("tests.plugins.nope:Scorer", "cannot be imported"),
        (HOSTILE + "NoScoreMethod", r"no score\(\) method"),
    ],
)
def test_a_plugin_that_cannot_load_is_a_plugin_error(
    sandbox: ScorerSandbox, spec: str, reason: str
) -> None:
    with pytest.raises(PluginError, match=reason):
        sandbox.check(spec, {}, timeout_s=1)
    assert sandbox.check(HOSTILE + "Doubler", {"factor": 1.0}, timeout_s=20) == {"factor": 1.0}
