from __future__ import annotations

import pytest

from podium.errors import PluginConfigError, PluginError, PluginNotFoundError
from podium.plugins import RANKERS, RESOLVERS, SCORING_FUNCTIONS
from podium.plugins.registry import load_module_attr
from podium.plugins.scoring_functions import ProfitAndLoss, SquaredError
from tests.plugins import sample_plugins


def test_built_ins_are_found_through_their_entry_points() -> None:
    names = {info.name for info in SCORING_FUNCTIONS.available()}
    assert {"mse", "mae", "direction", "pnl", "crps"} <= names
    assert all(info.distribution == "podium" for info in SCORING_FUNCTIONS.available())
    assert {info.name for info in RESOLVERS.available()} >= {"explicit", "price_return"}
    assert "lexicographic" in {info.name for info in RANKERS.available()}
    assert isinstance(SCORING_FUNCTIONS.create("mse"), SquaredError)


def test_module_attr_strings_load_functions_classes_and_nested_attributes() -> None:
    assert SCORING_FUNCTIONS.create("tests.plugins.sample_plugins:brier") is sample_plugins.brier
    scaled = SCORING_FUNCTIONS.create("tests.plugins.sample_plugins:Scaled", {"factor": 3})
    assert isinstance(scaled, sample_plugins.Scaled)
    assert scaled.factor == 3
    nested = load_module_attr("tests.plugins.sample_plugins:Namespace.nested")
    assert nested is sample_plugins.brier


def test_config_is_validated_and_defaults_filled_in() -> None:
    assert SCORING_FUNCTIONS.validate_config("pnl", {}) == {"sizing": "sign"}
    assert isinstance(SCORING_FUNCTIONS.create("pnl", {"sizing": "linear"}), ProfitAndLoss)
    with pytest.raises(PluginConfigError) as unknown:
        SCORING_FUNCTIONS.validate_config("pnl", {"sizing": "linear", "leverage": 3})
    assert [problem.field for problem in unknown.value.problems] == ["config.leverage"]
    with pytest.raises(PluginConfigError, match="sizing"):
        SCORING_FUNCTIONS.validate_config("pnl", {"sizing": "huge"})
    with pytest.raises(PluginConfigError, match="takes no configuration"):
        SCORING_FUNCTIONS.validate_config("tests.plugins.sample_plugins:brier", {"x": 1})


@pytest.mark.parametrize(
    ("spec", "error", "message"),
    [
        ("nope", PluginNotFoundError, "unknown scoring function 'nope': known ones are crps"),
        ("no_such_module:thing", PluginNotFoundError, "module 'no_such_module' cannot be imported"),
        ("tests.plugins.sample_plugins:missing", PluginNotFoundError, "has no attribute 'missing'"),
        (
            "tests.plugins.sample_plugins:NOT_CALLABLE",
            PluginError,
            "neither a function nor a class",
        ),
        ("os:system; rm -rf /", PluginNotFoundError, "not of the form"),
        ("__import__('os'):x", PluginNotFoundError, "not of the form"),
    ],
)
def test_bad_plugin_names_fail_with_a_message_naming_the_plugin(
    spec: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        SCORING_FUNCTIONS.find(spec)


def test_a_resolver_must_have_a_resolve_method() -> None:
    with pytest.raises(PluginError, match=r"has no resolve\(\) method"):
        RESOLVERS.find("tests.plugins.sample_plugins:Scaled")
