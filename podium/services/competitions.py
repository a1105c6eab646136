"""Creating, changing and reading competitions.

Plugin names and their configurations are checked when a competition is created or changed, not
at its first score cycle: an unknown scoring function, resolver or ranker, or a config it
refuses, is a 422 naming the field. The stored configs have their defaults filled in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from podium.domain.access import DEFAULT_TENANT
from podium.domain.rollup_retention import NOTHING_KEPT, needs_rebuild
from podium.domain.windows import WindowSpec
from podium.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PluginConfigError,
    PluginError,
    Problem,
)
from podium.plugins import METRICS, RANKERS, RESOLVERS, SCORING_FUNCTIONS, PluginKind
from podium.schemas.competitions import CompetitionCreate, CompetitionUpdate, MetricSpec, Windows
from podium.services.ranking import checked_eligibility, split_ranker_config
from podium.store.competitions import CompetitionRepository
from podium.store.database import Database
from podium.store.tables import CompetitionRow

# (field naming the plugin, field of its JSON config, kind of plugin)
_PLUGIN_FIELDS: tuple[tuple[str, str, PluginKind[Any]], ...] = (
    ("scoring_function", "scoring_config", SCORING_FUNCTIONS),
    ("resolver", "resolver_config", RESOLVERS),
    ("ranker", "ranker_config", RANKERS),
)


def window_spec(row: CompetitionRow) -> WindowSpec:
    return WindowSpec(
        recent_ms=row.window_recent_ms,
        steady_ms=row.window_steady_ms,
        anchor_ms=row.window_anchor_ms,
        bucket_ms=row.bucket_ms,
    )


def _checked_windows(windows: Windows) -> dict[str, int]:
    try:
        WindowSpec(
            recent_ms=windows.recent,
            steady_ms=windows.steady,
            anchor_ms=windows.anchor,
            bucket_ms=windows.bucket,
        )
    except ValueError as error:
        raise InvalidInputError.for_field("windows", str(error)) from None
    return {
        "window_recent_ms": windows.recent,
        "window_steady_ms": windows.steady,
        "window_anchor_ms": windows.anchor,
        "bucket_ms": windows.bucket,
    }


def _checked_plugin(
    field: str, config_field: str, kind: PluginKind[Any], spec: str, config: dict[str, Any]
) -> dict[str, Any]:
    """The plugin's config with defaults, after trying to build the plugin with it."""
    extra: dict[str, Any] = {}
    if kind is RANKERS:  # min_predictions & co. apply around any ranker, not inside it
        config, eligibility = split_ranker_config(config)
        extra = checked_eligibility(eligibility, field=config_field)
    try:
        settings = kind.validate_config(spec, config)
        kind.create(spec, settings)
    except PluginConfigError as error:
        problems = [
            Problem(problem.field.replace("config", config_field, 1), problem.message)
            for problem in error.problems
        ]
        raise InvalidInputError(error.message, problems) from None
    except PluginError as error:
        raise InvalidInputError(error.message, [Problem(field, error.message)]) from None
    return {**settings, **extra}


checked_plugin = _checked_plugin
"""Public for the other services that change a competition's plugins (``rescore``)."""


def _checked_metrics(specs: list[MetricSpec]) -> list[dict[str, Any]]:
    """The metrics as stored, each plugin found and its config checked; names unique."""
    checked: list[dict[str, Any]] = []
    for index, spec in enumerate(specs):
        name = spec.name or spec.plugin
        field = f"metrics.{index}"
        if any(item["name"] == name for item in checked):
            raise InvalidInputError(
                f"{field}.name: metric name {name!r} is used twice",
                [Problem(f"{field}.name", f"metric name {name!r} is used twice")],
            )
        if spec.name is None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", name):
            raise InvalidInputError.for_field(f"{field}.name", "give a name to this metric")
        config = _checked_plugin(
            f"{field}.plugin", f"{field}.config", METRICS, spec.plugin, spec.config
        )
        checked.append(
            {"name": name, "plugin": spec.plugin, "window_ms": spec.window, "config": config}
        )
    return checked


def create_competition(
    db: Database, *, spec: CompetitionCreate, now_ms: int, tenant_id: str = DEFAULT_TENANT
) -> CompetitionRow:
    values: dict[str, Any] = {
        "id": spec.id,
        "tenant_id": tenant_id,
        "name": spec.name,
        "description": spec.description,
        **_checked_windows(spec.windows),
        "score_interval_s": None if spec.score_interval is None else spec.score_interval / 1000,
        "grace_period_ms": spec.grace_period,
        "allow_backfill": spec.allow_backfill,
        "public_reports": spec.public_reports,
        "metrics": _checked_metrics(spec.metrics),
        "revision": 0,
        "created_at": now_ms,
        "updated_at": now_ms,
    }
    for field, config_field, kind in _PLUGIN_FIELDS:
        name = getattr(spec, field)
        values[field] = name
        values[config_field] = _checked_plugin(
            field, config_field, kind, name, getattr(spec, config_field)
        )
    with db.write() as session:
        competitions = CompetitionRepository(session)
        if competitions.find(spec.id) is not None:
            raise ConflictError(f"competition {spec.id!r} already exists", competition=spec.id)
        row = CompetitionRow(**values)
        competitions.add(row)
        return row


def update_competition(
    db: Database, *, competition_id: str, changes: CompetitionUpdate, now_ms: int
) -> CompetitionRow:
    given = changes.model_dump(exclude_unset=True)
    with db.write() as session:
        competitions = CompetitionRepository(session)
        row = competitions.get(competition_id)
        for field in ("name", "description", "allow_backfill", "public_reports"):
            if field in given and given[field] is not None:
                setattr(row, field, given[field])
        if changes.windows is not None:
            before = window_spec(row)
            for column, value in _checked_windows(changes.windows).items():
                setattr(row, column, value)
            if needs_rebuild(before, window_spec(row)):
                # The roll-ups kept lack buckets the new windows read: the next cycle rebuilds
                # them from the stored scores (podium.services.rollup_retention).
                row.rollups_kept_from = NOTHING_KEPT
        if changes.metrics is not None:
            row.metrics = _checked_metrics(changes.metrics)
        if "score_interval" in given:
            interval = given["score_interval"]
            row.score_interval_s = None if interval is None else interval / 1000
        if changes.grace_period is not None:
            row.grace_period_ms = changes.grace_period
        for field, config_field, kind in _PLUGIN_FIELDS:
            name_given = given.get(field) is not None
            config_given = given.get(config_field) is not None
            if not (name_given or config_given):
                continue
            name = given[field] if name_given else getattr(row, field)
            # A new plugin starts from its own defaults, not the previous plugin's config.
            if config_given:
                config = given[config_field]
            else:
                config = {} if name_given else getattr(row, config_field)
            setattr(row, config_field, _checked_plugin(field, config_field, kind, name, config))
            setattr(row, field, name)
        row.updated_at = now_ms
        # Windows, scoring or ranking changed: the next cycle builds a new leaderboard.
        row.revision += 1
        session.flush()
        return row


def get_competition(db: Database, *, competition_id: str) -> CompetitionRow:
    with db.read() as session:
        return CompetitionRepository(session).get(competition_id)


def list_competitions(db: Database, *, tenant_id: str | None = None) -> list[CompetitionRow]:
    with db.read() as session:
        return CompetitionRepository(session).list(tenant_id=tenant_id)


def resolve_competition_id(
    db: Database, *, competition_id: str | None, default: str | None, tenant_id: str | None = None
) -> str:
    """The competition a report is about: the one named, else the default, else the only one.

    With ``tenant_id``, a competition of another tenant is not found.
    """
    with db.read() as session:
        competitions = CompetitionRepository(session)
        for wanted in (competition_id, default):
            if wanted is not None:
                row = competitions.get(wanted)
                if tenant_id is not None and row.tenant_id != tenant_id:
                    raise NotFoundError("competition", wanted)
                return row.id
        rows = competitions.list(tenant_id=tenant_id)
    if len(rows) == 1:
        return rows[0].id
    if not rows:
        raise InvalidInputError.for_field(
            "competition", "this instance has no competition yet; create one first"
        )
    raise InvalidInputError.for_field(
        "competition",
        f"this instance has {len(rows)} competitions; name one with ?competition=<id>",
    )


@dataclass(frozen=True, slots=True)
class CompetitionScope:
    """Who a competition belongs to, and whether its reports are public: what access needs."""

    tenant_id: str
    public_reports: bool


def competition_scope(db: Database, *, competition_id: str) -> CompetitionScope | None:
    with db.read() as session:
        row = CompetitionRepository(session).find(competition_id)
        return None if row is None else CompetitionScope(row.tenant_id, row.public_reports)
