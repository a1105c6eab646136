"""Freeze: after ``freeze_at`` the public sees standings as they were at that instant.

Attempts are still recorded after a freeze; only what is *shown* stops moving. An attempt is
visible on a frozen board when it was made strictly before ``freeze_at``. Admins reading with
``live=true`` see everything; clearing or moving ``freeze_at`` publishes what was held back.
"""

from __future__ import annotations


def visible_before(freeze_at: int | None, *, now_ms: int, live: bool = False) -> int | None:
    """The exclusive upper bound on ``created_at`` of what a reader sees (``None``: no bound)."""
    if live or freeze_at is None or now_ms < freeze_at:
        return None
    return freeze_at


def is_frozen(freeze_at: int | None, *, now_ms: int) -> bool:
    return freeze_at is not None and now_ms >= freeze_at


def earliest_freeze(*freezes: int | None) -> int | None:
    """A collection board is pinned by the earliest freeze among it and its challenges."""
    found = [freeze for freeze in freezes if freeze is not None]
    return min(found) if found else None
