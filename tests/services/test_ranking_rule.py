"""min_predictions applies around any ranker, a third-party one included."""

from __future__ import annotations

import pytest

from podium.domain.model import Model, ModelScore, Player
from podium.errors import InvalidInputError
from podium.services.competitions import get_competition
from podium.services.ranking import DEFAULT_MIN_PREDICTIONS, ranking_rule
from podium.store.database import Database
from tests import builders
from tests.conftest import T0

RANKER = "tests.plugins.sample_rankers:ByName"


def model(name: str, count: int) -> Model:
    return Model(name, name, Player("p", "P"), score=ModelScore(prediction_count=count))


def test_a_third_party_ranker_never_sees_min_predictions(database: Database) -> None:
    builders.competition(
        database, T0, ranker=RANKER, ranker_config={"reverse": True, "min_predictions": 2}
    )
    stored = get_competition(database, competition_id="c1")
    assert stored.ranker_config == {"reverse": True, "min_predictions": 2}
    rule = ranking_rule(stored.ranker, stored.ranker_config)
    placements = rule.rank([model("a", 5), model("b", 1), model("c", 2)])
    assert [(p.model.model_id, p.rank) for p in placements] == [("c", 1), ("a", 2)]
    assert rule.excluded([model("b", 1)]) == {"b": "fewer than 2 scored predictions (1 so far)"}


def test_the_ranker_still_refuses_its_own_unknown_keys(database: Database) -> None:
    with pytest.raises(InvalidInputError) as caught:
        builders.competition(database, T0, ranker=RANKER, ranker_config={"colour": "red"})
    assert [problem.field for problem in caught.value.problems] == ["ranker_config.colour"]


def test_min_predictions_defaults_to_the_guides_100() -> None:
    rule = ranking_rule("lexicographic", {})
    assert rule.eligibility.min_predictions == DEFAULT_MIN_PREDICTIONS == 100
    assert rule.excluded([model("a", 99), model("b", 100)]) == {
        "a": "fewer than 100 scored predictions (99 so far)"
    }
    assert ranking_rule("lexicographic", {"min_predictions": 0}).excluded([model("a", 0)]) == {}
