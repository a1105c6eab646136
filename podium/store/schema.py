"""The whole schema: every table module imported, so that ``metadata`` holds all the tables.

Alembic (``migrations/env.py``) and the tests read ``metadata`` from here. A new table module
is imported below, once.
"""

from podium.store import api_keys, report_tables, tables  # noqa: F401 - imported for their tables
from podium.store.tables import metadata

__all__ = ["metadata"]
