"""Challenges and their attempts: create, change, delete, record an attempt, read standings.

Every call is scoped by the tenant of the principal: another tenant's challenge is "not found".
A ``custom`` challenge's scorer and config are checked when the challenge is created or changed
(the entrypoint must load, the config must pass the plugin's ``Config`` model; defaults are
filled in). Recording an attempt scores it first (outside any transaction: a plugin may take
seconds), then stores it and updates the player's standing in one transaction that holds the
challenge's row lock, so that attempts of one challenge are applied in turn.

``record_attempt`` returns a ``RecordedAttempt`` (the stored attempt, the player's rank before
and after, the leader before and after) and calls each ``listener`` inside the transaction:
collections and events hook in there.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from podium.domain.challenges import (
    AttemptOutcome,
    ScoringStrategy,
    order_key_of,
    sort_value,
    strategy_value,
)
from podium.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PluginConfigError,
    PluginError,
    Problem,
)
from podium.schemas.challenges import AttemptCreate, ChallengeCreate, ChallengeUpdate
from podium.schemas.common import instant_ms
from podium.services.attempt_scoring import AttemptScorer, is_known_scorer_id, scorer_target
from podium.services.read_cache import BoundedCache
from podium.store.challenge_tables import ChallengeAttemptRow, ChallengeEntryRow, ChallengeRow
from podium.store.challenges import (
    AttemptRepository,
    ChallengeRepository,
    StandingKey,
    StandingRepository,
)
from podium.store.database import Database

_SCORING_FIELDS = ("scoring_strategy", "scoring_plugin_id", "scoring_entrypoint", "scoring_config")


@dataclass(frozen=True, slots=True)
class Scoring:
    strategy: ScoringStrategy
    plugin_id: str | None
    entrypoint: str | None
    config: dict[str, Any]


IN_PROCESS_SCORER = AttemptScorer(default_timeout_ms=5_000, sandbox=None)


def checked_scoring(
    strategy: ScoringStrategy,
    plugin_id: str | None,
    entrypoint: str | None,
    config: dict[str, Any] | None,
    *,
    scorer: AttemptScorer = IN_PROCESS_SCORER,
) -> Scoring:
    """The scoring of a challenge, checked now: the plugin loads, its config is valid.

    ``scorer`` decides where the plugin is loaded to be checked: in its sandbox when it has one.
    """
    if strategy is not ScoringStrategy.CUSTOM:
        for field, value in (
            ("scoring_plugin_id", plugin_id),
            ("scoring_entrypoint", entrypoint),
            ("scoring_config", config or None),
        ):
            if value is not None:
                raise InvalidInputError.for_field(
                    field, f"only a custom challenge has a scorer; this one is {strategy.value!r}"
                )
        return Scoring(strategy, None, None, {})
    if entrypoint is None and plugin_id is None:
        raise InvalidInputError.for_field(
            "scoring_entrypoint",
            "a custom challenge names its scorer: scoring_entrypoint ('module:Class') "
            "or scoring_plugin_id",
        )
    field, spec = (
        ("scoring_entrypoint", entrypoint) if entrypoint else ("scoring_plugin_id", plugin_id)
    )
    assert spec is not None
    if (
        entrypoint is not None
        and plugin_id is not None
        and is_known_scorer_id(plugin_id)
        and scorer_target(plugin_id) != scorer_target(entrypoint)
    ):
        # A plugin id naming a known scorer must name the entrypoint's; any other plugin id
        # is the operator's label for it.
        raise InvalidInputError.for_field(
            "scoring_plugin_id",
            f"{plugin_id!r} is another scorer than scoring_entrypoint {entrypoint!r}",
        )
    try:
        settings = scorer.validate(spec, config or {})
    except PluginConfigError as error:
        problems = [
            Problem(problem.field.replace("config", "scoring_config", 1), problem.message)
            for problem in error.problems
        ]
        shown = "; ".join(f"{problem.field}: {problem.message}" for problem in problems)
        raise InvalidInputError(f"scorer {spec!r}: invalid config: {shown}", problems) from None
    except PluginError as error:
        raise InvalidInputError(error.message, [Problem(field, error.message)]) from None
    return Scoring(strategy, plugin_id or spec, entrypoint, settings)


def create_challenge(
    db: Database,
    *,
    tenant_id: str,
    spec: ChallengeCreate,
    now_ms: int,
    scorer: AttemptScorer = IN_PROCESS_SCORER,
) -> ChallengeRow:
    scoring = checked_scoring(
        spec.scoring_strategy,
        spec.scoring_plugin_id,
        spec.scoring_entrypoint,
        spec.scoring_config,
        scorer=scorer,
    )
    row = ChallengeRow(
        id=uuid.uuid4().hex,
        tenant_id=tenant_id,
        app_id=spec.app_id,
        workflow_id=spec.workflow_id,
        name=spec.name,
        description=spec.description,
        goal=spec.goal,
        is_active=spec.is_active,
        scoring_strategy=scoring.strategy.value,
        scoring_plugin_id=scoring.plugin_id,
        scoring_entrypoint=scoring.entrypoint,
        scoring_config=scoring.config,
        timeout_ms=spec.timeout_ms,
        revision=0,
        created_at=now_ms,
        updated_at=now_ms,
    )
    with db.write() as session:
        ChallengeRepository(session).add(row)
    return row


def _scoring_of(row: ChallengeRow) -> tuple[Any, ...]:
    return (row.scoring_strategy, row.scoring_plugin_id, row.scoring_entrypoint, row.scoring_config)


def _changed_scoring(row: ChallengeRow, given: dict[str, Any], scorer: AttemptScorer) -> Scoring:
    strategy = ScoringStrategy(given.get("scoring_strategy") or row.scoring_strategy)
    switched = strategy.value != row.scoring_strategy

    def current(field: str) -> Any:
        # A new strategy starts from nothing; otherwise unsent fields are kept.
        return given[field] if field in given else (None if switched else getattr(row, field))

    plugin_id, entrypoint = current("scoring_plugin_id"), current("scoring_entrypoint")
    if "scoring_entrypoint" in given and "scoring_plugin_id" not in given:
        plugin_id = None  # a new entrypoint: the old plugin id no longer describes it
    return checked_scoring(
        strategy, plugin_id, entrypoint, current("scoring_config"), scorer=scorer
    )


def update_challenge(
    db: Database,
    *,
    tenant_id: str,
    challenge_id: str,
    changes: ChallengeUpdate,
    now_ms: int,
    scorer: AttemptScorer = IN_PROCESS_SCORER,
) -> ChallengeRow:
    given = changes.model_dump(exclude_unset=True)
    scoring: Scoring | None = None
    if any(field in given for field in _SCORING_FIELDS):
        # Checked before the transaction: loading a plugin in the sandbox may take seconds.
        with db.read() as session:
            before = ChallengeRepository(session).get(challenge_id, tenant_id=tenant_id)
        scoring = _changed_scoring(before, given, scorer)
    with db.write() as session:
        challenges = ChallengeRepository(session)
        row = challenges.lock(challenge_id, tenant_id=tenant_id)
        if scoring is not None and _scoring_of(row) != _scoring_of(before):
            raise ConflictError(
                f"challenge {row.id!r} was changed meanwhile; send the change again",
                [Problem("scoring_strategy", "changed meanwhile")],
            )
        for field in ("name", "description", "goal", "is_active"):
            if given.get(field) is not None:
                setattr(row, field, given[field])
        for field in ("app_id", "workflow_id", "timeout_ms"):
            if field in given:
                setattr(row, field, given[field])
        if scoring is not None:
            wanted = (scoring.strategy.value, scoring.plugin_id, scoring.entrypoint, scoring.config)
            if wanted != _scoring_of(row) and AttemptRepository(session).list(
                challenge_id=row.id, limit=1
            ):
                raise ConflictError(
                    f"challenge {row.id!r} has attempts: its scoring can no longer change "
                    "(create a new challenge instead)",
                    [Problem("scoring_strategy", "the challenge has attempts")],
                )
            row.scoring_strategy, row.scoring_plugin_id, row.scoring_entrypoint = wanted[:3]
            row.scoring_config = scoring.config
        row.updated_at = now_ms
        session.flush()
    CHALLENGE_CACHE.forget(ChallengeCache.key(db, tenant_id=tenant_id, challenge_id=row.id))
    return row


def get_challenge(
    db: Database, *, tenant_id: str, challenge_id: str, include_inactive: bool
) -> ChallengeRow:
    with db.read() as session:
        return _visible(ChallengeRepository(session), tenant_id, challenge_id, include_inactive)


def _visible(
    challenges: ChallengeRepository, tenant_id: str, challenge_id: str, include_inactive: bool
) -> ChallengeRow:
    row = challenges.get(challenge_id, tenant_id=tenant_id)
    if not row.is_active and not include_inactive:
        raise NotFoundError("challenge", challenge_id)  # inactive ones are hidden from players
    return row


def list_challenges(
    db: Database, *, tenant_id: str, include_inactive: bool, limit: int, offset: int
) -> list[ChallengeRow]:
    with db.read() as session:
        return ChallengeRepository(session).list(
            tenant_id=tenant_id, active_only=not include_inactive, limit=limit, offset=offset
        )


def delete_challenge(db: Database, *, tenant_id: str, challenge_id: str) -> None:
    """The challenge, its attempts and its standings, gone."""
    with db.write() as session:
        challenges = ChallengeRepository(session)
        challenges.delete(challenges.lock(challenge_id, tenant_id=tenant_id))
    CHALLENGE_CACHE.forget(ChallengeCache.key(db, tenant_id=tenant_id, challenge_id=challenge_id))


@dataclass(frozen=True, slots=True)
class RecordedAttempt:
    """An attempt stored, and what it changed on the challenge's leaderboard."""

    challenge: ChallengeRow
    attempt: ChallengeAttemptRow
    standing: ChallengeEntryRow
    rank: int | None
    previous_rank: int | None
    personal_best: bool
    leader_before: str | None
    leader_after: str | None


AttemptListener = Callable[[Session, RecordedAttempt], None]


def outcome_of(row: ChallengeAttemptRow) -> AttemptOutcome:
    return AttemptOutcome(
        attempt_id=row.id,
        end_user_id=row.end_user_id,
        succeeded=row.succeeded,
        created_at=row.created_at,
        tokens_total=row.tokens_total,
        elapsed_ms=row.elapsed_ms,
        rating=row.rating,
        score=row.score,
    )


@dataclass(frozen=True, slots=True)
class PendingAttempt:
    """An attempt about to be scored: what a precheck may refuse it on."""

    tenant_id: str
    challenge_id: str
    end_user_id: str
    now_ms: int


AttemptPrecheck = Callable[[Session, PendingAttempt], None]


class ChallengeCache(BoundedCache[tuple[str, str, str], ChallengeRow]):
    """Challenges attempts were recorded for, by store, tenant and id: the challenge an attempt
    is scored with, without reading it first. Never trusted: the attempt's lock returns the
    challenge as it is, and an attempt scored with one that changed since is scored again
    (``record_attempt``). An inactive challenge is always read. The rows kept are not changed.
    """

    def __init__(self, max_challenges: int = 1_024) -> None:
        super().__init__(max_challenges)

    @staticmethod
    def key(db: Database, *, tenant_id: str, challenge_id: str) -> tuple[str, str, str]:
        return (db.url, tenant_id, challenge_id)


CHALLENGE_CACHE = ChallengeCache()


class _StaleChallengeError(Exception):
    """The challenge changed between the memory it was scored from and the attempt's lock."""


def _scored_by(row: ChallengeRow) -> tuple[Any, ...]:
    """What scoring an attempt reads of its challenge (``AttemptScorer.score``), and whether
    the challenge takes attempts."""
    return (*_scoring_of(row), row.timeout_ms, row.app_id, row.workflow_id, row.is_active)


def _challenge_to_score(
    session: Session,
    key: tuple[str, str, str],
    *,
    tenant_id: str,
    challenge_id: str,
    cache: ChallengeCache | None,
) -> tuple[ChallengeRow, bool]:
    """The challenge to score an attempt with, and whether it came from ``cache`` (rather than
    from ``session``): one read for all the threads that miss it at once."""

    def read() -> ChallengeRow:
        return ChallengeRepository(session).for_attempt(challenge_id, tenant_id=tenant_id)

    if cache is None:
        return read(), False
    read_here: list[bool] = []

    def load() -> ChallengeRow:
        read_here.append(True)
        return read()

    found = cache.get_or_load(key, load)
    if read_here:
        return found, False
    if not found.is_active:  # it may be active again: ask the store
        cache.forget(key)
        return read(), False
    return found, True


def _standing_key(entry: ChallengeEntryRow | None) -> StandingKey | None:
    if entry is None or not entry.placed:
        return None
    return StandingKey(entry.sort_value, entry.best_created_at or 0)


def record_attempt(
    db: Database,
    *,
    tenant_id: str,
    challenge_id: str,
    spec: AttemptCreate,
    scorer: AttemptScorer,
    now_ms: int,
    max_clock_skew_ms: int,
    listeners: Sequence[AttemptListener] = (),
    prechecks: Sequence[AttemptPrecheck] = (),
    challenges: ChallengeCache | None = CHALLENGE_CACHE,
) -> RecordedAttempt:
    """Score the attempt, store it, update the player's standing; return what changed.

    ``prechecks`` (fair play) run in the transaction that reads the challenge, before a scorer
    plugin scores the attempt: what they spare is the plugin's time, so a challenge scored by a
    built-in strategy skips them (a read transaction of its own when the challenge comes from
    memory: a fifth to a quarter of the API process's CPU per POST); the ``listeners`` inside
    the lock are the check of record either way. The transaction holding the challenge's lock
    then does five statements (the lock, which bumps the revision; the standing; the attempt;
    both ranks and the leader; the standing written), a sixth only when the player takes the
    lead, plus what ``listeners`` need.

    The challenge is taken from ``challenges`` when it is there (``None``: always read), and
    kept there as the lock returns it. If what scoring reads of it changed since it was kept,
    the attempt is rolled back and recorded again with the challenge read from the store, as
    it would have been without the cache.
    """
    arguments: dict[str, Any] = {
        "tenant_id": tenant_id,
        "challenge_id": challenge_id,
        "spec": spec,
        "scorer": scorer,
        "now_ms": now_ms,
        "max_clock_skew_ms": max_clock_skew_ms,
        "listeners": listeners,
        "prechecks": prechecks,
    }
    try:
        return _record_attempt(db, **arguments, challenges=challenges, from_cache=True)
    except _StaleChallengeError:
        return _record_attempt(db, **arguments, challenges=challenges, from_cache=False)


def _record_attempt(
    db: Database,
    *,
    tenant_id: str,
    challenge_id: str,
    spec: AttemptCreate,
    scorer: AttemptScorer,
    now_ms: int,
    max_clock_skew_ms: int,
    listeners: Sequence[AttemptListener],
    prechecks: Sequence[AttemptPrecheck],
    challenges: ChallengeCache | None,
    from_cache: bool,
) -> RecordedAttempt:
    key = ChallengeCache.key(db, tenant_id=tenant_id, challenge_id=challenge_id)
    with db.read() as session:
        challenge, from_memory = _challenge_to_score(
            session,
            key,
            tenant_id=tenant_id,
            challenge_id=challenge_id,
            cache=challenges if from_cache else None,
        )
        if ScoringStrategy(challenge.scoring_strategy) is ScoringStrategy.CUSTOM:
            pending = PendingAttempt(tenant_id, challenge_id, spec.end_user_id, now_ms)
            for precheck in prechecks:
                precheck(session, pending)
        created_at = now_ms if spec.created_at is None else instant_ms(spec.created_at)
        if created_at > now_ms + max_clock_skew_ms:
            raise InvalidInputError.for_field("created_at", "is in the future")
    if not challenge.is_active:
        raise ConflictError(f"challenge {challenge_id!r} is not active: it takes no attempts")
    probe = AttemptOutcome(
        attempt_id=0,
        end_user_id=spec.end_user_id,
        succeeded=spec.succeeded,
        created_at=created_at,
        tokens_total=spec.tokens_total,
        elapsed_ms=spec.elapsed_ms,
        rating=spec.rating,
    )
    scored = scorer.score(challenge, probe, tenant_id=tenant_id)
    strategy = ScoringStrategy(challenge.scoring_strategy)
    scored_with = _scoring_of(challenge)
    scored_by = _scored_by(challenge)
    value = strategy_value(strategy, replace(probe, score=scored.score))
    ordered = sort_value(strategy, value)
    with db.write() as session:
        # The lock is an UPDATE of the revision (rolled back with the attempt if it fails);
        # on PostgreSQL the standing is read after it, in a snapshot that sees the writer
        # the lock waited for.
        try:
            challenge = ChallengeRepository(session).lock_for_attempt(
                challenge_id, tenant_id=tenant_id
            )
        except NotFoundError:
            if challenges is not None:
                challenges.forget(key)
            raise
        if from_memory and _scored_by(challenge) != scored_by:
            assert challenges is not None
            challenges.put(key, challenge)
            raise _StaleChallengeError
        if _scoring_of(challenge) != scored_with or not challenge.is_active:
            raise ConflictError(
                f"challenge {challenge_id!r} changed while the attempt was scored; send it again"
            )
        if challenges is not None:
            challenges.put(key, challenge)
        standings = StandingRepository(session)
        entry = standings.find(challenge_id=challenge.id, end_user_id=spec.end_user_id)
        attempt = AttemptRepository(session).insert(
            challenge_id=challenge.id,
            tenant_id=tenant_id,
            end_user_id=spec.end_user_id,
            workflow_run_id=spec.workflow_run_id,
            succeeded=spec.succeeded,
            tokens_total=spec.tokens_total,
            elapsed_ms=spec.elapsed_ms,
            rating=spec.rating,
            created_at=created_at,
            recorded_at=now_ms,
            score=scored.score,
            score_details=scored.details,
            failed_reason=scored.failed_reason,
        )
        before = _standing_key(entry)
        personal_best = spec.succeeded and (
            entry is None
            or not entry.placed
            or order_key_of(ordered, created_at, attempt.id)
            < order_key_of(entry.sort_value, entry.best_created_at or 0, entry.best_attempt_id or 0)
        )
        changes: dict[str, Any] = {
            "attempts": (entry.attempts if entry is not None else 0) + 1,
            "updated_at": now_ms,
        }
        first_success_at = entry.first_success_at if entry is not None else None
        if spec.succeeded and (first_success_at is None or created_at < first_success_at):
            changes["first_success_at"] = created_at
        if personal_best:
            changes.update(
                placed=True,
                best_attempt_id=attempt.id,
                best_value=value,
                sort_value=ordered,
                best_created_at=created_at,
            )
        after = StandingKey(ordered, created_at) if personal_best else before
        placing = standings.placing(challenge_id=challenge.id, before=before, after=after)
        if entry is None:
            entry = standings.insert(
                challenge_id=challenge.id, end_user_id=spec.end_user_id, values=changes
            )
        else:
            standings.update(entry, changes)
        previous_rank, rank = placing.rank_before, placing.rank_after
        recorded = RecordedAttempt(
            challenge=challenge,
            attempt=attempt,
            standing=entry,
            rank=rank,
            previous_rank=previous_rank,
            personal_best=personal_best,
            leader_before=placing.leader,
            # Only this player's entry moved: the leader changes only if they are now first.
            leader_after=(
                standings.leader(challenge_id=challenge.id)
                if personal_best and rank == 1
                else placing.leader
            ),
        )
        for listener in listeners:
            listener(session, recorded)
        return recorded


@dataclass(frozen=True, slots=True)
class RankedStanding:
    rank: int
    entry: ChallengeEntryRow


@dataclass(frozen=True, slots=True)
class ChallengeLeaderboard:
    challenge: ChallengeRow
    total: int
    limit: int
    offset: int
    standings: list[RankedStanding]


class StandingsCache(BoundedCache[tuple[object, ...], tuple[int, list[RankedStanding]]]):
    """Pages of standings by challenge revision: reused until an attempt bumps the revision.

    The key holds the revision read with the challenge, so a page is never served once a newer
    attempt is visible; each process keeps its own (bounded) cache.
    """

    def __init__(self, max_pages: int = 2_048) -> None:
        super().__init__(max_pages)


STANDINGS_CACHE = StandingsCache()


def _ranked_page(
    standings: StandingRepository, challenge_id: str, *, limit: int, offset: int
) -> tuple[int, list[RankedStanding]]:
    entries = standings.page(challenge_id=challenge_id, limit=limit, offset=offset)
    ranked: list[RankedStanding] = []
    for position, entry in enumerate(entries, start=offset + 1):
        if not ranked:
            rank = standings.rank_of(entry) or position
        elif (ranked[-1].entry.sort_value, ranked[-1].entry.best_created_at) == (
            entry.sort_value,
            entry.best_created_at,
        ):
            rank = ranked[-1].rank
        else:
            rank = position
        ranked.append(RankedStanding(rank, entry))
    return standings.count_placed(challenge_id=challenge_id), ranked


def challenge_leaderboard(
    db: Database,
    *,
    tenant_id: str,
    challenge_id: str,
    include_inactive: bool,
    limit: int,
    offset: int,
    cache: StandingsCache = STANDINGS_CACHE,
) -> ChallengeLeaderboard:
    """A page of the stored standings; the same page of the same revision is read once."""
    with db.read() as session:
        challenge = _visible(
            ChallengeRepository(session), tenant_id, challenge_id, include_inactive
        )
        key = (db.url, challenge.id, challenge.created_at, challenge.revision, limit, offset)
        page = cache.get_or_load(
            key,
            lambda: _ranked_page(
                StandingRepository(session), challenge.id, limit=limit, offset=offset
            ),
        )
    total, ranked = page
    return ChallengeLeaderboard(
        challenge=challenge, total=total, limit=limit, offset=offset, standings=ranked
    )


def list_attempts(
    db: Database,
    *,
    tenant_id: str,
    challenge_id: str,
    include_inactive: bool,
    end_user_id: str | None,
    limit: int,
    offset: int,
) -> list[ChallengeAttemptRow]:
    with db.read() as session:
        challenge = _visible(
            ChallengeRepository(session), tenant_id, challenge_id, include_inactive
        )
        return AttemptRepository(session).list(
            challenge_id=challenge.id, end_user_id=end_user_id, limit=limit, offset=offset
        )
