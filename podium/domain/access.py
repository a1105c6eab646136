"""Who may do what: roles, the principal a request acts as, and the rule between them.

Roles are ordered: ``admin`` may do everything ``ingest`` may, which may do everything ``read``
may. ``admin`` configures (competitions, challenges, plugins, rescore); ``ingest`` writes data
(players, models, params, predictions, ground truth, attempts); ``read`` reads reports.
A principal always belongs to one tenant and only ever sees that tenant's objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DEFAULT_TENANT = "default"


class Role(StrEnum):
    READ = "read"
    INGEST = "ingest"
    ADMIN = "admin"

    @property
    def level(self) -> int:
        return _LEVELS[self]


_LEVELS = {Role.READ: 1, Role.INGEST: 2, Role.ADMIN: 3}


@dataclass(frozen=True, slots=True)
class Principal:
    """The identity a request acts as: a role within a tenant (and the key that proved it)."""

    tenant_id: str
    role: Role
    key_id: str | None = None

    def may(self, needed: Role) -> bool:
        return self.role.level >= needed.level


LOCAL_ADMIN = Principal(tenant_id=DEFAULT_TENANT, role=Role.ADMIN)
