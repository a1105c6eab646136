"""Tables of prediction tournaments.

Times are ``BIGINT`` epoch milliseconds (UTC) on every backend. ``predictions`` is insert-only:
a prediction's outcome is a row of ``prediction_outcomes`` (none while it is pending), and the
pending ones wait in ``prediction_queue``, the score worker's due queue; windows are computed from
``score_rollups`` (sums per model, param and time bucket) so their cost does not grow with
history; ``score_totals`` keeps all-time counts per model and param.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonType = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments an INTEGER PRIMARY KEY.
SerialKey = BigInteger().with_variant(Integer(), "sqlite")
Key = String(128)
Millis = BigInteger


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JsonType, str: Key, int: Millis, float: Float}


class CompetitionRow(Base):
    __tablename__ = "competitions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), default="default", index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    scoring_function: Mapped[str] = mapped_column(String(200))
    scoring_config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    resolver: Mapped[str] = mapped_column(String(200))
    resolver_config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ranker: Mapped[str] = mapped_column(String(200))
    ranker_config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # [{"name", "plugin", "window_ms", "config"}]: the custom metrics each cycle records.
    metrics: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    window_recent_ms: Mapped[int]
    window_steady_ms: Mapped[int]
    window_anchor_ms: Mapped[int]
    bucket_ms: Mapped[int]
    score_interval_s: Mapped[float | None]
    grace_period_ms: Mapped[int]
    allow_backfill: Mapped[bool] = mapped_column(Boolean, default=False)
    # Reports readable without a key (the read role is not needed for this competition).
    public_reports: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Bumped by every change to what a leaderboard is built from (scores, models).
    revision: Mapped[int] = mapped_column(default=0)
    last_cycle_at: Mapped[int | None]
    # The first bucket whose roll-ups are kept (podium.domain.rollup_retention): every score of
    # it and later buckets is in the roll-ups, older buckets were dropped. NULL: none dropped.
    rollups_kept_from: Mapped[int | None]
    created_at: Mapped[int]
    updated_at: Mapped[int]


class PlayerRow(Base):
    __tablename__ = "players"

    id: Mapped[str] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(
        String(64), default="default", server_default="default", index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[int]


class ModelRow(Base):
    __tablename__ = "models"

    id: Mapped[str] = mapped_column(primary_key=True)
    competition_id: Mapped[str] = mapped_column(ForeignKey("competitions.id"), index=True)
    player_id: Mapped[str] = mapped_column(ForeignKey("players.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[int]
    updated_at: Mapped[int]


class ParamRow(Base):
    __tablename__ = "params"

    competition_id: Mapped[str] = mapped_column(ForeignKey("competitions.id"), primary_key=True)
    id: Mapped[str] = mapped_column(primary_key=True)
    asset: Mapped[str | None] = mapped_column(String(64))
    horizon: Mapped[int | None]
    step: Mapped[int | None]
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[int]


class PredictionRow(Base):
    """A prediction, as submitted: never updated (its outcome is a ``PredictionOutcomeRow``).

    No foreign keys, on purpose: on PostgreSQL each one cost a lookup and a row lock per
    inserted prediction, half of a bulk insert. The ingest service alone inserts them: it
    checks the batch's models and params (those of the competition) in its own transaction,
    locked once per batch (``RosterRepository.model_activity`` and ``param_horizons``), and
    nothing deletes or re-keys a model, a param or a competition
    (``tests/store/test_prediction_keys.py``). Each new prediction is queued
    (``PredictionQueueRow``) in the transaction that inserts it.
    """

    __tablename__ = "predictions"
    __table_args__ = (
        UniqueConstraint("competition_id", "id"),
        CheckConstraint("resolvable_at > performed_at", name="resolvable_after_performed"),
        Index("ix_predictions_model_performed", "model_id", "performed_at"),
        Index("ix_predictions_competition_performed", "competition_id", "performed_at"),
    )

    pk: Mapped[int] = mapped_column(SerialKey, primary_key=True, autoincrement=True)
    competition_id: Mapped[str] = mapped_column(String(64))
    id: Mapped[str] = mapped_column(String(200))
    model_id: Mapped[str]
    param_id: Mapped[str]
    payload: Mapped[dict[str, Any]]
    performed_at: Mapped[int]
    resolvable_at: Mapped[int]
    submitted_at: Mapped[int]


class PredictionOutcomeRow(Base):
    """The outcome of a scored, failed or expired prediction, keyed by its primary key.

    The score cycle only inserts these (one heap tuple and one index entry per outcome, where
    an ``UPDATE`` of ``predictions`` wrote a new row version and an entry in each of its
    indexes); ``podium rescore`` updates them. A prediction without one is ``PENDING``. No
    foreign key, as for ``predictions``: the score worker writes outcomes of stored
    predictions only.
    """

    __tablename__ = "prediction_outcomes"
    # Equalities, not ``IN (…)``: SQLite builds a temporary table of the list each time an
    # insert runs, i.e. per outcome of an ``executemany`` (migration 0011).
    __table_args__ = (
        CheckConstraint(
            "status = 'SCORED' OR status = 'FAILED' OR status = 'EXPIRED'", name="status"
        ),
    )

    pk: Mapped[int] = mapped_column(SerialKey, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(8))
    truth: Mapped[float | None]
    score_value: Mapped[float | None]
    score_success: Mapped[bool] = mapped_column(Boolean)
    score_failed_reason: Mapped[str | None] = mapped_column(String(500))
    scored_at: Mapped[int]


class PredictionQueueRow(Base):
    """The score worker's queue: the pending predictions, in the order they become due.

    Inserted with each prediction, deleted with its outcome's insert. The primary key is the
    cycle's read order (a competition's predictions due by now, after a cursor).
    """

    __tablename__ = "prediction_queue"

    competition_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resolvable_at: Mapped[int] = mapped_column(primary_key=True)
    pk: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class ObservationRow(Base):
    """A point of a ground-truth feed: the value of an asset (a price) at an instant."""

    __tablename__ = "observations"

    competition_id: Mapped[str] = mapped_column(ForeignKey("competitions.id"), primary_key=True)
    asset: Mapped[str] = mapped_column(String(64), primary_key=True)
    ts: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[float]


class TruthRow(Base):
    """An explicit ground truth: the outcome for a param at an instant."""

    __tablename__ = "truths"
    __table_args__ = (
        ForeignKeyConstraint(
            ["competition_id", "param_id"], ["params.competition_id", "params.id"]
        ),
    )

    competition_id: Mapped[str] = mapped_column(ForeignKey("competitions.id"), primary_key=True)
    param_id: Mapped[str] = mapped_column(primary_key=True)
    ts: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[float]


class ScoreRollupRow(Base):
    __tablename__ = "score_rollups"
    # The buckets of a competition's widest window are one range of the window index (never
    # the roll-ups of older history). On SQLite the index covers what the windows sum, so they
    # are summed from it alone. On PostgreSQL it holds no column a cycle adds to, and half of
    # each page is left free: a cycle's update of a roll-up is then heap-only, with no new
    # index entry (migration 0012); the windows are summed from the table.
    __table_args__ = (
        Index(
            "ix_score_rollups_window_sums",
            "competition_id",
            "bucket_start",
            "model_id",
            "param_id",
            "count",
            "total",
        ).ddl_if(dialect="sqlite"),
        Index("ix_score_rollups_window", "competition_id", "bucket_start").ddl_if(
            dialect="postgresql"
        ),
        {"postgresql_with": {"fillfactor": 50}},
    )

    competition_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_id: Mapped[str] = mapped_column(primary_key=True)
    param_id: Mapped[str] = mapped_column(primary_key=True)
    bucket_start: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[float] = mapped_column(default=0.0)
    failed: Mapped[int] = mapped_column(Integer, default=0)


class ScoreTotalRow(Base):
    __tablename__ = "score_totals"
    # Half of each page left free on PostgreSQL: a cycle's update of a total finds room for
    # the new row version on its page, without a new index entry (migration 0011).
    __table_args__ = {"postgresql_with": {"fillfactor": 50}}

    competition_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_id: Mapped[str] = mapped_column(primary_key=True)
    param_id: Mapped[str] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    total: Mapped[float] = mapped_column(default=0.0)
    failed: Mapped[int] = mapped_column(default=0)


class ModelScoreSnapshotRow(Base):
    """A model's scores as one cycle computed them: the history charts are drawn from."""

    __tablename__ = "model_score_snapshots"
    __table_args__ = (
        Index("ix_model_score_snapshots_model_time", "model_id", "performed_at"),
        Index("ix_model_score_snapshots_competition_time", "competition_id", "performed_at"),
    )

    id: Mapped[int] = mapped_column(SerialKey, primary_key=True, autoincrement=True)
    competition_id: Mapped[str] = mapped_column(ForeignKey("competitions.id"))
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id"))
    performed_at: Mapped[int]
    score_recent: Mapped[float | None]
    score_steady: Mapped[float | None]
    score_anchor: Mapped[float | None]
    prediction_count: Mapped[int]
    # {param_id: [recent, steady, anchor, prediction_count]}
    scores_by_param: Mapped[dict[str, Any]]


class LeaderboardRow(Base):
    __tablename__ = "leaderboards"
    __table_args__ = (Index("ix_leaderboards_latest", "competition_id", "category", "created_at"),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    competition_id: Mapped[str] = mapped_column(ForeignKey("competitions.id"))
    category: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[int]
    revision: Mapped[int]
    ranker: Mapped[str] = mapped_column(String(200))
    entry_count: Mapped[int] = mapped_column(Integer)


class LeaderboardEntryRow(Base):
    __tablename__ = "leaderboard_entries"
    __table_args__ = (Index("ix_leaderboard_entries_rank", "leaderboard_id", "rank"),)

    leaderboard_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("leaderboards.id", ondelete="CASCADE"), primary_key=True
    )
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    model_name: Mapped[str] = mapped_column(String(200))
    player_id: Mapped[str]
    player_name: Mapped[str] = mapped_column(String(200))
    score_recent: Mapped[float | None]
    score_steady: Mapped[float | None]
    score_anchor: Mapped[float | None]
    combined_score: Mapped[float | None]
    prediction_count: Mapped[int]


metadata = Base.metadata
