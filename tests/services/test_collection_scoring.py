"""Custom collection scorers run sandboxed: a hanging plugin costs its player, not the service."""

from __future__ import annotations

from podium.domain.collections import SuccessfulAttempt
from podium.plugins.sandbox import ScorerSandbox
from podium.services.collections import CollectionScorer
from podium.store.collection_tables import CollectionRow

BESTS = [
    SuccessfulAttempt(attempt_id=1, challenge_id="a", end_user_id="ann", created_at=0, score=2)
]


def collection(plugin: str) -> CollectionRow:
    return CollectionRow(
        id="s",
        tenant_id="default",
        name="S",
        strategy="custom",
        scoring_plugin_id=f"tests.plugins.collection_scorers:{plugin}",
        scoring_config={},
    )


def test_a_hanging_plugin_gives_none_and_the_next_one_scores() -> None:
    sandbox = ScorerSandbox(workers=1, memory_limit_mb=1024)
    try:
        scorer = CollectionScorer(timeout_ms=300, sandbox=sandbox)
        assert scorer.score(collection("Hangs"), "ann", BESTS, ["a"]) is None
        assert scorer.score(collection("Raises"), "ann", BESTS, ["a"]) == 1.0
        assert scorer.score(collection("Raises"), "bob", BESTS, ["a"]) is None
    finally:
        sandbox.close()


def test_built_ins_run_in_process() -> None:
    scorer = CollectionScorer(timeout_ms=300, sandbox=None)
    row = collection("x")
    row.scoring_plugin_id = "builtin.weighted_sum"
    assert scorer.score(row, "ann", BESTS, ["a"]) == 2.0


def test_the_players_of_a_board_are_scored_as_one_batch_and_fail_alone() -> None:
    two = [*BESTS, SuccessfulAttempt(attempt_id=2, challenge_id="b", end_user_id="x", created_at=0)]
    bests = {"ann": BESTS, "bob": BESTS, "cat": two, "dan": BESTS}
    sandbox = ScorerSandbox(workers=2, memory_limit_mb=1024)
    try:
        scorer = CollectionScorer(timeout_ms=300, sandbox=sandbox)
        assert scorer.score_many(collection("HangsOnBob"), bests, ["a", "b"]) == {
            "ann": 1.0,
            "bob": None,
            "cat": 2.0,
            "dan": 1.0,
        }
        assert scorer.score_many(collection("Junk"), bests, ["a"]) == {
            "ann": 0.0,
            "bob": None,
            "cat": 0.0,
            "dan": 0.0,
        }
    finally:
        sandbox.close()
    in_process = CollectionScorer(timeout_ms=300, sandbox=None)
    assert in_process.score_many(collection("Raises"), bests, ["a"]) == {
        "ann": 1.0,
        "bob": None,
        "cat": 1.0,
        "dan": 1.0,
    }
