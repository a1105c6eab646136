"""Roll-up retention: which buckets a competition keeps, and what a cycle drops or rebuilds.

Windows only ever read the buckets from the widest window's first one on, so the roll-ups of
older buckets serve no reader: the score cycle drops them as time moves on, and scores that
arrive for a bucket already dropped go to the all-time totals only. The competition records
the first bucket its roll-ups keep (``kept_from``): every score of that bucket and later ones
is in the roll-ups, none of earlier ones. ``None`` means nothing was ever dropped;
``NOTHING_KEPT`` that the roll-ups must be rebuilt (the windows were widened or the bucket
changed).
"""

from __future__ import annotations

from dataclasses import dataclass

from podium.domain.windows import WINDOW_NAMES, WindowSpec

# Buckets kept before the widest window's first one: a reader a little behind the cycle's
# clock (another worker, a rebuilt leaderboard) still finds every bucket its windows read.
MARGIN_BUCKETS = 1
# Later than any bucket: no roll-up is kept, the next cycle rebuilds them all.
NOTHING_KEPT = 2**62


def first_kept_bucket(spec: WindowSpec, now_ms: int) -> int:
    """Start of the oldest bucket whose roll-ups are kept at ``now_ms``."""
    return spec.earliest_bucket(now_ms) - MARGIN_BUCKETS * spec.bucket_ms


def kept_for_new_scores(spec: WindowSpec, kept_from: int | None, now_ms: int) -> int:
    """Scores of buckets before this one go to the totals only.

    Buckets before ``first_kept_bucket`` are dropped at the end of the cycle anyway; buckets
    before ``kept_from`` were dropped already (or wait for a rebuild that reads the scores).
    """
    first = first_kept_bucket(spec, now_ms)
    return first if kept_from is None else max(kept_from, first)


def needs_rebuild(old: WindowSpec, new: WindowSpec) -> bool:
    """Whether roll-ups kept for ``old`` windows may miss buckets ``new`` windows read."""
    if new.bucket_ms != old.bucket_ms:
        return True
    return max(map(new.length_ms, WINDOW_NAMES)) > max(map(old.length_ms, WINDOW_NAMES))


@dataclass(frozen=True, slots=True)
class RollupUpkeep:
    """What a cycle does to the roll-ups at ``now``: buckets are ``[start, end)`` ranges."""

    kept_from: int
    drop_before: int | None = None
    rebuild: tuple[int, int] | None = None


def plan_upkeep(spec: WindowSpec, kept_from: int | None, now_ms: int) -> RollupUpkeep:
    """Drop the buckets that fell out of every window since ``kept_from``; rebuild the ones a
    window reads again (after a widening or a clock that went back), from the stored scores."""
    first = first_kept_bucket(spec, now_ms)
    if kept_from == first:
        return RollupUpkeep(first)
    if kept_from is not None and kept_from > first:
        # Drop too: rows of an earlier bucket size, or of a cycle that read the old windows.
        return RollupUpkeep(first, drop_before=first, rebuild=(first, kept_from))
    return RollupUpkeep(first, drop_before=first)
