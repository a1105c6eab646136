"""Every setting of Podium, in one typed object read from ``PODIUM_*`` environment variables.

Settings are validated when they are read: a wrong value stops the process at start-up with a
message naming the variable, not at the first request. ``docs/configuration.md`` documents each
field (a test keeps the two in step).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from podium.errors import ConfigurationError

DEFAULT_DATABASE_URL = "sqlite:///./podium.db"
POSTGRESQL_SCORE_BATCH = 100_000
SQLITE_SCORE_BATCH = 20_000
_URL_SCHEMES = {
    "sqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PODIUM_", extra="ignore", frozen=True)

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the store: sqlite:///path or postgresql+psycopg://...",
    )
    host: str = Field("127.0.0.1", description="Address `podium serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `podium serve` listens on.")
    score_interval: float = Field(
        900.0, gt=0, description="Seconds between two score cycles of the worker (15 min)."
    )
    score_batch_size: int | None = Field(
        None,
        ge=100,
        le=1_000_000,
        description=(
            "Predictions scored per transaction; default: 100,000 on PostgreSQL, "
            "20,000 on SQLite (a batch holds SQLite's only writer)."
        ),
    )
    ingest_max_rows: int = Field(
        50_000, ge=1, le=1_000_000, description="Most rows one bulk ingest request may carry."
    )
    max_clock_skew: float = Field(
        300.0, ge=0, description="Seconds a client clock may run ahead of the server's."
    )
    default_competition: str | None = Field(
        None, description="Competition the /reports routes show when none is named."
    )
    page_size_max: int = Field(1_000, ge=1, description="Cap on the `limit` of any listing.")
    stream_poll_interval: float = Field(
        2.0, gt=0, le=60, description="Seconds between two looks for new leaderboards by a stream."
    )
    api_workers: int = Field(
        1, ge=1, le=64, description="API processes `podium serve` runs (the score worker: once)."
    )
    read_cache_ms: int = Field(
        1_000,
        ge=0,
        le=60_000,
        description="Milliseconds a report read may lag a change made by another process.",
    )
    attempt_clearance_ms: int = Field(
        60_000,
        ge=0,
        le=3_600_000,
        description="Milliseconds a player found clear (not banned, no attempt limits) skips "
        "the fair-play check before a scorer plugin; 0: checked before every attempt.",
    )
    scorer_timeout_ms: int = Field(
        5_000,
        ge=10,
        le=600_000,
        description="Milliseconds a challenge scorer plugin may take, unless the challenge says.",
    )
    scorer_workers: int = Field(
        2, ge=1, le=64, description="Worker processes that run sandboxed scorer plugins."
    )
    scorer_memory_limit_mb: int = Field(
        1_024,
        ge=256,  # a worker maps ~170 MiB before it runs any plugin
        description="Address-space ceiling of each scorer worker process, in MiB.",
    )
    scorer_sandbox: bool = Field(
        True,
        description="Run plugin scorers in worker processes; false runs them in the API "
        "process (only for plugins you trust).",
    )
    webhook_timeout: float = Field(
        5.0, gt=0, le=60, description="Seconds a webhook receiver has to answer one delivery."
    )
    webhook_max_attempts: int = Field(
        8, ge=1, le=50, description="Tries of one webhook delivery before it is marked failed."
    )
    webhook_backoff: float = Field(
        2.0,
        gt=0,
        le=3600,
        description="Seconds before the first retry of a webhook delivery; doubled each time.",
    )
    webhook_poll_interval: float = Field(
        1.0, gt=0, le=60, description="Seconds between two looks for due webhook deliveries."
    )
    events_poll_interval: float = Field(
        1.0, gt=0, le=60, description="Seconds between two looks for new events by an event stream."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Level of the application log."
    )
    log_json: bool = Field(False, description="Write the log as JSON lines.")
    # security (docs/security.md) ----------------------------------------------------------
    admin_key: SecretStr | None = Field(
        None, description="A bootstrap admin key of the default tenant (deployments, scripts)."
    )
    write_rate_limit: int = Field(
        600, ge=0, description="Write requests one key may make per minute (0: no limit)."
    )
    max_body_bytes: int = Field(
        32 * 1024 * 1024, ge=1024, description="Largest request body accepted (413 above)."
    )
    cors_origins: str = Field(
        "", description="Comma-separated origins allowed by CORS; empty: CORS off."
    )

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        scheme, separator, rest = value.partition("://")
        if not separator or scheme not in _URL_SCHEMES:
            raise ValueError(
                "must start with sqlite:/// or postgresql+psycopg:// "
                f"(got {value.split('://')[0]!r})"
            )
        return f"{_URL_SCHEMES[scheme]}://{rest}"

    @field_validator("admin_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 24:
            raise ValueError(
                "must be at least 24 characters (generate one with `openssl rand -hex 32`)"
            )
        return value

    @field_validator("cors_origins")
    @classmethod
    def _explicit_origins(cls, value: str) -> str:
        for origin in (part.strip() for part in value.split(",")):
            if origin == "*":
                raise ValueError("a wildcard origin is refused: list the origins allowed")
            if origin and not origin.startswith(("http://", "https://")):
                raise ValueError(f"{origin!r} is not an origin like https://example.org")
        return value

    @property
    def cors_origin_list(self) -> list[str]:
        return [
            origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()
        ]

    @property
    def is_loopback(self) -> bool:
        """Bound to this machine only (127.0.0.0/8, ::1 or localhost)."""
        host = self.host.strip("[]")
        return host == "localhost" or host == "::1" or host.startswith("127.")

    @property
    def score_batch(self) -> int:
        """``score_batch_size``, or the default of the store's backend.

        Every batch upserts the roll-ups of the (model, param, bucket) it touches, so larger
        batches cost fewer upserts per prediction; on SQLite a batch also holds the one writer
        (API writes wait for it), so its default stays smaller.
        """
        if self.score_batch_size is not None:
            return self.score_batch_size
        return SQLITE_SCORE_BATCH if self.is_sqlite else POSTGRESQL_SCORE_BATCH

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment plus ``overrides``; ``ConfigurationError`` if invalid."""
    clean = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**clean)  # type: ignore[arg-type]
    except ValidationError as error:
        reasons = "; ".join(
            f"PODIUM_{'_'.join(str(part) for part in item['loc']).upper()}: {item['msg']}"
            for item in error.errors()
        )
        raise ConfigurationError(f"invalid settings: {reasons}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
