"""Collections: an ordered set of challenges ranked together by a collection strategy.

Every call is scoped by the caller's tenant. A ``custom`` collection's scorer plugin and its
config are checked when the collection is created or changed. The leaderboard is computed from
each player's successful attempts (through ``podium.domain.collections``) and kept in a small
in-process cache keyed by everything it depends on (the revisions of the challenges, the
collection, the player flags, the solves and the freeze), so it is recomputed only when one of
them changed.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from podium.domain.collections import (
    CollectionStanding,
    CollectionStrategy,
    SuccessfulAttempt,
    collection_standings,
)
from podium.domain.dynamic_value import DecayFunction, DynamicValue
from podium.domain.freeze import earliest_freeze, visible_before
from podium.errors import (
    ConflictError,
    InvalidInputError,
    PluginConfigError,
    PluginError,
    Problem,
)
from podium.plugins import COLLECTION_SCORERS
from podium.plugins.collection_sandbox import (
    check_collection_scorer_sandboxed,
    score_collection_here,
    score_collections_sandboxed,
)
from podium.plugins.collection_scorer_protocol import ChallengeBest, CollectionScoringContext
from podium.plugins.sandbox import ScorerSandbox, shared_sandbox
from podium.schemas.collections import CollectionCreate, CollectionUpdate, DynamicValueIn
from podium.schemas.common import instant_ms
from podium.services.read_cache import BoundedCache
from podium.settings import Settings
from podium.store.challenge_events import SolveRepository
from podium.store.challenge_tables import ChallengeAttemptRow, ChallengeRow
from podium.store.collection_tables import CollectionRow, PlayerFlagsRow
from podium.store.collections import CollectionRepository
from podium.store.database import Database
from podium.store.fair_play import ChallengeRulesRepository, PlayerFlagRepository

log = logging.getLogger(__name__)


def _checked_scoring(
    strategy: CollectionStrategy,
    plugin_id: str | None,
    config: dict[str, Any],
    scorer: CollectionScorer | None,
) -> tuple[str | None, dict[str, Any]]:
    if strategy is not CollectionStrategy.CUSTOM:
        if plugin_id is not None:
            raise InvalidInputError.for_field(
                "scoring_plugin_id", "is only for the custom strategy"
            )
        return None, {}
    if plugin_id is None:
        raise InvalidInputError.for_field(
            "scoring_plugin_id", "the custom strategy needs a collection scorer plugin"
        )
    try:
        if scorer is not None and scorer.sandbox is not None and not _is_trusted(plugin_id):
            # A third-party module is imported in a worker: one that hangs or exits at import
            # is a 422, never the API's end.
            checked = check_collection_scorer_sandboxed(
                scorer.sandbox, plugin_id, config, timeout_s=scorer.timeout_ms / 1000
            )
        else:
            checked = COLLECTION_SCORERS.validate_config(plugin_id, config)
            COLLECTION_SCORERS.create(plugin_id, checked)
    except PluginConfigError as error:
        problems = [
            Problem(problem.field.replace("config", "scoring_config", 1), problem.message)
            for problem in error.problems
        ]
        raise InvalidInputError(error.message, problems) from None
    except PluginError as error:
        raise InvalidInputError(
            error.message, [Problem("scoring_plugin_id", error.message)]
        ) from None
    return plugin_id, checked


def _checked_dynamic_value(
    strategy: CollectionStrategy, value: DynamicValueIn | None
) -> dict[str, Any] | None:
    if value is None:
        return None
    if strategy not in (CollectionStrategy.SUM, CollectionStrategy.CUSTOM):
        raise InvalidInputError.for_field(
            "dynamic_value", "is only for the sum and custom strategies"
        )
    return value.model_dump(mode="json")


def _checked_challenges(
    session: Session, *, tenant_id: str, challenge_ids: Sequence[str]
) -> list[str]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, challenge_id in enumerate(challenge_ids):
        if challenge_id in seen:
            problems.append(Problem("challenge_ids", f"{challenge_id!r} is listed twice", index))
        seen.add(challenge_id)
        row = session.get(ChallengeRow, challenge_id)
        if row is None or row.tenant_id != tenant_id:
            problems.append(
                Problem("challenge_ids", f"challenge {challenge_id!r} was not found", index)
            )
    if problems:
        raise InvalidInputError.for_rows(problems, noun="challenge")
    return list(challenge_ids)


def create_collection(
    db: Database,
    *,
    tenant_id: str,
    spec: CollectionCreate,
    now_ms: int,
    scorer: CollectionScorer | None = None,
) -> tuple[CollectionRow, list[str]]:
    plugin_id, config = _checked_scoring(
        spec.strategy, spec.scoring_plugin_id, spec.scoring_config, scorer
    )
    row = CollectionRow(
        id=spec.id or f"col_{secrets.token_hex(6)}",
        tenant_id=tenant_id,
        name=spec.name,
        instructions=spec.instructions,
        strategy=spec.strategy.value,
        scoring_plugin_id=plugin_id,
        scoring_config=config,
        dynamic_value=_checked_dynamic_value(spec.strategy, spec.dynamic_value),
        freeze_at=None if spec.freeze_at is None else instant_ms(spec.freeze_at),
        created_at=now_ms,
        updated_at=now_ms,
    )
    with db.write() as session:
        collections = CollectionRepository(session)
        if collections.exists(row.id):
            raise ConflictError(f"collection {row.id!r} already exists", collection=row.id)
        challenge_ids = _checked_challenges(
            session, tenant_id=tenant_id, challenge_ids=spec.challenge_ids
        )
        collections.add(row)
        collections.replace_challenges(row.id, challenge_ids)
    return row, challenge_ids


def update_collection(
    db: Database,
    *,
    tenant_id: str,
    collection_id: str,
    changes: CollectionUpdate,
    now_ms: int,
    scorer: CollectionScorer | None = None,
) -> tuple[CollectionRow, list[str]]:
    given = changes.model_dump(exclude_unset=True)
    with db.write() as session:
        collections = CollectionRepository(session)
        row = collections.get(collection_id, tenant_id=tenant_id)
        for field in ("name", "instructions"):
            if given.get(field) is not None:
                setattr(row, field, given[field])
        strategy = changes.strategy or CollectionStrategy(row.strategy)
        if any(key in given for key in ("strategy", "scoring_plugin_id", "scoring_config")):
            plugin_id = given.get("scoring_plugin_id", row.scoring_plugin_id)
            if strategy is not CollectionStrategy.CUSTOM and "scoring_plugin_id" not in given:
                plugin_id = None
            config = given.get("scoring_config")
            if config is None:
                config = row.scoring_config if plugin_id == row.scoring_plugin_id else {}
            row.scoring_plugin_id, row.scoring_config = _checked_scoring(
                strategy, plugin_id, config, scorer
            )
            row.strategy = strategy.value
        if "dynamic_value" in given:
            row.dynamic_value = _checked_dynamic_value(strategy, changes.dynamic_value)
        elif row.dynamic_value is not None:
            row.dynamic_value = _checked_dynamic_value(
                strategy, DynamicValueIn.model_validate(row.dynamic_value)
            )
        if "freeze_at" in given:
            row.freeze_at = None if changes.freeze_at is None else instant_ms(changes.freeze_at)
        row.updated_at = now_ms
        session.flush()
        return row, list(collections.challenge_ids(row.id))


def set_collection_challenges(
    db: Database, *, tenant_id: str, collection_id: str, challenge_ids: Sequence[str], now_ms: int
) -> tuple[CollectionRow, list[str]]:
    with db.write() as session:
        collections = CollectionRepository(session)
        row = collections.get(collection_id, tenant_id=tenant_id)
        checked = _checked_challenges(session, tenant_id=tenant_id, challenge_ids=challenge_ids)
        collections.replace_challenges(row.id, checked)
        row.updated_at = now_ms
        return row, checked


def get_collection(
    db: Database, *, tenant_id: str, collection_id: str
) -> tuple[CollectionRow, list[str]]:
    with db.read() as session:
        collections = CollectionRepository(session)
        row = collections.get(collection_id, tenant_id=tenant_id)
        return row, list(collections.challenge_ids(row.id))


def list_collections(
    db: Database, *, tenant_id: str, limit: int, offset: int
) -> list[tuple[CollectionRow, list[str]]]:
    with db.read() as session:
        collections = CollectionRepository(session)
        return [
            (row, list(collections.challenge_ids(row.id)))
            for row in collections.list(tenant_id=tenant_id, limit=limit, offset=offset)
        ]


def delete_collection(db: Database, *, tenant_id: str, collection_id: str) -> None:
    with db.write() as session:
        collections = CollectionRepository(session)
        collections.delete(collections.get(collection_id, tenant_id=tenant_id))


class CollectionScorer:
    """Runs the custom strategy's plugin for one player; ``None`` when it fails."""

    def __init__(self, *, timeout_ms: int, sandbox: ScorerSandbox | None) -> None:
        self.timeout_ms = timeout_ms
        self.sandbox = sandbox

    @classmethod
    def for_settings(cls, settings: Settings) -> CollectionScorer:
        sandbox = (
            shared_sandbox(
                workers=settings.scorer_workers, memory_limit_mb=settings.scorer_memory_limit_mb
            )
            if settings.scorer_sandbox
            else None
        )
        return cls(timeout_ms=settings.scorer_timeout_ms, sandbox=sandbox)

    def score(
        self,
        collection: CollectionRow,
        end_user_id: str,
        bests: Sequence[SuccessfulAttempt],
        challenge_ids: Sequence[str],
    ) -> float | None:
        return self.score_many(collection, {end_user_id: bests}, challenge_ids)[end_user_id]

    def score_many(
        self,
        collection: CollectionRow,
        bests_by_player: Mapping[str, Sequence[SuccessfulAttempt]],
        challenge_ids: Sequence[str],
    ) -> dict[str, float | None]:
        """Each player's aggregate, the players scored as one batch (one round trip per
        sandbox worker); ``None`` for a player the plugin fails on."""
        spec = collection.scoring_plugin_id
        if spec is None:
            return dict.fromkeys(bests_by_player)
        players = list(bests_by_player)
        items = [
            (
                [_challenge_best(best) for best in bests_by_player[player]],
                CollectionScoringContext(
                    tenant_id=collection.tenant_id,
                    collection_id=collection.id,
                    challenge_ids=list(challenge_ids),
                    end_user_id=player,
                    timeout_ms=self.timeout_ms,
                ),
            )
            for player in players
        ]
        started = time.perf_counter()
        found: list[float | BaseException]
        if self.sandbox is None or _is_trusted(spec):
            found = [_scored_here(spec, collection.scoring_config, item) for item in items]
        else:
            found = list(
                score_collections_sandboxed(
                    self.sandbox,
                    spec,
                    collection.scoring_config,
                    items,
                    timeout_s=self.timeout_ms / 1000,
                )
            )
        failed = [
            (player, result)
            for player, result in zip(players, found, strict=True)
            if isinstance(result, BaseException)
        ]
        if failed:
            player, error = failed[0]
            log.warning(
                "collection scorer %s failed on collection %s for %d player(s) (%s first) "
                "after %.1f ms: %s: %s",
                spec,
                collection.id,
                len(failed),
                player,
                (time.perf_counter() - started) * 1000,
                type(error).__name__,
                error,
            )
        return {
            player: None if isinstance(result, BaseException) else result
            for player, result in zip(players, found, strict=True)
        }


def _challenge_best(best: SuccessfulAttempt) -> ChallengeBest:
    return {
        "challenge_id": best.challenge_id,
        "succeeded": True,
        "tokens_total": best.tokens_total,
        "elapsed_ms": best.elapsed_ms,
        "rating": best.rating,
        "created_at": best.created_at,
        "score": best.score,
        "value": best.value,
    }


def _scored_here(
    spec: str,
    config: dict[str, Any],
    item: tuple[list[ChallengeBest], CollectionScoringContext],
) -> float | BaseException:
    try:
        return score_collection_here(spec, config, *item)
    except Exception as error:
        return error


def _is_trusted(spec: str) -> bool:
    return any(
        info.name == spec and info.distribution == "podium"
        for info in COLLECTION_SCORERS.available()
    )


@dataclass(frozen=True, slots=True)
class CollectionBoard:
    collection: CollectionRow
    challenge_ids: list[str]
    frozen: bool
    as_of: int | None
    standings: list[CollectionStanding]
    hidden: frozenset[str]


_cache: BoundedCache[Hashable, tuple[list[CollectionStanding], frozenset[str]]] = BoundedCache(256)


def _flags_signature(session: Session, tenant_id: str) -> tuple[int, int]:
    found = session.execute(
        select(func.count(), func.max(PlayerFlagsRow.updated_at)).where(
            PlayerFlagsRow.tenant_id == tenant_id
        )
    ).one()
    return int(found[0] or 0), int(found[1] or 0)


def collection_leaderboard(
    db: Database,
    *,
    tenant_id: str,
    collection_id: str,
    is_admin: bool,
    live: bool,
    now_ms: int,
    scorer: CollectionScorer,
) -> CollectionBoard:
    """The whole standings of a collection as the caller may see them.

    The public sees no hidden or banned players, no inactive challenge, and, after a freeze
    (of the collection or of one of its challenges), the attempts made before it. Admins see
    hidden players (flagged) and, with ``live``, everything as it is now.
    """
    live = live and is_admin
    with db.read() as session:
        collections = CollectionRepository(session)
        collection = collections.get(collection_id, tenant_id=tenant_id)
        member_ids = list(collections.challenge_ids(collection.id))
        challenges = {
            row.id: row
            for row in session.scalars(select(ChallengeRow).where(ChallengeRow.id.in_(member_ids)))
            if row.tenant_id == tenant_id and (is_admin or row.is_active)
        }
        challenge_ids = [cid for cid in member_ids if cid in challenges]
        rules = ChallengeRulesRepository(session).for_challenges(challenge_ids)
        bounds = {
            cid: visible_before(
                earliest_freeze(
                    collection.freeze_at, rules[cid].freeze_at if cid in rules else None
                ),
                now_ms=now_ms,
                live=live,
            )
            for cid in challenge_ids
        }
        invisible = frozenset(PlayerFlagRepository(session).invisible(tenant_id=tenant_id))
        solves = SolveRepository(session)
        key: Hashable = (
            collection.id,
            collection.updated_at,
            collection.strategy,
            collection.scoring_plugin_id,
            json.dumps(collection.scoring_config, sort_keys=True),
            json.dumps(collection.dynamic_value, sort_keys=True),
            tuple(challenge_ids),
            tuple(challenges[cid].revision for cid in challenge_ids),
            tuple(sorted(bounds.items(), key=lambda item: item[0])),
            _flags_signature(session, tenant_id),
            is_admin,
            sum(solves.count(cid) for cid in challenge_ids) if collection.dynamic_value else 0,
        )

        def compute() -> tuple[list[CollectionStanding], frozenset[str]]:
            strategy = CollectionStrategy(collection.strategy)
            attempts = _successful_attempts(
                session,
                challenge_ids,
                bounds,
                strategy=strategy,
                hidden=[] if is_admin else sorted(invisible),
            )
            if collection.dynamic_value:
                attempts = _with_values(session, collection.dynamic_value, challenge_ids, attempts)
            standings = collection_standings(
                attempts,
                strategy,
                challenge_ids=challenge_ids,
                custom_aggregate=(
                    (lambda bests: scorer.score_many(collection, bests, challenge_ids))
                    if strategy is CollectionStrategy.CUSTOM
                    else None
                ),
            )
            return standings, invisible if is_admin else frozenset()

        cached = _cache.get_or_load(key, compute)
    present_bounds = [bound for bound in bounds.values() if bound is not None]
    return CollectionBoard(
        collection=collection,
        challenge_ids=challenge_ids,
        frozen=bool(present_bounds),
        as_of=min(present_bounds) if present_bounds else None,
        standings=cached[0],
        hidden=cached[1],
    )


def _best_order(strategy: CollectionStrategy) -> tuple[Any, ...]:
    """How the store orders one player's successes at one challenge, best first."""
    table = ChallengeAttemptRow
    if strategy is CollectionStrategy.FASTEST_TOTAL:
        return (table.elapsed_ms,)
    if strategy is CollectionStrategy.FEWEST_TOKENS_TOTAL:
        return (table.tokens_total,)
    if strategy is CollectionStrategy.HIGHEST_AVG_RATING:
        return (table.rating.desc(),)
    return (table.score.is_(None), table.score.desc())


_NEEDS_METRIC = {
    CollectionStrategy.FASTEST_TOTAL: ChallengeAttemptRow.elapsed_ms,
    CollectionStrategy.FEWEST_TOKENS_TOTAL: ChallengeAttemptRow.tokens_total,
    CollectionStrategy.HIGHEST_AVG_RATING: ChallengeAttemptRow.rating,
}


def _successful_attempts(
    session: Session,
    challenge_ids: Sequence[str],
    bounds: dict[str, int | None],
    *,
    strategy: CollectionStrategy,
    hidden: Sequence[str],
) -> list[SuccessfulAttempt]:
    """Each player's best visible success per challenge, picked by the store.

    A window function keeps one row per (challenge, player), so the cost of a leaderboard
    grows with players × challenges, not with attempts; the domain then ranks them.
    """
    if not challenge_ids:
        return []
    table = ChallengeAttemptRow
    visible = or_(
        *(
            table.challenge_id == cid
            if bounds.get(cid) is None
            else and_(table.challenge_id == cid, table.created_at < bounds[cid])
            for cid in challenge_ids
        )
    )
    conditions = [table.succeeded.is_(True), visible]
    if strategy in _NEEDS_METRIC:
        conditions.append(_NEEDS_METRIC[strategy].is_not(None))
    if hidden:
        conditions.append(table.end_user_id.not_in(list(hidden)))
    place = (
        func.row_number()
        .over(
            partition_by=(table.challenge_id, table.end_user_id),
            order_by=(*_best_order(strategy), table.created_at, table.id),
        )
        .label("place")
    )
    ranked = (
        select(
            table.id,
            table.challenge_id,
            table.end_user_id,
            table.created_at,
            table.score,
            table.elapsed_ms,
            table.tokens_total,
            table.rating,
            place,
        )
        .where(*conditions)
        .subquery()
    )
    rows = session.execute(select(ranked).where(ranked.c.place == 1))
    return [
        SuccessfulAttempt(
            attempt_id=row.id,
            challenge_id=row.challenge_id,
            end_user_id=row.end_user_id,
            created_at=row.created_at,
            score=row.score,
            elapsed_ms=row.elapsed_ms,
            tokens_total=row.tokens_total,
            rating=row.rating,
        )
        for row in rows
    ]


def _with_values(
    session: Session,
    config: dict[str, Any],
    challenge_ids: Sequence[str],
    attempts: list[SuccessfulAttempt],
) -> list[SuccessfulAttempt]:
    """Each attempt with the value its player earned on the challenge (fixed at their solve)."""
    value = DynamicValue(
        initial=float(config["initial"]),
        minimum=float(config["minimum"]),
        decay=float(config["decay"]),
        function=DecayFunction(config.get("function", "linear")),
    )
    positions = SolveRepository(session).positions(challenge_ids)
    valued = []
    for attempt in attempts:
        position = positions.get((attempt.challenge_id, attempt.end_user_id))
        earned = value.value_for(position) if position is not None else None
        valued.append(
            SuccessfulAttempt(
                attempt_id=attempt.attempt_id,
                challenge_id=attempt.challenge_id,
                end_user_id=attempt.end_user_id,
                created_at=attempt.created_at,
                score=attempt.score,
                elapsed_ms=attempt.elapsed_ms,
                tokens_total=attempt.tokens_total,
                rating=attempt.rating,
                value=earned,
            )
        )
    return valued
