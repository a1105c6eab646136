"""The whole schema: every table module imported, so that ``metadata`` holds all the tables.

Alembic (``migrations/env.py``) and the tests read ``metadata`` from here. A new table module
is imported below, once.
"""

from podium.store import (  # noqa: F401 - imported for their tables
    api_keys,
    challenge_tables,
    collection_tables,
    report_tables,
    tables,
)
from podium.store.tables import metadata

__all__ = ["metadata"]
