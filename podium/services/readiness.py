"""Readiness: may this process take traffic? The database answers and its schema is current."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from podium.store import migrator
from podium.store.database import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReadinessReport:
    database: bool
    migrations: bool

    @property
    def ready(self) -> bool:
        return self.database and self.migrations


@cache
def _head_revision() -> str | None:
    return migrator.head_revision()


def check_readiness(db: Database) -> ReadinessReport:
    try:
        with db.read() as session:
            session.execute(text("SELECT 1"))
        migrations = migrator.current_revision(db.engine) == _head_revision()
    except SQLAlchemyError as error:
        log.warning("not ready: the database does not answer (%s)", error.__class__.__name__)
        return ReadinessReport(database=False, migrations=False)
    if not migrations:
        log.warning("not ready: the database schema is not at the migrations' head")
    return ReadinessReport(database=True, migrations=migrations)
