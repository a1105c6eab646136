"""Who competes: players and their models, and params (the scopes models predict)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from podium.domain.model import Model, Param, Player
from podium.errors import NotFoundError
from podium.store.database import dialect_insert
from podium.store.tables import ModelRow, ParamRow, PlayerRow

_CHUNK = 500


def chunked(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class RosterRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # players -------------------------------------------------------------------------------
    def upsert_players(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        statement = dialect_insert(self.session, PlayerRow)
        statement = statement.on_conflict_do_update(
            index_elements=["id"], set_={"name": statement.excluded.name}
        )
        self.session.execute(statement, list(rows))

    def players(self, *, tenant_id: str | None = None) -> list[PlayerRow]:
        statement = select(PlayerRow).order_by(PlayerRow.id)
        if tenant_id is not None:
            statement = statement.where(PlayerRow.tenant_id == tenant_id)
        return list(self.session.scalars(statement))

    def player_tenants(self, ids: Iterable[str]) -> dict[str, str]:
        """The tenant of each stored player among ``ids``."""
        found: dict[str, str] = {}
        for chunk in chunked(sorted(set(ids))):
            statement = select(PlayerRow.id, PlayerRow.tenant_id).where(PlayerRow.id.in_(chunk))
            found.update(
                (player_id, tenant) for player_id, tenant in self.session.execute(statement)
            )
        return found

    def existing_player_ids(self, ids: Iterable[str]) -> set[str]:
        wanted = sorted(set(ids))
        found: set[str] = set()
        for chunk in chunked(wanted):
            found.update(self.session.scalars(select(PlayerRow.id).where(PlayerRow.id.in_(chunk))))
        return found

    # models --------------------------------------------------------------------------------
    def upsert_models(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        statement = dialect_insert(self.session, ModelRow)
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=["id"],
            set_={
                "name": excluded.name,
                "player_id": excluded.player_id,
                "is_active": excluded.is_active,
                "updated_at": excluded.updated_at,
            },
        )
        self.session.execute(statement, list(rows))

    def model_rows(self, ids: Iterable[str]) -> dict[str, ModelRow]:
        wanted = sorted(set(ids))
        found: dict[str, ModelRow] = {}
        for chunk in chunked(wanted):
            for row in self.session.scalars(select(ModelRow).where(ModelRow.id.in_(chunk))):
                found[row.id] = row
        return found

    def model_activity(
        self, competition_id: str, ids: Iterable[str], *, lock: bool = False
    ) -> dict[str, bool]:
        """``is_active`` of the competition's models among ``ids`` (plain rows, no ORM objects).

        ``lock``: on PostgreSQL the rows found stay locked ``FOR KEY SHARE`` until the
        transaction ends, as a foreign key's check would lock them (see ``PredictionRow``).
        """
        return self._column_by_id(ModelRow, ModelRow.is_active, competition_id, ids, lock=lock)

    def get_model(self, model_id: str, *, competition_id: str | None = None) -> ModelRow:
        row = self.session.get(ModelRow, model_id)
        if row is None or (competition_id is not None and row.competition_id != competition_id):
            raise NotFoundError("model", model_id)
        return row

    def models(self, competition_id: str) -> list[tuple[ModelRow, PlayerRow]]:
        statement = (
            select(ModelRow, PlayerRow)
            .join(PlayerRow, PlayerRow.id == ModelRow.player_id)
            .where(ModelRow.competition_id == competition_id)
            .order_by(ModelRow.id)
        )
        return [(model, player) for model, player in self.session.execute(statement)]

    def domain_models(self, competition_id: str, *, active_only: bool = True) -> list[Model]:
        return [
            Model(
                crunch_identifier=model.id,
                name=model.name,
                player=Player(id=player.id, name=player.name),
                is_active=model.is_active,
            )
            for model, player in self.models(competition_id)
            if model.is_active or not active_only
        ]

    # params --------------------------------------------------------------------------------
    def upsert_params(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        statement = dialect_insert(self.session, ParamRow)
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=["competition_id", "id"],
            set_={
                "asset": excluded.asset,
                "horizon": excluded.horizon,
                "step": excluded.step,
                "extra": excluded.extra,
            },
        )
        self.session.execute(statement, list(rows))

    def param_horizons(
        self, competition_id: str, ids: Iterable[str], *, lock: bool = False
    ) -> dict[str, int | None]:
        """The horizon of the competition's params among ``ids``; ``lock`` as in
        ``model_activity``."""
        return self._column_by_id(ParamRow, ParamRow.horizon, competition_id, ids, lock=lock)

    def _column_by_id(
        self,
        table: type[ModelRow] | type[ParamRow],
        column: InstrumentedAttribute[Any],
        competition_id: str,
        ids: Iterable[str],
        *,
        lock: bool,
    ) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for chunk in chunked(sorted(set(ids))):
            statement = select(table.id, column).where(
                table.competition_id == competition_id, table.id.in_(chunk)
            )
            if lock:
                statement = statement.with_for_update(read=True, key_share=True)
            found.update((row[0], row[1]) for row in self.session.connection().execute(statement))
        return found

    def param_rows(self, competition_id: str) -> list[ParamRow]:
        statement = (
            select(ParamRow).where(ParamRow.competition_id == competition_id).order_by(ParamRow.id)
        )
        return list(self.session.scalars(statement))

    def params(self, competition_id: str) -> dict[str, Param]:
        return {row.id: param_of(row) for row in self.param_rows(competition_id)}


def param_of(row: ParamRow) -> Param:
    return Param(id=row.id, asset=row.asset, horizon=row.horizon, step=row.step, extra=row.extra)
