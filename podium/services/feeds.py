"""Summaries and tails of the stored observation streams (``GET /reports/feeds``).

A feed is identified as the dashboard expects: ``source`` (the competition), ``subject`` (the
asset of an observation feed, the param of a truth feed), ``kind`` (``observation`` or
``truth``) and ``granularity``, the typical spacing of its records snapped to a usual step
(``5s``, ``1m``, ``1h``…; with fewer than two records, the competition's roll-up bucket, snapped
the same way). Podium does not record when a point was
received, so the watermark is the newest point's own time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from podium.store.competitions import CompetitionRepository
from podium.store.database import Database
from podium.store.feeds import FeedRepository, FeedStats

GRANULARITIES_MS: tuple[tuple[str, int], ...] = (
    ("1s", 1_000),
    ("5s", 5_000),
    ("15s", 15_000),
    ("30s", 30_000),
    ("1m", 60_000),
    ("5m", 300_000),
    ("15m", 900_000),
    ("30m", 1_800_000),
    ("1h", 3_600_000),
    ("4h", 14_400_000),
    ("1d", 86_400_000),
)


def granularity_of(stats: FeedStats, *, default_ms: int) -> str:
    """The usual step nearest (on a log scale) to the mean spacing of the records."""
    spacing = float(default_ms)
    if stats.record_count >= 2 and stats.newest_ts > stats.oldest_ts:
        spacing = (stats.newest_ts - stats.oldest_ts) / (stats.record_count - 1)
    return min(GRANULARITIES_MS, key=lambda item: abs(math.log(item[1]) - math.log(spacing)))[0]


@dataclass(frozen=True, slots=True)
class FeedSummary:
    source: str
    subject: str
    kind: str
    granularity: str
    record_count: int
    oldest_ts: int
    newest_ts: int
    watermark_ts: int
    watermark_updated_at: int


@dataclass(frozen=True, slots=True)
class FeedRecord:
    source: str
    subject: str
    kind: str
    granularity: str | None
    ts: int
    value: float


def feed_summaries(db: Database, *, competition_id: str) -> list[FeedSummary]:
    with db.read() as session:
        competition = CompetitionRepository(session).get(competition_id)
        stats = FeedRepository(session).summaries(competition_id)
    return [
        FeedSummary(
            source=competition_id,
            subject=item.subject,
            kind=item.kind,
            granularity=granularity_of(item, default_ms=competition.bucket_ms),
            record_count=item.record_count,
            oldest_ts=item.oldest_ts,
            newest_ts=item.newest_ts,
            watermark_ts=item.newest_ts,
            watermark_updated_at=item.newest_ts,
        )
        for item in stats
    ]


def feed_tail(
    db: Database,
    *,
    competition_id: str,
    source: str | None,
    subject: str | None,
    kind: str | None,
    granularity: str | None,
    limit: int,
) -> list[FeedRecord]:
    """The latest records of the matching feeds, oldest first; ``[]`` when none matches."""
    summaries = {
        (item.kind, item.subject): item
        for item in feed_summaries(db, competition_id=competition_id)
    }
    if source is not None and source != competition_id:
        return []
    records: list[FeedRecord] = []
    with db.read() as session:
        repository = FeedRepository(session)
        for feed_kind in ("observation", "truth"):
            if kind is not None and kind != feed_kind:
                continue
            for name, ts, value in repository.tail(
                competition_id, kind=feed_kind, subject=subject, limit=limit
            ):
                summary = summaries.get((feed_kind, name))
                feed_granularity = summary.granularity if summary else None
                if granularity is not None and feed_granularity != granularity:
                    continue
                records.append(
                    FeedRecord(competition_id, name, feed_kind, feed_granularity, ts, value)
                )
    records.sort(key=lambda record: (record.ts, record.kind, record.subject))
    return records[-limit:]
