"""API keys: create (the token is shown once), list, revoke, and authenticate a token.

A token reads ``pdm_<key id>_<secret>``. Only the SHA-256 of the whole token is stored; a token
is checked by looking its key up by id and comparing digests in constant time
(``hmac.compare_digest``). ``PODIUM_ADMIN_KEY`` is a bootstrap admin key of the default tenant
that lives in the environment, not in the store.

With no key at all (none stored, no ``PODIUM_ADMIN_KEY``) an instance bound to loopback lets
every request act as the local admin; bound to any other address it refuses to start.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from podium.domain.access import DEFAULT_TENANT, Principal, Role
from podium.errors import ConfigurationError, InvalidInputError
from podium.settings import Settings
from podium.store.api_keys import ApiKeyRepository, ApiKeyRow
from podium.store.database import Database

log = logging.getLogger(__name__)

TOKEN_PREFIX = "pdm"  # noqa: S105 - the tokens' prefix, not a secret
ADMIN_KEY_ID = "env:PODIUM_ADMIN_KEY"
# last_used_at is written at most this often per key: a read must not become a write each time.
TOUCH_EVERY_MS = 60_000
_MAX_TOKEN_LENGTH = 200


@dataclass(frozen=True, slots=True)
class CreatedKey:
    row: ApiKeyRow
    token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_tenant(tenant_id: str) -> str:
    tenant = tenant_id.strip()
    if not tenant or len(tenant) > 64 or not all(c.isalnum() or c in "_-" for c in tenant):
        raise InvalidInputError.for_field(
            "tenant", "1 to 64 letters, digits, '_' or '-' (e.g. 'acme')"
        )
    return tenant


def create_key(
    db: Database, *, role: Role, tenant_id: str = DEFAULT_TENANT, name: str = "", now_ms: int
) -> CreatedKey:
    tenant = _check_tenant(tenant_id)
    if len(name) > 200:
        raise InvalidInputError.for_field("name", "at most 200 characters")
    key_id = secrets.token_hex(8)
    token = f"{TOKEN_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    row = ApiKeyRow(
        id=key_id,
        tenant_id=tenant,
        role=role.value,
        name=name,
        secret_sha256=_digest(token),
        created_at=now_ms,
        last_used_at=None,
        revoked_at=None,
    )
    with db.write() as session:
        ApiKeyRepository(session).add(row)
    return CreatedKey(row=row, token=token)


def list_keys(db: Database, *, tenant_id: str | None = None) -> list[ApiKeyRow]:
    with db.read() as session:
        return ApiKeyRepository(session).list(tenant_id=tenant_id)


def revoke_key(db: Database, *, key_id: str, now_ms: int) -> ApiKeyRow:
    with db.write() as session:
        return ApiKeyRepository(session).revoke(key_id, at_ms=now_ms)


def keys_configured(db: Database, settings: Settings) -> bool:
    """Whether requests must carry a key: an admin key is set, or a key is stored."""
    if settings.admin_key is not None:
        return True
    with db.read() as session:
        return ApiKeyRepository(session).count_active() > 0


def authenticate(db: Database, settings: Settings, *, token: str, now_ms: int) -> Principal | None:
    """The principal of a bearer token; ``None`` for an unknown, malformed or revoked one."""
    if settings.admin_key is not None and hmac.compare_digest(
        _digest(token), _digest(settings.admin_key.get_secret_value())
    ):
        return Principal(tenant_id=DEFAULT_TENANT, role=Role.ADMIN, key_id=ADMIN_KEY_ID)
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != TOKEN_PREFIX or not key_id or not secret or len(token) > _MAX_TOKEN_LENGTH:
        return None
    with db.read() as session:
        row = ApiKeyRepository(session).find(key_id)
        if row is None or not hmac.compare_digest(row.secret_sha256, _digest(token)):
            return None
        if row.revoked_at is not None:
            return None
        principal = Principal(tenant_id=row.tenant_id, role=Role(row.role), key_id=row.id)
        stale = row.last_used_at is None or now_ms - row.last_used_at >= TOUCH_EVERY_MS
    if stale:
        with db.write() as session:
            ApiKeyRepository(session).touch(key_id, at_ms=now_ms)
    return principal


def check_startup_access(db: Database, settings: Settings) -> bool:
    """Refuse to serve a non-loopback address without keys; ``True`` when keys are required.

    Without keys on loopback the instance is open to local writes, and the log says so.
    """
    if keys_configured(db, settings):
        return True
    if not settings.is_loopback:
        raise ConfigurationError(
            f"refusing to serve {settings.host} without API keys: set PODIUM_ADMIN_KEY or "
            "create one with `podium keys create --role admin`, or bind to 127.0.0.1"
        )
    log.warning(
        "no API key is configured: every request to %s acts as the local admin "
        "(local development only; see docs/security.md)",
        settings.host,
    )
    return False
