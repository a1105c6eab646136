"""The whole schema: every table module imported, so that ``metadata`` holds all the tables.

Alembic (``migrations/env.py``) and the tests read ``metadata`` from here. A new table module
is imported below, once.
"""

from podium.store import (
    collection_tables,  # noqa: F401 - imported for its tables
    tables,  # noqa: F401 - imported for its tables
)
from podium.store.tables import metadata

__all__ = ["metadata"]
