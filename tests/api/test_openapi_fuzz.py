"""Schemathesis against the app's own OpenAPI schema: generated requests, valid or hostile,
never get a 500, and every response matches the schema.

Bounded: a few examples per operation, on a SQLite store seeded with one competition.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from podium.api.app import create_app
from podium.settings import Settings
from podium.store.database import Database
from tests import builders
from tests.conftest import T0, FakeClock

EXAMPLES_PER_OPERATION = 6


@pytest.fixture
def api_schema(tmp_path: Path, sqlite_template: Path) -> Iterator[schemathesis.BaseSchema]:
    path = tmp_path / "fuzz.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    builders.competition(database, T0, competition_id="c1")
    builders.roster(database, T0, "c1", models={"m1": "ann"}, params=[{"id": "x"}])
    settings_ = Settings(database_url=database.url, write_rate_limit=0, default_competition="c1")
    app = create_app(settings_, database, clock=FakeClock())
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    database.dispose()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_errors_and_responses_match_the_schema(
    api_schema: schemathesis.BaseSchema, mode: GenerationMode
) -> None:
    """Valid requests (positive) and requests breaking the schema (negative, hostile input)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(
                checks=[not_a_server_error, response_schema_conformance, content_type_conformance]
            )

        try:
            call()
        except Unsatisfiable:
            # An operation without parameters or body has no invalid request to make.
            assert mode is GenerationMode.NEGATIVE, operation.label
