"""``predictions`` has no foreign keys: the ingest service keeps every prediction's model and
param existing (see ``PredictionRow``). These tests hold the three parts of that promise: the
service refuses what a key would have refused (and a model or param of another competition,
which a key would have let through), a batch's models and params are locked until it commits,
and nothing deletes or re-keys a model, a param or a competition.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute

import podium
from podium.errors import InvalidInputError
from podium.store.database import Database
from podium.store.roster import RosterRepository
from podium.store.tables import ModelRow, ParamRow
from tests import builders
from tests.conftest import T0

HOUR_MS = 3_600_000


def _two_competitions(database: Database) -> None:
    for competition_id, suffix in (("c1", "1"), ("c2", "2")):
        builders.competition(database, T0, competition_id=competition_id)
        builders.roster(
            database,
            T0,
            competition_id,
            models={f"m{suffix}": "ann"},
            params=[{"id": f"p{suffix}", "horizon": 3600}],
        )


def _prediction(model_id: str, param_id: str) -> dict[str, object]:
    return {
        "model_id": model_id,
        "param_id": param_id,
        "payload": 0.5,
        "performed_at": T0 - HOUR_MS,
    }


@pytest.mark.parametrize(
    ("model_id", "param_id", "field"),
    [
        ("ghost", "p1", "model_id"),
        ("m2", "p1", "model_id"),  # a model of another competition
        ("m1", "ghost", "param_id"),
        ("m1", "p2", "param_id"),  # a param of another competition
    ],
)
def test_a_prediction_names_a_model_and_a_param_of_its_competition(
    database: Database, model_id: str, param_id: str, field: str
) -> None:
    _two_competitions(database)
    with pytest.raises(InvalidInputError) as refused:
        builders.predictions(
            database, T0, "c1", [_prediction("m1", "p1"), _prediction(model_id, param_id)]
        )
    assert [(problem.field, problem.index) for problem in refused.value.problems] == [(field, 1)]
    assert builders.predictions(database, T0, "c1", [_prediction("m1", "p1")]).stored == 1
    with database.read() as session:
        orphans = session.execute(
            sa.text(
                "SELECT count(*) FROM predictions p "
                "LEFT JOIN models m ON m.id = p.model_id AND m.competition_id = p.competition_id "
                "LEFT JOIN params q ON q.competition_id = p.competition_id AND q.id = p.param_id "
                "WHERE m.id IS NULL OR q.id IS NULL"
            )
        ).scalar_one()
        total = session.execute(sa.text("SELECT count(*) FROM predictions")).scalar_one()
    assert (orphans, total) == (0, 1)


# PostgreSQL only: on SQLite the batch's write transaction excludes every other writer.
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_batchs_models_and_params_stay_locked_until_it_commits(database: Database) -> None:
    _two_competitions(database)
    with database.write() as session:
        roster = RosterRepository(session)
        assert roster.model_activity("c1", ["m1", "ghost"], lock=True) == {"m1": True}
        assert roster.param_horizons("c1", ["p1"], lock=True) == {"p1": 3600}
        with database.engine.connect() as other:
            other.execute(sa.text("SET lock_timeout = '200ms'"))
            # What an ingest locks can still be renamed or deactivated (not a key change)...
            other.execute(sa.update(ModelRow).where(ModelRow.id == "m1").values(name="M"))
            other.commit()
            # ...but neither deleted nor re-keyed while the batch is open.
            for statement in (
                sa.delete(ModelRow).where(ModelRow.id == "m1"),
                sa.update(ModelRow).where(ModelRow.id == "m1").values(id="m9"),
                sa.delete(ParamRow).where(ParamRow.id == "p1"),
                sa.update(ParamRow).where(ParamRow.id == "p1").values(id="p9"),
            ):
                with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                    other.execute(statement)
                other.rollback()
                other.execute(sa.text("SET lock_timeout = '200ms'"))
            # Rows the batch did not read stay free.
            other.execute(sa.update(ParamRow).where(ParamRow.id == "p2").values(step=1))
            other.rollback()


def test_no_route_deletes_a_competition_a_model_or_a_param(app: FastAPI) -> None:
    """Such a route must first delete the predictions (and scores) of what it removes, with a
    test here. Keys are never changed: ``CompetitionUpdate`` has no ``id``, and a model or
    param registered again keeps its keys (``RosterRepository.upsert_models``, ``upsert_params``;
    a model of another competition is refused, ``tests/api/test_roster.py``)."""
    removing = [
        route.path
        for route in app.routes
        if isinstance(route, APIRoute)
        and "DELETE" in route.methods
        and re.search(r"/(competitions|models|params)\b", route.path)
    ]
    assert removing == []


def test_nothing_in_the_code_deletes_models_params_or_competitions() -> None:
    """A grep, as a test: a ``delete`` of these tables in ``podium/`` must come with the
    deletion of their predictions (and a test here)."""
    pattern = re.compile(
        r"delete\((ModelRow|ParamRow|CompetitionRow)\)|DELETE FROM (models|params|competitions)\b",
        re.IGNORECASE,
    )
    found = [
        str(path)
        for path in Path(podium.__file__).parent.rglob("*.py")
        if "migrations" not in path.parts and pattern.search(path.read_text())
    ]
    assert found == []
