"""The whole schema: every table module imported, so that ``metadata`` holds all the tables.

Alembic (``migrations/env.py``) and the tests read ``metadata`` from here. A new table module
is imported below, once.
"""

from collections.abc import Callable
from typing import Any

from podium.store import (  # noqa: F401 - imported for their tables
    api_keys,
    challenge_tables,
    collection_tables,
    report_tables,
    tables,
)
from podium.store.tables import metadata

__all__ = ["declared_on", "metadata"]

IncludeObject = Callable[[Any, str | None, str, bool, Any], bool]


def declared_on(dialect: str) -> IncludeObject:
    """Alembic's ``include_object`` for a database of ``dialect``: leaves out what the tables
    declare for other dialects only (an index's ``ddl_if(dialect=…)``), which Alembic's
    comparison does not read by itself."""

    def include(item: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
        condition = None if reflected else getattr(item, "_ddl_if", None)
        if condition is None or condition.dialect is None:
            return True
        wanted = condition.dialect
        return dialect == wanted if isinstance(wanted, str) else dialect in wanted

    return include
