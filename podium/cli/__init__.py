"""The ``podium`` command. Each sibling module adds the commands of one noun to ``app``.

Exit codes: 0 success; 1 a user error (a clear message, no traceback); 2 a usage error.
"""

from podium.cli import (  # noqa: F401 - imported for their commands
    database,
    exporting,
    importing,
    keys,
    leaderboards,
    plugins,
    rescore,
    serving,
)
from podium.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
