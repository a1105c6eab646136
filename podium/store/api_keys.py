"""API keys: their table and repository.

A key is stored as its public id and the SHA-256 of its secret, never the secret itself;
the clear token is shown once, when the key is created. Revoked keys are kept (with the time
they were revoked) so that ``podium keys list`` still tells who had access.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from podium.errors import NotFoundError
from podium.store.tables import Base


class ApiKeyRow(Base):
    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint("role IN ('read', 'ingest', 'admin')", name="role"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200), default="")
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[int]
    last_used_at: Mapped[int | None]
    revoked_at: Mapped[int | None]


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: ApiKeyRow) -> None:
        self.session.add(row)
        self.session.flush()

    def find(self, key_id: str) -> ApiKeyRow | None:
        return self.session.get(ApiKeyRow, key_id)

    def get(self, key_id: str) -> ApiKeyRow:
        row = self.find(key_id)
        if row is None:
            raise NotFoundError("API key", key_id)
        return row

    def list(self, *, tenant_id: str | None = None) -> list[ApiKeyRow]:
        query = select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.id)
        if tenant_id is not None:
            query = query.where(ApiKeyRow.tenant_id == tenant_id)
        return list(self.session.scalars(query))

    def count_active(self) -> int:
        query = select(func.count()).select_from(ApiKeyRow).where(ApiKeyRow.revoked_at.is_(None))
        return int(self.session.scalar(query) or 0)

    def revoke(self, key_id: str, *, at_ms: int) -> ApiKeyRow:
        row = self.get(key_id)
        if row.revoked_at is None:
            row.revoked_at = at_ms
            self.session.flush()
        return row

    def touch(self, key_id: str, *, at_ms: int) -> None:
        self.session.execute(
            update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(last_used_at=at_ms)
        )
